"""The visibility rule, filters, facets and pagination, on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from panhub_catalogue import query
from panhub_catalogue.errors import Forbidden, NotFound, Unauthorized
from panhub_catalogue.identity import ANONYMOUS, Identity
from panhub_catalogue.logbook import LogbookFilter, NewEntry, add_entry, check_writer, list_entries
from panhub_catalogue.model import Datafile, make_search_text
from panhub_catalogue.query import (
    Search,
    count_facets,
    get_datafile,
    get_investigation,
    search_investigations,
)
from sqlalchemy.orm import Session, sessionmaker

from tests.catalogue.world import (
    BEAMLINES,
    NOW,
    TECHNIQUES,
    Proposal,
    World,
    build,
    clear,
    identities,
    is_visible,
    may_write,
    worlds,
)

EVERYTHING = Search(limit=500)

TABLE = World(
    proposals=(
        Proposal("P-RELEASED", "BL13", (("ana", "PI"),), release_days=-1),
        Proposal("P-EMBARGO", "BL13", (("ana", "PI"), ("ben", "member")), release_days=+1),
        Proposal("P-NORELEASE", "BL22", (("chloe", "PI"),)),
        Proposal("P-OTHER", "BL01", (("dai", "PI"),), release_days=+400),
    ),
    staff=(("eve", "BL22"),),
)


def names(session: Session, identity: Identity, search: Search = EVERYTHING) -> set[str]:
    total, rows = search_investigations(session, identity, search, NOW)
    assert total == len(rows)
    return {r.name for r in rows}


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        (ANONYMOUS, {"P-RELEASED"}),
        (Identity("ana"), {"P-RELEASED", "P-EMBARGO"}),
        (Identity("ben"), {"P-RELEASED", "P-EMBARGO"}),
        (Identity("chloe"), {"P-RELEASED", "P-NORELEASE"}),
        (Identity("eve"), {"P-RELEASED", "P-NORELEASE"}),  # InstrumentScientist of BL22
        (Identity("zoe", beamlines=frozenset({"BL01"})), {"P-RELEASED", "P-OTHER"}),  # hub staff
        (Identity(None, beamlines=frozenset({"BL01"})), {"P-RELEASED", "P-OTHER"}),
        (Identity("zoe"), {"P-RELEASED"}),
        (Identity("zoe", admin=True), {"P-RELEASED", "P-EMBARGO", "P-NORELEASE", "P-OTHER"}),
    ],
)
def test_visibility_table(
    sessions: sessionmaker[Session], identity: Identity, expected: set[str]
) -> None:
    with sessions() as session:
        ids = build(session, TABLE)
        assert names(session, identity) == expected
        for name, investigation_id in ids.items():
            if name in expected:
                assert get_investigation(session, identity, investigation_id, NOW).name == name
            else:
                with pytest.raises(NotFound, match=f"no investigation {investigation_id}$"):
                    get_investigation(session, identity, investigation_id, NOW)


def test_release_date_boundary_is_inclusive(sessions: sessionmaker[Session]) -> None:
    world = World((Proposal("P-EDGE", release_days=0),))
    with sessions() as session:
        build(session, world)
        assert names(session, ANONYMOUS) == {"P-EDGE"}


def test_missing_rows_and_invisible_rows_look_the_same(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        ids = build(session, TABLE)
        hidden = ids["P-EMBARGO"]
        missing = max(ids.values()) + 1000
        messages = []
        for investigation_id in (hidden, missing):
            with pytest.raises(NotFound) as caught:
                get_investigation(session, ANONYMOUS, investigation_id, NOW)
            messages.append(caught.value.message.replace(str(investigation_id), "N"))
        assert messages[0] == messages[1]


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
    monkeypatch.setattr(query, "STREAM_BATCH", 2)
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
        anonymous = count_facets(session, ANONYMOUS, EVERYTHING, NOW)
        assert anonymous["beamline"] == [("BL13", 1)]
        assert anonymous["access"] == [("public", 1)]


def test_datafile_follows_its_investigation(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        build(session, TABLE)
        files = {f.location.split("/")[2]: f.id for f in session.query(Datafile)}
        assert get_datafile(session, ANONYMOUS, files["P-RELEASED"], NOW).name == "scan0001.nxs"
        with pytest.raises(NotFound):
            get_datafile(session, ANONYMOUS, files["P-EMBARGO"], NOW)
        assert get_datafile(session, Identity("ben"), files["P-EMBARGO"], NOW).fileSize > 0


searches = st.builds(
    Search,
    access=st.sampled_from(("all", "public", "embargoed")),
    mine=st.booleans(),
    beamlines=st.lists(st.sampled_from(BEAMLINES), max_size=2, unique=True).map(tuple),
    techniques=st.lists(st.sampled_from(TECHNIQUES), max_size=1).map(tuple),
    words=st.lists(st.sampled_from(("lyso", "cathode", "bone", "summ")), max_size=1).map(tuple),
    date_from=st.one_of(st.none(), st.integers(-3000, 0).map(lambda d: NOW + timedelta(days=d))),
    sort=st.sampled_from(((("startDate", True),), (("startDate", False),), (("name", False),))),
    limit=st.integers(1, 4),
)


def matches_text(proposal: Proposal, number: int, search: Search) -> bool:
    """Every term is a prefix of a word of the name, title, summary or DOI (as ``build``)."""
    words = make_search_text(
        proposal.name, proposal.title, f"summary of {proposal.name}", f"10.5072/panhub.{number}"
    ).split()
    return all(any(w.startswith(term) for w in words) for term in search.words)


def check_world(session: Session, world: World, identity: Identity, search: Search) -> None:
    clear(session)
    ids = build(session, world)
    expected = set()
    public = embargoed = 0
    for number, proposal in enumerate(world.proposals):
        released = proposal.release_days is not None and proposal.release_days <= 0
        if not is_visible(world, identity, proposal):
            continue
        if search.words and not matches_text(proposal, number, search):
            continue
        if search.date_from and NOW + timedelta(days=proposal.start_days) < search.date_from:
            continue
        if (search.access == "public" and not released) or (
            search.access == "embargoed" and released
        ):
            continue
        if search.mine and not any(u == identity.username for u, _ in proposal.members):
            continue
        if search.beamlines and proposal.beamline not in search.beamlines:
            continue
        if search.techniques and proposal.technique not in search.techniques:
            continue
        public, embargoed = (public + 1, embargoed) if released else (public, embargoed + 1)
        expected.add(proposal.name)
    # walk every page: no duplicates, no gaps, stable total
    seen: list[str] = []
    offset = 0
    while True:
        total, rows = search_investigations(session, identity, replace(search, offset=offset), NOW)
        assert total == len(expected)
        seen += [r.name for r in rows]
        offset += search.limit
        if offset >= total:
            break
    assert sorted(seen) == sorted(expected)
    facets = count_facets(session, identity, search, NOW)
    assert (
        dict(facets["access"])
        == {k: n for k, n in (("public", public), ("embargoed", embargoed)) if n}
        or search.access != "all"
    )
    assert sum(n for _, n in facets["access"]) >= len(expected)
    assert sum(n for _, n in facets["year"]) == len(expected) or search.date_from is not None
    for proposal in world.proposals:
        visible = is_visible(world, identity, proposal)
        try:
            get_investigation(session, identity, ids[proposal.name], NOW)
            assert visible
        except NotFound:
            assert not visible
    check_logbook(session, world, identity, ids)


def check_logbook(session: Session, world: World, identity: Identity, ids: dict[str, int]) -> None:
    """Logbook entries are read exactly where the investigation is seen; writers as ruled."""
    for name, investigation_id in ids.items():
        add_entry(session, investigation_id, NewEntry(f"entry of {name}"), None, NOW)
    session.commit()
    for proposal in world.proposals:
        investigation_id = ids[proposal.name]
        visible = is_visible(world, identity, proposal)
        try:
            total, rows = list_entries(session, identity, investigation_id, LogbookFilter(), NOW)
            assert visible
            assert total == 1
            assert [(r.investigation_id, r.content) for r in rows] == [
                (investigation_id, f"entry of {proposal.name}")
            ]
        except NotFound:
            assert not visible
        try:
            check_writer(session, identity, investigation_id, NOW)
            assert may_write(world, identity, proposal)
        except Unauthorized:
            assert identity.username is None
        except NotFound:
            assert identity.username is not None and not visible
        except Forbidden:
            assert visible and not may_write(world, identity, proposal)
        session.rollback()  # check_writer may add the caller's User row


@settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(world=worlds(), identity=identities, search=searches)
def test_no_query_returns_a_row_the_caller_may_not_see_sqlite(
    sqlite_sessions: sessionmaker[Session], world: World, identity: Identity, search: Search
) -> None:
    with sqlite_sessions() as session:
        check_world(session, world, identity, search)


@pytest.mark.postgres
@settings(
    max_examples=75,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(world=worlds(), identity=identities, search=searches)
def test_no_query_returns_a_row_the_caller_may_not_see_postgresql(
    postgres_sessions: sessionmaker[Session], world: World, identity: Identity, search: Search
) -> None:
    with postgres_sessions() as session:
        check_world(session, world, identity, search)
