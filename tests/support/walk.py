"""A walk over the whole file system as one user: everything they can read that is not theirs.

The module is self-contained (standard library only, no panhub import): the tests send
its source to ``python3 -`` in a user's login shell and to a kernel in the user's own
server, and :func:`find_foreign_reads` answers in both places.

What counts as a foreign read (the rule, not a list of files, so that a state file added
later is caught without touching the tests):

- any file opened for reading or non-empty folder listed below a *watched root* (the hub's and
  catalogue's state, SLURM's and munge's spool, logs and keys, the proposals roots,
  other users' homes, the test artifacts), unless it is the user's own;
- anywhere else, any file or folder owned by a *watched account* (another hub user, a
  service account) that the user can read;
- any other user's process whose ``/proc/PID/environ`` or ``cmdline`` the user can read.

The allow-list is what every user must see: the system trees in ``skip`` (not walked),
the user's own home and proposals (``own``), root's system files elsewhere.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from typing import Any


def _under(path: str, prefixes: list[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def _can_read(path: str, mode: int) -> bool:
    try:
        if stat.S_ISDIR(mode):
            with os.scandir(path) as entries:
                next(entries, None)
            return True
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        os.read(fd, 1)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _foreign_processes() -> tuple[list[str], int]:
    me, found, seen = os.getuid(), [], 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            owner = os.stat(f"/proc/{name}").st_uid
        except OSError:
            continue
        if owner == me:
            continue
        seen += 1
        for part in ("environ", "cmdline"):
            try:
                with open(f"/proc/{name}/{part}", "rb") as f:
                    if f.read(1):
                        found.append(f"/proc/{name}/{part}")
            except OSError:
                pass
    return found, seen


def find_foreign_reads(rules: dict[str, Any]) -> dict[str, Any]:
    """Walk ``/`` as the current user; return foreign reads and counts.

    ``rules`` has ``skip`` (trees not walked), ``own`` (the user's own trees),
    ``watched_roots`` and ``watched_uids`` as described in the module docstring.
    """
    skip, own = rules["skip"], rules["own"]
    roots, uids = rules["watched_roots"], set(rules["watched_uids"])
    foreign: list[str] = []
    checked = 0
    # from the root, and from each watched root too: a folder that may be entered but
    # not listed (0711) hides its children from a walk, not from whoever knows the name
    stack, seen = ["/", *roots], set()
    while stack:
        top = stack.pop()
        if top in seen:
            continue
        seen.add(top)
        if top in roots and top != "/" and not _under(top, own):
            try:
                info = os.stat(top, follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISDIR(info.st_mode):
                continue
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            path = entry.path
            if _under(path, skip):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode) or not (
                stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)
            ):
                continue
            watched = _under(path, roots) or info.st_uid in uids
            readable = _can_read(path, info.st_mode)
            if watched and not _under(path, own):
                checked += 1
                # an empty folder (a view's hiding tmpfs) shows nothing when listed
                if readable and not (stat.S_ISDIR(info.st_mode) and not os.listdir(path)):
                    foreign.append(path)
            if stat.S_ISDIR(info.st_mode) and readable:
                stack.append(path)
    processes, seen = _foreign_processes()
    return {"foreign": sorted(foreign + processes), "checked": checked, "processes": seen}


if __name__ == "__main__":
    print(json.dumps(find_foreign_reads(json.loads(sys.argv[1]))))
