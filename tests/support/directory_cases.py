"""One table of good and bad proposals-directory documents, run against both readers.

The hub (``panhub.proposals.parse_directory``) and the catalogue
(``panhub_catalogue.ingest.members.parse_directory``) read the same directory file but must not
import each other, so the format's rules are written once, here, and each test suite runs
the table against its own reader (``tests/hub/test_proposals.py``,
``tests/catalogue/test_directory_cases.py``). No panhub import: the table is data.

A :class:`Good` case gives what the document means in a neutral form
(:class:`Meaning`: proposal id -> (beamline, members), staff per beamline, admins); a
:class:`Bad` case gives the key its error must name, as a TOML dotted key
(``proposals.20260001.members``, ``proposals."../x"``).

Usage::

    from tests.support.directory_cases import BAD, GOOD, meaning_of, names_key

    @pytest.mark.parametrize("case", GOOD, ids=str)
    def test_good(case):
        assert meaning_of(parse_directory(case.document)) == case.meaning
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Meaning(NamedTuple):
    """What a directory says, whichever reader parsed it."""

    proposals: dict[str, tuple[str, frozenset[str]]]
    staff: dict[str, frozenset[str]]
    admins: frozenset[str]


@dataclass(frozen=True)
class Good:
    """A document both readers accept, and what it means."""

    id: str
    document: dict[str, Any]
    meaning: Meaning = field(default_factory=lambda: Meaning({}, {}, frozenset()))

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class Bad:
    """A document both readers refuse, with the key (TOML dotted) the error names."""

    id: str
    document: dict[str, Any]
    key: str

    def __str__(self) -> str:
        return self.id


def meaning_of(directory: Any) -> Meaning:
    """The neutral :class:`Meaning` of either reader's ``Directory``.

    Both have ``proposals`` (each with ``id``, ``beamline``, ``members``), ``staff``
    (beamline -> names) and ``admins``.
    """
    return Meaning(
        {p.id: (p.beamline, frozenset(p.members)) for p in directory.proposals},
        {b: frozenset(people) for b, people in directory.staff.items()},
        frozenset(directory.admins),
    )


def names_key(message: str, key: str) -> bool:
    """True if ``message`` names ``key`` whole (``admin`` is not named by ``admins``)."""
    return re.search(rf"(?<![\w.\-\"]){re.escape(key)}(?![\w.\-\"])", message) is not None


def _fs(*names: str) -> frozenset[str]:
    return frozenset(names)


GOOD = [
    Good("empty", {}),
    Good(
        "full",
        {
            "admins": ["dave"],
            "beamlines": {"BL11-NCD": {"staff": ["carol"]}, "BL04-MSPD": {"staff": []}},
            "proposals": {
                "20260001": {"beamline": "BL11-NCD", "title": "Fibrils", "members": ["alice"]},
                "20260002": {"beamline": "BL04-MSPD", "members": ["bob", "alice"]},
            },
        },
        Meaning(
            {
                "20260001": ("BL11-NCD", _fs("alice")),
                "20260002": ("BL04-MSPD", _fs("alice", "bob")),
            },
            {"BL11-NCD": _fs("carol"), "BL04-MSPD": _fs()},
            _fs("dave"),
        ),
    ),
    Good(
        "members-optional",
        {"proposals": {"P1": {"beamline": "B"}}},
        Meaning({"P1": ("B", _fs())}, {}, _fs()),
    ),
    Good(
        "empty-lists",
        {
            "admins": [],
            "beamlines": {"B": {}},
            "proposals": {"P1": {"beamline": "B", "members": []}},
        },
        Meaning({"P1": ("B", _fs())}, {"B": _fs()}, _fs()),
    ),
    Good(
        "duplicate-names-count-once",
        {"admins": ["dave", "dave"], "proposals": {"P1": {"beamline": "B", "members": ["a", "a"]}}},
        Meaning({"P1": ("B", _fs("a"))}, {}, _fs("dave")),
    ),
    Good(
        "beamline-not-listed",
        {"beamlines": {"A": {"staff": ["carol"]}}, "proposals": {"P1": {"beamline": "B"}}},
        Meaning({"P1": ("B", _fs())}, {"A": _fs("carol")}, _fs()),
    ),
    Good(
        "safe-punctuation",
        {
            "admins": ["ops.admin@site"],
            "beamlines": {"BL_1.x": {"staff": ["c-1"]}},
            "proposals": {"MX-1234": {"beamline": "BL_1.x"}, "ih_ch_1": {"beamline": "B"}},
        },
        Meaning(
            {"MX-1234": ("BL_1.x", _fs()), "ih_ch_1": ("B", _fs())},
            {"BL_1.x": _fs("c-1")},
            _fs("ops.admin@site"),
        ),
    ),
    # hub_config/demo/proposals.toml gives each proposal a start_date (make_data.py reads it)
    Good(
        "other-proposal-keys-are-kept-for-other-readers",
        {"proposals": {"P1": {"beamline": "B", "start_date": dt.date(2026, 3, 10)}}},
        Meaning({"P1": ("B", _fs())}, {}, _fs()),
    ),
    # people and their institutions: the catalogue's public metadata, granting nothing
    Good(
        "people-and-affiliations",
        {
            "affiliations": {
                "alba": {
                    "name": "ALBA Synchrotron Light Source",
                    "ror": "https://ror.org/02j9n6e35",
                    "address": "Carrer de la Llum 2-26",
                    "city": "Cerdanyola del Vallès",
                    "country": "Spain",
                },
                "lab": {"name": "A lab without a ROR id"},
            },
            "people": {
                "alice": {
                    "name": "Alice Arnau",
                    "given_name": "Alice",
                    "family_name": "Arnau",
                    "orcid": "0000-0002-1825-0097",
                    "affiliation": "alba",
                },
                "bob": {"name": "Bob", "orcid": "0000-0001-5109-3700"},
                "zoe": {"name": "Zoe Zapata", "orcid": "0000-0002-1694-233X"},  # check digit X
            },
            "proposals": {
                "P1": {
                    "beamline": "B",
                    "members": ["alice", "bob"],
                    "principal_investigator": "bob",
                }
            },
        },
        Meaning({"P1": ("B", _fs("alice", "bob"))}, {}, _fs()),
    ),
    Good(
        "people-need-not-be-members",
        {"people": {"erin": {"name": "Erin E."}}, "affiliations": {}},
    ),
]

BAD = [
    # unknown top-level keys (a typo must not silently drop everyone's access)
    Bad("unknown-key-admin", {"admin": ["dave"]}, "admin"),
    Bad("unknown-key-groups", {"groups": {}}, "groups"),
    # lists of names: a string is not a list of one-letter names
    Bad(
        "members-string",
        {"proposals": {"20260001": {"beamline": "BL1", "members": "alice"}}},
        "proposals.20260001.members",
    ),
    Bad("staff-string", {"beamlines": {"BL1": {"staff": "carol"}}}, "beamlines.BL1.staff"),
    Bad("admins-string", {"admins": "dave"}, "admins"),
    Bad("admins-table", {"admins": {"dave": True}}, "admins"),
    Bad(
        "members-bad-name",
        {"proposals": {"P1": {"beamline": "B", "members": ["../root"]}}},
        "proposals.P1.members",
    ),
    Bad(
        "members-not-a-string",
        {"proposals": {"P1": {"beamline": "B", "members": [5]}}},
        "proposals.P1.members",
    ),
    Bad("staff-bad-name", {"beamlines": {"B": {"staff": ["x/y"]}}}, "beamlines.B.staff"),
    Bad("admins-dotdot", {"admins": ["root", ".."]}, "admins"),
    Bad("admins-inner-dotdot", {"admins": ["a..b"]}, "admins"),
    # proposals
    Bad("proposals-list", {"proposals": ["20260001"]}, "proposals"),
    Bad("proposal-id-path", {"proposals": {"../x": {"beamline": "B"}}}, 'proposals."../x"'),
    Bad("proposal-id-space", {"proposals": {"a b": {"beamline": "B"}}}, 'proposals."a b"'),
    Bad("proposal-not-a-table", {"proposals": {"P1": "B"}}, "proposals.P1"),
    Bad("beamline-missing", {"proposals": {"P1": {}}}, "proposals.P1.beamline"),
    Bad("beamline-unsafe", {"proposals": {"P1": {"beamline": "B L"}}}, "proposals.P1.beamline"),
    Bad("beamline-number", {"proposals": {"P1": {"beamline": 5}}}, "proposals.P1.beamline"),
    # beamlines
    Bad("beamlines-list", {"beamlines": ["BL1"]}, "beamlines"),
    Bad("beamline-name-unsafe", {"beamlines": {"B L": {"staff": []}}}, 'beamlines."B L"'),
    Bad("beamline-not-a-table", {"beamlines": {"B": ["carol"]}}, "beamlines.B"),
    # principal investigators
    Bad(
        "pi-not-a-member",
        {"proposals": {"P1": {"beamline": "B", "members": ["a"], "principal_investigator": "b"}}},
        "proposals.P1.principal_investigator",
    ),
    Bad(
        "pi-of-no-members",
        {"proposals": {"P1": {"beamline": "B", "principal_investigator": "a"}}},
        "proposals.P1.principal_investigator",
    ),
    Bad(
        "pi-a-list",
        {"proposals": {"P1": {"beamline": "B", "members": ["a"], "principal_investigator": ["a"]}}},
        "proposals.P1.principal_investigator",
    ),
    # people
    Bad("people-list", {"people": ["alice"]}, "people"),
    Bad("person-not-a-table", {"people": {"alice": "Alice"}}, "people.alice"),
    Bad("person-bad-login", {"people": {"../x": {"name": "X"}}}, 'people."../x"'),
    Bad("person-name-missing", {"people": {"alice": {"orcid": None}}}, "people.alice.name"),
    Bad("person-name-blank", {"people": {"alice": {"name": " "}}}, "people.alice.name"),
    Bad("person-name-number", {"people": {"alice": {"name": 5}}}, "people.alice.name"),
    Bad("person-name-too-long", {"people": {"alice": {"name": "A" * 256}}}, "people.alice.name"),
    Bad(
        "person-given-name-number",
        {"people": {"alice": {"name": "A", "given_name": 1}}},
        "people.alice.given_name",
    ),
    Bad(
        "orcid-check-digit",
        {"people": {"alice": {"name": "A", "orcid": "0000-0002-1825-0098"}}},
        "people.alice.orcid",
    ),
    Bad(
        "orcid-url",  # the iD, not its URL
        {"people": {"alice": {"name": "A", "orcid": "https://orcid.org/0000-0002-1825-0097"}}},
        "people.alice.orcid",
    ),
    Bad(
        "orcid-no-dashes",
        {"people": {"alice": {"name": "A", "orcid": "0000000218250097"}}},
        "people.alice.orcid",
    ),
    Bad(
        "orcid-lowercase-x",
        {"people": {"zoe": {"name": "Z", "orcid": "0000-0002-1694-233x"}}},
        "people.zoe.orcid",
    ),
    Bad(
        "affiliation-unknown",
        {
            "affiliations": {"alba": {"name": "ALBA"}},
            "people": {"alice": {"name": "A", "affiliation": "cells"}},
        },
        "people.alice.affiliation",
    ),
    Bad(
        "affiliation-without-affiliations",
        {"people": {"alice": {"name": "A", "affiliation": "alba"}}},
        "people.alice.affiliation",
    ),
    # affiliations
    Bad("affiliations-list", {"affiliations": ["alba"]}, "affiliations"),
    Bad("affiliation-not-a-table", {"affiliations": {"alba": "ALBA"}}, "affiliations.alba"),
    Bad("affiliation-key-unsafe", {"affiliations": {"a b": {"name": "X"}}}, 'affiliations."a b"'),
    Bad("affiliation-name-missing", {"affiliations": {"alba": {}}}, "affiliations.alba.name"),
    Bad(
        "affiliation-ror-not-a-url",
        {"affiliations": {"alba": {"name": "ALBA", "ror": "02j9n6e35"}}},
        "affiliations.alba.ror",
    ),
    Bad(
        "affiliation-ror-wrong-length",
        {"affiliations": {"alba": {"name": "ALBA", "ror": "https://ror.org/02j9n6e3"}}},
        "affiliations.alba.ror",
    ),
    Bad(
        "affiliation-ror-other-site",
        {"affiliations": {"alba": {"name": "ALBA", "ror": "https://example.org/02j9n6e35"}}},
        "affiliations.alba.ror",
    ),
    Bad(
        "affiliation-city-number",
        {"affiliations": {"alba": {"name": "ALBA", "city": 8290}}},
        "affiliations.alba.city",
    ),
    Bad(
        "affiliation-name-twice",
        {"affiliations": {"a": {"name": "ALBA"}, "b": {"name": "ALBA"}}},
        "affiliations.b.name",
    ),
]
