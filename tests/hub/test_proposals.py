"""Membership: the access rule over a table of users x proposals x roles, and the backends."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from panhub.proposals import (
    Access,
    CatalogueSource,
    ClaimSource,
    Directory,
    InvalidProposal,
    Proposal,
    Role,
    StaticFileSource,
    check_proposal_id,
    group_members,
    load_source,
    parse_directory,
    resolve_access,
)

from tests.support.directory_cases import BAD, GOOD, Bad, Good, meaning_of, names_key
from tests.support.proposals import DIRECTORY

M, S, A = Role.MEMBER, Role.STAFF, Role.ADMIN


@pytest.mark.parametrize(
    "user,expected,admin",
    [
        ("alice", {"20260001": M}, False),
        ("bob", {"20260002": M, "20260003": M}, False),
        # staff of BL11-NCD sees its proposals, as member where listed, and nothing of BL04
        ("carol", {"20260001": S, "20260002": M}, False),
        ("erin", {"20260003": S, "20260004": S}, False),
        ("dave", {"20260001": A, "20260002": A, "20260003": A, "20260004": A}, True),
        ("mallory", {}, False),
    ],
)
def test_access_rule(user: str, expected: dict[str, Role], admin: bool) -> None:
    assert resolve_access(user, DIRECTORY) == Access(user, expected, admin)


# erin: admin, staff of BL04-MSPD and member of 20260004; frank: staff of both beamlines
ROLES = Directory(
    proposals=(*DIRECTORY.proposals[:3], Proposal("20260004", "BL04-MSPD", frozenset({"erin"}))),
    staff={"BL11-NCD": frozenset({"frank"}), "BL04-MSPD": frozenset({"erin", "frank"})},
    admins=frozenset({"erin"}),
)


@pytest.mark.parametrize(
    "user,expected,admin",
    [
        # the strongest role wins: member over staff over admin
        ("erin", {"20260001": A, "20260002": A, "20260003": S, "20260004": M}, True),
        ("frank", {"20260001": S, "20260002": S, "20260003": S, "20260004": S}, False),
        # a member sees only their own proposal, whoever is staff of its beamline
        ("alice", {"20260001": M}, False),
    ],
)
def test_access_rule_strongest_role(user: str, expected: dict[str, Role], admin: bool) -> None:
    assert resolve_access(user, ROLES) == Access(user, expected, admin)


@pytest.mark.parametrize("bad", ["../alice", "a b", "", ".."])
def test_access_rule_refuses_unsafe_user_names(bad: str) -> None:
    with pytest.raises(InvalidProposal, match="invalid user name"):
        resolve_access(bad, DIRECTORY)


def test_group_members_of_a_beamline_without_staff() -> None:
    directory = Directory(DIRECTORY.proposals, {}, frozenset())
    assert group_members(DIRECTORY.proposals[1], directory) == {"bob", "carol"}


def test_group_members_are_members_staff_and_admins() -> None:
    assert group_members(DIRECTORY.proposals[0], DIRECTORY) == {"alice", "carol", "dave"}
    assert group_members(DIRECTORY.proposals[3], DIRECTORY) == {"erin", "dave"}


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "../20260002",
        "2026/0001",
        "..",
        ".",
        "a b",
        "a\nb",
        "a\x00",
        "-rf",
        "_x",
        "x" * 65,
        20260001,
        None,
        "ü",
    ],
)
def test_unsafe_proposal_ids_are_refused(bad: object) -> None:
    with pytest.raises(InvalidProposal, match="invalid proposal id"):
        check_proposal_id(bad)


def test_proposal_ids_that_are_fine() -> None:
    for good in ("20260001", "MX-1234", "ih_ch_1234", "A"):
        assert check_proposal_id(good) == good


def test_access_json_round_trip_and_recheck() -> None:
    access = resolve_access("carol", DIRECTORY)
    assert Access.from_json(json.loads(json.dumps(access.to_json()))) == access
    with pytest.raises(InvalidProposal):
        Access.from_json({"user": "carol", "proposals": {"../x": "member"}})


TOML = """
admins = ["dave"]
[beamlines.BL11-NCD]
staff = ["carol"]
[proposals.20260001]
beamline = "BL11-NCD"
title = "Fibrils"
members = ["alice"]
"""


def test_static_file_source_reads_and_rereads(tmp_path: Path) -> None:
    path = tmp_path / "proposals.toml"
    path.write_text(TOML)
    source = StaticFileSource(path)
    assert source.get_access("alice") == Access("alice", {"20260001": M})
    assert source.get_access("carol") == Access("carol", {"20260001": S})
    path.write_text(TOML.replace('members = ["alice"]', "members = []") + "\n")
    import os

    os.utime(path, (1, 1))  # a different mtime, whatever the clock's resolution
    assert source.get_access("alice") == Access("alice", {})


@pytest.mark.parametrize(
    "text,message",
    [
        (
            '[proposals."../etc"]\nbeamline = "BL"\n',
            "proposals.\"../etc\": invalid proposal id '../etc': use 1-64 letters, digits, "
            "'_' or '-', starting with a letter or digit",
        ),
        (
            '[proposals."a b"]\nbeamline = "BL"\n',
            "proposals.\"a b\": invalid proposal id 'a b': use 1-64 letters, digits, "
            "'_' or '-', starting with a letter or digit",
        ),
        ("[proposals.p1]\nmembers = []\n", "proposals.p1.beamline: missing"),
        (
            '[proposals.p1]\nbeamline = "BL"\nmembers = ["../root"]\n',
            "proposals.p1.members: invalid user name '../root'",
        ),
        ('[proposals.p1]\nbeamline = "B L"\n', "proposals.p1.beamline: invalid beamline 'B L'"),
        ('[proposals]\np1 = "x"\n', "proposals.p1: must be a table, not a string"),
    ],
)
def test_bad_source_entries_are_named(text: str, message: str) -> None:
    import tomllib

    with pytest.raises(InvalidProposal) as caught:
        parse_directory(tomllib.loads(text))
    assert str(caught.value) == message


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_directory_cases_good(case: Good) -> None:
    assert meaning_of(parse_directory(case.document)) == case.meaning


@pytest.mark.parametrize("case", BAD, ids=str)
def test_directory_cases_bad_name_the_key(case: Bad) -> None:
    with pytest.raises(InvalidProposal) as caught:
        parse_directory(case.document)
    assert names_key(str(caught.value), case.key), str(caught.value)


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"proposals": {"20260001": {"beamline": "BL1", "members": "alice"}}},
            "proposals.20260001.members: must be a list of user names, not a string",
        ),
        ({"admins": "dave"}, "admins: must be a list of user names, not a string"),
        ({"admins": {"dave": True}}, "admins: must be a list of user names, not a table"),
        (
            {"beamlines": {"BL1": {"staff": "carol"}}},
            "beamlines.BL1.staff: must be a list of user names, not a string",
        ),
        (
            {"admin": ["dave"]},
            "admin: unknown key; known: admins, affiliations, beamlines, people, proposals",
        ),
        (
            {"people": {"ann": {"name": "Ann", "orcid": "0000-0002-1825-0098"}}},
            "people.ann.orcid: invalid ORCID iD '0000-0002-1825-0098': write it as "
            "0000-0002-1825-0097, whose last character is a check digit",
        ),
        (
            {"people": {"ann": {"name": "Ann", "affiliation": "alba"}}},
            "people.ann.affiliation: unknown affiliation 'alba'; known: none",
        ),
        (
            {"proposals": {"P1": {"beamline": "B", "principal_investigator": "ann"}}},
            "proposals.P1.principal_investigator: 'ann' is not one of the proposal's members",
        ),
        ({"admins": ["root", ".."]}, "admins: invalid user name '..'"),
        ({"proposals": {"P1": {"beamline": 5}}}, "proposals.P1.beamline: invalid beamline 5"),
        ({"proposals": ["20260001"]}, "proposals: must be a table, not a list"),
        ({"beamlines": ["BL1"]}, "beamlines: must be a table, not a list"),
        ({"beamlines": {"B": ["carol"]}}, "beamlines.B: must be a table, not a list"),
        ({"beamlines": {"B L": {}}}, "beamlines.\"B L\": invalid beamline 'B L'"),
        (["admins"], "a directory must be a table, not a list"),
    ],
)
def test_directory_errors_read_well(data: Any, message: str) -> None:
    with pytest.raises(InvalidProposal) as caught:
        parse_directory(data)
    assert str(caught.value) == message


def test_claim_source_reads_entitlements() -> None:
    source = ClaimSource()
    state = {
        "oauth_user": {
            "entitlements": [
                "urn:panhub:proposal:20260001#member",
                "urn:panhub:proposal:20260002#staff",
                "urn:panhub:proposal:20260002#member",
                "urn:other:thing",
                "urn:panhub:admin",
            ]
        }
    }
    assert source.get_access("alice", state) == Access(
        "alice", {"20260001": M, "20260002": M}, True
    )
    assert source.get_access("alice", None) == Access("alice", {})
    with pytest.raises(InvalidProposal):
        source.get_access(
            "alice", {"oauth_user": {"entitlements": ["urn:panhub:proposal:..%2Fx#member"]}}
        )


def test_catalogue_source_over_http() -> None:
    body = json.dumps(
        {"proposals": {"20260001": {"beamline": "BL11-NCD", "members": ["alice"]}}, "beamlines": {}}
    ).encode()
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(f"{self.path} {self.headers['Authorization']}")
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        source = load_source(
            "catalogue",
            {
                "url": f"http://127.0.0.1:{server.server_port}/services/catalogue/",
                "token": "s3cret",
            },
        )
        assert isinstance(source, CatalogueSource)
        assert source.get_access("alice") == Access("alice", {"20260001": M})
        assert seen == ["/services/catalogue/api/directory token s3cret"]
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_unknown_source_kind() -> None:
    with pytest.raises(ValueError, match="unknown proposal source 'ldap'"):
        load_source("ldap", {})
