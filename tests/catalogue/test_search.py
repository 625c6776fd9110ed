"""Search: filters, full text, date ranges, sort, pages and facets, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from panhub_catalogue.identity import ANONYMOUS, Identity
from panhub_catalogue.search import MAX_USER_VALUES, count_facets, search_investigations
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_world import (
    EVERYTHING,
    NOW,
    TABLE,
    Proposal,
    World,
    build,
    names,
)


def test_filters(sessions: sessionmaker[Session]) -> None:
    ana = Identity("ana")
    admin = Identity("root", admin=True)
    with sessions() as session:
        build(session, TABLE)
        assert names(session, ana, replace(EVERYTHING, mine=True)) == {"P-RELEASED", "P-EMBARGO"}
        assert names(session, ANONYMOUS, replace(EVERYTHING, mine=True)) == set()
        assert names(session, admin, replace(EVERYTHING, access="public")) == {"P-RELEASED"}
        assert names(session, admin, replace(EVERYTHING, access="embargoed")) == {
            "P-EMBARGO",
            "P-NORELEASE",
            "P-OTHER",
        }
        assert names(session, admin, replace(EVERYTHING, beamlines=("BL13",))) == {
            "P-RELEASED",
            "P-EMBARGO",
        }
        assert names(session, admin, replace(EVERYTHING, users=("ben",))) == {"P-EMBARGO"}
        # part of a full name, case-insensitive; LIKE wildcards are literal
        assert names(session, admin, replace(EVERYTHING, users=("CHLOE EX",))) == {"P-NORELEASE"}
        assert names(session, admin, replace(EVERYTHING, users=("%",))) == set()


def test_text_search_prefix_and_fields(sessions: sessionmaker[Session]) -> None:
    world = World(
        (
            Proposal("MX-415", title="Lysozyme crystals at 100 K", release_days=-1),
            Proposal("SAXS-9", title="Battery cathode in operando", release_days=-1),
        )
    )
    with sessions() as session:
        build(session, world)

        def text(*words: str) -> set[str]:
            return names(session, ANONYMOUS, replace(EVERYTHING, words=words))

        assert text("lyso") == {"MX-415"}
        assert text("mx", "415") == {"MX-415"}
        assert text("operando", "battery") == {"SAXS-9"}
        assert text("operando", "lysozyme") == set()
        assert text("summary") == {"MX-415", "SAXS-9"}  # summary field
        assert text("10 5072 panhub 1") == {"SAXS-9"}  # DOI as a phrase
        assert text("10 5072 panhub") == {"MX-415", "SAXS-9"}
        assert text("lysozyme crystals") == {"MX-415"}
        assert text("crystals lysozyme") == set()  # phrase order matters
        assert text("nothing") == set()


def test_text_search_pages_carry_the_total(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text searches count their streamed hits (here 2 rows a batch), also past the end."""
    monkeypatch.setattr("panhub_catalogue.search.STREAM_BATCH", 2)
    kinetics = [
        Proposal(f"P{n}", start_days=-n, title="Kinetics", release_days=-1) for n in range(5)
    ]
    world = World((*kinetics, Proposal("Q", title="Other", release_days=-1)))
    with sessions() as session:
        build(session, world)
        search = replace(EVERYTHING, words=("kinet",), limit=2)
        pages = [
            search_investigations(session, ANONYMOUS, replace(search, offset=offset), NOW)
            for offset in (0, 2, 4, 6)
        ]
        assert [(total, [r.name for r in rows]) for total, rows in pages] == [
            (5, ["P0", "P1"]),
            (5, ["P2", "P3"]),
            (5, ["P4"]),
            (5, []),
        ]


def test_date_range_and_sort_and_pages(sessions: sessionmaker[Session]) -> None:
    world = World(tuple(Proposal(f"P{n}", start_days=-10 * n, release_days=-1) for n in range(7)))
    with sessions() as session:
        build(session, world)
        total, newest = search_investigations(session, ANONYMOUS, replace(EVERYTHING, limit=3), NOW)
        assert total == 7
        assert [r.name for r in newest] == ["P0", "P1", "P2"]
        oldest = replace(EVERYTHING, sort=(("startDate", False),), limit=2, offset=2)
        assert [r.name for r in search_investigations(session, ANONYMOUS, oldest, NOW)[1]] == [
            "P4",
            "P3",
        ]
        # starts at -30, -20, -10 (each ends 2 days later) lie in [-35, -5)
        window = replace(
            EVERYTHING, date_from=NOW + timedelta(days=-35), date_to=NOW + timedelta(days=-5)
        )
        assert names(session, ANONYMOUS, window) == {"P1", "P2", "P3"}
        # P0 ends at +2 days: outside a window that closes at now
        assert "P0" not in names(session, ANONYMOUS, replace(EVERYTHING, date_to=NOW))


def test_facets(sessions: sessionmaker[Session]) -> None:
    admin = Identity("root", admin=True)
    with sessions() as session:
        build(session, TABLE)
        facets = count_facets(session, admin, EVERYTHING, NOW)
        assert facets["beamline"] == [("BL13", 2), ("BL01", 1), ("BL22", 1)]
        assert facets["access"] == [("embargoed", 3), ("public", 1)]
        assert sum(n for _, n in facets["year"]) == 4
        # a facet ignores its own filter but applies the others
        only_bl13 = count_facets(session, admin, replace(EVERYTHING, beamlines=("BL13",)), NOW)
        assert only_bl13["beamline"] == facets["beamline"]
        assert only_bl13["access"] == [("embargoed", 1), ("public", 1)]
        assert facets["user"] == [("ana", 2), ("ben", 1), ("chloe", 1), ("dai", 1)]
        assert only_bl13["user"] == [("ana", 2), ("ben", 1)]
        # the user facet ignores the user filter, and applies the others
        by_user = replace(EVERYTHING, users=("dai",), access="embargoed")
        assert count_facets(session, admin, by_user, NOW)["user"] == [
            ("ana", 1),
            ("ben", 1),
            ("chloe", 1),
            ("dai", 1),
        ]
        anonymous = count_facets(session, ANONYMOUS, EVERYTHING, NOW)
        assert anonymous["beamline"] == [("BL13", 1)]
        assert anonymous["access"] == [("public", 1)]
        assert anonymous["user"] == [("ana", 1)]


def test_user_facet_counts_a_person_once_and_keeps_the_50_most_frequent(
    sessions: sessionmaker[Session],
) -> None:
    crowd = tuple((f"u{n:03d}", "member") for n in range(60))
    world = World(
        (
            Proposal("P-1", members=(("ana", "PI"), ("ana", "member"), *crowd[:30])),
            Proposal("P-2", members=(("ana", "PI"), *crowd)),
        )
    )
    with sessions() as session:
        build(session, world)
        users = count_facets(session, Identity("root", admin=True), EVERYTHING, NOW)["user"]
    assert len(users) == MAX_USER_VALUES == 50
    assert users[:31] == [("ana", 2)] + [(name, 2) for name, _ in crowd[:30]]
    assert users[31:] == [(name, 1) for name, _ in crowd[30:49]]


def test_every_column_of_the_table_sorts(sessions: sessionmaker[Session]) -> None:
    from panhub_catalogue.model import Dataset, Investigation

    world = World(
        (
            Proposal("P-A", beamline="BL22", release_days=-1),
            Proposal("P-B", beamline="BL04", release_days=-1),
            Proposal("P-C", release_days=-1),  # no beamline: last either way
        )
    )
    with sessions() as session:
        ids = build(session, world)
        for n in range(2):  # P-B has 3 datasets, the others 1
            session.add(Dataset(investigation_id=ids["P-B"], name=f"extra{n}"))
        session.get(Investigation, ids["P-C"]).doi = "10.5072/a"
        session.get(Investigation, ids["P-A"]).doi = "10.5072/b"
        session.commit()

        def order(field: str, descending: bool = False) -> list[str]:
            search = replace(EVERYTHING, sort=((field, descending),))
            return [r.name for r in search_investigations(session, ANONYMOUS, search, NOW)[1]]

        assert order("beamline") == ["P-B", "P-A", "P-C"]
        assert order("beamline", True) == ["P-A", "P-B", "P-C"]
        assert order("datasetCount", True)[0] == "P-B"
        assert order("doi") == ["P-C", "P-A", "P-B"]  # no DOI last
        assert order("sampleCount") == ["P-A", "P-B", "P-C"]  # ties: by id
        assert order("logbookCount") == ["P-A", "P-B", "P-C"]
