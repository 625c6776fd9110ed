"""The triggers keep ``investigation_facet`` equal to its sources, on SQLite and PostgreSQL.

Searches and facet counts read only this derived table, so a stale row would show an
investigation to the wrong people: every kind of write is checked against a
recomputation from the source tables, and the rule against a re-embargo.
"""

from __future__ import annotations

from datetime import timedelta

from panhub_catalogue.identity import ANONYMOUS
from panhub_catalogue.model import (
    FACET_ALL,
    FACET_BEAMLINE,
    FACET_TECHNIQUE,
    Instrument,
    Investigation,
    InvestigationFacet,
    InvestigationInstrument,
    InvestigationTechnique,
    Technique,
)
from panhub_catalogue.search import Search, count_facets, search_investigations
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_world import NOW, Proposal, World, build

WORLD = World(
    (
        Proposal("P-A", "BL01", release_days=-1, technique="x-ray tomography"),
        Proposal("P-B", "BL13", release_days=+10),
        Proposal("P-C", None, release_days=None),
    )
)


def expected_rows(session: Session) -> set[tuple[object, ...]]:
    """What the table must hold, recomputed from investigations and their links."""
    dates = (
        Investigation.startDate,
        func.coalesce(Investigation.endDate, Investigation.startDate),
        Investigation.releaseDate,
    )
    rows = set(session.execute(select(Investigation.id, FACET_ALL, 0, *dates)))
    for facet, link, column in (
        (FACET_BEAMLINE, InvestigationInstrument, InvestigationInstrument.instrument_id),
        (FACET_TECHNIQUE, InvestigationTechnique, InvestigationTechnique.technique_id),
    ):
        query = select(link.investigation_id, facet, column, *dates).join(
            Investigation, Investigation.id == link.investigation_id
        )
        rows |= set(session.execute(query))
    return {tuple(row) for row in rows}


def actual_rows(session: Session) -> set[tuple[object, ...]]:
    f = InvestigationFacet
    query = select(f.investigation_id, f.facet, f.value_id, f.startDate, f.endDate, f.releaseDate)
    rows = list(session.execute(query))
    assert len(rows) == len(set(rows))  # no duplicates either
    return {tuple(row) for row in rows}


def assert_in_sync(session: Session) -> None:
    session.flush()
    assert actual_rows(session) == expected_rows(session)


def test_every_write_keeps_the_table_in_sync(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        ids = build(session, WORLD)
        assert_in_sync(session)
        assert (
            len(actual_rows(session)) == 3 + 2 + 1
        )  # every investigation, 2 beamlines, 1 technique
        a, b, c = (session.get_one(Investigation, ids[n]) for n in ("P-A", "P-B", "P-C"))
        a.releaseDate = NOW + timedelta(days=5)  # re-embargo
        b.startDate, b.endDate = NOW - timedelta(days=900), None  # end falls back to start
        assert_in_sync(session)
        bl01, bl13 = (
            session.scalar(select(Instrument).filter_by(name=n)) for n in ("BL01", "BL13")
        )
        assert bl01 is not None and bl13 is not None
        session.add(InvestigationInstrument(investigation_id=c.id, instrument_id=bl01.id))
        assert_in_sync(session)
        session.execute(
            update(InvestigationInstrument)
            .where(InvestigationInstrument.investigation_id == b.id)
            .values(instrument_id=bl01.id)
        )
        assert_in_sync(session)
        technique = session.scalar(select(Technique))
        assert technique is not None
        session.add(InvestigationTechnique(investigation_id=b.id, technique_id=technique.id))
        assert_in_sync(session)
        session.execute(
            delete(InvestigationInstrument).where(InvestigationInstrument.investigation_id == c.id)
        )
        assert_in_sync(session)
        session.delete(a)
        assert_in_sync(session)
        assert a.id not in {row[0] for row in actual_rows(session)}
        session.commit()


def test_a_re_embargoed_investigation_disappears_at_once(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        ids = build(session, WORLD)
        total, rows = search_investigations(session, ANONYMOUS, Search(), NOW)
        assert (total, [r.name for r in rows]) == (1, ["P-A"])
        session.execute(
            update(Investigation)
            .where(Investigation.id == ids["P-A"])
            .values(releaseDate=NOW + timedelta(days=1))
        )
        assert search_investigations(session, ANONYMOUS, Search(), NOW) == (0, [])
        facets = count_facets(session, ANONYMOUS, Search(), NOW)
        assert facets == {"beamline": [], "technique": [], "access": [], "year": [], "user": []}
