"""DataCite XML written straight to text: the OAI-PMH harvest's hot path (pure).

A full harvest renders every public item. Building each ``<resource>`` as lxml elements
(``datacite.schema45.dump_etree``: a rule and an element per field) and serialising it
was most of the endpoint's time, more than reading the items from the database. This
module writes the same XML as text: :func:`write_resource` follows ``schema45``'s rules,
in their order and with their quirks (an attribute only when its value is not empty,
``type`` read as ``titleType``), for everything the catalogue's documents hold; a
document holding what the catalogue never writes (:data:`ELSEWHERE`: geolocations,
funding references, related items) is serialised by ``schema45`` itself. The tests
compare both writers' XML, canonicalised, on the catalogue's documents and on random
ones.

Text is escaped as lxml escapes it (:func:`escape_text`, :func:`escape_attribute`);
characters XML 1.0 cannot hold are dropped (:func:`strip_control`), looked for once per
document, in the written text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

KERNEL_NS = "http://datacite.org/schema/kernel-4"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
KERNEL_SCHEMA = "http://schema.datacite.org/meta/kernel-4.5/metadata.xsd"
RESOURCE_START = (
    f'<resource xmlns="{KERNEL_NS}" xmlns:xsi="{XSI_NS}" '
    f'xsi:schemaLocation="{KERNEL_NS} {KERNEL_SCHEMA}">'
)
#: Characters XML 1.0 cannot hold.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Top-level keys that ``schema45`` writes and this module does not.
ELSEWHERE = frozenset({"geoLocations", "fundingReferences", "relatedItems"})

Attributes = Iterable[tuple[str, Any]]


def escape_text(value: str) -> str:
    """``value`` as element text (``&``, ``<``, ``>``, and CR, which a parser would
    turn into LF)."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def escape_attribute(value: str) -> str:
    """``value`` inside double quotes (also ``"``, tab and line breaks, which a parser
    would turn into spaces)."""
    value = escape_text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    if "\t" in value:
        value = value.replace("\t", "&#9;")
    return value


def write_attributes(attributes: Attributes, required: Attributes = ()) -> str:
    """`` name="value"`` of each of ``required``, and of each of ``attributes`` whose value
    is not empty (``schema45``'s ``elem.set`` and ``set_elem_attr``)."""
    written = ""
    for name, value in required:
        written += f' {name}="{escape_attribute(check_text(value))}"'
    for name, value in attributes:
        if value:
            written += f' {name}="{escape_attribute(check_text(value))}"'
    return written


def check_text(value: Any) -> str:
    """``value``, which must be text: lxml (and so ``schema45``) refuses anything else."""
    if not isinstance(value, str):
        raise TypeError(f"DataCite XML holds text, not {type(value).__name__} {value!r:.40}")
    return value


def write_element(
    tag: str, text: Any, attributes: Attributes = (), required: Attributes = ()
) -> str:
    """``<tag required attributes>text</tag>``; optional attributes whose value is empty
    are left out, and so is the text when it is ``None``."""
    start = tag + write_attributes(attributes, required) if attributes or required else tag
    if text is None:
        return f"<{start}/>"
    return f"<{start}>{escape_text(check_text(text))}</{tag}>"


def write_list(tag: str, items: list[str]) -> str:
    """``<tag>`` around ``items`` (``schema45`` writes an empty list as ``<tag/>``)."""
    return f"<{tag}>{''.join(items)}</{tag}>" if items else f"<{tag}/>"


def write_agent(agent: dict[str, Any], role: str) -> str:
    """A ``creator`` or ``contributor``: name, given and family name, identifiers,
    affiliations (``schema45.fetch_creator``)."""
    parts = [
        write_element(
            f"{role}Name",
            agent["name"],
            (("nameType", agent.get("nameType")), ("xml:lang", agent.get("lang"))),
        )
    ]
    if agent.get("givenName"):
        parts.append(write_element("givenName", agent["givenName"]))
    if agent.get("familyName"):
        parts.append(write_element("familyName", agent["familyName"]))
    for found in agent.get("nameIdentifiers") or ():
        if found.get("nameIdentifier"):
            scheme = found["nameIdentifierScheme"]  # required, as schema45 has it
            parts.append(
                write_element(
                    "nameIdentifier",
                    found["nameIdentifier"],
                    (("schemeURI", found.get("schemeUri")),),
                    (("nameIdentifierScheme", scheme),),
                )
            )
    for found in agent.get("affiliation") or ():
        if found.get("name"):
            parts.append(
                write_element(
                    "affiliation",
                    found["name"],
                    (
                        ("affiliationIdentifier", found.get("affiliationIdentifier")),
                        ("affiliationIdentifierScheme", found.get("affiliationIdentifierScheme")),
                        ("schemeURI", found.get("schemeUri")),
                    ),
                )
            )
    role_type = (("contributorType", agent.get("contributorType")),) if role != "creator" else ()
    return f"<{role}{write_attributes(role_type)}>{''.join(parts)}</{role}>"


def write_agents(role: str) -> Callable[[list[dict[str, Any]]], str]:
    """The writer of ``creators`` or ``contributors``."""
    return lambda agents: write_list(f"{role}s", [write_agent(a, role) for a in agents])


def write_titles(titles: list[dict[str, Any]]) -> str:
    return write_list(
        "titles",
        [
            write_element(
                "title",
                t["title"],
                (("xml:lang", t.get("lang")), ("titleType", t.get("titleType") or t.get("type"))),
            )
            for t in titles
        ],
    )


def write_publisher(publisher: dict[str, Any]) -> str:
    return write_element(
        "publisher",
        check_text(publisher.get("name")),  # schema45: E.publisher(None) fails
        (
            ("publisherIdentifier", publisher.get("publisherIdentifier")),
            ("publisherIdentifierScheme", publisher.get("publisherIdentifierScheme")),
            ("schemeURI", publisher.get("schemeUri")),
        ),
    )


def write_rights(rights_list: list[dict[str, Any]]) -> str:
    return write_list(
        "rightsList",
        [
            write_element(
                "rights",
                check_text(r["rights"]) if "rights" in r else None,
                (
                    ("rightsURI", r.get("rightsUri")),
                    ("rightsIdentifierScheme", r.get("rightsIdentifierScheme")),
                    ("rightsIdentifier", r.get("rightsIdentifier")),
                    ("schemeURI", r.get("schemeUri")),
                    ("xml:lang", r.get("lang")),
                ),
            )
            for r in rights_list
        ],
    )


def write_items(
    plural: str,
    singular: str,
    text: str,
    optional: tuple[tuple[str, str], ...] = (),
    required: tuple[tuple[str, str], ...] = (),
) -> Callable[[list[dict[str, Any]]], str]:
    """The writer of a list like ``subjects``: each item an element with the item's
    ``text`` key as its text; ``optional`` and ``required`` are ``(attribute, key)``
    pairs (a required key missing raises :class:`KeyError`, as in ``schema45``)."""

    def write(items: list[dict[str, Any]]) -> str:
        return write_list(
            plural,
            [
                write_element(
                    singular,
                    item[text],
                    [(name, item.get(key)) for name, key in optional],
                    [(name, item[key]) for name, key in required],
                )
                for item in items
            ],
        )

    return write


def write_texts(plural: str, singular: str) -> Callable[[list[Any]], str]:
    """The writer of ``sizes`` or ``formats``: a list of plain texts."""
    return lambda values: write_list(plural, [write_element(singular, v) for v in values])


def write_types(types: dict[str, Any]) -> str:
    return write_element(
        "resourceType",
        types.get("resourceType"),
        required=(("resourceTypeGeneral", types["resourceTypeGeneral"]),),
    )


#: ``schema45``'s rules in their order: the JSON key, its writer, and whether it is
#: written when its value is empty (``types`` always is).
RULES: tuple[tuple[str, Callable[[Any], str], bool], ...] = (
    (
        "alternateIdentifiers",
        write_items(
            "alternateIdentifiers",
            "alternateIdentifier",
            "alternateIdentifier",
            (("alternateIdentifierType", "alternateIdentifierType"),),
        ),
        False,
    ),
    ("creators", write_agents("creator"), False),
    ("titles", write_titles, False),
    ("publisher", write_publisher, False),
    ("publicationYear", lambda v: write_element("publicationYear", v), False),
    (
        "subjects",
        write_items(
            "subjects",
            "subject",
            "subject",
            (
                ("xml:lang", "lang"),
                ("subjectScheme", "subjectScheme"),
                ("schemeURI", "schemeUri"),
                ("valueURI", "valueUri"),
            ),
        ),
        False,
    ),
    ("contributors", write_agents("contributor"), False),
    (
        "dates",
        write_items(
            "dates",
            "date",
            "date",
            (("dateInformation", "dateInformation"),),
            (("dateType", "dateType"),),
        ),
        False,
    ),
    ("language", lambda v: write_element("language", v), False),
    ("types", write_types, True),
    ("doi", lambda v: write_element("identifier", v, required=(("identifierType", "DOI"),)), False),
    (
        "relatedIdentifiers",
        write_items(
            "relatedIdentifiers",
            "relatedIdentifier",
            "relatedIdentifier",
            (
                ("relatedMetadataScheme", "relatedMetadataScheme"),
                ("schemeURI", "schemeUri"),
                ("schemeType", "schemeType"),
                ("resourceTypeGeneral", "resourceTypeGeneral"),
                ("relatedIdentifierType", "relatedIdentifierType"),
            ),
            (("relationType", "relationType"),),
        ),
        False,
    ),
    ("sizes", write_texts("sizes", "size"), False),
    ("formats", write_texts("formats", "format"), False),
    ("version", lambda v: write_element("version", v), False),
    ("rightsList", write_rights, False),
    (
        "descriptions",
        write_items(
            "descriptions",
            "description",
            "description",
            (("xml:lang", "lang"),),
            (("descriptionType", "descriptionType"),),
        ),
        False,
    ),
)


def write_resource(document: dict[str, Any], cleaned: bool = False) -> str:
    """The DataCite 4.5 ``<resource>`` of ``document``, as ``schema45`` writes it (its
    namespace declared on it, no XML declaration). A value that is not text where XML
    holds text raises :class:`TypeError`, as in ``schema45``."""
    if not ELSEWHERE.isdisjoint(document):
        return write_with_schema45(document)
    parts = [RESOURCE_START]
    for key, write, always in RULES:
        if key in document and (always or document[key]):
            parts.append(write(document[key]))
    parts.append("</resource>")
    written = "".join(parts)
    if NOT_XML.search(written):  # rare: only then rewrite without those characters
        if cleaned:
            raise ValueError("a character XML cannot hold survived cleaning")
        return write_resource(make_xml_safe(document), cleaned=True)
    return written


def write_with_schema45(document: dict[str, Any]) -> str:
    """What the ``datacite`` package writes, for documents beyond :data:`RULES`."""
    from datacite import schema45  # type: ignore[import-untyped]
    from lxml import etree  # type: ignore[import-untyped]

    try:
        element = schema45.dump_etree(document)
    except ValueError:  # lxml refuses a character
        element = schema45.dump_etree(make_xml_safe(document))
    return etree.tostring(element, encoding="unicode")  # type: ignore[no-any-return]


def strip_control(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold: control characters but tab
    and line breaks, lone surrogates, U+FFFE and U+FFFF (lxml refuses them)."""
    return NOT_XML.sub("", text)


def make_xml_safe(value: Any) -> Any:
    """``value`` (a document, or part of one) with :func:`strip_control` on every text."""
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, dict):
        return {k: make_xml_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [make_xml_safe(v) for v in value]
    return value
