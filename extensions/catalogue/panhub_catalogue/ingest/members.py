"""Proposal membership in the catalogue: import the hub's directory file, serve it back.

The hub keeps membership in a directory of this shape (TOML on disk, JSON over HTTP;
``hub_config/demo/proposals.toml``)::

    admins = ["dave"]
    [affiliations.alba]
    name = "ALBA Synchrotron Light Source"
    ror = "https://ror.org/02j9n6e35"
    city = "Cerdanyola del Vallès"
    country = "Spain"
    [people.alice]
    name = "Alice Arnau"
    orcid = "0000-0002-1825-0097"
    affiliation = "alba"
    [beamlines.BL11-NCD]
    staff = ["carol"]
    [proposals.20260001]
    beamline = "BL11-NCD"
    title = "Kinetics of ..."
    members = ["alice"]
    principal_investigator = "alice"

``affiliations`` and ``people`` are optional: what the user office knows of its
users (names, ORCID iDs, home institutions with their ROR ids), for the catalogue's
public metadata; they grant nothing.

:func:`apply_directory` writes it into the ICAT-shaped rows (``InvestigationUser``,
``InvestigationInstrument``, ``InstrumentScientist``, the admin ``Grouping``, and
``User`` and ``Affiliation`` details);
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
    Affiliation,
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
from panhub_catalogue.pids import is_orcid, is_ror
from panhub_catalogue.store import Lookup, update_search_text

#: Proposal ids become folder and POSIX group names on the hub side (same rule as the hub).
PROPOSAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
#: User and beamline names (same rule as the hub).
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")


class DirectoryError(ValueError):
    """A directory file entry that cannot be imported; the message names it."""


#: Roles :func:`apply_directory` gives: the proposal's principal investigator, the others.
PI_ROLE, MEMBER_ROLE = "PI", "member"


@dataclass(frozen=True)
class ProposalEntry:
    """One proposal of the directory (``principal_investigator``: one of ``members``)."""

    id: str
    beamline: str
    title: str = ""
    members: frozenset[str] = frozenset()
    principal_investigator: str | None = None


@dataclass(frozen=True)
class AffiliationEntry:
    """An institution of ``[affiliations.<key>]`` (``ror``: its ROR id as a URL)."""

    key: str
    name: str
    ror: str | None = None
    address: str | None = None
    city: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Person:
    """A user of ``[people.<login>]``; ``affiliation`` is a key of the directory's affiliations.

    ``None`` means the file does not say (what the catalogue has is kept).
    """

    login: str
    name: str
    given_name: str | None = None
    family_name: str | None = None
    orcid: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class Directory:
    """Proposals, staff per beamline, admins, and what is known of people and institutions."""

    proposals: tuple[ProposalEntry, ...] = ()
    staff: Mapping[str, frozenset[str]] = field(default_factory=dict)
    admins: frozenset[str] = frozenset()
    affiliations: Mapping[str, AffiliationEntry] = field(default_factory=dict)
    people: Mapping[str, Person] = field(default_factory=dict)


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
    #: ``User`` rows whose names or ORCID iD changed
    people_updated: int = 0
    affiliations_added: int = 0
    affiliations_updated: int = 0
    #: ``InvestigationUser`` rows whose role or affiliation changed
    memberships_updated: int = 0

    def __str__(self) -> str:
        return (
            f"{self.investigations_created} investigations created, beamlines "
            f"+{self.beamlines_added}/-{self.beamlines_removed}, members "
            f"+{self.members_added}/-{self.members_removed}, staff "
            f"+{self.staff_added}/-{self.staff_removed}, admins "
            f"+{self.admins_added}/-{self.admins_removed}, people "
            f"~{self.people_updated}, affiliations "
            f"+{self.affiliations_added}/~{self.affiliations_updated}, memberships "
            f"~{self.memberships_updated}"
        )


def is_proposal_id(value: object) -> bool:
    """True for ids the hub accepts as proposal (folder, group) names."""
    return isinstance(value, str) and PROPOSAL_ID.fullmatch(value) is not None


def is_name(value: object) -> bool:
    """True for user and beamline names the hub accepts."""
    return isinstance(value, str) and NAME.fullmatch(value) is not None and ".." not in value


_TOP_KEYS = ("admins", "affiliations", "beamlines", "people", "proposals")
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
    members = _names(entry.get("members", []), f"{where}.members")
    pi = entry.get("principal_investigator")
    if pi is not None:
        _check_name(pi, f"{where}.principal_investigator")
        if pi not in members:
            raise DirectoryError(
                f"{where}.principal_investigator: {pi!r} is not one of the proposal's members"
            )
    return ProposalEntry(
        id=pid,
        beamline=_check_name(entry["beamline"], f"{where}.beamline", "beamline"),
        title=str(entry.get("title", "")),
        members=members,
        principal_investigator=pi,
    )


#: Longest text of a person or an institution (``address``: :data:`ADDRESS_LENGTH`).
TEXT_LENGTH, ADDRESS_LENGTH = 255, 4000


def _text(entry: Mapping[str, Any], key: str, where: str, required: bool = False) -> str | None:
    """The string ``entry[key]`` (1 to 255 characters, the address 4000), ``None`` if absent."""
    value = entry.get(key)
    if value is None:
        if required:
            raise DirectoryError(f"{where}.{key}: missing")
        return None
    if not isinstance(value, str):
        raise DirectoryError(f"{where}.{key}: must be a string, not {_kind(value)}")
    longest = ADDRESS_LENGTH if key == "address" else TEXT_LENGTH
    if not value.strip() or len(value) > longest:
        size = f"{len(value)} characters" if value.strip() else "blank"
        raise DirectoryError(f"{where}.{key}: must be 1 to {longest} characters, not {size}")
    return value.strip()


def _parse_affiliation(key: str, entry: object) -> AffiliationEntry:
    where = _where("affiliations", key)
    _check_name(key, where, "affiliation key")
    entry = _table(entry, where)
    ror = _text(entry, "ror", where)
    if ror is not None and not is_ror(ror):
        raise DirectoryError(
            f"{where}.ror: invalid ROR id {ror!r}: write it as https://ror.org/ and its 9 "
            "characters, e.g. https://ror.org/02j9n6e35"
        )
    return AffiliationEntry(
        key=key,
        name=str(_text(entry, "name", where, required=True)),
        ror=ror,
        address=_text(entry, "address", where),
        city=_text(entry, "city", where),
        country=_text(entry, "country", where),
    )


def _parse_person(login: str, entry: object, affiliations: Mapping[str, object]) -> Person:
    where = _where("people", login)
    _check_name(login, where)
    entry = _table(entry, where)
    orcid = _text(entry, "orcid", where)
    if orcid is not None and not is_orcid(orcid):
        raise DirectoryError(
            f"{where}.orcid: invalid ORCID iD {orcid!r}: write it as 0000-0002-1825-0097, "
            "whose last character is a check digit"
        )
    affiliation = _text(entry, "affiliation", where)
    if affiliation is not None and affiliation not in affiliations:
        known = ", ".join(sorted(affiliations)) or "none"
        raise DirectoryError(
            f"{where}.affiliation: unknown affiliation {affiliation!r}; known: {known}"
        )
    return Person(
        login=login,
        name=str(_text(entry, "name", where, required=True)),
        given_name=_text(entry, "given_name", where),
        family_name=_text(entry, "family_name", where),
        orcid=orcid,
        affiliation=affiliation,
    )


def parse_directory(data: Mapping[str, Any]) -> Directory:
    """Check and build a :class:`Directory` from the parsed TOML or JSON.

    The same rules as the hub's reader of this file (``panhub.proposals``; the table of
    cases in ``tests/support/directory_cases.py`` runs against both): only the keys
    ``admins``, ``affiliations``, ``beamlines``, ``people`` and ``proposals`` at the top;
    lists of safe names; a proposal's ``principal_investigator`` is one of its members;
    an affiliation has a unique ``name`` and a ``ror`` id of the shape
    ``https://ror.org/02j9n6e35``; a person has a ``name``, an ``orcid`` whose check digit
    is right, and an ``affiliation`` listed in ``affiliations``; texts are strings of 1 to
    255 characters (an address: 4000). Other keys of a proposal, a person or an
    affiliation are left to other readers.

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
    affiliations: dict[str, AffiliationEntry] = {}
    for key, entry in _table(data.get("affiliations", {}), "affiliations").items():
        affiliation = _parse_affiliation(key, entry)
        same = [k for k, a in affiliations.items() if a.name == affiliation.name]
        if same:
            where = _where("affiliations", key, "name")
            raise DirectoryError(f"{where}: {affiliation.name!r} already names {same[0]}")
        affiliations[key] = affiliation
    people = {
        login: _parse_person(login, entry, affiliations)
        for login, entry in _table(data.get("people", {}), "people").items()
    }
    return Directory(
        tuple(sorted(proposals, key=lambda p: p.id)), staff, admins, affiliations, people
    )


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


def _apply_people(session: Session, directory: Directory, report: ImportReport) -> dict[str, int]:
    """Write the directory's affiliations and people; the affiliation id of each login."""
    lookup = Lookup(session)
    rows: dict[str, Affiliation] = {}
    for key, entry in sorted(directory.affiliations.items()):
        values = {"pid": entry.ror, "address": entry.address, "city": entry.city,
                  "country": entry.country}  # fmt: skip
        row = session.scalar(select(Affiliation).filter_by(name=entry.name))
        if row is None:
            row = Affiliation(name=entry.name, **values)
            session.add(row)
            session.flush()
            report.affiliations_added += 1
        elif _update(row, values):
            report.affiliations_updated += 1
        rows[key] = row
    affiliation_of: dict[str, int] = {}
    for login, person in sorted(directory.people.items()):
        user = lookup.user(login)
        values = {
            "fullName": person.name,
            "givenName": person.given_name,
            "familyName": person.family_name,
            "orcidId": person.orcid,
        }
        if _update(user, values):
            report.people_updated += 1
        if person.affiliation is not None:
            affiliation_of[login] = rows[person.affiliation].id
    return affiliation_of


def _update(row: object, values: Mapping[str, str | None]) -> bool:
    """Set the attributes of ``row`` the file gives (``None``: not given); True if any changed."""
    changed = False
    for name, value in values.items():
        if value is not None and getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _sync_members(
    session: Session,
    investigation_id: int,
    users: Mapping[int, int | None],
    pi: int | None,
    report: ImportReport,
) -> None:
    """Make the membership rows of one investigation say what the directory says.

    ``users`` maps each member's user id to their affiliation id (``None``: not given);
    ``pi`` is the principal investigator's user id, when the directory names one.
    """
    rows = list(
        session.scalars(select(InvestigationUser).filter_by(investigation_id=investigation_id))
    )
    held: dict[int, list[InvestigationUser]] = {}
    for row in rows:
        held.setdefault(row.user_id, []).append(row)
    gone = set(held) - set(users)
    if gone:
        session.execute(
            delete(InvestigationUser)
            .filter_by(investigation_id=investigation_id)
            .where(InvestigationUser.user_id.in_(sorted(gone)))
        )
    report.members_removed += len(gone)
    for user_id, affiliation_id in sorted(users.items()):
        mine = held.get(user_id, [])
        wanted = PI_ROLE if user_id == pi else MEMBER_ROLE
        if pi is not None:  # the directory decides who is PI and who is a member
            for row in [r for r in mine if r.role in (PI_ROLE, MEMBER_ROLE) and r.role != wanted]:
                if any(r.role == wanted for r in mine):
                    session.delete(row)
                    mine.remove(row)
                else:
                    row.role = wanted
                report.memberships_updated += 1
        if not mine:
            row = InvestigationUser(
                investigation_id=investigation_id, user_id=user_id, role=wanted,
                affiliation_id=affiliation_id,
            )  # fmt: skip
            session.add(row)
            report.members_added += 1
            continue
        for row in mine:
            if affiliation_id is not None and row.affiliation_id != affiliation_id:
                row.affiliation_id = affiliation_id
                report.memberships_updated += 1


def apply_directory(session: Session, directory: Directory, facility: str) -> ImportReport:
    """Write ``directory`` into the catalogue of ``facility``; idempotent.

    - Each proposal applies to every investigation of that name (all visits); one is
      created (``visitId`` empty) when there is none yet, so that importing before
      indexing works. Its title is set when the file gives one, and its beamline links
      (``InvestigationInstrument``) become exactly the proposal's beamline: a link made
      otherwise (by an indexer trusting the beamline its files name, say) is removed.
    - Its ``InvestigationUser`` rows become exactly its members: a new member gets a
      ``member`` row (``PI`` for the principal investigator), a member keeps the roles
      they have (``PI`` from ICAT, say), and every row of a user no longer listed is
      removed. When the proposal names its principal investigator, that member's
      ``member`` row becomes a ``PI`` row and every other member's ``PI`` row a
      ``member`` row (other roles are kept).
    - Each ``people`` entry sets the user's ``fullName``, and ``givenName``,
      ``familyName`` and ``orcidId`` when it gives them; each ``affiliations`` entry is
      the ``Affiliation`` of that name (created, or its ROR id, address, city and
      country updated when given); a person's affiliation becomes that of each of their
      memberships of the listed proposals.
    - Each listed beamline's ``InstrumentScientist`` rows become exactly its staff.
    - The admin grouping becomes exactly ``admins``.

    Proposals and beamlines the file does not list are left as they are. The caller
    commits.
    """
    report = ImportReport()
    lookup = Lookup(session)
    owner = lookup.facility(facility)
    affiliation_of = _apply_people(session, directory, report)
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
        users = {lookup.user(name).id: affiliation_of.get(name) for name in proposal.members}
        pi = proposal.principal_investigator
        pi_id = lookup.user(pi).id if pi is not None else None
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
            _sync_members(session, investigation.id, users, pi_id, report)
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
