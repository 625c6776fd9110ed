"""Request query parameters as a :class:`~panhub_catalogue.search.Search`, a
:class:`~panhub_catalogue.logbook.LogbookFilter` or a page.

Every problem raises :class:`~panhub_catalogue.errors.BadRequest` naming the parameter
and the value, so the service can answer 400 with that message. Every route refuses
parameters it does not know, through :func:`reject_unknown`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import cast

from panhub_catalogue.clock import to_naive_utc
from panhub_catalogue.errors import BadRequest
from panhub_catalogue.logbook import MAX_SEARCH, TYPES, LogbookFilter
from panhub_catalogue.model import make_search_text
from panhub_catalogue.search import MAX_WORDS, SORT_FIELDS, Access, Search

SEARCH_PARAMETERS = (
    "text",
    "access",
    "mine",
    "beamline",
    "user",
    "technique",
    "dateFrom",
    "dateTo",
    "sort",
    "limit",
    "offset",
)
MAX_TEXT_LENGTH = 200
MAX_VALUES = 50
MAX_OFFSET = 1_000_000
#: Parameters of ``GET api/investigations/<id>/logbook``.
LOGBOOK_PARAMETERS = ("search", "type", "dataset", "limit", "offset")
#: Largest ``offset`` of a logbook or a dataset's files.
MAX_PAGE_OFFSET = 10**9
TRUE = ("1", "true", "yes")
FALSE = ("0", "false", "no", "")


def reject_unknown(
    params: Iterable[str], known: Sequence[str], *, unlisted: Collection[str] = ()
) -> None:
    """A :class:`BadRequest` naming the first unknown parameter (sorted) and the known ones.

    Parameters
    ----------
    params
        The parameter names given (a mapping's keys).
    known
        The parameters the route takes, in the order the message lists them; none for a
        route that takes none.
    unlisted
        Also accepted, but not listed in the message (aliases).
    """
    unknown = sorted(set(params) - set(known) - set(unlisted))
    if unknown:
        listed = f"known: {', '.join(known)}" if known else "this resource takes none"
        raise BadRequest(f"unknown parameter '{unknown[0][:40]}'; {listed}")


def get_single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    """The one value of ``name``, ``None`` when absent; 400 when given twice."""
    values = params.get(name) or []
    if len(values) > 1:
        raise BadRequest(f"parameter '{name}' given {len(values)} times; give it once")
    return values[0] if values else None


def parse_int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    """An integer in ``[low, high]``."""
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name}: '{value[:40]}' is not an integer") from None
    if not low <= number <= high:
        raise BadRequest(f"{name}: {number} is outside [{low}, {high}]")
    return number


def parse_bool(value: str | None, name: str) -> bool:
    """``1/true/yes`` or ``0/false/no`` (case-insensitive)."""
    if value is None or value.lower() in FALSE:
        return False
    if value.lower() in TRUE:
        return True
    raise BadRequest(f"{name}: '{value[:40]}' is not a boolean (use true or false)")


def parse_datetime(value: str, name: str, *, end: bool = False) -> datetime:
    """ISO 8601 date or datetime as naive UTC; a bare date as ``dateTo`` includes that day.

    Parameters
    ----------
    value
        ``2024-05-01`` or ``2024-05-01T12:00:00+02:00``.
    name
        Parameter name for the error message.
    end
        Treat a bare date as the end of that day (exclusive bound: the next midnight).
    """
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day)
            return moment + timedelta(days=1) if end else moment
        # in UTC, the year may leave 1-9999 (OverflowError)
        parsed = to_naive_utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        raise BadRequest(
            f"{name}: '{value[:40]}' is not an ISO 8601 date (YYYY-MM-DD[THH:MM[:SS][+HH:MM]])"
        ) from None
    return parsed


def parse_words(text: str | None) -> tuple[str, ...]:
    """Free text to search terms; FTS/SQL syntax characters separate words within a term."""
    if text is None or not text.strip():
        return ()
    if len(text) > MAX_TEXT_LENGTH:
        raise BadRequest(f"text: {len(text)} characters, at most {MAX_TEXT_LENGTH}")
    terms = (make_search_text(term) for term in text.split())
    words = tuple(dict.fromkeys(term for term in terms if term))
    if not words:
        raise BadRequest(f"text: '{text[:40]}' contains no searchable word")
    if len(words) > MAX_WORDS:
        raise BadRequest(f"text: {len(words)} words, at most {MAX_WORDS}")
    return words


def parse_sort(value: str | None) -> tuple[tuple[str, bool], ...]:
    """``-startDate,name`` to ``(("startDate", True), ("name", False))``."""
    if value is None or not value.strip():
        return Search.sort
    keys: list[tuple[str, bool]] = []
    for item in value.split(","):
        descending = item.startswith("-")
        name = item.lstrip("+-").strip()
        if name not in SORT_FIELDS:
            raise BadRequest(f"sort: unknown field '{name[:40]}'; use {', '.join(SORT_FIELDS)}")
        keys.append((name, descending))
    return tuple(keys)


def parse_list(params: Mapping[str, Sequence[str]], name: str) -> tuple[str, ...]:
    """Any-of values, repeated or comma-separated, empty items dropped."""
    values = tuple(v.strip() for raw in params.get(name) or [] for v in raw.split(",") if v.strip())
    if len(values) > MAX_VALUES:
        raise BadRequest(f"{name}: {len(values)} values, at most {MAX_VALUES}")
    return values


def parse_search(params: Mapping[str, Sequence[str]], max_limit: int = 500) -> Search:
    """Build a :class:`Search` from query parameters (each a list of strings).

    Parameters
    ----------
    params
        For example tornado's ``request.query_arguments`` decoded to ``str``.
    max_limit
        Largest page size accepted.

    Raises
    ------
    BadRequest
        Unknown parameter, malformed value, or value out of range.
    """
    reject_unknown(params, SEARCH_PARAMETERS)
    access = get_single(params, "access") or "all"
    if access not in ("all", "public", "embargoed"):
        raise BadRequest(f"access: '{access[:40]}' is not one of all, public, embargoed")
    date_from = get_single(params, "dateFrom")
    date_to = get_single(params, "dateTo")
    search = Search(
        words=parse_words(get_single(params, "text")),
        access=cast(Access, access),
        mine=parse_bool(get_single(params, "mine"), "mine"),
        beamlines=parse_list(params, "beamline"),
        users=parse_list(params, "user"),
        techniques=parse_list(params, "technique"),
        date_from=parse_datetime(date_from, "dateFrom") if date_from else None,
        date_to=parse_datetime(date_to, "dateTo", end=True) if date_to else None,
        sort=parse_sort(get_single(params, "sort")),
        limit=parse_int(get_single(params, "limit"), "limit", 50, 1, max_limit),
        offset=parse_int(get_single(params, "offset"), "offset", 0, 0, MAX_OFFSET),
    )
    if search.date_from and search.date_to and search.date_from >= search.date_to:
        raise BadRequest(f"dateFrom {date_from} is not before dateTo {date_to}")
    return search


def parse_logbook_filter(params: Mapping[str, list[str]], max_limit: int = 500) -> LogbookFilter:
    """Query parameters of ``GET api/investigations/<id>/logbook`` as a :class:`LogbookFilter`.

    Raises
    ------
    BadRequest
        Unknown or repeated parameters, bad numbers, unknown type, search too long.
    """
    reject_unknown(params, LOGBOOK_PARAMETERS)
    search = get_single(params, "search") or ""
    if len(search) > MAX_SEARCH:
        raise BadRequest(f"search: {len(search)} characters; at most {MAX_SEARCH}")
    kind = get_single(params, "type")
    if kind is not None and kind not in TYPES:
        raise BadRequest(f"type: '{kind[:40]}' is not one of {', '.join(TYPES)}")
    dataset = get_single(params, "dataset")
    return LogbookFilter(
        search=search.strip(),
        type=kind,
        dataset=None if dataset is None else parse_int(dataset, "dataset", 0, 1, 2**63 - 1),
        limit=parse_int(get_single(params, "limit"), "limit", 50, 1, max_limit),
        offset=parse_int(get_single(params, "offset"), "offset", 0, 0, MAX_PAGE_OFFSET),
    )


def parse_page(
    params: Mapping[str, Sequence[str]], max_limit: int, default_limit: int = 100
) -> tuple[int, int]:
    """``limit`` and ``offset``, the only parameters (``GET api/datasets/<id>/datafiles``)."""
    reject_unknown(params, ("limit", "offset"))
    limit = parse_int(get_single(params, "limit"), "limit", default_limit, 1, max_limit)
    offset = parse_int(get_single(params, "offset"), "offset", 0, 0, MAX_PAGE_OFFSET)
    return limit, offset
