"""The OAI-PMH endpoint of the real service on loopback, harvested as B2FIND does.

Sickle 0.7.0 (B2FIND's client, ``mdingestion/harvester/oai.py``) harvests every verb in
both formats, over GET and POST, through several pages (page size 4); every page it
receives is validated against the vendored schemas (tests/support/oai_xsd.py). What it
harvests is compared with the catalogue world below (:func:`expected`, an oracle over
plain data): public sessions and collections only, a withdrawn collection as a deleted
header, DOIs only where they resolve. The landing page's content negotiation and its
JSON-LD are checked over HTTP too, with a ``<script>`` in a title, a member's name and
an abstract.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from lxml import etree
from panhub_catalogue.model import (
    MINTED,
    DataCollection,
    DataCollectionCreator,
    DataCollectionDataset,
    Dataset,
    Facility,
    Instrument,
    Investigation,
    InvestigationInstrument,
    InvestigationTechnique,
    InvestigationUser,
    Technique,
    User,
)
from panhub_catalogue.web.oai import OaiOptions
from panhub_catalogue.web.service import ServiceOptions, make_app
from sickle import Sickle
from sickle.oaiexceptions import IdDoesNotExist, NoRecordsMatch
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_client import identify_from_header
from tests.support.catalogue_served import run_in_thread
from tests.support.oai_xsd import check_payload, check_response

NOW = datetime(2026, 6, 1, 12, 0, 0)
BASE = "/services/catalogue/"
PUBLIC_URL = "https://data.example.org" + BASE
SCRIPT = "<script>alert(1)</script>"
REPOSITORY = "data.example.org"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
KERNEL = "{http://datacite.org/schema/kernel-4}"
TECHNIQUES = {
    "XAS": ("x-ray absorption spectroscopy", "http://purl.org/pan-science/PaNET/PaNET01196"),
    "SAXS": ("small angle scattering", "http://purl.org/pan-science/PaNET/PaNET01124"),
}
PEOPLE = {  # login: (full name, given, family, ORCID)
    "ana": ("Ana Alba", "Ana", "Alba", "0000-0002-1825-0097"),
    "ben": (f"Ben {SCRIPT} Bragg", None, None, None),
}


@dataclass(frozen=True)
class SessionSpec:
    """An investigation of the world, as plain data."""

    name: str
    beamline: str
    technique: str
    release: datetime | None
    modified: datetime
    doi: str | None = None
    state: str | None = None  # DataCite state of its DOI
    title: str = "A session"
    summary: str | None = None
    members: tuple[tuple[str, str], ...] = (("ana", "PI"),)

    @property
    def public(self) -> bool:
        return self.release is not None and self.release <= NOW


@dataclass(frozen=True)
class CollectionSpec:
    """A data collection of the world, as plain data."""

    title: str
    sessions: tuple[str, ...]
    modified: datetime
    doi: str | None
    status: str = MINTED
    state: str | None = "findable"
    withdrawn: bool = False


def day(year: int, month: int = 1, number: int = 1) -> datetime:
    return datetime(year, month, number)


SESSIONS = [
    SessionSpec("2019000001", "BL13", "XAS", day(2020), day(2019, 6), "10.5072/PH-ES-2019000001"),
    SessionSpec("2019000002", "BL22", "SAXS", day(2020, 5), day(2021, 2)),
    SessionSpec(
        "2020000003",
        "BL13",
        "XAS",
        day(2021),
        day(2020, 3),
        "10.5072/PH-ES-2020000003",
        title=f"Lysozyme {SCRIPT} soak",
        summary=f"Abstract with {SCRIPT} & more",
        members=(("ben", "PI"), ("ana", "member")),
    ),
    SessionSpec("2021000004", "BL22", "SAXS", day(2022), day(2021, 3), "10.5072/PH-ES-2021000004", "registered"),
    SessionSpec("2022000005", "BL11", "XAS", day(2023), day(2024, 7), "10.5072/PH-ES-2022000005"),
    SessionSpec("2023000006", "BL13", "SAXS", day(2026, 5, 31), day(2023, 1)),
    SessionSpec("2023000007", "BL22", "XAS", day(2024, 2), day(2023, 2), "10.5072/PH-ES-2023000007"),
    SessionSpec("2024000008", "BL13", "XAS", day(2025, 9), day(2024, 4), "10.5072/PH-ES-2024000008", "registered"),
    SessionSpec("2025000009", "BL13", "XAS", day(2027), day(2025, 1), "10.5072/PH-ES-2025000009"),
    SessionSpec("2025000010", "BL22", "SAXS", None, day(2025, 2)),
]  # fmt: skip
COLLECTIONS = [
    CollectionSpec("Figure 3", ("2019000001", "2020000003"), day(2025, 6), "10.5072/PH-DC-A1"),
    CollectionSpec("Embargoed", ("2019000001", "2025000009"), day(2025, 6), "10.5072/PH-DC-B2"),
    CollectionSpec("Withdrawn", ("2022000005",), day(2026, 4), "10.5072/PH-DC-C3", withdrawn=True, state="registered"),
    CollectionSpec("Draft", ("2019000001",), day(2025, 7), None, status="draft", state=None),
]  # fmt: skip


#: When the world's collections with a DOI were minted.
MINTED_AT = datetime(2025, 5, 1)


@dataclass
class World:
    """The world in a database: its ids by name."""

    sessions: dict[str, int] = field(default_factory=dict)
    collections: dict[str, int] = field(default_factory=dict)


def build(sessions: sessionmaker[Session]) -> World:
    """Write :data:`SESSIONS` and :data:`COLLECTIONS` into an empty catalogue."""
    world = World()
    with sessions() as session:
        facility = Facility(name="PANHUB")
        instruments = {
            n: Instrument(facility=facility, name=n) for n in sorted({s.beamline for s in SESSIONS})
        }
        techniques = {k: Technique(name=n, pid=p) for k, (n, p) in TECHNIQUES.items()}
        users = {
            login: User(name=login, fullName=f, givenName=g, familyName=a, orcidId=o)
            for login, (f, g, a, o) in PEOPLE.items()
        }
        session.add_all([facility, *instruments.values(), *techniques.values(), *users.values()])
        datasets = {}
        for spec in SESSIONS:
            investigation = Investigation(
                facility=facility,
                name=spec.name,
                title=spec.title,
                summary=spec.summary,
                startDate=spec.modified,
                endDate=spec.modified,
                releaseDate=spec.release,
                doi=spec.doi,
                dataciteState=spec.state,
                modTime=spec.modified,
            )
            session.add(investigation)
            session.flush()
            session.add(
                InvestigationInstrument(
                    investigation_id=investigation.id, instrument_id=instruments[spec.beamline].id
                )
            )
            session.add(
                InvestigationTechnique(
                    investigation_id=investigation.id, technique_id=techniques[spec.technique].id
                )
            )
            for login, role in spec.members:
                session.add(
                    InvestigationUser(user=users[login], investigation=investigation, role=role)
                )
            datasets[spec.name] = Dataset(investigation=investigation, name="raw/scan1")
            session.add(datasets[spec.name])
            world.sessions[spec.name] = investigation.id
        for collection_spec in COLLECTIONS:
            collection = DataCollection(
                doi=collection_spec.doi,
                title=collection_spec.title,
                summary="What figure it holds.",
                status=collection_spec.status,
                dataciteState=collection_spec.state,
                withdrawn=collection_spec.withdrawn,
                mintTime=MINTED_AT if collection_spec.doi else None,
                creators=[
                    DataCollectionCreator(
                        position=0, name="Alba, Ana", givenName="Ana", familyName="Alba"
                    )
                ],
            )
            session.add(collection)
            session.flush()
            for name in collection_spec.sessions:
                session.add(
                    DataCollectionDataset(
                        data_collection_id=collection.id, dataset_id=datasets[name].id
                    )
                )
            world.collections[collection_spec.title] = collection.id
        session.commit()
        # the ORM stamps modTime on every write: set the world's own afterwards
        for collection_spec in COLLECTIONS:
            found = session.get_one(DataCollection, world.collections[collection_spec.title])
            found.modTime = collection_spec.modified
        for spec in SESSIONS:
            session.get_one(Investigation, world.sessions[spec.name]).modTime = spec.modified
        session.flush()
        session.commit()
    return world


@dataclass(frozen=True)
class Expected:
    """One item the harvest must hold."""

    identifier: str
    datestamp: str
    doi: str | None
    deleted: bool
    title: str
    creators: tuple[str, ...]
    year: str  # DataCite's publicationYear


def creators_of(spec: SessionSpec) -> tuple[str, ...]:
    """Members as DataCite names them ("Family, Given" when both are known), PIs first."""
    ordered = sorted(spec.members, key=lambda m: m[1] != "PI")
    names = []
    for login, _role in ordered:
        full, given, family, _orcid = PEOPLE[login]
        names.append(f"{family}, {given}" if given and family else full)
    return tuple(names)


def expected(world: World) -> list[Expected]:
    """The oracle: public items in list order (sessions, then collections, by id)."""
    by_name = {s.name: s for s in SESSIONS}
    items = []
    for spec in SESSIONS:
        if spec.public:
            assert spec.release is not None
            stamp = max(spec.release, spec.modified)
            local = f"investigation/{world.sessions[spec.name]}"
            people, year = creators_of(spec), str(spec.release.year)
            items.append((local, stamp, spec.doi, False, spec.title, people, year))
    for spec in COLLECTIONS:
        releases = [by_name[n].release for n in spec.sessions]
        if spec.status != MINTED or not spec.doi or None in releases:
            continue
        release = max(r for r in releases if r is not None)
        if release > NOW or not (spec.withdrawn or spec.state in (None, "findable")):
            continue
        stamp = max(release, spec.modified)
        local = f"collection/{world.collections[spec.title]}"
        year = str(max(MINTED_AT, release).year)
        items.append((local, stamp, spec.doi, spec.withdrawn, spec.title, ("Alba, Ana",), year))
    return [
        Expected(f"oai:{REPOSITORY}:{local}", f"{stamp:%Y-%m-%dT%H:%M:%SZ}", *rest)
        for local, stamp, *rest in items
    ]


class CheckedSickle(Sickle):  # type: ignore[misc]
    """Sickle that validates every response it receives against the schemas."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages: list[etree._Element] = []

    def harvest(self, **kwargs: Any) -> Any:
        response = super().harvest(**kwargs)
        assert response.http_response.headers["Content-Type"] == "text/xml; charset=utf-8"
        self.pages.append(check_response(response.http_response.content))
        return response


@contextmanager
def serving(sessions: sessionmaker[Session]) -> Iterator[tuple[str, World]]:
    """The service (page size 4) on loopback over the world; its OAI URL and the world."""
    world = build(sessions)
    options = ServiceOptions(
        base_url=BASE,
        public_url=PUBLIC_URL,
        clock=lambda: NOW,
        oai=OaiOptions(page_size=4, admin_emails=("data@example.org",), secret=b"s" * 32),
    )
    with run_in_thread(make_app(sessions, options, identify_from_header)) as port:
        yield f"http://127.0.0.1:{port}{BASE}oai", world


@pytest.fixture
def endpoint(sessions: sessionmaker[Session]) -> Iterator[tuple[str, World]]:
    """:func:`serving`, on SQLite and on PostgreSQL."""
    with serving(sessions) as served:
        yield served


@pytest.fixture
def sqlite_endpoint(sqlite_sessions: sessionmaker[Session]) -> Iterator[tuple[str, World]]:
    """:func:`serving`, on SQLite only (HTTP behaviour that no SQL decides)."""
    with serving(sqlite_sessions) as served:
        yield served


def test_harvest_as_b2find(endpoint: tuple[str, World]) -> None:
    url, world = endpoint
    want = expected(world)
    sickle = CheckedSickle(url, max_retries=3, timeout=30)
    identify = sickle.Identify()
    assert identify.repositoryName == "PANHUB data catalogue"
    assert identify.baseURL == f"https://data.example.org{BASE}oai"
    assert identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.earliestDatestamp == min(e.datestamp for e in want)
    assert [f.metadataPrefix for f in sickle.ListMetadataFormats()] == ["oai_dc", "oai_datacite"]
    specs = {s.setSpec for s in sickle.ListSets()}
    assert {"beamline:BL11", "beamline:BL13", "beamline:BL22", "technique:PaNET01196"} <= specs
    pages_before = len(sickle.pages)

    records = sickle.ListRecords(
        **{"metadataPrefix": "oai_dc", "set": None, "ignore_deleted": True, "from": None}
    )
    harvested = list(records)
    live = [e for e in want if not e.deleted]
    assert [r.header.identifier for r in harvested] == [e.identifier for e in live]
    assert [r.header.datestamp for r in harvested] == [e.datestamp for e in live]
    assert [r.metadata["title"] for r in harvested] == [[e.title] for e in live]
    assert [tuple(r.metadata["creator"]) for r in harvested] == [e.creators for e in live]
    assert [r.metadata["date"][0] for r in harvested] == [e.year for e in live]
    assert int(records.resumption_token.complete_list_size) == len(want)  # deleted ones count
    assert len(sickle.pages) - pages_before == -(-len(want) // 4) > 1
    for record, item in zip(harvested, live, strict=True):
        if item.doi:
            assert f"https://doi.org/{item.doi}" in record.metadata["identifier"]
        else:
            assert not any("doi.org" in i for i in record.metadata["identifier"])
    script = next(r for r in harvested if r.metadata["title"] == [f"Lysozyme {SCRIPT} soak"])
    assert script.metadata["creator"] == [f"Ben {SCRIPT} Bragg", "Alba, Ana"]
    assert f"Abstract with {SCRIPT} & more" in script.metadata["description"]
    assert script.metadata["date"][0] == "2021"  # the release year

    datacite = list(sickle.ListRecords(metadataPrefix="oai_datacite", ignore_deleted=True))
    with_doi = [e for e in live if e.doi]
    assert [r.header.identifier for r in datacite] == [e.identifier for e in with_doi]
    assert [r.metadata["identifier"] for r in datacite] == [[e.doi] for e in with_doi]
    assert [tuple(r.metadata["creatorName"]) for r in datacite] == [e.creators for e in with_doi]
    assert [r.metadata["publicationYear"] for r in datacite] == [[e.year] for e in with_doi]
    assert all(r.metadata["datacentreSymbol"] == ["PANHUB"] for r in datacite)

    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc"))
    assert [(h.identifier, h.deleted) for h in headers] == [(e.identifier, e.deleted) for e in want]
    assert sum(h.deleted for h in headers) == 1


def test_post_harvests_the_same(sqlite_endpoint: tuple[str, World]) -> None:
    url, world = sqlite_endpoint
    sickle = CheckedSickle(url, http_method="POST")
    identifiers = [h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc")]
    assert identifiers == [e.identifier for e in expected(world)]
    assert len(sickle.pages) > 1


def test_selective_harvests(endpoint: tuple[str, World]) -> None:
    url, world = endpoint
    want = expected(world)
    sickle = CheckedSickle(url)

    def listed(**arguments: Any) -> list[str]:
        try:
            return [
                h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", **arguments)
            ]
        except NoRecordsMatch:
            return []

    session_of = {f"oai:{REPOSITORY}:investigation/{i}": n for n, i in world.sessions.items()}
    bl13 = [e.identifier for e in want if session_of.get(e.identifier, "") and
            next(s for s in SESSIONS if s.name == session_of[e.identifier]).beamline == "BL13"]  # fmt: skip
    figure = f"oai:{REPOSITORY}:collection/{world.collections['Figure 3']}"
    assert listed(set="beamline:BL13") == [*bl13, figure]
    assert listed(set="type:collection") == [
        e.identifier for e in want if "collection/" in e.identifier
    ]
    assert listed(set="doi") == [e.identifier for e in want if e.doi]
    since = "2025-01-01T00:00:00Z"
    assert listed(**{"from": since}) == [e.identifier for e in want if e.datestamp >= since]
    assert listed(until="2021-01-01") == [
        e.identifier for e in want if e.datestamp <= "2021-01-01T23:59:59Z"
    ]
    assert listed(set="beamline:BL99") == []


def test_embargoed_and_draft_items_are_never_served(endpoint: tuple[str, World]) -> None:
    url, world = endpoint
    sickle = CheckedSickle(url)
    for name in ("2025000009", "2025000010"):
        identifier = f"oai:{REPOSITORY}:investigation/{world.sessions[name]}"
        with pytest.raises(IdDoesNotExist):
            sickle.GetRecord(identifier=identifier, metadataPrefix="oai_dc")
    for title in ("Embargoed", "Draft"):
        identifier = f"oai:{REPOSITORY}:collection/{world.collections[title]}"
        with pytest.raises(IdDoesNotExist):
            sickle.GetRecord(identifier=identifier, metadataPrefix="oai_dc")
    record = sickle.GetRecord(
        identifier=f"oai:{REPOSITORY}:investigation/{world.sessions['2020000003']}",
        metadataPrefix="oai_datacite",
    )
    assert record.metadata["publicationYear"] == ["2021"]
    assert record.metadata["creatorName"] == [f"Ben {SCRIPT} Bragg", "Alba, Ana"]
    withdrawn = sickle.GetRecord(
        identifier=f"oai:{REPOSITORY}:collection/{world.collections['Withdrawn']}",
        metadataPrefix="oai_dc",
    )
    assert withdrawn.header.deleted


def fetch(url: str, data: bytes | None = None, **arguments: str) -> tuple[str, bytes]:
    """The raw answer (Content-Type, body) to ``arguments``."""
    query = urllib.parse.urlencode(arguments)
    with urllib.request.urlopen(f"{url}?{query}", data, timeout=30) as response:
        return response.headers["Content-Type"], response.read()


BAD_ARGUMENTS = [
    ("", "badVerb"),
    ("verb=Nope", "badVerb"),
    ("verb=Identify&verb=Identify", "badVerb"),
    ("verb=Identify&extra=1", "badArgument"),
    ("verb=ListRecords", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01&until=2025-02-01T00:00:00Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=%00", "badArgument"),
    ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
    ("verb=ListRecords&resumptionToken=forged.token", "badResumptionToken"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=beamline:BL99", "noRecordsMatch"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2030-01-01", "noRecordsMatch"),
    ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:data.example.org:investigation/999", "idDoesNotExist"),
    ("verb=GetRecord&metadataPrefix=oai_dc&identifier=%FF%FE", "idDoesNotExist"),
]  # fmt: skip


def test_bad_arguments_get_their_codes(sqlite_endpoint: tuple[str, World]) -> None:
    url, _ = sqlite_endpoint
    for query, code in BAD_ARGUMENTS:
        for data in (None, query.encode()):  # GET, then POST
            target = f"{url}?{query}" if data is None else url
            with urllib.request.urlopen(target, data, timeout=30) as response:
                assert response.status == 200
                root = check_response(response.read())
            assert [e.get("code") for e in root.iter(f"{OAI}error")] == [code], query


def test_a_tampered_token_is_refused(sqlite_endpoint: tuple[str, World]) -> None:
    url, _ = sqlite_endpoint
    _, body = fetch(url, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = etree.fromstring(body).findtext(f".//{OAI}resumptionToken")
    payload, signature = token.split(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    _, answer = fetch(url, verb="ListIdentifiers", resumptionToken=forged)
    assert [e.get("code") for e in etree.fromstring(answer).iter(f"{OAI}error")] == [
        "badResumptionToken"
    ]
    _, again = fetch(url, verb="ListIdentifiers", resumptionToken=token)
    assert len(list(etree.fromstring(again).iter(f"{OAI}header"))) == 4


def test_a_page_made_ahead_is_the_page_made_on_request(
    sqlite_endpoint: tuple[str, World],
) -> None:
    url, _ = sqlite_endpoint
    _, first = fetch(url, verb="ListRecords", metadataPrefix="oai_datacite")
    token = etree.fromstring(first).findtext(f".//{OAI}resumptionToken")
    _, ahead = fetch(url, verb="ListRecords", resumptionToken=token)  # made while we waited
    _, again = fetch(url, verb="ListRecords", resumptionToken=token)  # made on request
    date = re.compile(rb"<responseDate>[^<]*</responseDate>")
    assert date.sub(b"", ahead) == date.sub(b"", again)
    assert len(list(etree.fromstring(ahead).iter(f"{OAI}record"))) == 4


def test_landing_content_negotiation(sqlite_endpoint: tuple[str, World]) -> None:
    url, world = sqlite_endpoint
    landing = url.removesuffix("oai") + f"landing/investigations/{world.sessions['2020000003']}"

    def get(accept: str) -> tuple[str, str]:
        request = urllib.request.Request(landing, headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Vary"] == "Accept"
            return response.headers["Content-Type"], response.read().decode()

    kind, bibtex = get("application/x-bibtex")
    assert kind == "application/x-bibtex; charset=utf-8"
    assert bibtex.startswith("@misc{10_5072_ph_es_2020000003,\n")
    assert "doi = {10.5072/PH-ES-2020000003}" in bibtex
    kind, ris = get("application/x-research-info-systems")
    assert "DO  - 10.5072/PH-ES-2020000003\n" in ris
    kind, csl = get("application/vnd.citationstyles.csl+json")
    assert json.loads(csl)["DOI"] == "10.5072/PH-ES-2020000003"
    kind, text = get("text/x-bibliography")
    assert text.startswith(f"Ben {SCRIPT} Bragg; Alba, Ana (2021). Lysozyme {SCRIPT} soak")
    kind, xml = get("application/vnd.datacite.datacite+xml")
    check_payload(etree.fromstring(xml.encode()))
    kind, document = get("application/vnd.datacite.datacite+json")
    assert json.loads(document)["doi"] == "10.5072/PH-ES-2020000003"
    kind, jsonld = get("application/ld+json")
    assert json.loads(jsonld)["name"] == f"Lysozyme {SCRIPT} soak"
    with urllib.request.urlopen(f"{landing}?format=ris&utm_source=x", timeout=30) as response:
        assert response.read().decode() == ris  # a link can name the format
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{landing}?format=pdf", timeout=30)
    assert refused.value.code == 400
    assert "format: 'pdf' is not one of bibtex" in json.loads(refused.value.read())["message"]
    kind, html = get("text/html,application/xhtml+xml,*/*;q=0.8")
    assert kind == "text/html; charset=utf-8"
    # in HTML the script is text; in the JSON-LD script it is JSON escapes
    assert SCRIPT not in html
    assert "Lysozyme &lt;script&gt;alert(1)&lt;/script&gt; soak" in html
    # the JSON-LD's end, and the portal's script (web/static/portal.js): nothing else
    assert html.count("</script>") == 2 and html.count("defer></script>") == 1
    embedded = json.loads(
        html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    )
    assert embedded == json.loads(jsonld)
    assert [c["name"] for c in embedded["creator"]] == [f"Ben {SCRIPT} Bragg", "Alba, Ana"]
    assert embedded["description"] == f"Abstract with {SCRIPT} & more"
