"""The portal's list page as plain data: rows, columns, sort links, pages, facets (pure).

The portal (:mod:`panhub_catalogue.web.portal`) answers ``GET /services/catalogue/``
with the experiment sessions table. Everything a search is lives in the URL, in the
catalogue's own search parameters (:data:`~panhub_catalogue.web.params.SEARCH_PARAMETERS`,
the Lab panel's): a search is a link, and every link of the page (sort, page, facet
value, year) is that URL with one parameter changed. These functions turn the Lab
panel's answers (``api/investigations`` and ``api/facets``, :mod:`~.answers`) into what
the template shows; they read no database and escape nothing (the templates do).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from panhub_catalogue.search import Search
from panhub_catalogue.web.params import SEARCH_PARAMETERS
from panhub_catalogue.web.view_parts import (
    describe_release,
    format_count,
    format_day,
    format_size,
    make_pager,
    make_url,
)

#: Page sizes offered (the first is the portal's default).
PAGE_SIZES = (25, 50, 100)


@dataclass(frozen=True)
class Column:
    """A column of the sessions table: its header, the sort field (if any), numbers right."""

    id: str
    label: str
    sort: str | None = None
    numeric: bool = False


#: The facility portal's columns, in its order (the Lab panel's, plus the A-Form).
COLUMNS = (
    Column("proposal", "Proposal", "name"),
    Column("beamline", "Beamline", "beamline"),
    Column("start", "Start", "startDate"),
    Column("title", "Title", "title"),
    Column("aform", "A-Form"),
    Column("samples", "Samples", "sampleCount", numeric=True),
    Column("datasets", "Datasets", "datasetCount", numeric=True),
    Column("files", "Files", "fileSize", numeric=True),
    Column("release", "Release", "releaseDate"),
    Column("doi", "DOI", "doi"),
    Column("logbook", "Logbook", "logbookCount", numeric=True),
)
#: Sort fields whose first click sorts descending (newest, largest first).
DESCENDING_FIRST = {
    "startDate",
    "releaseDate",
    "fileSize",
    "sampleCount",
    "datasetCount",
    "logbookCount",
}


@dataclass(frozen=True)
class Header:
    """A column header: its label, and when sortable, the link and ``aria-sort``."""

    column: Column
    href: str | None = None
    aria_sort: str | None = None
    action: str = ""


def make_headers(base: str, params: Mapping[str, Sequence[str]], search: Search) -> list[Header]:
    """The table's headers: a sortable column links to the page sorted by it.

    The column the page is sorted by (its first key) says so in ``aria-sort`` and links
    to the other direction; another column's link sorts by it, descending first for
    dates, sizes and counts.
    """
    field, descending = search.sort[0] if search.sort else ("", False)
    headers = []
    for column in COLUMNS:
        if column.sort is None:
            headers.append(Header(column))
            continue
        if column.sort == field:
            flip = not descending
            state = "descending" if descending else "ascending"
            action = f"sorted {state}; sort {'descending' if flip else 'ascending'}"
        else:
            flip, state = column.sort in DESCENDING_FIRST, None
            action = f"sort {'descending' if flip else 'ascending'}"
        href = make_url(base, params, sort=("-" if flip else "") + column.sort)
        headers.append(Header(column, href, state, action))
    return headers


@dataclass(frozen=True)
class Option:
    """A facet value: shown with its count, checked when the search has it."""

    value: str
    count: int
    checked: bool
    label: str = ""


@dataclass(frozen=True)
class Facet:
    """A group of facet values sharing one parameter (any-of)."""

    name: str
    label: str
    options: tuple[Option, ...]


def make_facet(
    name: str, label: str, counted: Iterable[Mapping[str, Any]], chosen: Sequence[str]
) -> Facet:
    """A facet from ``api/facets`` counts; a chosen value without a count is kept, at 0.

    The chosen values come first, then the others; each by name, so that values stay
    in place while counts change.
    """
    counts = {str(v["value"]): int(v["count"]) for v in counted}
    for value in chosen:
        counts.setdefault(value, 0)
    order = sorted(counts, key=lambda v: (v not in chosen, v.lower(), v))
    options = tuple(Option(v, counts[v], v in chosen) for v in order)
    return Facet(name, label, options)


def make_access(counted: Iterable[Mapping[str, Any]], access: str) -> tuple[Option, ...]:
    """The Public/Embargoed choice; ``All`` counts both."""
    counts = {str(v["value"]): int(v["count"]) for v in counted}
    return (
        Option("all", sum(counts.values()), access == "all", "All"),
        Option("public", counts.get("public", 0), access == "public", "Public"),
        Option("embargoed", counts.get("embargoed", 0), access == "embargoed", "Embargoed"),
    )


@dataclass(frozen=True)
class YearLink:
    """A start year of the matching sessions, linking to the search limited to it."""

    year: str
    count: int
    href: str
    current: bool


def make_years(
    base: str, params: Mapping[str, Sequence[str]], counted: Iterable[Mapping[str, Any]]
) -> list[YearLink]:
    """Links to each start year (newest first): its whole calendar year as the dates."""
    links = []
    for value in sorted(counted, key=lambda v: str(v["value"]), reverse=True):
        year = str(value["value"])
        start, end = f"{year}-01-01", f"{year}-12-31"
        current = params.get("dateFrom") == [start] and params.get("dateTo") == [end]
        href = make_url(base, params, dateFrom=start, dateTo=end)
        links.append(YearLink(year, int(value["count"]), href, current))
    return links


@dataclass(frozen=True)
class Document:
    """A file of the facility's documents of a session (its report, its A-Form)."""

    name: str
    href: str
    size: str


@dataclass(frozen=True)
class Row:
    """One experiment session as the table shows it (text, not yet escaped)."""

    id: int
    proposal: str
    visit: str
    href: str
    datasets_href: str
    beamlines: str
    start: str
    title: str
    aform: Document | None
    samples: str
    datasets: str
    files: str
    size: str
    public: bool
    release: str
    release_label: str
    doi: str | None
    logbook: int
    logbook_href: str

    @property
    def doi_prefix(self) -> str:
        return (self.doi or "").partition("/")[0]

    @property
    def doi_suffix(self) -> str:
        return (self.doi or "").partition("/")[2]


def make_rows(
    base: str,
    items: Iterable[Mapping[str, Any]],
    logbooks: Mapping[int, int],
    aforms: Mapping[int, Document],
) -> list[Row]:
    """The table's rows from ``api/investigations`` items and the page's extras.

    ``logbooks`` counts each session's logbook entries, ``aforms`` its A-Form (when the
    catalogue holds one); both are keyed by investigation id.
    """
    rows = []
    for item in items:
        identifier = int(item["id"])
        landing = f"{base}landing/investigations/{identifier}"
        day, label = describe_release(item)
        rows.append(
            Row(
                id=identifier,
                proposal=str(item["name"]),
                visit=str(item.get("visitId") or ""),
                href=landing,
                datasets_href=f"{base}investigations/{identifier}",
                beamlines=", ".join(item.get("beamlines") or []),
                start=format_day(item.get("startDate")),
                title=str(item.get("title") or ""),
                aform=aforms.get(identifier),
                samples=format_count(item.get("sampleCount")),
                datasets=format_count(item.get("datasetCount")),
                files=format_count(item.get("fileCount")),
                size=format_size(item.get("fileSize")),
                public=bool(item.get("isPublic")),
                release=day,
                release_label=label,
                doi=item.get("doi"),
                logbook=logbooks.get(identifier, 0),
                logbook_href=f"{landing}#logbook",
            )
        )
    return rows


def describe_range(total: int, limit: int, offset: int) -> str:
    """``1 to 50 of 1,234 experiment sessions``; ``3 experiment sessions`` when all are
    on the page; ``No experiment sessions match`` when none."""
    if total == 0:
        return "No experiment sessions match"
    noun = "experiment session" if total == 1 else "experiment sessions"
    if offset >= total:
        return f"Past the end of {total:,} {noun}"
    if offset == 0 and total <= limit:
        return f"{total:,} {noun}"
    return f"{offset + 1:,} to {min(total, offset + limit):,} of {total:,} {noun}"


def describe_sort(search: Search) -> str:
    """``sorted by Start, newest first`` for the table's caption."""
    if not search.sort:
        return ""
    field, descending = search.sort[0]
    label = next((c.label for c in COLUMNS if c.sort == field), field)
    return f"sorted by {label}, {'descending' if descending else 'ascending'}"


@dataclass(frozen=True)
class Chip:
    """An active filter, shown as a link that removes it."""

    label: str
    href: str


FACET_LABELS = {"beamline": "Beamline", "technique": "Technique", "user": "User"}


def make_chips(base: str, params: Mapping[str, Sequence[str]]) -> list[Chip]:
    """The search's filters, each a link to the same search without it."""
    chips = []
    for text in params.get("text", [])[:1]:
        chips.append(Chip(f"Search: {text}", make_url(base, params, text=None)))
    for access in params.get("access", [])[:1]:
        if access in ("public", "embargoed"):
            chips.append(Chip(access.capitalize(), make_url(base, params, access=None)))
    if params.get("mine"):
        chips.append(Chip("My data", make_url(base, params, mine=None)))
    for name, label in FACET_LABELS.items():
        values = [v.strip() for raw in params.get(name, []) for v in raw.split(",") if v.strip()]
        for value in values:
            rest = [v for v in values if v != value]
            chips.append(Chip(f"{label}: {value}", make_url(base, params, **{name: rest})))
    for name, label in (("dateFrom", "From"), ("dateTo", "To")):
        for value in params.get(name, [])[:1]:
            chips.append(Chip(f"{label} {value}", make_url(base, params, **{name: None})))
    return chips


def get_form(params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The values the filter form shows (the first of each, '' when absent)."""
    first: dict[str, Any] = {name: (params.get(name) or [""])[0] for name in SEARCH_PARAMETERS}
    first["mine"] = first["mine"].lower() in ("1", "true", "yes")
    return first


def make_portal_context(
    base: str,
    params: Mapping[str, Sequence[str]],
    search: Search,
    data: Mapping[str, Any],
    documents_url: str,
    default_limit: int = PAGE_SIZES[0],
) -> dict[str, Any]:
    """Everything ``portal.html`` shows, from :func:`~.portal_answers.portal_rows`'s answer
    with the facets (``data["facets"]``: ``api/facets``'s counts).

    ``documents_url`` is the download route's prefix (``<base>api/datafiles/``): an
    A-Form links to ``<documents_url><id>/download``. ``default_limit`` is the page size
    of a URL that names none (the page's script leaves it out of the URLs it makes).
    """
    page, facets = data["page"], data["facets"]
    aforms = {
        int(i): Document(
            d["aform"]["name"],
            f"{documents_url}{int(d['aform']['id'])}/download",
            format_size(d["aform"]["fileSize"]),
        )
        for i, d in data["documents"].items()
        if "aform" in d
    }
    logbooks = {int(i): int(n) for i, n in data["logbooks"].items()}
    return {
        "form": get_form(params),
        "access": make_access(facets.get("access", []), search.access),
        "facets": [
            make_facet(name, label, facets.get(name, []), getattr(search, f"{name}s"))
            for name, label in FACET_LABELS.items()
            if name != "user"
        ],
        "users": list(search.users),
        "years": make_years(base, params, facets.get("year", [])),
        "rows": make_rows(base, page["items"], logbooks, aforms),
        "headers": make_headers(base, params, search),
        "pager": make_pager(base, params, page["total"], search.limit, search.offset),
        "chips": make_chips(base, params),
        "range_text": describe_range(page["total"], search.limit, search.offset),
        "sort_text": describe_sort(search),
        "limit": search.limit,
        "page_sizes": sorted({*PAGE_SIZES, search.limit, default_limit}),
        "default_limit": default_limit,
        "total": page["total"],
    }
