"""Pure helpers for permission-checked downloads: HTTP Range and allowed roots."""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from panhub_catalogue.errors import NotFound, RangeNotSatisfiable
from panhub_catalogue.ingest.beneath import open_beneath

#: at most 18 digits a side: beyond any file, and ``int`` of thousands of digits fails
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, as inclusive ``(first, last)``, or ``None`` for all.

    Parameters
    ----------
    header
        The ``Range`` header, e.g. ``bytes=0-1023``, ``bytes=1024-`` or ``bytes=-500``.
        Malformed or multi-range headers are ignored (the whole file is sent), as
        RFC 9110 allows.
    size
        File size in bytes.

    Raises
    ------
    RangeNotSatisfiable
        The range starts beyond the end of the file.
    """
    match = _RANGE.match(header.strip()) if header else None
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        length = int(last)
        if length == 0 or size == 0:  # no last bytes to send ('bytes 0--1/0' otherwise)
            raise RangeNotSatisfiable(f"empty suffix range in {header!r} of {size} bytes")
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable(f"range {header!r} is outside the file's {size} bytes")
    return start, end


def open_download(location: str, roots: Sequence[str]) -> BinaryIO:
    """The catalogued file at ``location``, opened for reading below one of ``roots``.

    No symbolic link below a root is followed
    (:func:`~panhub_catalogue.ingest.beneath.open_beneath`): a user who swaps a file or
    folder of their proposal for a link into another proposal gets nothing.

    Raises
    ------
    NotFound
        Outside the roots, a link on the way, not a regular file, or not on disk (any
        reason looks the same to the caller).
    """
    try:
        fd = open_beneath(location, roots)
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in an imported location
        raise NotFound(f"file {Path(location).name} is not available for download") from error
    return os.fdopen(fd, "rb")


def content_disposition(location: str) -> str:
    """``Content-Disposition`` naming the file of ``location``, safe for any file name.

    An ASCII fallback (quotes, backslashes and control characters replaced by ``_``) and
    the exact name in RFC 5987 form, so a hostile name cannot break the header.
    """
    name = os.path.basename(location)
    fallback = "".join(c if " " <= c < "\x7f" and c not in '"\\' else "_" for c in name)
    exact = urllib.parse.quote(name, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"
