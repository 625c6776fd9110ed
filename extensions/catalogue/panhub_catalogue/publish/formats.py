"""Every output of one DataCite 4.5 document (pure: dict in, text or XML out).

The catalogue describes an investigation or a data collection ONCE, as a DataCite
Metadata Schema 4.5 JSON document (:mod:`panhub_catalogue.publish.document`); each
function here renders that document in one format, so the DOI's metadata, the landing
page, both OAI-PMH formats, the schema.org JSON-LD and the citations cannot disagree:

======================  =====================================  ==========================
format                  function                               media type
======================  =====================================  ==========================
DataCite XML            :func:`make_datacite_xml`              :data:`DATACITE_XML`
DataCite JSON           (the document itself)                  :data:`DATACITE_JSON`
``oai_datacite``        :func:`make_oai_datacite`              (inside OAI-PMH responses)
``oai_dc``              :func:`make_oai_dc`                    (inside OAI-PMH responses)
schema.org ``Dataset``  :func:`make_jsonld`                    :data:`JSONLD`
CSL-JSON                :func:`~.citation.make_csl`            :data:`CSL_JSON`
BibTeX                  :func:`~.citation.make_bibtex`         :data:`BIBTEX`
RIS                     :func:`~.citation.make_ris`            :data:`RIS`
text citation           :func:`~.citation.make_text_citation`  :data:`BIBLIOGRAPHY`
======================  =====================================  ==========================

:func:`render` renders the document as one of those media types, for the landing page's
content negotiation (:func:`choose_format` reads ``Accept``). Text from the catalogue
may hold anything (``<script>``, braces, ``%``, line breaks): XML is written by
:mod:`panhub_catalogue.publish.xml_text` (which escapes as lxml does), JSON with
:mod:`json` (and :func:`make_script_json` for inside HTML), and the citation formats
escape their own special characters
(:mod:`panhub_catalogue.citation`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from panhub_catalogue.citation import (
    Document,
    get_abstract,
    get_creator_names,
    get_dates,
    get_doi_url,
    get_orcid,
    get_publisher,
    get_related_url,
    get_title,
    make_bibtex,
    make_csl,
    make_ris,
    make_text_citation,
)
from panhub_catalogue.publish.xml_text import XSI_NS, strip_control, write_element, write_resource

OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
XML_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"

DATACITE_XML = "application/vnd.datacite.datacite+xml"
DATACITE_JSON = "application/vnd.datacite.datacite+json"
JSONLD = "application/ld+json"
CSL_JSON = "application/vnd.citationstyles.csl+json"
BIBTEX = "application/x-bibtex"
RIS = "application/x-research-info-systems"
BIBLIOGRAPHY = "text/x-bibliography"

#: DataCite date types that are dates of the record in Dublin Core (not its coverage).
DC_DATES = ("Issued", "Available", "Created", "Updated")
#: Relations whose target a schema.org ``citation`` or Dublin Core ``relation`` names.
CITED_RELATIONS = {"IsSupplementTo", "IsCitedBy", "References", "IsReferencedBy", "IsDocumentedBy"}


# --- DataCite XML and the two OAI-PMH formats ---------------------------------------


def make_datacite_xml(document: Document) -> bytes:
    """DataCite 4.5 XML of ``document``, as a UTF-8 document."""
    return XML_DECLARATION + write_resource(document).encode()


def make_oai_datacite(document: Document, datacentre: str) -> str:
    """DataCite's OAI-PMH format (``oai_datacite``, schema oai-1.1) around the resource,
    as XML text (namespaces declared on it).

    ``datacentre`` is the symbol of the DataCite repository that registers the DOIs
    (``ALBA.DATA``, say).
    """
    return (
        f'<oai_datacite xmlns="{OAI_DATACITE_NS}" xmlns:xsi="{XSI_NS}" '
        f'xsi:schemaLocation="{OAI_DATACITE_NS} {OAI_DATACITE_NS}oai.xsd">'
        f"<schemaVersion>4.5</schemaVersion>"
        f"{write_element('datacentreSymbol', strip_control(datacentre))}"
        f"<payload>{write_resource(document)}</payload></oai_datacite>"
    )


def make_dc_values(document: Document) -> list[tuple[str, str, str | None]]:
    """``(element, value, language)`` of simple Dublin Core, after DataCite's crosswalk.

    Dates are ISO 8601 (the publication year, then the document's own dates but the
    collection period, which is the ``coverage``); identifiers are the DOI's URL and
    the landing page; related identifiers are relations, as URLs where they have one.
    """
    values: list[tuple[str, str, str | None]] = []
    for title in document.get("titles") or []:
        values.append(("title", str(title.get("title", "")), title.get("lang")))
    values += [("creator", name, None) for name in get_creator_names(document)]
    for subject in document.get("subjects") or []:
        values.append(("subject", str(subject.get("subject", "")), subject.get("lang")))
    for description in document.get("descriptions") or []:
        values.append(
            ("description", str(description.get("description", "")), description.get("lang"))
        )
    values.append(("publisher", get_publisher(document), None))
    values += [
        ("contributor", str(c.get("name", "")), None) for c in document.get("contributors") or []
    ]
    values.append(("date", str(document.get("publicationYear", "")), None))
    for date_type in DC_DATES:
        values += [("date", d, None) for d in get_dates(document, date_type)]
    types = document.get("types") or {}
    values += [
        ("type", str(types[k]), None)
        for k in ("resourceTypeGeneral", "resourceType")
        if types.get(k)
    ]
    values += [("format", str(f), None) for f in document.get("formats") or []]
    values += [
        ("identifier", link, None) for link in (get_doi_url(document), document.get("url")) if link
    ]
    if document.get("language"):
        values.append(("language", str(document["language"]), None))
    for related in document.get("relatedIdentifiers") or []:
        values.append(("relation", get_related_url(related), None))
    values += [("coverage", d, None) for d in get_dates(document, "Collected")]
    for rights in document.get("rightsList") or []:
        values += [
            ("rights", str(rights[k]), None) for k in ("rights", "rightsUri") if rights.get(k)
        ]
    return [(name, value, lang) for name, value, lang in values if value]


def make_oai_dc(document: Document) -> str:
    """The ``oai_dc`` record of ``document`` (simple Dublin Core in OAI-PMH's wrapper),
    as XML text (namespaces declared on it); characters XML cannot hold are dropped."""
    elements = "".join(
        write_element(
            f"dc:{name}", strip_control(value), (("xml:lang", strip_control(lang or "")),)
        )
        for name, value, lang in make_dc_values(document)
    )
    return (
        f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" xmlns:xsi="{XSI_NS}" '
        f'xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_SCHEMA}">{elements}</oai_dc:dc>'
    )


# --- schema.org JSON-LD ----------------------------------------------------------------


def make_agent(person: dict[str, Any]) -> dict[str, Any]:
    """A DataCite creator or contributor as a schema.org ``Person`` or ``Organization``."""
    organization = person.get("nameType") == "Organizational"
    agent: dict[str, Any] = {"@type": "Organization" if organization else "Person"}
    orcid = get_orcid(person)
    if orcid:
        agent["@id"] = orcid
    agent["name"] = person.get("name", "")
    if not organization:
        for key in ("givenName", "familyName"):
            if person.get(key):
                agent[key] = person[key]
    affiliations = [
        {"@type": "Organization", "name": a["name"]}
        | ({"@id": a["affiliationIdentifier"]} if a.get("affiliationIdentifier") else {})
        for a in person.get("affiliation") or []
        if a.get("name")
    ]
    if affiliations:
        agent["affiliation"] = affiliations
    return agent


def is_available(document: Document, today: date | None) -> bool:
    """Whether the data is public on ``today``: no ``Available`` date (end of embargo)
    after it. Without ``today``, the data counts as public."""
    if today is None:
        return True
    return all(d[:10] <= today.isoformat() for d in get_dates(document, "Available"))


def get_date_published(document: Document) -> str:
    """The publication year, as the day the data became public when a date of that year
    says so (``Available``, else ``Issued``)."""
    year = str(document.get("publicationYear", ""))
    days = [d[:10] for d in (*get_dates(document, "Available"), *get_dates(document, "Issued"))]
    return next((d for d in days if d[:4] == year and len(d) == 10), year)


def make_jsonld(document: Document, today: date | None = None) -> dict[str, Any]:
    """A schema.org ``Dataset`` (what Google Dataset Search reads) from ``document``.

    Techniques (PaNET subjects) are its ``measurementTechnique``; it is
    ``isAccessibleForFree`` unless its data is under embargo on ``today``.
    """
    publisher = document.get("publisher")
    organization: dict[str, Any] = {"@type": "Organization", "name": get_publisher(document)}
    if isinstance(publisher, dict) and publisher.get("publisherIdentifier"):
        organization["@id"] = publisher["publisherIdentifier"]
    jsonld: dict[str, Any] = {"@context": "https://schema.org", "@type": "Dataset"}
    identifier = get_doi_url(document)
    if identifier:
        jsonld["@id"] = identifier
        jsonld["identifier"] = identifier
    if document.get("url"):
        jsonld["url"] = document["url"]
    jsonld["name"] = get_title(document)
    jsonld["description"] = get_abstract(document) or get_title(document)
    jsonld["creator"] = [make_agent(c) for c in document.get("creators") or []]
    contributors = [make_agent(c) for c in document.get("contributors") or []]
    if contributors:
        jsonld["contributor"] = contributors
    jsonld["publisher"] = organization
    jsonld["includedInDataCatalog"] = {"@type": "DataCatalog", "name": get_publisher(document)}
    jsonld["datePublished"] = get_date_published(document)
    collected = get_dates(document, "Collected")
    if collected:
        jsonld["temporalCoverage"] = collected[0]
    keywords = [str(s["subject"]) for s in document.get("subjects") or [] if s.get("subject")]
    if keywords:
        jsonld["keywords"] = keywords
    techniques = [
        str(s["subject"])
        for s in document.get("subjects") or []
        if s.get("subjectScheme") == "PaNET" and s.get("subject")
    ]
    if techniques:
        jsonld["measurementTechnique"] = techniques
    licenses = [str(r["rightsUri"]) for r in document.get("rightsList") or [] if r.get("rightsUri")]
    if licenses:
        jsonld["license"] = licenses[0] if len(licenses) == 1 else licenses
    if document.get("version"):
        jsonld["version"] = str(document["version"])
    if document.get("language"):
        jsonld["inLanguage"] = document["language"]
    cited = [
        {"@type": "CreativeWork", "@id": get_related_url(r)}
        for r in document.get("relatedIdentifiers") or []
        if r.get("relationType") in CITED_RELATIONS
    ]
    if cited:
        jsonld["citation"] = cited
    jsonld["isAccessibleForFree"] = is_available(document, today)
    return jsonld


def make_script_json(value: Any) -> str:
    """JSON to put inside an HTML ``<script>``: no ``<``, ``>`` or ``&`` in it.

    ``</script>`` in a title would end the element, and ``<!--`` would make the script
    swallow the rest of the page; JSON's ``\\u003c`` escapes mean the same characters.
    """
    text = json.dumps(value, indent=1, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- content negotiation -----------------------------------------------------------------


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode()


#: Media type -> (``Content-Type`` answered, renderer of the document as bytes).
RENDERERS: dict[str, tuple[str, Callable[[Document, date | None], bytes]]] = {
    CSL_JSON: (f"{CSL_JSON}; charset=utf-8", lambda d, _: _json(make_csl(d))),
    BIBTEX: (f"{BIBTEX}; charset=utf-8", lambda d, _: make_bibtex(d).encode()),
    RIS: (f"{RIS}; charset=utf-8", lambda d, _: make_ris(d).encode()),
    BIBLIOGRAPHY: (f"{BIBLIOGRAPHY}; charset=utf-8", lambda d, _: make_text_citation(d).encode()),
    DATACITE_XML: (f"{DATACITE_XML}; charset=utf-8", lambda d, _: make_datacite_xml(d)),
    DATACITE_JSON: (f"{DATACITE_JSON}; charset=utf-8", lambda d, _: _json(d)),
    JSONLD: (f"{JSONLD}; charset=utf-8", lambda d, today: _json(make_jsonld(d, today))),
}
#: Other names clients use for the same formats.
ALIASES = {
    "application/vnd.schemaorg.ld+json": JSONLD,
    "text/x-bibtex": BIBTEX,
    "application/x-bibtex-text-file": BIBTEX,
}
#: Short names of the formats, for links (``landing/...?format=bibtex``): a browser
#: following a link cannot choose its ``Accept``.
FORMAT_NAMES = {
    "bibtex": BIBTEX,
    "ris": RIS,
    "csl": CSL_JSON,
    "text": BIBLIOGRAPHY,
    "datacite-xml": DATACITE_XML,
    "datacite-json": DATACITE_JSON,
    "jsonld": JSONLD,
}
#: Media types answered with the HTML page.
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/*", "*/*")


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``Accept`` as ``(media type, quality)``, best first (ties keep their order).

    Parameters other than ``q`` are ignored; a malformed quality counts as 0 (the type
    is not acceptable), and so does a type of quality 0.
    """
    entries: list[tuple[str, float, int]] = []
    for position, part in enumerate((header or "").split(",")):
        media, *parameters = (p.strip() for p in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(float(value), 1.0)
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            entries.append((media.lower(), quality, position))
    entries.sort(key=lambda e: (-e[1], e[2]))
    return [(media, quality) for media, quality, _ in entries]


def choose_format(header: str | None) -> str | None:
    """The document format ``Accept`` asks for, or ``None`` for the HTML page.

    The first (best) acceptable type that is HTML or one of :data:`RENDERERS` wins; no
    ``Accept``, or one naming none of them, gets the page.
    """
    for media, _ in parse_accept(header):
        media = ALIASES.get(media, media)
        if media in HTML_TYPES:
            return None
        if media in RENDERERS:
            return media
    return None


def render(media: str, document: Document, today: date | None = None) -> tuple[str, bytes]:
    """``(Content-Type, body)`` of ``document`` in one of :data:`RENDERERS`' types
    (``today`` decides whether JSON-LD calls the data accessible, :func:`make_jsonld`)."""
    content_type, renderer = RENDERERS[media]
    return content_type, renderer(document, today)
