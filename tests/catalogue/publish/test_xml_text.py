"""DataCite XML written as text is the XML the ``datacite`` package writes.

:func:`write_resource` replaces ``datacite.schema45.dump_etree`` on the harvest's path;
these tests hold it to the package's output, canonicalised (C14N: attribute order and
``<a/>`` against ``<a></a>`` aside), on the catalogue's documents, on documents using
every attribute the rules know, and on random ones full of characters to escape.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from datacite import schema45
from lxml import etree
from panhub_catalogue.publish.xml_text import (
    RULES,
    escape_attribute,
    escape_text,
    write_resource,
)

from tests.support.oai_xsd import check_payload
from tests.support.publish_documents import (
    SCRIPT,
    make_collection_document,
    make_session_document,
)

KERNEL = "{http://datacite.org/schema/kernel-4}"
#: Characters that need escaping, or that a parser would normalise, and some that do not.
AWKWARD = ["&", "<", ">", '"', "'", "\n", "\r", "\t", " ", "é", "→", "😀", "]]>", "&amp;", "a"]


def canonical(xml: str | bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")  # type: ignore[no-any-return]


def theirs(document: dict[str, Any]) -> bytes:
    """The ``datacite`` package's XML of ``document``, canonicalised."""
    return canonical(etree.tostring(schema45.dump_etree(document)))


def assert_same(document: dict[str, Any]) -> None:
    assert canonical(write_resource(document)) == theirs(document)


@pytest.mark.parametrize(
    "document",
    [
        make_session_document(),
        make_session_document(embargoed=True, visit="v1", title=""),
        make_collection_document(),
        make_collection_document(version="", related=(), keywords=()),
    ],
    ids=["session", "embargoed-session", "collection", "bare-collection"],
)
def test_the_catalogues_documents_as_the_datacite_package_writes_them(
    document: dict[str, Any],
) -> None:
    assert_same(document)
    check_payload(etree.fromstring(write_resource(document)))


def test_every_attribute_the_rules_know() -> None:
    document = make_collection_document() | {
        "titles": [
            {"title": "A", "lang": "en", "titleType": "Subtitle"},
            {"title": "B", "type": "AlternativeTitle"},  # 4.0's key, still read
            {"title": "C", "type": "AlternativeTitle", "titleType": "TranslatedTitle"},
        ],
        "creators": [
            {
                "name": "Lab",
                "nameType": "Organizational",
                "lang": "ca",
                "nameIdentifiers": [
                    {"nameIdentifier": "", "nameIdentifierScheme": "ROR"},  # skipped
                    {"nameIdentifier": "https://ror.org/1", "nameIdentifierScheme": "ROR"},
                ],
                "affiliation": [{"name": ""}, {"name": "Uni"}],
            }
        ],
        "subjects": [{"subject": "x", "lang": "en", "subjectScheme": "s", "valueUri": "u"}],
        "dates": [{"date": "2024", "dateType": "Other", "dateInformation": "when"}],
        "language": "en",
        "relatedIdentifiers": [
            {
                "relatedIdentifier": "r",
                "relationType": "References",
                "relatedIdentifierType": "URL",
                "relatedMetadataScheme": "m",
                "schemeUri": "s",
                "schemeType": "t",
                "resourceTypeGeneral": "Text",
            }
        ],
        "formats": ["application/x-hdf5", "text/plain"],
        "rightsList": [{}, {"rights": "r", "lang": "en"}],
        "descriptions": [{"description": "d", "descriptionType": "Methods", "lang": "en"}],
        "types": {"resourceTypeGeneral": "Collection"},
        "sizes": [],
        "version": None,
    }
    assert_same(document)


def random_text(rng: random.Random) -> str:
    """Awkward text, and now and then none (an empty attribute is left out, unless the
    schema requires it: ``dateType=""`` is written)."""
    return "".join(rng.choice(AWKWARD) for _ in range(rng.randrange(8)))


def random_document(rng: random.Random) -> dict[str, Any]:
    """A document of the rules' keys, each present or not, with awkward text."""

    def agent() -> dict[str, Any]:
        found: dict[str, Any] = {"name": random_text(rng)}
        for key in ("nameType", "givenName", "familyName", "lang", "contributorType"):
            if rng.random() < 0.5:
                found[key] = random_text(rng)
        if rng.random() < 0.5:
            found["nameIdentifiers"] = [
                {"nameIdentifier": random_text(rng), "nameIdentifierScheme": random_text(rng)}
            ]
        if rng.random() < 0.5:
            found["affiliation"] = [{"name": random_text(rng), "schemeUri": random_text(rng)}]
        return found

    def texts(*keys: str) -> dict[str, str]:
        return {k: random_text(rng) for k in keys if k == keys[0] or rng.random() < 0.5}

    makers = {
        "alternateIdentifiers": lambda: [texts("alternateIdentifier", "alternateIdentifierType")],
        "creators": lambda: [agent() for _ in range(rng.randrange(3))],
        "titles": lambda: [texts("title", "lang", "titleType")],
        "publisher": lambda: texts("name", "publisherIdentifier", "schemeUri"),
        "publicationYear": lambda: random_text(rng),
        "subjects": lambda: [texts("subject", "subjectScheme", "valueUri")],
        "contributors": lambda: [agent()],
        "dates": lambda: [texts("date", "dateInformation") | {"dateType": random_text(rng)}],
        "language": lambda: random_text(rng),
        "types": lambda: texts("resourceTypeGeneral", "resourceType"),
        "doi": lambda: random_text(rng),
        "relatedIdentifiers": lambda: [
            texts("relatedIdentifier", "schemeType") | {"relationType": random_text(rng)}
        ],
        "sizes": lambda: [random_text(rng) for _ in range(rng.randrange(3))],
        "formats": lambda: [random_text(rng)],
        "version": lambda: random_text(rng),
        "rightsList": lambda: [texts("rights", "rightsUri", "lang")],
        "descriptions": lambda: [
            texts("description", "lang") | {"descriptionType": random_text(rng)}
        ],
    }
    return {key: make() for key, make in makers.items() if rng.random() < 0.7}


def test_random_documents_as_the_datacite_package_writes_them() -> None:
    rng = random.Random(20261207)
    keys = {key for key, _, _ in RULES}
    for _ in range(400):
        document = random_document(rng)
        assert set(document) <= keys
        assert_same(document)


@pytest.mark.parametrize(
    "change",
    [
        {"publicationYear": 2024},
        {"sizes": [5]},
        {"publisher": {"name": None}},
        {"dates": [{"date": "2024", "dateType": None}]},
        {"rightsList": [{"rights": None}]},
    ],
)
def test_what_is_not_text_is_refused_as_the_package_refuses_it(change: dict[str, Any]) -> None:
    document = make_session_document() | change
    with pytest.raises((TypeError, KeyError)):  # lxml's builder: KeyError for a None keyword
        schema45.dump_etree(document)
    with pytest.raises(TypeError):
        write_resource(document)


def test_a_bad_character_in_a_tuple_is_dropped_too() -> None:
    document = make_session_document() | {"formats": ("a\x07b",)}
    parsed = etree.fromstring(write_resource(document))
    assert parsed.findtext(f".//{KERNEL}format") == "ab"


def test_what_the_rules_do_not_cover_is_written_by_the_package() -> None:
    document = make_session_document() | {
        "geoLocations": [{"geoLocationPlace": f"Cerdanyola {SCRIPT}"}],
        "fundingReferences": [{"funderName": "EU", "awardNumber": "101"}],
    }
    written = write_resource(document)
    assert_same(document)
    parsed = etree.fromstring(written)
    assert parsed.findtext(f".//{KERNEL}geoLocationPlace") == f"Cerdanyola {SCRIPT}"
    assert parsed.findtext(f".//{KERNEL}awardNumber") == "101"


def test_characters_xml_cannot_hold_are_dropped_and_the_rest_kept() -> None:
    document = make_session_document(title="bell\x07\r\nline\ufffe", summary="\ud800ok")
    parsed = etree.fromstring(write_resource(document))
    check_payload(parsed)
    assert parsed.findtext(f".//{KERNEL}title") == "bell\r\nline"
    assert parsed.findtext(f".//{KERNEL}description") == "ok"


@pytest.mark.parametrize("text", ["a & b <c> \"d\" 'e'", "tab\there\nnew\rline", SCRIPT, ""])
def test_escaped_text_and_attributes_read_back_as_written(text: str) -> None:
    element = etree.fromstring(f'<a b="{escape_attribute(text)}">{escape_text(text)}</a>')
    assert element.get("b") == text
    assert (element.text or "") == text
