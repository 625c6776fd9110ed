"""Pure helpers for permission-checked downloads: HTTP Range and allowed roots."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from panhub_catalogue.errors import NotFound, RangeNotSatisfiable

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


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
        if length == 0:
            raise RangeNotSatisfiable(f"empty suffix range in {header!r}")
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable(f"range {header!r} is outside the file's {size} bytes")
    return start, end


def resolve_download(location: str, roots: Sequence[str]) -> Path:
    """The real path of ``location`` if it is an existing file under one of ``roots``.

    Symbolic links are resolved first, so a link out of the data roots is refused.

    Raises
    ------
    NotFound
        Outside the roots, or not on disk (any reason looks the same to the caller).
    """
    path = Path(os.path.realpath(location))
    allowed = any(path.is_relative_to(os.path.realpath(root)) for root in roots)
    if not allowed or not path.is_file():
        raise NotFound(f"file {Path(location).name} is not available for download")
    return path
