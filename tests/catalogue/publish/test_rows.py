"""publish.rows: the catalogue's rows as document records, batched, on both backends."""

from __future__ import annotations

from datetime import timedelta

from panhub_catalogue.model import (
    DataCollection,
    DataCollectionDatafile,
    DataCollectionDataset,
    Investigation,
)
from panhub_catalogue.publish.document import (
    Affiliation,
    Content,
    Creator,
    SessionRecord,
    Technique,
)
from panhub_catalogue.publish.rows import load_collections, load_sessions
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_world import NOW
from tests.support.publishing_world import ORCID, ROR, build_world

XAS = Technique("x-ray absorption spectroscopy")
ANA = Creator("Ana Example", "Ana", "Example", ORCID, (Affiliation("University of Examples", ROR),))
BEN = Creator("Ben Example")


def test_sessions_are_read_with_members_in_order_and_their_embargo(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        ids = build_world(session)
        public, embargoed = load_sessions(
            session, [ids.investigations["P-EMB"], ids.investigations["P-PUB"]], NOW
        )
        row = session.get_one(Investigation, ids.investigations["P-PUB"])
    start = NOW - timedelta(days=100)
    assert public == SessionRecord(
        id=ids.investigations["P-PUB"],
        proposal="P-PUB",
        visit="",
        title="Cathodes",
        summary="summary of P-PUB",
        content=Content("PANHUB", ("BL13",), (XAS,), 2, 1500, (), start, start + timedelta(days=2)),
        creators=(ANA, BEN),  # the PI first
        doi="10.5072/panhub.0",
        release=NOW - timedelta(days=10),
        embargoed=False,
        minted=None,
        modified=row.modTime,
    )
    assert embargoed.embargoed and embargoed.creators == (Creator("Ben Example"),)
    assert embargoed.content.beamlines == ("BL22",) and embargoed.content.techniques == ()


def test_a_collection_counts_each_file_once_and_knows_its_sessions_and_versions(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        ids = build_world(session)
        first = DataCollection(title="v1", status="minted", doi="10.80001/V1", keywords=["k"])
        session.add(first)
        session.flush()
        second = DataCollection(
            title="v2", status="minted", doi="10.80001/V2", previous_id=first.id, keywords=[]
        )
        session.add(second)
        session.flush()
        session.add_all(
            [
                # a whole dataset, and a file of it again: one file, counted once
                DataCollectionDataset(
                    data_collection_id=first.id, dataset_id=ids.datasets[("P-PUB", 2)]
                ),
                DataCollectionDatafile(
                    data_collection_id=first.id, datafile_id=ids.datafiles[("P-PUB", 2)]
                ),
                DataCollectionDatafile(
                    data_collection_id=first.id, datafile_id=ids.datafiles[("P-EMB", 1)]
                ),
                DataCollectionDataset(
                    data_collection_id=second.id, dataset_id=ids.datasets[("P-PUB", 1)]
                ),
            ]
        )
        session.commit()
        old, new = load_collections(session, [second.id, first.id])
        releases = list(session.scalars(select(Investigation.releaseDate)))
    assert (old.title, new.title) == ("v1", "v2")
    assert (old.content.file_count, old.content.file_size) == (2, 500 + 1001)
    assert old.content.formats == ("application/x-hdf5",)
    assert old.content.beamlines == ("BL13", "BL22") and old.content.facility == "PANHUB"
    assert old.sessions == ("10.5072/panhub.0", "10.5072/panhub.1")
    assert old.release == max(releases)  # all of its data is public then
    assert old.keywords == ("k",)
    assert (old.previous_doi, old.next_doi) == (None, "10.80001/V2")
    assert (new.previous_doi, new.next_doi) == ("10.80001/V1", None)
    assert new.content.techniques == (XAS,) and new.content.file_count == 1
