"""Open a file below a trusted root without following symbolic links on the way.

Users can write under their proposals (``processed/`` is theirs), so a path the catalogue
keeps may later hold a symbolic link, or a folder swapped for one, that points into
another proposal. The catalogue's indexer and downloads run with more rights than the
user, so they open files here: the root itself is trusted (it may be a link, e.g.
``/data -> /gpfs/data``), and every component below it is opened relative to its parent
with ``O_NOFOLLOW``, which leaves no window between a check and the open.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import PurePosixPath


class NotBeneath(OSError):
    """The path is outside the roots, holds a symbolic link, or is not a regular file."""


def split_beneath(path: str, roots: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """The root ``path`` lies under (longest first) and the components below it.

    Each root is tried as written and resolved (``os.path.realpath``), so a path recorded
    through either spelling matches. ``path`` must be absolute and normal (no ``..``,
    ``.`` or doubled slashes).

    Raises
    ------
    NotBeneath
        ``path`` is not absolute and normal, or lies under none of ``roots``.
    """
    if not path.startswith("/") or os.path.normpath(path) != path:
        raise NotBeneath(f"{path!r} is not an absolute, normal path")
    parts = PurePosixPath(path).parts
    candidates = {os.path.normpath(r) for r in roots} | {os.path.realpath(r) for r in roots}
    for root in sorted(candidates, key=len, reverse=True):
        head = PurePosixPath(root).parts
        if parts[: len(head)] == head and len(parts) > len(head):
            return root, parts[len(head) :]
    raise NotBeneath(f"{path!r} is outside {', '.join(roots) or 'every root'}")


def open_beneath(path: str, roots: Sequence[str]) -> int:
    """A read-only descriptor of the regular file ``path``, opened below one of ``roots``.

    Parameters
    ----------
    path
        Absolute path of the file.
    roots
        Trusted folders; nothing below them may be a symbolic link.

    Returns
    -------
    int
        An open file descriptor; the caller closes it.

    Raises
    ------
    NotBeneath
        Outside the roots, a symbolic link on the way, or not a regular file.
    OSError
        The file or a folder is missing or unreadable.
    """
    root, below = split_beneath(path, roots)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in below[:-1]:
            parent, fd = fd, _open_at(name, fd, os.O_DIRECTORY)
            os.close(parent)
        parent, fd = fd, _open_at(below[-1], fd, os.O_NONBLOCK)
        os.close(parent)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotBeneath(f"{path!r} is not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_at(name: str, dir_fd: int, flags: int) -> int:
    try:
        return os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | flags, dir_fd=dir_fd)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):  # a link; a file where a folder was
            raise NotBeneath(f"{name!r} is a symbolic link or not a folder") from error
        raise


def proc_path(fd: int) -> str:
    """A path that opens the very file behind ``fd`` (for libraries that want a name)."""
    return f"/proc/self/fd/{fd}"
