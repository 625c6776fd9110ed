"""DOI landing pages: HTML with a citation and schema.org JSON-LD (pure).

The citation and the JSON-LD come from the item's DataCite document
(:mod:`panhub_catalogue.publish.formats`), as does every other form of the landing URL
(content negotiation: :func:`~panhub_catalogue.publish.formats.choose_format`) and what
the page says of the work (:mod:`~panhub_catalogue.web.landing_view`). The page is the
``landing.html`` template (:mod:`~panhub_catalogue.web.pages`); its logbook section is
built here.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from markupsafe import Markup

from panhub_catalogue.citation import Document, make_text_citation
from panhub_catalogue.publish.formats import make_jsonld, make_script_json
from panhub_catalogue.web.landing_view import LandingExtras, make_landing_context
from panhub_catalogue.web.pages import Site, render


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
    *,
    site: Site | None = None,
    extras: LandingExtras | None = None,
) -> str:
    """The landing page of an investigation or data collection (``kind`` names which).

    A record carrying ``logbook`` (a full investigation page) gets its logbook section,
    linking to ``logbook_url`` for the entries not shown, with figures from
    ``figures_url``.

    A record with ``embargoed`` set (from
    :func:`~panhub_catalogue.records.describe_citation`) gets its citation and an
    "under embargo until" note, and no data counts.

    ``document`` is the item's DataCite document as the visitor may see it: the
    citation, the schema.org JSON-LD (escaped for a ``<script>``) and what the page
    says of the work (:mod:`~panhub_catalogue.web.landing_view`) are made from it.
    ``site`` is the page's frame (who is signed in; anonymous by default), ``extras``
    what the service adds (the session's documents, the links to its data).
    """
    extras = extras or LandingExtras()
    site = site or Site(extras.base, publisher, None, url)
    route = "collections" if kind == "data collection" else "investigations"
    context = make_landing_context(record, route, url, document, extras)
    # the three values marked safe are markup already escaped where they are made: the
    # JSON-LD holds no '<', '>' or '&' (make_script_json), the logbook escapes every
    # value (render_logbook), segno escapes the QR code's title
    return render(
        "landing.html",
        site,
        url=url,
        citation=make_text_citation(document),
        jsonld=Markup(make_script_json(make_jsonld(document, today))),  # noqa: S704
        logbook=Markup(render_logbook(record, logbook_url, figures_url)),  # noqa: S704
        embargo_note=make_embargo_note(record),
        year=str(document.get("publicationYear") or ""),
        **{**context, "qr": Markup(context["qr"])},  # noqa: S704
    )
