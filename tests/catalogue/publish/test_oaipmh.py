"""The OAI-PMH core against an in-memory source: verbs, errors, sets, tokens, deletions.

Every response is checked against OAI-PMH.xsd and its payloads against their schemas
(tests/support/oai_xsd.py). The database source and the HTTP route are tested with a
real harvester in tests/catalogue/web/test_oai.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from lxml import etree
from panhub_catalogue.publish.oai_requests import (
    SetFilter,
    make_set_value,
    make_technique_value,
)
from panhub_catalogue.publish.oai_tokens import Position, Selection
from panhub_catalogue.publish.oaipmh import METADATA_FORMATS, Header, Item, Repository, respond

from tests.support.oai_xsd import check_response

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
NOW = datetime(2026, 6, 1, 12, 0, 0)
REPOSITORY = Repository(
    name="PANHUB data",
    base_url="https://hub.example.org/services/catalogue/oai",
    identifier="hub.example.org",
    admin_emails=("data@example.org",),
    datacentre="PANHUB.DATA",
    secret=b"k" * 32,
    page_size=3,
)


def make_document(title: str, doi: str | None = None) -> dict[str, Any]:
    """A minimal DataCite document (the real ones: tests/catalogue/publish/test_document)."""
    document: dict[str, Any] = {
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Experiment session"},
        "creators": [{"name": "Alba, Ana", "nameType": "Personal"}],
        "titles": [{"title": title}],
        "publisher": {"name": "PANHUB"},
        "publicationYear": "2025",
    }
    return {"doi": doi, **document} if doi else document


def make_item(
    number: int,
    day: int,
    *,
    kind: str = "investigation",
    doi: bool = True,
    beamline: str = "BL13",
    deleted: bool = False,
    title: str | None = None,
) -> Item:
    sets = (
        "type:session" if kind == "investigation" else "type:collection",
        f"beamline:{beamline}",
    )
    identifier = f"10.5072/panhub.{number}" if doi else None
    header = Header(
        kind,
        number,
        datetime(2025, 1, day, 10, 0, 0),
        (*sets, "doi") if doi else sets,
        deleted=deleted,
        has_doi=doi,
    )
    document = None if deleted else make_document(title or f"Session {number}", identifier)
    return Item(header, document)


@dataclass
class FakeSource:
    """The :class:`~panhub_catalogue.publish.oaipmh.Source` protocol over a list."""

    items: list[Item]
    counted: list[Selection] = field(default_factory=list)

    def get_earliest(self) -> datetime | None:
        return min((i.header.datestamp for i in self.items), default=None)

    def list_sets(self) -> list[tuple[str, str]]:
        names = sorted({s for i in self.items for s in i.header.sets if s.startswith("beamline:")})
        return [(n, n.split(":")[1]) for n in names]

    def matches(self, item: Item, selection: Selection, sets: SetFilter | None) -> bool:
        header = item.header
        if METADATA_FORMATS[selection.prefix].needs_doi and not header.has_doi:
            return False
        if selection.since is not None and header.datestamp < selection.since:
            return False
        if header.datestamp > selection.until:
            return False
        if sets is None:
            return True
        spec = sets.family if sets.value is None else f"{sets.family}:{sets.value}"
        return any(s == spec or s.startswith(spec + ":") for s in header.sets)

    def count(self, selection: Selection, sets: SetFilter | None) -> int:
        self.counted.append(selection)
        return sum(self.matches(i, selection, sets) for i in self.items)

    def list_items(
        self,
        selection: Selection,
        sets: SetFilter | None,
        after: Position | None,
        limit: int,
        documents: bool,
    ) -> list[Item]:
        found = sorted(
            (i for i in self.items if self.matches(i, selection, sets)),
            key=lambda i: i.header.position,
        )
        found = [i for i in found if after is None or i.header.position > after]
        return [i if documents else Item(i.header) for i in found[:limit]]

    def get_item(self, kind: str, item_id: int) -> Item | None:
        return next(
            (i for i in self.items if i.header.position[1] == item_id and i.header.kind == kind),
            None,
        )


ITEMS = [
    make_item(1, 3),
    make_item(2, 4, doi=False),
    make_item(3, 5, beamline="BL22"),
    make_item(4, 2),
    make_item(5, 6, doi=False, beamline="BL22"),
    make_item(1, 7, kind="collection"),
    make_item(2, 8, kind="collection", deleted=True),
]


def ask(source: FakeSource | None = None, now: datetime = NOW, **arguments: Any) -> etree._Element:
    """The checked response to ``arguments`` (a list value repeats an argument)."""
    pairs = {k.rstrip("_"): v if isinstance(v, list) else [v] for k, v in arguments.items()}
    body = respond(pairs, REPOSITORY, source or FakeSource(list(ITEMS)), now)
    return check_response(body)


def error_of(root: etree._Element) -> tuple[str, dict[str, str]]:
    """The error code of a response and the request element's attributes."""
    (error,) = root.findall(f"{OAI}error")
    return error.get("code"), dict(root.find(f"{OAI}request").attrib)


def identifiers(root: etree._Element) -> list[str]:
    return [e.text for e in root.iter(f"{OAI}identifier") if e.getparent().tag == f"{OAI}header"]


def test_identify() -> None:
    root = ask(verb="Identify")
    identify = root.find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}repositoryName") == "PANHUB data"
    assert identify.findtext(f"{OAI}baseURL") == REPOSITORY.base_url
    assert identify.findtext(f"{OAI}protocolVersion") == "2.0"
    assert identify.findtext(f"{OAI}adminEmail") == "data@example.org"
    assert identify.findtext(f"{OAI}earliestDatestamp") == "2025-01-02T10:00:00Z"
    assert identify.findtext(f"{OAI}deletedRecord") == "persistent"
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    assert "hub.example.org" in etree.tostring(identify.find(f"{OAI}description")).decode()
    assert root.find(f"{OAI}request").attrib == {"verb": "Identify"}
    empty = ask(FakeSource([]), verb="Identify").find(f"{OAI}Identify")
    assert empty.findtext(f"{OAI}earliestDatestamp") == "2026-06-01T12:00:00Z"


def test_metadata_formats_of_the_repository_and_of_one_item() -> None:
    def prefixes(**arguments: Any) -> list[str]:
        root = ask(verb="ListMetadataFormats", **arguments)
        return [e.text for e in root.iter(f"{OAI}metadataPrefix")]

    assert prefixes() == ["oai_dc", "oai_datacite"]
    assert prefixes(identifier="oai:hub.example.org:investigation/1") == ["oai_dc", "oai_datacite"]
    # DataCite's identifier is a DOI: an item without one is Dublin Core only
    assert prefixes(identifier="oai:hub.example.org:investigation/2") == ["oai_dc"]
    missing = ask(verb="ListMetadataFormats", identifier="oai:hub.example.org:investigation/99")
    assert error_of(missing)[0] == "idDoesNotExist"


def test_list_sets() -> None:
    root = ask(verb="ListSets")
    specs = [e.text for e in root.iter(f"{OAI}setSpec")]
    assert specs == [
        "type", "type:session", "type:collection", "doi", "beamline", "technique",
        "beamline:BL13", "beamline:BL22",
    ]  # fmt: skip
    assert error_of(ask(verb="ListSets", resumptionToken="x"))[0] == "badResumptionToken"


@pytest.mark.parametrize(
    "arguments",
    [{}, {"verb": "Harvest"}, {"verb": ["Identify", "Identify"]}, {"verb": "identify"}],
)
def test_bad_verbs_echo_no_arguments(arguments: dict[str, Any]) -> None:
    assert error_of(ask(**arguments, metadataPrefix="oai_dc")) == ("badVerb", {})


@pytest.mark.parametrize(
    "arguments",
    [
        {"verb": "Identify", "metadataPrefix": "oai_dc"},
        {"verb": "ListRecords"},
        {"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from_": "2025-01-01T10:00"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from_": "2025-02-30"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from_": "2025-01-01",
         "until": "2025-01-02T00:00:00Z"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from_": "2025-01-03",
         "until": "2025-01-02"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "beamline:BL 13"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai dc"},
        {"verb": "GetRecord", "identifier": "oai:hub.example.org:investigation/1"},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "a\x01b"},
    ],
)  # fmt: skip
def test_bad_arguments_echo_no_arguments(arguments: dict[str, Any]) -> None:
    assert error_of(ask(**arguments)) == ("badArgument", {})


def test_formats_that_cannot_be_disseminated() -> None:
    for verb in ("ListRecords", "ListIdentifiers"):
        code, request = error_of(ask(verb=verb, metadataPrefix="marc21"))
        assert (code, request) == (
            "cannotDisseminateFormat",
            {"verb": verb, "metadataPrefix": "marc21"},
        )
    record = {"verb": "GetRecord", "identifier": "oai:hub.example.org:investigation/2"}
    assert error_of(ask(**record, metadataPrefix="marc21"))[0] == "cannotDisseminateFormat"
    assert error_of(ask(**record, metadataPrefix="oai_datacite"))[0] == "cannotDisseminateFormat"


@pytest.mark.parametrize(
    "identifier",
    [
        "oai:hub.example.org:investigation/99",
        "oai:other.example.org:investigation/1",
        "oai:hub.example.org:dataset/1",
        "oai:hub.example.org:investigation/01",
        "investigation/1",
    ],
)
def test_unknown_identifiers(identifier: str) -> None:
    root = ask(verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    assert error_of(root)[0] == "idDoesNotExist"


def test_get_record_in_both_formats() -> None:
    dc = ask(
        verb="GetRecord", identifier="oai:hub.example.org:investigation/3", metadataPrefix="oai_dc"
    )
    (record,) = dc.iter(f"{OAI}record")
    assert record.findtext(f"{OAI}header/{OAI}datestamp") == "2025-01-05T10:00:00Z"
    assert [s.text for s in record.iter(f"{OAI}setSpec")] == [
        "type:session",
        "beamline:BL22",
        "doi",
    ]
    assert [t.text for t in record.iter(f"{DC}title")] == ["Session 3"]
    assert "https://doi.org/10.5072/panhub.3" in [t.text for t in record.iter(f"{DC}identifier")]
    datacite = ask(
        verb="GetRecord",
        identifier="oai:hub.example.org:investigation/3",
        metadataPrefix="oai_datacite",
    )
    kernel = "{http://datacite.org/schema/kernel-4}"
    assert datacite.findtext(f".//{kernel}identifier") == "10.5072/panhub.3"
    assert (
        datacite.findtext(".//{http://schema.datacite.org/oai/oai-1.1/}datacentreSymbol")
        == "PANHUB.DATA"
    )


def test_a_deleted_item_is_a_header_alone() -> None:
    root = ask(
        verb="GetRecord", identifier="oai:hub.example.org:collection/2", metadataPrefix="oai_dc"
    )
    (record,) = root.iter(f"{OAI}record")
    assert record.find(f"{OAI}header").get("status") == "deleted"
    assert record.find(f"{OAI}metadata") is None


def harvest(
    verb: str, source: FakeSource, **arguments: Any
) -> tuple[list[str], list[etree._Element]]:
    """Every identifier of a list, following tokens; and each response's token element."""
    found, tokens = [], []
    root = ask(source, verb=verb, **arguments)
    while True:
        found += identifiers(root)
        token = root.find(f"{OAI}{verb}/{OAI}resumptionToken")
        if token is None:
            return found, tokens
        tokens.append(token)
        if not token.text:
            return found, tokens
        root = ask(source, verb=verb, resumptionToken=token.text)


def test_resumption_through_pages_in_keyset_order() -> None:
    source = FakeSource(list(ITEMS))
    found, tokens = harvest("ListRecords", source, metadataPrefix="oai_dc")
    sessions = [f"oai:hub.example.org:investigation/{n}" for n in (1, 2, 3, 4, 5)]
    assert found == [
        *sessions,
        "oai:hub.example.org:collection/1",
        "oai:hub.example.org:collection/2",
    ]
    assert [(t.get("cursor"), t.get("completeListSize")) for t in tokens] == [
        ("0", "7"), ("3", "7"), ("6", "7"),
    ]  # fmt: skip
    assert not tokens[-1].text
    assert tokens[0].get("expirationDate") == "2026-06-08T12:00:00Z"
    assert len(source.counted) == 1  # the list is counted once, at the first request
    datacite, _ = harvest("ListIdentifiers", source, metadataPrefix="oai_datacite")
    assert datacite == [
        sessions[0],
        sessions[2],
        sessions[3],
        "oai:hub.example.org:collection/1",
        "oai:hub.example.org:collection/2",
    ]


def test_a_token_answers_the_same_page_every_time() -> None:
    source = FakeSource(list(ITEMS))
    first = ask(source, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.findtext(f"{OAI}ListIdentifiers/{OAI}resumptionToken")
    pages = [
        respond({"verb": ["ListIdentifiers"], "resumptionToken": [token]}, REPOSITORY, source, NOW)
    ]
    pages.append(
        respond({"verb": ["ListIdentifiers"], "resumptionToken": [token]}, REPOSITORY, source, NOW)
    )
    assert pages[0] == pages[1]


def test_items_changed_during_a_harvest_wait_for_the_next_one() -> None:
    source = FakeSource(list(ITEMS))
    first = ask(source, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.findtext(f"{OAI}ListIdentifiers/{OAI}resumptionToken")
    # item 4 changes after the harvest started, item 6 appears
    moved = NOW + timedelta(minutes=1)
    source.items[3] = replace(ITEMS[3], header=replace(ITEMS[3].header, datestamp=moved))
    new = make_item(6, 9)
    source.items.append(replace(new, header=replace(new.header, datestamp=moved)))
    later = NOW + timedelta(minutes=5)
    rest = ask(source, later, verb="ListIdentifiers", resumptionToken=token)
    assert "oai:hub.example.org:investigation/4" not in identifiers(rest)
    assert "oai:hub.example.org:investigation/6" not in identifiers(rest)
    again = ask(
        source, later, verb="ListIdentifiers", metadataPrefix="oai_dc", from_="2026-06-01T12:00:01Z"
    )
    assert identifiers(again) == [
        "oai:hub.example.org:investigation/4",
        "oai:hub.example.org:investigation/6",
    ]


@pytest.mark.parametrize(
    "token",
    ["", "abc", "abc.def", "W10.AAAAAAAAAAAAAAAAAAAAAA", "x" * 2000],
)
def test_bad_tokens(token: str) -> None:
    root = ask(verb="ListRecords", resumptionToken=token)
    assert error_of(root) == (
        "badResumptionToken",
        {"verb": "ListRecords", "resumptionToken": token},
    )


def test_tampered_expired_and_misused_tokens() -> None:
    first = ask(verb="ListRecords", metadataPrefix="oai_dc")
    token = first.findtext(f"{OAI}ListRecords/{OAI}resumptionToken")
    payload, signature = token.split(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    assert (
        error_of(ask(verb="ListRecords", resumptionToken=f"{flipped}.{signature}"))[0]
        == "badResumptionToken"
    )
    assert error_of(ask(verb="ListIdentifiers", resumptionToken=token))[0] == "badResumptionToken"
    week = NOW + REPOSITORY.token_lifetime
    assert identifiers(ask(now=week, verb="ListRecords", resumptionToken=token))
    late = week + timedelta(seconds=1)
    assert (
        error_of(ask(now=late, verb="ListRecords", resumptionToken=token))[0]
        == "badResumptionToken"
    )
    other = replace(REPOSITORY, secret=b"z" * 32)
    body = respond(
        {"verb": ["ListRecords"], "resumptionToken": [token]}, other, FakeSource(list(ITEMS)), NOW
    )
    assert error_of(check_response(body))[0] == "badResumptionToken"


def test_selective_harvesting_by_date_and_set() -> None:
    def listed(**arguments: Any) -> list[str]:
        found, _ = harvest(
            "ListIdentifiers", FakeSource(list(ITEMS)), metadataPrefix="oai_dc", **arguments
        )
        return [f.rsplit(":", 1)[1] for f in found]

    assert listed(from_="2025-01-05", until="2025-01-06") == ["investigation/3", "investigation/5"]
    assert listed(from_="2025-01-05T10:00:00Z", until="2025-01-05T10:00:00Z") == ["investigation/3"]
    assert listed(until="2025-01-02") == ["investigation/4"]
    assert listed(set="beamline:BL22") == ["investigation/3", "investigation/5"]
    assert listed(set="type:collection") == ["collection/1", "collection/2"]
    assert listed(set="doi") == [
        "investigation/1",
        "investigation/3",
        "investigation/4",
        "collection/1",
        "collection/2",
    ]
    assert len(listed(set="type")) == 7
    for arguments in ({"set": "beamline:BL99"}, {"set": "instrument:BL13"}, {"set": "type:dataset"},
                      {"from_": "2026-01-01"}, {"until": "2024-12-31"}):  # fmt: skip
        root = ask(verb="ListRecords", metadataPrefix="oai_dc", **arguments)
        assert error_of(root)[0] == "noRecordsMatch"


def test_one_page_needs_no_token() -> None:
    source = FakeSource(ITEMS[:3])
    root = ask(source, verb="ListRecords", metadataPrefix="oai_dc")
    assert len(identifiers(root)) == 3
    assert root.find(f"{OAI}ListRecords/{OAI}resumptionToken") is None


def test_markup_in_metadata_is_text() -> None:
    script = "<script>alert(1)</script> & co"
    source = FakeSource([make_item(1, 3, title=script)])
    for prefix in ("oai_dc", "oai_datacite"):
        body = respond(
            {
                "verb": ["GetRecord"],
                "identifier": ["oai:hub.example.org:investigation/1"],
                "metadataPrefix": [prefix],
            },
            REPOSITORY,
            source,
            NOW,
        )
        root = check_response(body)
        assert b"<script>" not in body
        assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in body
        titles = [e.text for e in root.iter() if etree.QName(e).localname == "title"]
        assert titles == [script]


def test_set_values() -> None:
    assert make_set_value("x-ray absorption spectroscopy") == "x-ray_absorption_spectroscopy"
    assert make_set_value("BL13 / XAIRA") == "BL13_XAIRA"
    assert make_technique_value("x", "http://purl.org/pan-science/PaNET/PaNET01196") == "PaNET01196"
    assert make_technique_value("small angle scattering", None) == "small_angle_scattering"
