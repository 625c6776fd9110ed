"""The visibility rule (who sees which rows), on SQLite and on PostgreSQL.

A table of callers against four proposals, the visibility-checked lookups, and a
property test: over random worlds, callers and searches, no search, facet count,
lookup or logbook read returns a row the oracle says the caller may not see.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from panhub_catalogue.errors import Forbidden, NotFound, Unauthorized
from panhub_catalogue.identity import ANONYMOUS, Identity
from panhub_catalogue.logbook import (
    FIGURE_TYPES,
    Figure,
    LogbookFilter,
    NewEntry,
    add_entry,
    check_writer,
    list_entries,
)
from panhub_catalogue.model import Datafile, make_search_text
from panhub_catalogue.search import Search, count_facets, search_investigations
from panhub_catalogue.visibility import get_datafile, get_investigation, get_logbook_attachment
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_world import (
    BEAMLINES,
    NOW,
    TABLE,
    TECHNIQUES,
    Proposal,
    World,
    build,
    clear,
    identities,
    is_visible,
    may_write,
    names,
    worlds,
)


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
    members = Counter(user for p in world.proposals if p.name in expected for user, _ in p.members)
    assert facets["user"] == sorted(members.items(), key=lambda r: (-r[1], r[0]))
    for proposal in world.proposals:
        visible = is_visible(world, identity, proposal)
        try:
            get_investigation(session, identity, ids[proposal.name], NOW)
            assert visible
        except NotFound:
            assert not visible
    check_logbook(session, world, identity, ids)


PNG_SIGNATURE = FIGURE_TYPES["image/png"]


def check_logbook(session: Session, world: World, identity: Identity, ids: dict[str, int]) -> None:
    """Logbook entries and their figures are read exactly where the investigation is seen;
    writers as ruled."""
    figures = {}
    for name, investigation_id in ids.items():
        entry = NewEntry(f"entry of {name}", figure=Figure("image/png", PNG_SIGNATURE))
        figures[name] = add_entry(session, investigation_id, entry, None, NOW).attachments[0].id
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
            found = get_logbook_attachment(session, identity, figures[proposal.name], NOW)
            assert visible
            assert found.data == PNG_SIGNATURE
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
