"""DOI landing pages: HTML with a citation and schema.org JSON-LD (pure string building).

The citation and the JSON-LD come from the item's DataCite document
(:mod:`panhub_catalogue.publish.formats`), as does every other form of the landing URL
(content negotiation: :func:`~panhub_catalogue.publish.formats.choose_format`).
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from panhub_catalogue.citation import Document, make_text_citation
from panhub_catalogue.publish.formats import make_jsonld, make_script_json


def make_embargo_note(record: dict[str, Any]) -> str:
    """``Under embargo until <date>.`` for citation-only records, else ''."""
    if not record.get("embargoed"):
        return ""
    release = record.get("releaseDate")
    until = f"until {release[:10]}" if release else "(no release date set)"
    return (
        f"Under embargo {until}. Members of the proposal and beamline staff can sign in "
        "to see its data."
    )


def make_rows(record: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The landing page's table; citation-only records have no data counts."""
    rows = [
        ("DOI", record.get("doi")),
        ("Proposal", record.get("name")),
        ("Facility", record.get("facility")),
        ("Beamline", ", ".join(record.get("beamlines", []))),
        ("Start", record.get("startDate")),
        ("End", record.get("endDate")),
        ("Release", record.get("releaseDate") or record.get("publicationDate")),
    ]
    if not record.get("embargoed"):
        rows += [
            ("Datasets", str(len(record.get("datasets", [])))),
            ("Files", str(record.get("fileCount", ""))),
            ("Size (bytes)", str(record.get("fileSize", ""))),
        ]
    return rows


def render_figures(entry: dict[str, Any], figures_url: str) -> str:
    """An entry's figures as ``<img>`` elements of ``<figures_url><id>`` ('' for none)."""
    return "".join(
        f'<figure><img src="{escape(figures_url)}{int(a["id"])}" loading="lazy" '
        f'style="max-width: 100%" alt="figure {n} of the entry of '
        f'{escape(entry["createTime"])}"></figure>'
        for n, a in enumerate(entry.get("attachments", []), 1)
    )


def render_logbook(record: dict[str, Any], base: str, figures_url: str = "") -> str:
    """The logbook section of a full landing page ('' when the record carries none).

    Only records the caller may see whole carry ``logbook`` (newest first); every value
    is HTML-escaped. Figures are images from ``figures_url`` (the attachment route),
    which answers whoever may read the logbook.
    """
    if "logbook" not in record:
        return ""
    entries = record["logbook"]
    items = "\n".join(
        f'<li class="{escape(e["type"])}"><p class="meta">{escape(e["createTime"])} '
        f"{escape(e['author'] or 'beamline')} · {escape(e['type'])} · {escape(e['category'])}"
        + (f" · dataset {escape(e['datasetName'])}" if e.get("datasetName") else "")
        + (f" · tags: {escape(', '.join(e['tags']))}" if e["tags"] else "")
        + f'</p><pre class="content">{escape(e["content"])}</pre>'
        + render_figures(e, figures_url)
        + "</li>"
        for e in entries
    )
    total = record.get("logbookTotal", len(entries))
    more = (
        f'<p>{len(entries)} of {total} entries; all of them: <a href="{escape(base)}">'
        f"{escape(base)}</a></p>\n"
        if total > len(entries)
        else ""
    )
    listing = f'<ol class="logbook">\n{items}\n</ol>\n' if entries else "<p>No entries.</p>\n"
    return f'<section id="logbook">\n<h2>Logbook</h2>\n{more}{listing}</section>\n'


def render_landing(
    record: dict[str, Any],
    kind: str,
    publisher: str,
    url: str,
    document: Document,
    logbook_url: str = "",
    figures_url: str = "",
    today: date | None = None,
) -> str:
    """The landing page of an investigation or data collection (``kind`` names which).

    A record carrying ``logbook`` (a full investigation page) gets its logbook section,
    linking to ``logbook_url`` for the entries not shown, with figures from
    ``figures_url``.

    A record with ``embargoed`` set (from
    :func:`~panhub_catalogue.records.describe_citation`) gets its citation and an
    "under embargo until" note, and no data counts.

    ``document`` is the item's DataCite document as the visitor may see it: the
    citation and the schema.org JSON-LD (escaped for a ``<script>``) are made from it.
    """
    citation = make_text_citation(document)
    jsonld = make_script_json(make_jsonld(document, today))
    title = escape(record.get("title") or record.get("name") or "")
    table = "\n".join(
        f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in make_rows(record) if v
    )
    summary = escape(record.get("summary") or "")
    note = make_embargo_note(record)
    embargo = f'<p class="embargo">{escape(note)}</p>\n' if note else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="canonical" href="{escape(url)}">
<script type="application/ld+json">
{jsonld}
</script>
</head>
<body>
<main>
<p>{escape(publisher)} {escape(kind)}</p>
<h1>{title}</h1>
{embargo}<p>{summary}</p>
<table>
{table}
</table>
<h2>Cite as</h2>
<p class="citation">{escape(citation)}</p>
{render_logbook(record, logbook_url, figures_url)}</main>
</body>
</html>
"""


def render_index(
    username: str | None, items: list[dict[str, Any]], total: int, base: str, publisher: str
) -> str:
    """The service's front page: who you are, a sign-in link, the newest visible records."""
    who = (
        f"Signed in as <b>{escape(username)}</b>."
        if username
        else f'Not signed in: public data only. <a href="{escape(base)}login">Sign in</a>'
    )
    rows = "".join(
        f'<li><a href="{escape(base)}landing/investigations/{i["id"]}">'
        f"{escape(i['name'])}</a> {escape(i.get('title') or '')}"
        f" ({'public' if i.get('isPublic') else 'embargoed'})</li>"
        for i in items
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(publisher)} data catalogue</title></head><body>"
        f'<h1>{escape(publisher)} data catalogue</h1><p id="who">{who}</p>'
        f"<p>{total} investigations visible to you; the newest:</p><ul>{rows}</ul>"
        f'<p>API: <a href="{escape(base)}api/investigations">{escape(base)}api/investigations'
        "</a></p></body></html>\n"
    )
