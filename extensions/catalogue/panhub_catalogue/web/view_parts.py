"""What the portal's pages share: sizes, counts and days as shown, URLs that keep a
search, pagers, labelled links, a session's documents (pure; the templates escape)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from panhub_catalogue.web.params import MAX_OFFSET, SEARCH_PARAMETERS

UNITS = ("B", "KB", "MB", "GB", "TB", "PB", "EB")


def format_size(size: int | None) -> str:
    """``1234567`` as ``1.2 MB`` (decimal units, as the Lab panel shows); '' for ``None``."""
    if size is None or size < 0:
        return ""
    if size < 1000:
        return f"{size} B"
    value, unit = float(size), 0
    while value >= 999.95 and unit < len(UNITS) - 1:
        value /= 1000
        unit += 1
    return f"{value:.1f} {UNITS[unit]}" if value < 10 else f"{value:.0f} {UNITS[unit]}"


def format_count(count: int | None) -> str:
    """``12345`` as ``12,345``; '' for ``None``."""
    return "" if count is None else f"{count:,}"


def format_day(moment: str | None) -> str:
    """``2024-07-18T09:00:00Z`` as ``2024-07-18`` (the UTC calendar day); '' for ``None``."""
    return moment[:10] if moment else ""


def clean_params(params: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Query parameters without empty values (a plain GET form sends every field).

    ``text=&dateFrom=&beamline=BL13`` becomes ``{"beamline": ["BL13"]}``: what remains is
    what :func:`~panhub_catalogue.web.params.parse_search` reads, and what the page's
    links carry on.
    """
    cleaned = {name: [v for v in values if v.strip()] for name, values in params.items()}
    return {name: values for name, values in cleaned.items() if values}


def make_url(base: str, params: Mapping[str, Sequence[str]], **changes: Any) -> str:
    """``base`` with ``params``, the search parameters in their usual order.

    Each keyword replaces that parameter: a string or a list of strings; ``None`` removes
    it. Changing any filter or the sort starts again at the first page (``offset``
    removed) unless ``offset`` itself is given.
    """
    merged = {name: list(values) for name, values in params.items()}
    if "offset" not in changes:
        merged.pop("offset", None)
    for name, value in changes.items():
        if value is None or value == [] or value == "":
            merged.pop(name, None)
        else:
            merged[name] = [value] if isinstance(value, str) else [str(v) for v in value]
    order = {name: n for n, name in enumerate(SEARCH_PARAMETERS)}
    pairs = [
        (name, value)
        for name in sorted(merged, key=lambda n: (order.get(n, len(order)), n))
        for value in merged[name]
    ]
    return f"{base}?{urlencode(pairs)}" if pairs else base


@dataclass(frozen=True)
class PageLink:
    """One link of the pager (``href`` ``None`` for the current page or a gap)."""

    label: str
    href: str | None
    current: bool = False
    rel: str | None = None


def make_pager(
    base: str, params: Mapping[str, Sequence[str]], total: int, limit: int, offset: int
) -> list[PageLink]:
    """Previous, the first, last and nearby pages, Next; none when all fits on one page."""
    if total <= limit and offset == 0:
        return []
    pages = (total + limit - 1) // limit
    current = offset // limit
    last = min(pages - 1, MAX_OFFSET // limit)

    def link(page: int, label: str | None = None, rel: str | None = None) -> PageLink:
        text = label or f"{page + 1:,}"
        if page == current and label is None:
            return PageLink(text, None, current=True)
        offset = str(page * limit) if page else None
        return PageLink(text, make_url(base, params, offset=offset), rel=rel)

    links = [link(current - 1, "Previous", "prev")] if current > 0 else []
    shown = sorted({0, last, *range(max(0, current - 2), min(last, current + 2) + 1)})
    previous = -1
    for page in shown:
        if page - previous > 1:
            links.append(PageLink("…", None))
        links.append(link(page))
        previous = page
    if current < last:
        links.append(link(current + 1, "Next", "next"))
    return links


@dataclass(frozen=True)
class Link:
    """A labelled value, linked when it has a URL (a fact of an item, an action, a file)."""

    label: str
    value: str
    href: str | None = None


#: What the portal calls a session's documents.
DOCUMENT_LABELS = {"report": "Experimental report", "aform": "A-Form"}


def describe_documents(base: str, documents: Mapping[str, Mapping[str, Any]]) -> list[Link]:
    """A session's report and A-Form (:func:`~.portal_answers.find_documents`), as
    downloads: label, ``<name> (<size>)``, the download route."""
    return [
        Link(
            DOCUMENT_LABELS[kind],
            f"{documents[kind]['name']} ({format_size(documents[kind]['fileSize'])})",
            f"{base}api/datafiles/{int(documents[kind]['id'])}/download",
        )
        for kind in DOCUMENT_LABELS
        if kind in documents
    ]


def describe_release(item: Mapping[str, Any]) -> tuple[str, str]:
    """``(day, label)``: ``Public`` since, or ``Embargoed`` until, the release date."""
    day = format_day(item.get("releaseDate"))
    if item.get("isPublic"):
        return day, f"Public since {day}" if day else "Public"
    return day, f"Embargoed until {day}" if day else "Embargoed (no release date set)"
