"""Copy a catalogued file into this server: resumable, capped, with progress, never overwriting.

Used by the Python API's ``Catalogue.download`` and by the Lab's "copy into my
workspace" (:mod:`panhub_catalogue.lab.copies`). Standard library only.

The bytes go to ``<name>.part`` beside the target; a later call resumes it with an HTTP
Range, and the finished file takes its name only if nothing has that name yet (a hard
link, which fails rather than replaces).
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path

from panhub_catalogue.client import CatalogueClient, UpstreamError
from panhub_catalogue.errors import CatalogueError, RangeNotSatisfiable

#: Bytes read and written at a time.
CHUNK = 1 << 20
#: The suffix of a copy in progress.
PART = ".part"
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
#: ``progress(bytes_done, total_bytes)``, called after every chunk.
Progress = Callable[[int, int], None]


class TooLarge(CatalogueError):
    """The file is larger than the cap on copies (HTTP 413)."""

    status = 413


class Cancelled(CatalogueError):
    """The copy was cancelled (its ``.part`` is kept, unless the caller removes it)."""

    status = 409


def format_size(size: float) -> str:
    """``5.0 GiB``: bytes in binary units, one decimal."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def make_file_name(name: object, fallback: str) -> str:
    """A safe file name from a catalogue ``name`` (its last part, no control characters)."""
    text = name if isinstance(name, str) else ""
    text = "".join(c if c >= " " and c != "\x7f" else "_" for c in text.replace("\\", "/"))
    text = text.rsplit("/", 1)[-1].strip()
    return text if text not in ("", ".", "..") else fallback


def check_cap(name: str, size: int | None, max_bytes: int | None) -> None:
    """:class:`TooLarge` when ``size`` exceeds ``max_bytes`` (``None``: no cap, or unknown)."""
    if size is not None and max_bytes is not None and size > max_bytes:
        raise TooLarge(
            f"{name} is {format_size(size)}; copies are capped at {format_size(max_bytes)} "
            "(download it to your computer instead, or raise the cap)"
        )


def get_total(headers: object, status: int, offset: int) -> int | None:
    """The whole file's size from a 200's ``Content-Length`` or a 206's ``Content-Range``."""
    get = getattr(headers, "get", lambda name: None)
    if status == 206:
        match = _CONTENT_RANGE.match(get("Content-Range") or "")
        if match is None or int(match.group(1)) != offset:
            raise UpstreamError("the catalogue answered a range that was not asked for")
        return int(match.group(3))
    length = get("Content-Length")
    return int(length) if length and length.isdigit() else None


def fetch_file(
    client: CatalogueClient,
    datafile_id: int,
    target: Path,
    *,
    max_bytes: int | None = None,
    progress: Progress | None = None,
    is_cancelled: Callable[[], bool] = lambda: False,
) -> Path:
    """Copy datafile ``datafile_id`` to ``target`` (resuming ``target.part``); return ``target``.

    Parameters
    ----------
    client
        The catalogue client (its token decides whether the caller may read the file).
    target
        The file to create; it must not exist.
    max_bytes
        Refuse a file larger than this (:class:`TooLarge`), before or during the copy.
    progress
        Called with the bytes done and the total after every chunk.
    is_cancelled
        Polled after every chunk; when true the copy stops with :class:`Cancelled`.

    Raises
    ------
    FileExistsError
        ``target`` exists (it is never overwritten).
    CatalogueError
        The catalogue refused (404: not visible), is down, or the file is too large.
    """
    if os.path.lexists(target):
        raise FileExistsError(
            errno.EEXIST, "a file of that name exists; it is left as it is", str(target)
        )
    part = target.with_name(target.name + PART)
    offset = part.stat().st_size if part.exists() else 0
    try:
        response = client.open_download(datafile_id, offset)
    except RangeNotSatisfiable:  # the .part is the whole file already, or stale: start over
        part.unlink()
        offset = 0
        response = client.open_download(datafile_id)
    with response:
        if response.status == 200:
            offset = 0
        total = get_total(response.headers, response.status, offset)
        check_cap(target.name, total, max_bytes)
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if offset else os.O_TRUNC)
        with os.fdopen(os.open(part, flags, 0o644), "wb") as out:
            done = offset
            while chunk := read_chunk(client, response):
                out.write(chunk)
                done += len(chunk)
                check_cap(target.name, done, max_bytes)
                if progress is not None:
                    progress(done, total if total is not None else done)
                if is_cancelled():
                    raise Cancelled(f"the copy of {target.name} was cancelled")
    if total is not None and done != total:
        raise UpstreamError(
            f"the transfer of {target.name} stopped at {done} of {total} bytes; "
            "run it again to resume"
        )
    publish(part, target)
    return target


def read_chunk(client: CatalogueClient, response: object) -> bytes:
    """The next chunk of a download; a stall becomes :class:`~.client.TimedOut`."""
    try:
        return response.read(CHUNK)  # type: ignore[attr-defined,no-any-return]
    except OSError as error:
        raise client.make_transport_error(error) from None


def publish(part: Path, target: Path) -> None:
    """Give the finished ``part`` the name ``target``, never replacing a file of that name."""
    try:
        os.link(part, target)
    except FileExistsError:
        raise FileExistsError(
            errno.EEXIST, "a file of that name appeared meanwhile", str(target)
        ) from None
    except OSError:  # no hard links here (some network file systems): check, then rename
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "a file of that name exists", str(target)) from None
        os.rename(part, target)
        return
    part.unlink()
