"""changes: what changes an item's DataCite document moves its OAI-PMH datestamp.

A public session indexed once, its datestamp set back to 2020; then an import adds a
dataset, the directory of members removes one, a member's ORCID changes: each time the
OAI-PMH endpoint (the real service, over HTTP) lists the session again in a
``ListIdentifiers`` ``from`` the moment before, as a harvester asks. A collection's
datestamp moves when its data changes without its form (a dataset added by hand) and
when a session it draws on gets its DOI (its ``IsPartOf`` link). Both backends.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from panhub_catalogue.clock import utcnow
from panhub_catalogue.demo import ScanSpec, write_scan
from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.ingest.members import apply_directory, parse_directory
from panhub_catalogue.model import (
    MINTED,
    DataCollection,
    DataCollectionDataset,
    Dataset,
    Investigation,
    User,
)
from panhub_catalogue.web.oai import OaiOptions
from panhub_catalogue.web.service import ServiceOptions, make_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_client import identify_from_header
from tests.support.catalogue_served import run_in_thread

LONG_AGO = datetime(2020, 1, 1)
PROPOSAL = "2025000001"
DIRECTORY = {
    "people": {
        "ana": {"name": "Ana Alba", "orcid": "0000-0002-1825-0097"},
        "ben": {"name": "Ben Bragg"},
    },
    "proposals": {
        PROPOSAL: {"members": ["ana", "ben"], "principal_investigator": "ana", "beamline": "BL22"}
    },
}


def scan(root: Path, dataset: str) -> None:
    """One NeXus file in the dataset folder ``dataset`` of the proposal."""
    spec = ScanSpec(title="Cathode", start=datetime(2025, 3, 1, 8))
    write_scan(root / PROPOSAL / "raw" / dataset / "scan.nxs", spec)


class Harvester:
    """``ListIdentifiers`` of the service, ``from`` a moment."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/services/catalogue/oai"

    def listed(self, since: datetime, prefix: str = "oai_dc") -> list[str]:
        """The identifiers whose datestamp is at ``since`` or later."""
        query = f"verb=ListIdentifiers&metadataPrefix={prefix}&from={since:%Y-%m-%dT%H:%M:%SZ}"
        with urllib.request.urlopen(f"{self.url}?{query}", timeout=10) as answer:
            body = answer.read().decode()
        return re.findall(r"<identifier>([^<]+)</identifier>", body)


@pytest.fixture
def harvester(sessions: sessionmaker[Session]) -> Iterator[Harvester]:
    options = ServiceOptions(
        base_url="/services/catalogue/",
        max_limit=100,
        public_url="https://data.example.org/services/catalogue/",
        oai=OaiOptions(page_size=10, admin_emails=("data@example.org",), secret=b"s" * 32),
        # the harvest comes a moment after the change (a list ends at its second's start)
        clock=lambda: utcnow() + timedelta(seconds=2),
    )
    with run_in_thread(make_app(sessions, options, identify_from_header)) as port:
        yield Harvester(port)


def set_back(sessions: sessionmaker[Session]) -> datetime:
    """Every item's datestamp to 2020, as if nothing had changed since; the moment a
    harvester last harvested (now, to the second)."""
    with sessions() as session:
        session.execute(update(Investigation).values(modTime=LONG_AGO, releaseDate=LONG_AGO))
        session.execute(update(DataCollection).values(modTime=LONG_AGO))
        session.commit()
    return utcnow().replace(microsecond=0)


def get_session_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalars(select(Investigation.id).where(Investigation.name == PROPOSAL)).one()


def test_an_import_and_the_members_move_a_sessions_datestamp(
    sessions: sessionmaker[Session], harvester: Harvester, tmp_path: Path
) -> None:
    root = tmp_path / "proposals"
    scan(root, "cathode")
    indexer = Indexer(root=str(root))
    indexer.index(sessions, [root])
    with sessions() as session:
        apply_directory(session, parse_directory(DIRECTORY), "PANHUB")
        session.commit()
    oai_id = f"oai:data.example.org:investigation/{get_session_id(sessions)}"
    since = set_back(sessions)
    assert harvester.listed(LONG_AGO) == [oai_id]  # public, last changed in 2020
    assert harvester.listed(since) == []
    # an import adds a dataset to the session: it is listed again
    scan(root, "anode")
    indexer.index(sessions, [root])
    assert harvester.listed(since) == [oai_id]
    # the directory takes a member away (a bulk delete of the membership rows)
    since = set_back(sessions)
    gone = {**DIRECTORY, "proposals": {PROPOSAL: {"members": ["ana"], "beamline": "BL22"}}}
    with sessions() as session:
        apply_directory(session, parse_directory(gone), "PANHUB")
        session.commit()
        assert {
            u.user.name
            for u in session.get_one(Investigation, get_session_id(sessions)).investigationUsers
        } == {"ana"}
    assert harvester.listed(since) == [oai_id]
    # a member's ORCID iD (in the session's document) changes
    since = set_back(sessions)
    with sessions() as session:
        session.scalars(
            select(User).where(User.name == "ana")
        ).one().orcidId = "0000-0002-1694-233X"
        session.commit()
    assert harvester.listed(since) == [oai_id]
    # reading and re-indexing what did not change moves nothing
    since = set_back(sessions)
    indexer.index(sessions, [root])
    with sessions() as session:
        assert session.get_one(Investigation, get_session_id(sessions)).modTime == LONG_AGO
    assert harvester.listed(since) == []


def test_a_collections_datestamp_follows_its_data_and_its_sessions_dois(
    sessions: sessionmaker[Session], harvester: Harvester, tmp_path: Path
) -> None:
    root = tmp_path / "proposals"
    scan(root, "cathode")
    scan(root, "anode")
    Indexer(root=str(root)).index(sessions, [root])
    with sessions() as session:
        first, second = session.scalars(select(Dataset.id).order_by(Dataset.id)).all()
        collection = DataCollection(
            title="Scans",
            status=MINTED,
            doi="10.80001/PANHUB-DC-1",
            dataciteState="findable",
            keywords=[],
            dataCollectionDatasets=[DataCollectionDataset(dataset_id=first)],
        )
        session.add(collection)
        session.commit()
        collection_id = collection.id
    oai_id = f"oai:data.example.org:collection/{collection_id}"
    since = set_back(sessions)
    assert oai_id in harvester.listed(LONG_AGO)
    assert oai_id not in harvester.listed(since)
    # a dataset added to its rows (not through its form, which stamps it itself)
    with sessions() as session:
        session.add(DataCollectionDataset(data_collection_id=collection_id, dataset_id=second))
        session.commit()
    assert oai_id in harvester.listed(since)
    # the session its data comes from gets its DOI: the collection's IsPartOf link
    since = set_back(sessions)
    with sessions() as session:
        session.get_one(Investigation, get_session_id(sessions)).doi = "10.80001/PANHUB-ES-1"
        session.commit()
    listed = harvester.listed(since, "oai_datacite")
    assert oai_id in listed and listed[0].startswith("oai:data.example.org:investigation/")
    with sessions() as session:
        moved = session.get_one(DataCollection, collection_id).modTime
    assert since - timedelta(seconds=1) <= moved <= utcnow()
