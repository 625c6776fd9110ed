"""Proposal membership in the catalogue: import the hub's directory file, serve it back.

The hub keeps membership in a directory of this shape (TOML on disk, JSON over HTTP;
``hub_config/demo/proposals.toml``)::

    admins = ["dave"]
    [beamlines.BL11-NCD]
    staff = ["carol"]
    [proposals.20260001]
    beamline = "BL11-NCD"
    title = "Kinetics of ..."
    members = ["alice"]

:func:`apply_directory` writes it into the ICAT-shaped rows (``InvestigationUser``,
``InvestigationInstrument``, ``InstrumentScientist``, and the admin ``Grouping``);
:func:`read_directory` reads those rows back into the same shape for the hub's
``CatalogueSource`` (``GET api/directory``). Proposal ids and names follow the hub's
rules (:data:`PROPOSAL_ID`, :data:`NAME`): a bad entry in a file is an error, a row the
hub could not use is left out of what is served.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from panhub_catalogue.model import (
    ADMIN_GROUPING,
    Facility,
    Grouping,
    Instrument,
    InstrumentScientist,
    Investigation,
    InvestigationInstrument,
    InvestigationUser,
    User,
    UserGroup,
)
from panhub_catalogue.store import Lookup, update_search_text

#: Proposal ids become folder and POSIX group names on the hub side (same rule as the hub).
PROPOSAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
#: User and beamline names (same rule as the hub).
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")


class DirectoryError(ValueError):
    """A directory file entry that cannot be imported; the message names it."""


@dataclass(frozen=True)
class ProposalEntry:
    """One proposal of the directory."""

    id: str
    beamline: str
    title: str = ""
    members: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Directory:
    """Proposals, staff per beamline, admins."""

    proposals: tuple[ProposalEntry, ...] = ()
    staff: Mapping[str, frozenset[str]] = field(default_factory=dict)
    admins: frozenset[str] = frozenset()


@dataclass
class ImportReport:
    """What :func:`apply_directory` changed (all zero when run twice)."""

    investigations_created: int = 0
    beamlines_added: int = 0
    beamlines_removed: int = 0
    members_added: int = 0
    members_removed: int = 0
    staff_added: int = 0
    staff_removed: int = 0
    admins_added: int = 0
    admins_removed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.investigations_created} investigations created, beamlines "
            f"+{self.beamlines_added}/-{self.beamlines_removed}, members "
            f"+{self.members_added}/-{self.members_removed}, staff "
            f"+{self.staff_added}/-{self.staff_removed}, admins "
            f"+{self.admins_added}/-{self.admins_removed}"
        )


def is_proposal_id(value: object) -> bool:
    """True for ids the hub accepts as proposal (folder, group) names."""
    return isinstance(value, str) and PROPOSAL_ID.fullmatch(value) is not None


def is_name(value: object) -> bool:
    """True for user and beamline names the hub accepts."""
    return isinstance(value, str) and NAME.fullmatch(value) is not None and ".." not in value


_TOP_KEYS = ("admins", "beamlines", "proposals")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _where(*path: object) -> str:
    """A key of the directory as a TOML dotted key: ``proposals.P1``, ``proposals."../x"``."""
    return ".".join(
        p if isinstance(p, str) and _BARE_KEY.fullmatch(p) else json.dumps(str(p)) for p in path
    )


def _kind(value: object) -> str:
    """What a TOML/JSON value is, for an error message: ``a string``, ``a table``..."""
    kinds = ((bool, "a boolean"), (str, "a string"), (int, "an integer"), (float, "a number"),
             (Mapping, "a table"), (list, "a list"), (type(None), "null"))  # fmt: skip
    return next((k for t, k in kinds if isinstance(value, t)), type(value).__name__)


def _table(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DirectoryError(f"{where}: must be a table, not {_kind(value)}")
    return value


def _check_name(value: object, where: str, what: str = "user name") -> str:
    if not is_name(value):
        raise DirectoryError(f"{where}: invalid {what} {value!r}")
    return str(value)


def _names(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list):
        raise DirectoryError(f"{where}: must be a list of user names, not {_kind(value)}")
    return frozenset(_check_name(v, where) for v in value)


def _parse_proposal(pid: str, entry: object) -> ProposalEntry:
    where = _where("proposals", pid)
    if not is_proposal_id(pid):
        raise DirectoryError(f"{where}: invalid proposal id {pid!r}")
    entry = _table(entry, where)
    if "beamline" not in entry:
        raise DirectoryError(f"{where}.beamline: missing")
    return ProposalEntry(
        id=pid,
        beamline=_check_name(entry["beamline"], f"{where}.beamline", "beamline"),
        title=str(entry.get("title", "")),
        members=_names(entry.get("members", []), f"{where}.members"),
    )


def parse_directory(data: Mapping[str, Any]) -> Directory:
    """Check and build a :class:`Directory` from the parsed TOML or JSON.

    The same rules as the hub's reader of this file (``panhub.proposals``; the table of
    cases in ``tests/support/directory_cases.py`` runs against both).

    Raises
    ------
    DirectoryError
        Naming the first bad key (``proposals.20260001.members: must be a list of user
        names, not a string``); nothing is imported then.
    """
    if not isinstance(data, Mapping):
        raise DirectoryError(f"a directory must be a table, not {_kind(data)}")
    unknown = sorted(set(data) - set(_TOP_KEYS))
    if unknown:
        raise DirectoryError(f"{_where(unknown[0])}: unknown key; known: {', '.join(_TOP_KEYS)}")
    proposals = [
        _parse_proposal(pid, entry)
        for pid, entry in _table(data.get("proposals", {}), "proposals").items()
    ]
    staff = {}
    for beamline, entry in _table(data.get("beamlines", {}), "beamlines").items():
        where = _where("beamlines", beamline)
        _check_name(beamline, where, "beamline")
        staff[beamline] = _names(_table(entry, where).get("staff", []), f"{where}.staff")
    admins = _names(data.get("admins", []), "admins")
    return Directory(tuple(sorted(proposals, key=lambda p: p.id)), staff, admins)


def _sync_rows(
    session: Session, model: type[Any], keys: dict[str, int], column: str, wanted: set[int]
) -> tuple[int, int]:
    """Make the ``column`` values of ``model`` rows matching ``keys`` exactly ``wanted``."""
    have = set(session.scalars(select(getattr(model, column)).filter_by(**keys)))
    for value in sorted(wanted - have):
        session.add(model(**keys, **{column: value}))
    gone = have - wanted
    if gone:
        session.execute(
            delete(model).filter_by(**keys).where(getattr(model, column).in_(sorted(gone)))
        )
    return len(wanted - have), len(gone)


def apply_directory(session: Session, directory: Directory, facility: str) -> ImportReport:
    """Write ``directory`` into the catalogue of ``facility``; idempotent.

    - Each proposal applies to every investigation of that name (all visits); one is
      created (``visitId`` empty) when there is none yet, so that importing before
      indexing works. Its title is set when the file gives one, and its beamline links
      (``InvestigationInstrument``) become exactly the proposal's beamline: a link made
      otherwise (by an indexer trusting the beamline its files name, say) is removed.
    - Its ``InvestigationUser`` rows become exactly its members: a new member gets a
      ``member`` row, a member keeps the roles they have (``PI`` from ICAT, say), and
      every row of a user no longer listed is removed.
    - Each listed beamline's ``InstrumentScientist`` rows become exactly its staff.
    - The admin grouping becomes exactly ``admins``.

    Proposals and beamlines the file does not list are left as they are. The caller
    commits.
    """
    report = ImportReport()
    lookup = Lookup(session)
    owner = lookup.facility(facility)
    for proposal in directory.proposals:
        investigations = list(
            session.scalars(select(Investigation).filter_by(facility_id=owner.id, name=proposal.id))
        )
        if not investigations:
            created = Investigation(facility_id=owner.id, name=proposal.id, visitId="")
            update_search_text(created)
            session.add(created)
            investigations = [created]
            report.investigations_created += 1
        instrument = lookup.instrument(owner, proposal.beamline)
        users = {lookup.user(name).id for name in proposal.members}
        for investigation in investigations:
            if proposal.title and investigation.title != proposal.title:
                investigation.title = proposal.title
                update_search_text(investigation)
            session.flush()
            keys = {"investigation_id": investigation.id}
            added, removed = _sync_rows(
                session, InvestigationInstrument, keys, "instrument_id", {instrument.id}
            )
            report.beamlines_added += added
            report.beamlines_removed += removed
            have = set(session.scalars(select(InvestigationUser.user_id).filter_by(**keys)))
            for user_id in sorted(users - have):
                session.add(InvestigationUser(**keys, user_id=user_id, role="member"))
            gone = have - users
            if gone:
                session.execute(
                    delete(InvestigationUser)
                    .filter_by(**keys)
                    .where(InvestigationUser.user_id.in_(sorted(gone)))
                )
            report.members_added += len(users - have)
            report.members_removed += len(gone)
    for beamline, people in sorted(directory.staff.items()):
        instrument = lookup.instrument(owner, beamline)
        added, removed = _sync_rows(
            session,
            InstrumentScientist,
            {"instrument_id": instrument.id},
            "user_id",
            {lookup.user(name).id for name in people},
        )
        report.staff_added += added
        report.staff_removed += removed
    grouping = lookup.get(Grouping, name=ADMIN_GROUPING)
    report.admins_added, report.admins_removed = _sync_rows(
        session,
        UserGroup,
        {"grouping_id": grouping.id},
        "user_id",
        {lookup.user(name).id for name in directory.admins},
    )
    session.flush()
    return report


def read_directory(session: Session, facility: str | None = None) -> dict[str, Any]:
    """The catalogue's membership in the hub's directory shape (JSON-ready).

    A proposal is listed once per investigation name (visits merged) with its first
    beamline by name; investigations without a beamline, and ids or names the hub
    would refuse, are left out.
    """
    where = []
    if facility is not None:
        where.append(Investigation.facility_id.in_(select(Facility.id).filter_by(name=facility)))
    proposals: dict[str, dict[str, Any]] = {}
    rows = session.execute(
        select(Investigation.name, Investigation.title, Instrument.name)
        .join(InvestigationInstrument, InvestigationInstrument.investigation_id == Investigation.id)
        .join(Instrument, Instrument.id == InvestigationInstrument.instrument_id)
        .where(*where)
        .order_by(Investigation.name, Investigation.visitId, Instrument.name)
    )
    for name, title, beamline in rows:
        if name not in proposals and is_proposal_id(name) and is_name(beamline):
            proposals[name] = {"beamline": beamline, "title": title or "", "members": set()}
    members = session.execute(
        select(Investigation.name, User.name)
        .join(InvestigationUser, InvestigationUser.investigation_id == Investigation.id)
        .join(User, User.id == InvestigationUser.user_id)
        .where(*where)
    )
    for name, user in members:
        if name in proposals and is_name(user):
            proposals[name]["members"].add(user)
    staff: dict[str, set[str]] = {}
    for beamline, user in session.execute(
        select(Instrument.name, User.name)
        .join(InstrumentScientist, InstrumentScientist.instrument_id == Instrument.id)
        .join(User, User.id == InstrumentScientist.user_id)
    ):
        if is_name(beamline) and is_name(user):
            staff.setdefault(beamline, set()).add(user)
    for entry in proposals.values():
        staff.setdefault(entry["beamline"], set())
    admins = session.scalars(
        select(User.name)
        .join(UserGroup, UserGroup.user_id == User.id)
        .join(Grouping, Grouping.id == UserGroup.grouping_id)
        .where(Grouping.name == ADMIN_GROUPING)
    )
    return {
        "admins": sorted(a for a in admins if is_name(a)),
        "beamlines": {b: {"staff": sorted(s)} for b, s in sorted(staff.items())},
        "proposals": {
            pid: {**entry, "members": sorted(entry["members"])}
            for pid, entry in sorted(proposals.items())
        },
    }
