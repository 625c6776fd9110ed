"""Time as the catalogue stores and shows it: naive UTC, and ISO 8601 with a ``Z``.

Every stored time is naive UTC (SQLite keeps no zone); every time in JSON is
``YYYY-MM-DDTHH:MM:SSZ``. These are the one place either is written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


def utcnow() -> datetime:
    """Naive UTC now, as the catalogue stores times."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(moment: datetime) -> datetime:
    """``moment`` in UTC without a zone; a naive ``moment`` is taken as UTC already.

    Raises
    ------
    OverflowError
        In UTC the year leaves 1-9999 (``0001-01-01T00:00+01:00``).
    """
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@overload
def format_utc(value: datetime) -> str: ...
@overload
def format_utc(value: None) -> None: ...
@overload
def format_utc(value: datetime | None) -> str | None: ...
def format_utc(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 to the second with a ``Z``, or ``None``."""
    return None if value is None else value.isoformat(timespec="seconds") + "Z"
