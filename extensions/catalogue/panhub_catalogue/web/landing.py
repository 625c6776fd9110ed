"""DOI landing pages: HTML with a citation and schema.org JSON-LD (pure string building)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from panhub_catalogue.citation import format_authors, make_citation


def make_jsonld(record: dict[str, Any], publisher: str, url: str) -> dict[str, Any]:
    """A schema.org ``Dataset`` describing an investigation or a data collection."""
    techniques = sorted(
        {t["name"] for d in record.get("datasets", []) for t in d.get("techniques", [])}
    )
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": record.get("title") or record.get("name"),
        "description": record.get("summary") or record.get("title") or "",
        "url": url,
        "publisher": {"@type": "Organization", "name": publisher},
        "creator": [
            {"@type": "Person", "name": n} for n in format_authors(record.get("users", []))
        ],
        "isAccessibleForFree": bool(record.get("isPublic", True)),
    }
    if record.get("doi"):
        document["identifier"] = f"https://doi.org/{record['doi']}"
    date = record.get("releaseDate") or record.get("publicationDate")
    if date:
        document["datePublished"] = date[:10]
    if record.get("startDate"):
        document["temporalCoverage"] = (
            f"{record['startDate'][:10]}/{(record.get('endDate') or '..')[:10]}"
        )
    if techniques:
        document["measurementTechnique"] = techniques
    if record.get("fileSize"):
        document["size"] = f"{record['fileSize']} B"
    return document


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
    logbook_url: str = "",
    figures_url: str = "",
) -> str:
    """The landing page of an investigation or data collection (``kind`` names which).

    A record carrying ``logbook`` (a full investigation page) gets its logbook section,
    linking to ``logbook_url`` for the entries not shown, with figures from
    ``figures_url``.

    A record with ``embargoed`` set (from
    :func:`~panhub_catalogue.records.describe_citation`) gets its citation and an
    "under embargo until" note, and no data counts.
    """
    citation = make_citation(record, publisher)
    jsonld = json.dumps(make_jsonld(record, publisher, url), indent=1)
    # no '<' or '>' in the script: '</script>' would end it, '<!--<script>' would make
    # it swallow the rest of the page
    jsonld = jsonld.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
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
