"""A small catalogue described as plain data, its builder, and the visibility oracle.

The oracle restates the rule in Python, independently of the SQL in
``panhub_catalogue/visibility.py``, so that tests compare two implementations.
:data:`TABLE` is the four-proposal world that the visibility and search tests share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hypothesis import strategies as st
from panhub_catalogue.identity import Identity
from panhub_catalogue.model import (
    Base,
    Datafile,
    Dataset,
    DatasetTechnique,
    InstrumentScientist,
    Investigation,
    InvestigationInstrument,
    InvestigationUser,
    Sample,
)
from panhub_catalogue.search import Search, search_investigations
from panhub_catalogue.store import Lookup, refresh_investigation
from sqlalchemy.orm import Session

NOW = datetime(2026, 1, 1, 12, 0, 0)
USERS = ("ana", "ben", "chloe", "dai", "eve")
BEAMLINES = ("BL01", "BL13", "BL22")
TECHNIQUES = ("x-ray absorption spectroscopy", "small angle scattering", "x-ray tomography")


@dataclass(frozen=True)
class Proposal:
    """One investigation with one dataset, one sample and one file."""

    name: str
    beamline: str | None = None
    members: tuple[tuple[str, str], ...] = ()
    release_days: int | None = None
    start_days: int = -100
    title: str = "a study"
    technique: str | None = None


@dataclass(frozen=True)
class World:
    """Proposals plus beamline staff recorded in the catalogue (InstrumentScientist)."""

    proposals: tuple[Proposal, ...] = ()
    staff: tuple[tuple[str, str], ...] = field(default=())


def build(session: Session, world: World) -> dict[str, int]:
    """Insert ``world``; return investigation ids by proposal name."""
    lookup = Lookup(session)
    facility = lookup.facility("PANHUB", 1096)
    ids: dict[str, int] = {}
    for number, proposal in enumerate(world.proposals):
        start = NOW + timedelta(days=proposal.start_days)
        release = (
            None if proposal.release_days is None else NOW + timedelta(days=proposal.release_days)
        )
        investigation = Investigation(
            facility_id=facility.id,
            name=proposal.name,
            visitId="",
            title=proposal.title,
            summary=f"summary of {proposal.name}",
            startDate=start,
            endDate=start + timedelta(days=2),
            releaseDate=release,
            doi=f"10.5072/panhub.{number}",
        )
        session.add(investigation)
        session.flush()
        if proposal.beamline:
            instrument = lookup.instrument(facility, proposal.beamline)
            session.add(
                InvestigationInstrument(
                    investigation_id=investigation.id, instrument_id=instrument.id
                )
            )
        for user, role in proposal.members:
            person = lookup.user(user, f"{user.capitalize()} Example")
            session.add(
                InvestigationUser(user_id=person.id, investigation_id=investigation.id, role=role)
            )
        sample = Sample(investigation_id=investigation.id, name=f"sample-{number}")
        session.add(sample)
        session.flush()
        dataset = Dataset(
            investigation_id=investigation.id,
            sample_id=sample.id,
            name="raw/scan0001",
            type="raw",
            startDate=start,
            endDate=start + timedelta(hours=1),
        )
        session.add(dataset)
        session.flush()
        if proposal.technique:
            technique = lookup.technique(proposal.technique)
            session.add(DatasetTechnique(dataset_id=dataset.id, technique_id=technique.id))
        session.add(
            Datafile(
                dataset_id=dataset.id,
                name="scan0001.nxs",
                location=f"/data/{proposal.name}/raw/scan0001/scan0001.nxs",
                fileSize=1000 + number,
            )
        )
        session.flush()
        refresh_investigation(session, investigation.id)
        ids[proposal.name] = investigation.id
    for user, beamline in world.staff:
        person = lookup.user(user)
        instrument = lookup.instrument(facility, beamline)
        session.add(InstrumentScientist(user_id=person.id, instrument_id=instrument.id))
    session.commit()
    return ids


def clear(session: Session) -> None:
    """Delete every row (between hypothesis examples)."""
    # DELETE, not TRUNCATE: on a few rows it is much faster on PostgreSQL
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()


def is_visible(world: World, identity: Identity, proposal: Proposal, now: datetime = NOW) -> bool:
    """The visibility rule, restated in plain Python."""
    if identity.admin:
        return True
    if proposal.release_days is not None and NOW + timedelta(days=proposal.release_days) <= now:
        return True
    if identity.username is not None and any(u == identity.username for u, _ in proposal.members):
        return True
    staff_of = set(identity.beamlines)
    if identity.username is not None:
        staff_of |= {b for u, b in world.staff if u == identity.username}
    return proposal.beamline in staff_of


def may_write(world: World, identity: Identity, proposal: Proposal) -> bool:
    """The logbook's writers, restated: a signed-in admin, member or beamline staff."""
    if identity.username is None:
        return False
    if identity.admin or any(u == identity.username for u, _ in proposal.members):
        return True
    staff_of = set(identity.beamlines) | {b for u, b in world.staff if u == identity.username}
    return proposal.beamline in staff_of


identities = st.builds(
    Identity,
    username=st.one_of(st.none(), st.sampled_from(USERS)),
    admin=st.sampled_from((False, False, False, True)),
    beamlines=st.frozensets(st.sampled_from(BEAMLINES), max_size=2),
)


@st.composite
def worlds(draw: st.DrawFn, max_proposals: int = 8) -> World:
    """Random proposals (members, roles, beamline, release before/after now or none)."""
    count = draw(st.integers(0, max_proposals))
    proposals = tuple(
        Proposal(
            name=f"P{n:04d}",
            beamline=draw(st.one_of(st.none(), st.sampled_from(BEAMLINES))),
            members=tuple(
                draw(
                    st.lists(
                        st.tuples(st.sampled_from(USERS), st.sampled_from(("PI", "member"))),
                        max_size=3,
                        unique_by=lambda m: m[0],
                    )
                )
            ),
            release_days=draw(st.one_of(st.none(), st.integers(-2000, 2000))),
            start_days=draw(st.integers(-3000, 0)),
            title=draw(
                st.sampled_from(("lysozyme crystals", "battery cathode", "bone tomography"))
            ),
            technique=draw(st.one_of(st.none(), st.sampled_from(TECHNIQUES))),
        )
        for n in range(count)
    )
    staff = tuple(
        draw(
            st.lists(
                st.tuples(st.sampled_from(USERS), st.sampled_from(BEAMLINES)),
                max_size=2,
                unique=True,
            )
        )
    )
    return World(proposals, staff)


#: Every row on one page.
EVERYTHING = Search(limit=500)

#: Released, embargoed, never released, embargoed for long; eve is staff of BL22.
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
    """Names of the investigations ``search`` finds for ``identity`` (all on one page)."""
    total, rows = search_investigations(session, identity, search, NOW)
    assert total == len(rows)
    return {r.name for r in rows}
