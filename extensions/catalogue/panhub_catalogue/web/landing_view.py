"""A landing page as plain data: read from the item's DataCite document (pure).

What the page says about the work (title, creators with their ORCID iDs, publisher,
year, version, resource type, licence, related works, keywords, dates, abstract) is
read from the one DataCite document the visitor may see
(:func:`~panhub_catalogue.web.answers.landing_document`), the same that DataCite,
OAI-PMH, JSON-LD and the citations get. What only the catalogue knows (the data: its
datasets, files, sizes, logbook, the session's experimental report and A-Form, how to
open it) comes from the catalogue's record of the item, which the visibility rule has
already cut to what the visitor may see. Nothing here escapes: the template does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import segno

from panhub_catalogue.citation import (
    Document,
    get_abstract,
    get_dates,
    get_orcid,
    get_publisher,
    get_related_url,
    get_title,
)
from panhub_catalogue.web.view_parts import (
    Link,
    describe_documents,
    format_count,
    format_day,
    format_size,
)

#: The content-negotiated forms of a landing page, as links (``?format=<name>``).
FORMATS = (
    ("bibtex", "BibTeX"),
    ("ris", "RIS"),
    ("csl", "CSL-JSON"),
    ("text", "Text"),
    ("datacite-xml", "DataCite XML"),
    ("datacite-json", "DataCite JSON"),
    ("jsonld", "Schema.org JSON-LD"),
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True)
class LandingExtras:
    """What the service adds to a landing page beyond the record and the document.

    Attributes
    ----------
    base
        The service's URL prefix (links to the portal's pages).
    documents
        The session's report and A-Form files (``{"report"|"aform": file}``), shown
        only on a page the visitor may see whole.
    member
        The visitor is a member of the session's proposal (JupyterLab has its data).
    signed_in
        The visitor is signed in.
    hub, lab_view
        The hub's URL prefix and where a member's JupyterLab sees their proposals.
    """

    base: str = "/services/catalogue/"
    documents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    member: bool = False
    signed_in: bool = False
    hub: str = "/hub/"
    lab_view: str = "/data"


@dataclass(frozen=True)
class Person:
    """A creator as the page shows them: name, ORCID link, affiliations."""

    name: str
    orcid: str | None
    affiliations: tuple[str, ...]
    organisation: bool


def describe_people(document: Document) -> list[Person]:
    """The creators in order, ``Given Family`` for people whose parts are known."""
    people = []
    for creator in document.get("creators") or []:
        organisation = creator.get("nameType") == "Organizational"
        given, family = creator.get("givenName"), creator.get("familyName")
        name = f"{given} {family}" if given and family and not organisation else creator["name"]
        affiliations = tuple(
            str(a.get("name", "")) for a in creator.get("affiliation") or [] if a.get("name")
        )
        people.append(Person(str(name), get_orcid(creator), affiliations, organisation))
    return people


def describe_relation(relation: str) -> str:
    """``IsSupplementTo`` as ``Is supplement to``."""
    return _CAMEL.sub(" ", relation).capitalize()


def describe_related(document: Document) -> list[Link]:
    """Related works: the relation (label), the identifier, its URL."""
    related = []
    for entry in document.get("relatedIdentifiers") or []:
        url = get_related_url(entry)
        href = url if url.startswith(("https://", "http://")) else None
        kind = entry.get("relatedIdentifierType", "")
        value = str(entry.get("relatedIdentifier", ""))
        shown = value if kind != "DOI" else value.removeprefix("https://doi.org/")
        related.append(Link(describe_relation(str(entry.get("relationType", ""))), shown, href))
    return related


def describe_licence(document: Document) -> Link | None:
    """The first licence: its name, SPDX id and legal code."""
    for rights in document.get("rightsList") or []:
        if rights.get("rights"):
            spdx = str(rights.get("rightsIdentifier") or "").upper()
            return Link(spdx, str(rights["rights"]), rights.get("rightsUri"))
    return None


def describe_keywords(document: Document) -> list[Link]:
    """Subjects: techniques (linked to their PaNET term) and keywords."""
    return [
        Link(str(s.get("subjectScheme") or ""), str(s["subject"]), s.get("valueUri"))
        for s in document.get("subjects") or []
        if s.get("subject")
    ]


def describe_type(document: Document) -> str:
    """``Dataset (Experiment session)``: the general type and the specific one."""
    types = document.get("types") or {}
    general, specific = types.get("resourceTypeGeneral", ""), types.get("resourceType")
    return f"{general} ({specific})" if specific else str(general)


def get_proposals(record: Mapping[str, Any], document: Document) -> list[str]:
    """The item's proposals: a session's, those a data collection's data comes from, or
    (a citation-only record) the document's ``Proposal`` alternate identifiers."""
    if record.get("name"):
        return [str(record["name"])]
    found = [str(i["name"]) for i in record.get("investigations") or [] if i.get("name")]
    return found or [
        str(a.get("alternateIdentifier"))
        for a in document.get("alternateIdentifiers") or []
        if a.get("alternateIdentifierType") == "Proposal"
    ]


def get_sizes(record: Mapping[str, Any], document: Document) -> tuple[int | None, int | None]:
    """Files and bytes: the record's (a session), else the document's ``sizes``."""
    if "fileCount" in record:
        return record.get("fileCount"), record.get("fileSize")
    found: dict[str, int] = {}
    for size in document.get("sizes") or []:
        number, _, unit = str(size).partition(" ")
        if number.isdigit() and unit in ("files", "bytes"):
            found[unit] = int(number)
    return found.get("files"), found.get("bytes")


def describe_rows(record: Mapping[str, Any], document: Document) -> list[Link]:
    """The metadata table: the catalogue's facts of the item, then the document's.

    A citation-only record (``embargoed``) has no data counts: only what its DOI says.
    """
    doi = document.get("doi") or record.get("doi")
    rows = [
        Link("DOI", str(doi), f"https://doi.org/{doi}") if doi else None,
        Link("Proposal", ", ".join(get_proposals(record, document))),
        Link("Facility", str(record.get("facility") or "")),
        Link("Beamline", ", ".join(record.get("beamlines") or [])),
        Link("Start", format_day(record.get("startDate"))),
        Link("End", format_day(record.get("endDate"))),
        Link("Release", format_day(record.get("releaseDate") or record.get("publicationDate"))),
    ]
    if not record.get("embargoed"):
        files, size = get_sizes(record, document)
        rows += [
            Link("Datasets", str(len(record.get("datasets") or []))),
            Link("Files", format_count(files)),
            Link("Size", format_size(size)),
        ]
    licence = describe_licence(document)
    rows += [
        Link("Publisher", get_publisher(document)),
        Link("Publication year", str(document.get("publicationYear") or "")),
        Link("Resource type", describe_type(document)),
        Link("Version", str(document.get("version") or "")),
        Link("Licence", licence.value, licence.href) if licence else None,
    ]
    return [row for row in rows if row is not None and row.value]


def make_qr_svg(target: str) -> str:
    """An inline SVG QR code of ``target`` (segno; its title names the target)."""
    code = segno.make(target, error="m")
    svg: str = code.svg_inline(
        scale=3, border=2, title=f"QR code of {target}", svgclass="qr-code", omitsize=True
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def make_format_links(url: str) -> list[Link]:
    """Links to each content-negotiated form of the page (``<url>?format=<name>``)."""
    return [Link(label, name, f"{url}?format={name}") for name, label in FORMATS]


def make_access(record: Mapping[str, Any], kind: str, extras: LandingExtras) -> list[Link]:
    """The "Access data" actions for a page the visitor may see whole.

    A session: its datasets and files in the portal (each file downloadable), and
    JupyterLab (a member opens the proposal's folder; others open the Lab, whose
    Catalogue panel copies public data into their workspace). A data collection: the
    sessions its data comes from.
    """
    if record.get("embargoed") or "id" not in record:
        return []
    if kind == "investigations":
        actions = [
            Link(
                "Browse and download the files",
                "datasets and files in the catalogue",
                f"{extras.base}investigations/{int(record['id'])}",
            )
        ]
        proposal = quote(str(record.get("name") or ""), safe="")
        if extras.member:
            lab = f"{extras.hub}user-redirect/lab/tree{extras.lab_view}/{proposal}"
            actions.append(Link("Open in JupyterLab", f"{extras.lab_view}/{proposal}", lab))
        elif extras.signed_in:
            lab = f"{extras.hub}user-redirect/lab"
            actions.append(Link("Open JupyterLab", "copy it from the Catalogue panel", lab))
        return actions
    return [
        Link(
            "Browse and download the files",
            f"{i.get('name')}: {i.get('title') or ''}".strip(": "),
            f"{extras.base}investigations/{int(i['id'])}",
        )
        for i in record.get("investigations") or []
    ]


def make_documents(extras: LandingExtras, record: Mapping[str, Any]) -> list[Link]:
    """The session's experimental report and A-Form, as downloads (whole pages only)."""
    return [] if record.get("embargoed") else describe_documents(extras.base, extras.documents)


def make_landing_context(
    record: Mapping[str, Any], kind: str, url: str, document: Document, extras: LandingExtras
) -> dict[str, Any]:
    """Everything ``landing.html`` shows but the citation, the JSON-LD and the logbook.

    ``kind`` is the route's (``investigations`` or ``collections``); ``url`` is the
    page's own URL as the world sees it (its QR code, when the item has no DOI).
    """
    doi = document.get("doi")
    target = f"https://doi.org/{doi}" if doi else url
    descriptions = document.get("descriptions") or []
    technical = [
        str(d["description"])
        for d in descriptions
        if d.get("descriptionType") == "TechnicalInfo" and d.get("description")
    ]
    abstract = get_abstract(document)
    available = get_dates(document, "Available")
    return {
        "title": get_title(document) or str(record.get("title") or record.get("name") or ""),
        "type_label": "Experiment session" if kind == "investigations" else "Data collection",
        "people": describe_people(document),
        "abstract": abstract if abstract not in technical else "",
        "technical": technical,
        "rows": describe_rows(record, document),
        "related": describe_related(document),
        "keywords": describe_keywords(document),
        "available": format_day(available[0]) if available else "",
        "public": bool(record.get("isPublic", not record.get("embargoed"))),
        "embargoed": bool(record.get("embargoed")),
        "access": make_access(record, kind, extras),
        "documents": make_documents(extras, record),
        "qr": make_qr_svg(target),
        "qr_target": target,
        "formats": make_format_links(url),
        "doi": doi,
        "proposal": ", ".join(get_proposals(record, document)),
    }
