"""Who belongs to which proposal: the ProposalSource protocol, its backends, the access rule.

A user sees a proposal as a *member* (listed on it, as ICAT's InvestigationUser), as
*staff* of its beamline, or as an *admin* (all proposals). :func:`resolve_access` is the
one place that rule lives; every backend produces a :class:`Directory` or an
:class:`Access` and goes through it.

Backends:

- :class:`StaticFileSource`: a TOML file (demo, small sites).
- :class:`CatalogueSource`: the catalogue service's membership API (ICAT-style).
- :class:`ClaimSource`: a groups or entitlements claim in an OAuth login's ``auth_state``.

Proposal ids are checked where they enter (:func:`check_proposal_id`): they become
folder and group names, so ``/``, ``..``, spaces and control characters are refused.
"""

from __future__ import annotations

import json
import re
import tomllib
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

_PROPOSAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")


class InvalidProposal(ValueError):
    """A proposal id, user name or beamline that cannot be used safely."""


class Role(Enum):
    """Through which role a user sees a proposal (strongest first)."""

    MEMBER = "member"
    STAFF = "staff"
    ADMIN = "admin"


def check_proposal_id(value: object) -> str:
    """Return ``value`` if it is a safe proposal id, else raise :class:`InvalidProposal`.

    Letters, digits, ``_`` and ``-``, 1 to 64 characters, not starting with ``-`` or
    ``_``: no ``/``, no ``.``, no spaces or control characters.
    """
    if not isinstance(value, str) or not _PROPOSAL_ID.fullmatch(value):
        raise InvalidProposal(
            f"invalid proposal id {value!r}: use 1-64 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def check_name(value: object, what: str = "user name") -> str:
    """Return ``value`` if it is a safe user or beamline name."""
    if not isinstance(value, str) or not _NAME.fullmatch(value) or ".." in value:
        raise InvalidProposal(f"invalid {what} {value!r}")
    return value


@dataclass(frozen=True)
class Proposal:
    """One proposal (an ICAT Investigation): id, beamline and members."""

    id: str
    beamline: str
    members: frozenset[str] = frozenset()
    title: str = ""

    def __post_init__(self) -> None:
        check_proposal_id(self.id)
        check_name(self.beamline, "beamline")
        for member in self.members:
            check_name(member)


@dataclass(frozen=True)
class Directory:
    """Everything a source knows: proposals, staff per beamline, admins."""

    proposals: tuple[Proposal, ...] = ()
    staff: Mapping[str, frozenset[str]] = field(default_factory=dict)
    admins: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Access:
    """What one user may see: proposal id -> the role that grants it."""

    user: str
    proposals: Mapping[str, Role] = field(default_factory=dict)
    admin: bool = False

    def to_json(self) -> dict[str, Any]:
        """For ``auth_state``: plain JSON."""
        return {
            "user": self.user,
            "admin": self.admin,
            "proposals": {p: r.value for p, r in sorted(self.proposals.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Access:
        """Read what :meth:`to_json` wrote, checking every proposal id again."""
        proposals = {
            check_proposal_id(p): Role(r) for p, r in dict(data.get("proposals", {})).items()
        }
        return cls(check_name(data["user"]), proposals, bool(data.get("admin", False)))


def resolve_access(user: str, directory: Directory) -> Access:
    """The access rule: member of a proposal, staff of its beamline, or admin.

    A user who is both member and staff of a proposal sees it as member.
    """
    check_name(user)
    admin = user in directory.admins
    beamlines = {b for b, people in directory.staff.items() if user in people}
    proposals: dict[str, Role] = {}
    for proposal in directory.proposals:
        if user in proposal.members:
            proposals[proposal.id] = Role.MEMBER
        elif proposal.beamline in beamlines:
            proposals[proposal.id] = Role.STAFF
        elif admin:
            proposals[proposal.id] = Role.ADMIN
    return Access(user, proposals, admin)


def group_members(proposal: Proposal, directory: Directory) -> frozenset[str]:
    """Who gets the proposal's POSIX group: members, its beamline's staff, admins."""
    return proposal.members | directory.staff.get(proposal.beamline, frozenset()) | directory.admins


class ProposalSource(Protocol):
    """Where membership comes from. ``auth_state`` is the login's, if any."""

    def get_access(self, user: str, auth_state: Mapping[str, Any] | None = None) -> Access:
        """What ``user`` may see now."""
        ...


class ProposalDirectory(ProposalSource, Protocol):
    """A source that can list everything (needed by ``panhub accounts sync``)."""

    def get_directory(self) -> Directory:
        """All proposals, staff and admins."""
        ...


_TOP_KEYS = ("admins", "affiliations", "beamlines", "people", "proposals")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _where(*path: object) -> str:
    """A key of the directory as a TOML dotted key: ``proposals.P1``, ``proposals."../x"``."""
    return ".".join(
        p
        if isinstance(p, str) and _BARE_KEY.fullmatch(p)
        else json.dumps(str(p), ensure_ascii=False)
        for p in path
    )


_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),  # before int: a bool is an int
    (str, "a string"),
    (int, "an integer"),
    (float, "a number"),
    (Mapping, "a table"),
    (list, "a list"),
    (type(None), "null"),
)


def _kind(value: object) -> str:
    """What a TOML/JSON value is, for an error message: ``a string``, ``a table``..."""
    return next((k for t, k in _KINDS if isinstance(value, t)), type(value).__name__)


def _checked(where: str, check: Callable[..., str], value: object, *args: str) -> str:
    """``check(value, *args)``, its :class:`InvalidProposal` prefixed with ``where``."""
    try:
        return check(value, *args)
    except InvalidProposal as error:
        raise InvalidProposal(f"{where}: {error}") from None


def _table(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidProposal(f"{where}: must be a table, not {_kind(value)}")
    return value


def _names(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list):
        raise InvalidProposal(f"{where}: must be a list of user names, not {_kind(value)}")
    return frozenset(_checked(where, check_name, v) for v in value)


def _parse_proposal(pid: str, entry: object) -> Proposal:
    where = _where("proposals", pid)
    _checked(where, check_proposal_id, pid)
    entry = _table(entry, where)
    if "beamline" not in entry:
        raise InvalidProposal(f"{where}.beamline: missing")
    members = _names(entry.get("members", []), f"{where}.members")
    pi = entry.get("principal_investigator")
    if pi is not None:
        _checked(f"{where}.principal_investigator", check_name, pi)
        if pi not in members:
            raise InvalidProposal(
                f"{where}.principal_investigator: {pi!r} is not one of the proposal's members"
            )
    return Proposal(
        id=pid,
        beamline=_checked(f"{where}.beamline", check_name, entry["beamline"], "beamline"),
        members=members,
        title=str(entry.get("title", "")),
    )


#: ORCID iD: four groups of four characters, the last a check digit (ISO 7064 MOD 11-2).
_ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
#: ROR id as its URL: ``https://ror.org/`` then 0, six Crockford base-32 characters, 2 digits.
_ROR = re.compile(r"https://ror\.org/0[0-9a-hjkmnp-tv-z]{6}\d{2}")
#: Longest text of a person or an institution (an address: 4000), as the catalogue stores it.
_TEXT_LENGTH, _ADDRESS_LENGTH = 255, 4000


def is_orcid(value: object) -> bool:
    """True for an ORCID iD of the right shape whose check digit is right.

    >>> is_orcid("0000-0002-1825-0097"), is_orcid("0000-0002-1825-0098")
    (True, False)
    """
    if not isinstance(value, str) or not _ORCID.fullmatch(value):
        return False
    digits = value.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def _text(entry: Mapping[str, Any], key: str, where: str, required: bool = False) -> str | None:
    """The string ``entry[key]`` (1 to 255 characters, an address 4000), ``None`` if absent."""
    value = entry.get(key)
    if value is None:
        if required:
            raise InvalidProposal(f"{where}.{key}: missing")
        return None
    if not isinstance(value, str):
        raise InvalidProposal(f"{where}.{key}: must be a string, not {_kind(value)}")
    longest = _ADDRESS_LENGTH if key == "address" else _TEXT_LENGTH
    if not value.strip() or len(value) > longest:
        size = f"{len(value)} characters" if value.strip() else "blank"
        raise InvalidProposal(f"{where}.{key}: must be 1 to {longest} characters, not {size}")
    return value.strip()


def _check_people(data: Mapping[str, Any]) -> None:
    """Check the ``affiliations`` and ``people`` tables (the catalogue's; the hub keeps none).

    An affiliation has a ``name`` (unique) and may have a ``ror`` id, an ``address``,
    a ``city`` and a ``country``; a person (keyed by login) has a ``name`` and may have
    a ``given_name``, a ``family_name``, an ``orcid`` and an ``affiliation`` (a key of
    ``affiliations``).
    """
    names: dict[str, str] = {}
    affiliations = _table(data.get("affiliations", {}), "affiliations")
    for key, entry in affiliations.items():
        where = _where("affiliations", key)
        _checked(where, check_name, key, "affiliation key")
        entry = _table(entry, where)
        ror = _text(entry, "ror", where)
        if ror is not None and not _ROR.fullmatch(ror):
            raise InvalidProposal(
                f"{where}.ror: invalid ROR id {ror!r}: write it as https://ror.org/ and its 9 "
                "characters, e.g. https://ror.org/02j9n6e35"
            )
        name = str(_text(entry, "name", where, required=True))
        for field_name in ("address", "city", "country"):
            _text(entry, field_name, where)
        if name in names:
            raise InvalidProposal(f"{where}.name: {name!r} already names {names[name]}")
        names[name] = key
    for login, entry in _table(data.get("people", {}), "people").items():
        where = _where("people", login)
        _checked(where, check_name, login)
        entry = _table(entry, where)
        orcid = _text(entry, "orcid", where)
        if orcid is not None and not is_orcid(orcid):
            raise InvalidProposal(
                f"{where}.orcid: invalid ORCID iD {orcid!r}: write it as 0000-0002-1825-0097, "
                "whose last character is a check digit"
            )
        affiliation = _text(entry, "affiliation", where)
        if affiliation is not None and affiliation not in affiliations:
            known = ", ".join(sorted(affiliations)) or "none"
            raise InvalidProposal(
                f"{where}.affiliation: unknown affiliation {affiliation!r}; known: {known}"
            )
        for field_name in ("name", "given_name", "family_name"):
            _text(entry, field_name, where, required=field_name == "name")


def parse_directory(data: Mapping[str, Any]) -> Directory:
    """Check and build a :class:`Directory` from the TOML/JSON shape of :class:`StaticFileSource`.

    The same rules as the catalogue's reader of this file (the table of cases in
    ``tests/support/directory_cases.py`` runs against both): only the keys ``admins``,
    ``affiliations``, ``beamlines``, ``people`` and ``proposals`` at the top;
    ``members``, ``staff`` and ``admins`` are lists of safe names; each proposal has a
    safe id, names a safe beamline and may name its ``principal_investigator`` (one of
    its members). A proposal's other keys (``start_date``, read by the demo's
    ``make_data.py``) are left to their readers. ``affiliations`` and ``people`` are
    the catalogue's (names, ORCID iDs, institutions): checked here, not kept.

    Raises
    ------
    InvalidProposal
        Naming the first bad key (``proposals.20260001.members: must be a list of user
        names, not a string``).
    """
    if not isinstance(data, Mapping):
        raise InvalidProposal(f"a directory must be a table, not {_kind(data)}")
    unknown = sorted(set(data) - set(_TOP_KEYS))
    if unknown:
        raise InvalidProposal(f"{_where(unknown[0])}: unknown key; known: {', '.join(_TOP_KEYS)}")
    proposals = [
        _parse_proposal(pid, entry)
        for pid, entry in _table(data.get("proposals", {}), "proposals").items()
    ]
    staff: dict[str, frozenset[str]] = {}
    for beamline, entry in _table(data.get("beamlines", {}), "beamlines").items():
        where = _where("beamlines", beamline)
        _checked(where, check_name, beamline, "beamline")
        staff[beamline] = _names(_table(entry, where).get("staff", []), f"{where}.staff")
    admins = _names(data.get("admins", []), "admins")
    _check_people(data)
    return Directory(tuple(sorted(proposals, key=lambda p: p.id)), staff, admins)


class StaticFileSource:
    """Membership from a TOML file, re-read when it changes.

    The file::

        admins = ["dave"]
        [beamlines.BL11-NCD]
        staff = ["carol"]
        [proposals.20260001]
        beamline = "BL11-NCD"
        title = "Kinetics of ..."
        members = ["alice"]
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._cache: tuple[float, Directory] | None = None

    def get_directory(self) -> Directory:
        mtime = self.path.stat().st_mtime
        if self._cache is None or self._cache[0] != mtime:
            with open(self.path, "rb") as f:
                self._cache = (mtime, parse_directory(tomllib.load(f)))
        return self._cache[1]

    def get_access(self, user: str, auth_state: Mapping[str, Any] | None = None) -> Access:
        return resolve_access(user, self.get_directory())


class CatalogueSource:
    """Membership from the catalogue service (ICAT InvestigationUser and instrument staff).

    Reads ``GET {url}/api/directory`` with a service token: JSON of the same shape as the
    static file (``proposals``, ``beamlines``, ``admins``).
    """

    def __init__(self, url: str, token: str, timeout: float = 10) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def get_directory(self) -> Directory:
        request = urllib.request.Request(  # noqa: S310 - the site's configured catalogue URL
            f"{self.url}/api/directory", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return parse_directory(json.load(response))

    def get_access(self, user: str, auth_state: Mapping[str, Any] | None = None) -> Access:
        return resolve_access(user, self.get_directory())


@dataclass(frozen=True)
class ClaimSource:
    """Membership from an OAuth claim in ``auth_state``, such as eduPersonEntitlement.

    Each value of ``auth_state[user_key][claim]`` is matched against ``pattern``, which
    names the groups ``proposal`` and ``role`` (``member`` or ``staff``); values that
    do not match are ignored; ``admin_value`` makes the user an admin (sees nothing more
    through a claim: it cannot list proposals, but the flag travels to the services).
    """

    claim: str = "entitlements"
    pattern: str = r"urn:panhub:proposal:(?P<proposal>[^:#]+)#(?P<role>member|staff)"
    user_key: str = "oauth_user"
    admin_value: str = "urn:panhub:admin"

    def get_access(self, user: str, auth_state: Mapping[str, Any] | None = None) -> Access:
        info = dict((auth_state or {}).get(self.user_key) or {})
        values = info.get(self.claim, [])
        if isinstance(values, str):
            values = [values]
        proposals: dict[str, Role] = {}
        regex = re.compile(self.pattern)
        for value in values:
            match = regex.fullmatch(str(value))
            if match is None:
                continue
            pid = check_proposal_id(urllib.parse.unquote(match["proposal"]))
            role = Role(match["role"])
            if proposals.get(pid) is not Role.MEMBER:
                proposals[pid] = role
        return Access(check_name(user), proposals, self.admin_value in values)


def load_source(kind: str, options: Mapping[str, Any]) -> ProposalSource:
    """Build a backend by name (``static``, ``catalogue``, ``claim``) from its options."""
    if kind == "static":
        return StaticFileSource(options["path"])
    if kind == "catalogue":
        return CatalogueSource(options["url"], options["token"])
    if kind == "claim":
        return ClaimSource(**options)
    raise ValueError(f"unknown proposal source {kind!r}: use static, catalogue or claim")


def sorted_ids(ids: Iterable[str]) -> list[str]:
    """Proposal ids, checked and sorted."""
    return sorted(check_proposal_id(i) for i in ids)
