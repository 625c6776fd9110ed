"""Catalogue records as Python objects with notebook reprs (every catalogue string escaped).

Records stay the service's JSON dictionaries (with ICAT's field names), so they print,
serialise and compare as such; they add attribute access (``row.name``) and an HTML
table for notebooks. Titles, abstracts and logbook text are the users' own words: every
value goes through :func:`html.escape` before it reaches the page.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from panhub_catalogue.transfer import format_size

#: A column: its heading and how to get its text from a record.
Column = tuple[str, Callable[[dict[str, Any]], object]]
TABLE_STYLE = "border-collapse:collapse;text-align:left"


def show_date(value: object) -> str:
    """``2026-03-01`` from ``2026-03-01T09:00:00Z`` (empty for none)."""
    return value[:10] if isinstance(value, str) else ""


def show_files(record: dict[str, Any]) -> str:
    """``3 files, 1.2 MiB``."""
    count, size = record.get("fileCount"), record.get("fileSize")
    text = f"{count or 0} files"
    return f"{text}, {format_size(size)}" if isinstance(size, int) else text


def show_release(record: dict[str, Any]) -> str:
    """``Public since 2026-03-01``, ``Embargoed until ...`` or ``Embargoed``."""
    date = show_date(record.get("releaseDate"))
    if record.get("isPublic"):
        return f"Public since {date}" if date else "Public"
    return f"Embargoed until {date}" if date else "Embargoed"


INVESTIGATION_COLUMNS: tuple[Column, ...] = (
    ("Proposal", lambda r: r.get("name")),
    ("Beamline", lambda r: ", ".join(map(str, r.get("beamlines") or []))),
    ("Start", lambda r: show_date(r.get("startDate"))),
    ("Title", lambda r: r.get("title")),
    ("Samples", lambda r: r.get("sampleCount")),
    ("Datasets", lambda r: r.get("datasetCount")),
    ("Files", show_files),
    ("Release", show_release),
    ("DOI", lambda r: r.get("doi")),
)
DATASET_COLUMNS: tuple[Column, ...] = (
    ("Dataset", lambda r: r.get("name")),
    ("Type", lambda r: r.get("type")),
    ("Sample", lambda r: r.get("sample")),
    ("Start", lambda r: show_date(r.get("startDate"))),
    ("Files", show_files),
)
DATAFILE_COLUMNS: tuple[Column, ...] = (
    ("File", lambda r: r.get("name")),
    ("Size", lambda r: format_size(r["fileSize"]) if isinstance(r.get("fileSize"), int) else ""),
    ("Location", lambda r: r.get("location")),
)
ENTRY_COLUMNS: tuple[Column, ...] = (
    ("Time", lambda r: (r.get("createTime") or "").replace("T", " ").rstrip("Z")),
    ("Author", lambda r: r.get("authorFullName") or r.get("author")),
    ("Type", lambda r: r.get("category") or r.get("type")),
    ("Text", lambda r: r.get("content")),
    ("Figures", lambda r: len(r.get("attachments") or []) or ""),
)


def render_text(value: object) -> str:
    """A value as escaped HTML text (``None`` as nothing)."""
    return "" if value is None else html.escape(str(value))


def render_table(
    rows: Iterable[dict[str, Any]], columns: Sequence[Column], caption: str = ""
) -> str:
    """An HTML table of ``rows`` (every cell escaped)."""
    head = "".join(f"<th>{render_text(name)}</th>" for name, _ in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{render_text(get(row))}</td>" for _, get in columns) + "</tr>"
        for row in rows
    )
    caption_html = f"<caption>{render_text(caption)}</caption>" if caption else ""
    return (
        f'<table style="{TABLE_STYLE}">{caption_html}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


class Record(dict[str, Any]):
    """A catalogue record: the service's JSON object, with attribute access and a repr."""

    columns: tuple[Column, ...] = ()
    label = "record"

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def _repr_html_(self) -> str:
        return render_table([self], self.columns)


class Investigation(Record):
    """An investigation (a proposal's visit): a search row or the full record."""

    columns = INVESTIGATION_COLUMNS
    label = "investigation"

    def _repr_html_(self) -> str:
        parts = [render_table([self], self.columns)]
        if self.get("summary"):
            parts.append(f"<p>{render_text(self['summary'])}</p>")
        users = self.get("users") or []
        if users:
            names = ", ".join(
                f"{u.get('fullName') or u.get('name')} ({u.get('role')})" for u in users
            )
            parts.append(f"<p>Members: {render_text(names)}</p>")
        citation = self.get("citation")
        if isinstance(citation, dict) and citation.get("text"):
            parts.append(f"<p>Cite as: {render_text(citation['text'])}</p>")
        return "".join(parts)


class Dataset(Record):
    """A dataset of an investigation."""

    columns = DATASET_COLUMNS
    label = "dataset"


class Datafile(Record):
    """One catalogued file."""

    columns = DATAFILE_COLUMNS
    label = "datafile"


class LogbookEntry(Record):
    """One entry of an investigation's logbook."""

    columns = ENTRY_COLUMNS
    label = "logbook entry"


class RecordList(list[Record]):
    """Records of one kind, shown as one table."""

    def __init__(self, items: Iterable[Record], columns: Sequence[Column], caption: str) -> None:
        super().__init__(items)
        self.columns = tuple(columns)
        self.caption = caption

    def _repr_html_(self) -> str:
        return render_table(self, self.columns, self.caption)
