"""The outputs of one DataCite document: DataCite XML, oai_dc, oai_datacite, JSON-LD and
content negotiation. XML is checked against the vendored schemas (tests/support/xsd)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from datacite import schema45
from lxml import etree
from panhub_catalogue.publish import formats
from panhub_catalogue.publish.formats import (
    choose_format,
    make_datacite_xml,
    make_dc_values,
    make_jsonld,
    make_oai_datacite,
    make_oai_dc,
    make_script_json,
    render,
)

from tests.support.oai_xsd import check_payload
from tests.support.publish_documents import (
    SCRIPT,
    make_collection_document,
    make_session_document,
)

KERNEL = "{http://datacite.org/schema/kernel-4}"


@pytest.mark.parametrize("make", [make_session_document, make_collection_document])
def test_datacite_xml_is_valid_and_the_libraries(make: Any) -> None:
    document = make()
    parsed = etree.fromstring(make_datacite_xml(document))
    check_payload(parsed)
    assert parsed.findtext(f"{KERNEL}identifier") == document["doi"]
    assert parsed.findtext(f"{KERNEL}titles/{KERNEL}title") == document["titles"][0]["title"]
    # the same XML as the datacite package writes (pretty-printed)
    theirs = etree.fromstring(
        schema45.tostring(document).encode(), etree.XMLParser(remove_blank_text=True)
    )
    assert etree.tostring(parsed, method="c14n") == etree.tostring(theirs, method="c14n")


def test_oai_datacite_wraps_the_resource() -> None:
    wrapped = etree.fromstring(make_oai_datacite(make_collection_document(), "ALBA.DATA"))
    check_payload(wrapped)
    oai = "{http://schema.datacite.org/oai/oai-1.1/}"
    assert wrapped.findtext(f"{oai}datacentreSymbol") == "ALBA.DATA"
    assert wrapped.findtext(f"{oai}schemaVersion") == "4.5"
    (resource,) = wrapped.find(f"{oai}payload")
    assert resource.findtext(f"{KERNEL}version") == "2"
    broken = etree.fromstring(make_oai_datacite(make_collection_document(), "ALBA.DATA"))
    broken.find(f".//{KERNEL}resourceType").set("resourceTypeGeneral", "Nonsense")
    with pytest.raises(AssertionError, match="resourceTypeGeneral"):
        check_payload(broken)  # the payload is validated, not skipped


def test_dublin_core_of_a_session() -> None:
    values = [(name, value) for name, value, _ in make_dc_values(make_session_document())]
    assert values == [
        ("title", f"Operando XAS of a {SCRIPT} cathode"),
        ("creator", "Bragg, Ben"),
        ("creator", f"Ana {SCRIPT} Alba"),
        ("subject", "x-ray absorption spectroscopy"),
        ("description", "Lithium & nickel\nin operando"),
        ("description", "Measured at beamline BL22 of ALBA."),
        ("publisher", "ALBA"),
        ("contributor", "ALBA"),
        ("date", "2027"),
        ("date", "2024-03-04"),
        ("date", "2027-03-01"),
        ("type", "Dataset"),
        ("type", "Experiment session"),
        ("identifier", "https://doi.org/10.5072/ALBA-ES-2024025002"),
        ("identifier", "https://data.example.org/services/catalogue/landing/investigations/42"),
        ("coverage", "2024-03-01/2024-03-03"),
        ("rights", "Creative Commons Attribution 4.0 International"),
        ("rights", "https://creativecommons.org/licenses/by/4.0/legalcode"),
    ]
    written = make_oai_dc(make_session_document())
    element = etree.fromstring(written)
    check_payload(element)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in written
    assert element.findtext("{http://purl.org/dc/elements/1.1/}description") == values[4][1]
    related = dict((n, v) for n, v, _ in make_dc_values(make_collection_document()))
    assert related["relation"] == "https://doi.org/10.5072/ALBA-ES-2024025002"


def test_characters_xml_cannot_hold_are_dropped() -> None:
    document = make_session_document(title="bell\x07 and tab\t\ufffe", summary="\ud800x")
    element = etree.fromstring(make_oai_dc(document))
    check_payload(element)
    assert element.findtext("{http://purl.org/dc/elements/1.1/}title") == "bell and tab\t"
    wrapped = etree.fromstring(make_oai_datacite(document, "ALBA.DATA"))
    check_payload(wrapped)
    assert wrapped.findtext(f".//{KERNEL}title") == "bell and tab\t"


def test_schema_org_of_a_collection() -> None:
    jsonld = make_jsonld(make_collection_document(), date(2026, 6, 1))
    assert jsonld == {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": "https://doi.org/10.5072/ALBA-DC-7",
        "identifier": "https://doi.org/10.5072/ALBA-DC-7",
        "url": "https://data.example.org/services/catalogue/landing/collections/7",
        "name": "Figure 3 {data} 50% & more",
        "description": f"The spectra of figure 3. {SCRIPT}",
        "creator": [
            {
                "@type": "Person",
                "@id": "https://orcid.org/0000-0002-1825-0097",
                "name": "Bragg, Ben",
                "givenName": "Ben",
                "familyName": "Bragg",
                "affiliation": [
                    {
                        "@type": "Organization",
                        "name": "Universitat Autònoma de Barcelona",
                        "@id": "https://ror.org/052g8jq94",
                    }
                ],
            }
        ],
        "contributor": [{"@type": "Organization", "name": "ALBA"}],
        "publisher": {"@type": "Organization", "name": "ALBA", "@id": "https://ror.org/02j9n6e35"},
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "ALBA"},
        "datePublished": "2025-05-02",
        "temporalCoverage": "2024-03-01/2024-03-03",
        "keywords": ["x-ray absorption spectroscopy", "battery"],
        "measurementTechnique": ["x-ray absorption spectroscopy"],
        "license": "https://creativecommons.org/licenses/by/4.0/legalcode",
        "version": "2",
        "citation": [{"@type": "CreativeWork", "@id": "https://doi.org/10.1234/paper.5"}],
        "isAccessibleForFree": True,
    }


def test_data_under_embargo_is_not_accessible() -> None:
    session = make_session_document()  # available from 2027-03-01
    assert make_jsonld(session, date(2027, 2, 28))["isAccessibleForFree"] is False
    assert make_jsonld(session, date(2027, 3, 1))["isAccessibleForFree"] is True
    assert make_jsonld(session, date(2026, 6, 1))["datePublished"] == "2027-03-01"


def test_json_for_a_script_element_holds_no_markup() -> None:
    text = make_script_json(make_jsonld(make_session_document()))
    assert not {"<", ">", "&"} & set(text)
    assert json.loads(text)["name"] == f"Operando XAS of a {SCRIPT} cathode"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, None),
        ("", None),
        ("text/html,application/xhtml+xml,*/*;q=0.8", None),
        ("*/*", None),
        ("application/x-bibtex", formats.BIBTEX),
        ("text/x-bibtex", formats.BIBTEX),
        ("application/x-research-info-systems", formats.RIS),
        ("application/vnd.citationstyles.csl+json", formats.CSL_JSON),
        ("text/x-bibliography; style=apa; locale=en-US", formats.BIBLIOGRAPHY),
        ("application/vnd.datacite.datacite+xml", formats.DATACITE_XML),
        ("application/vnd.datacite.datacite+json", formats.DATACITE_JSON),
        ("application/ld+json", formats.JSONLD),
        ("application/vnd.schemaorg.ld+json", formats.JSONLD),
        ("text/html;q=0.5, application/x-bibtex", formats.BIBTEX),
        ("application/x-bibtex;q=0.5, text/html", None),
        ("application/x-bibtex;q=0, application/ld+json;q=0.1", formats.JSONLD),
        ("application/x-bibtex;q=zero", None),
        ("application/pdf", None),
        ("APPLICATION/X-BIBTEX", formats.BIBTEX),
    ],
)
def test_content_negotiation(accept: str | None, chosen: str | None) -> None:
    assert choose_format(accept) == chosen


def test_every_negotiated_format_renders() -> None:
    document = make_session_document()
    for media in formats.RENDERERS:
        content_type, body = render(media, document, date(2026, 6, 1))
        assert content_type == f"{media}; charset=utf-8"
        text = body.decode()
        if media.endswith("json"):
            json.loads(text)
        elif media.endswith("xml"):
            check_payload(etree.fromstring(body))
        assert "Operando XAS" in text
    assert json.loads(render(formats.DATACITE_JSON, document)[1]) == document
