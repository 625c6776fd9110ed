"""Membership import (the hub's directory file) and the directory served back."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from panhub_catalogue.cli import main
from panhub_catalogue.identity import Identity
from panhub_catalogue.ingest.members import (
    Directory,
    DirectoryError,
    ImportReport,
    apply_directory,
    parse_directory,
    read_directory,
)
from panhub_catalogue.model import (
    Affiliation,
    InstrumentScientist,
    Investigation,
    InvestigationInstrument,
    InvestigationUser,
    User,
)
from panhub_catalogue.search import Search, search_investigations
from panhub_catalogue.store import Lookup
from panhub_catalogue.visibility import resolve_identity
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

NOW = datetime(2026, 6, 1)
DEMO: dict[str, Any] = {
    "admins": ["dave"],
    "beamlines": {"BL11-NCD": {"staff": ["carol"]}, "BL13-XALOC": {"staff": []}},
    "proposals": {
        "20260001": {"beamline": "BL11-NCD", "title": "Kinetics", "members": ["alice"]},
        "20260002": {"beamline": "BL13-XALOC", "title": "Crystals", "members": ["bob"]},
        "20260003": {"beamline": "BL11-NCD", "members": ["bob", "alice"]},
    },
}


def names(session: Session, identity: Identity) -> list[str]:
    _, rows = search_investigations(session, identity, Search(sort=(("name", False),)), NOW)
    return [i.name for i in rows]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"proposals": {"../x": {"beamline": "B"}}},
            "proposals.\"../x\": invalid proposal id '../x'",
        ),
        ({"proposals": {"P1": "B"}}, "proposals.P1: must be a table, not a string"),
        ({"proposals": {"P1": {}}}, "proposals.P1.beamline: missing"),
        (
            {"proposals": {"P1": {"beamline": "B", "members": "ana"}}},
            "proposals.P1.members: must be a list of user names, not a string",
        ),
        (
            {"proposals": {"P1": {"beamline": "B", "members": ["a b"]}}},
            "proposals.P1.members: invalid user name 'a b'",
        ),
        ({"beamlines": {"B": {"staff": ["x/y"]}}}, "beamlines.B.staff: invalid user name 'x/y'"),
        ({"admins": ["root", ".."]}, "admins: invalid user name '..'"),
        (
            {"groups": {}},
            "groups: unknown key; known: admins, affiliations, beamlines, people, proposals",
        ),
        (
            {"people": {"ann": {"name": "Ann", "orcid": "0000-0002-1825-0098"}}},
            "people.ann.orcid: invalid ORCID iD '0000-0002-1825-0098': write it as "
            "0000-0002-1825-0097, whose last character is a check digit",
        ),
        (
            {
                "affiliations": {"alba": {"name": "ALBA"}, "uab": {"name": "UAB"}},
                "people": {"ann": {"name": "Ann", "affiliation": "cells"}},
            },
            "people.ann.affiliation: unknown affiliation 'cells'; known: alba, uab",
        ),
        (
            {"affiliations": {"alba": {"name": "ALBA", "ror": "ror.org/02j9n6e35"}}},
            "affiliations.alba.ror: invalid ROR id 'ror.org/02j9n6e35': write it as "
            "https://ror.org/ and its 9 characters, e.g. https://ror.org/02j9n6e35",
        ),
        (
            {"proposals": {"P1": {"beamline": "B", "principal_investigator": "ann"}}},
            "proposals.P1.principal_investigator: 'ann' is not one of the proposal's members",
        ),
    ],
)
def test_bad_directories_are_refused_naming_the_entry(data: dict[str, Any], message: str) -> None:
    with pytest.raises(DirectoryError) as error:
        parse_directory(data)
    assert str(error.value) == message


def test_import_sets_visibility_and_is_idempotent(sessions: sessionmaker[Session]) -> None:
    directory = parse_directory(DEMO)
    with sessions() as session:
        first = apply_directory(session, directory, "PANHUB")
        session.commit()
        assert first == ImportReport(
            investigations_created=3,
            beamlines_added=3,
            members_added=4,
            staff_added=1,
            admins_added=1,
        )
        assert names(session, Identity("alice")) == ["20260001", "20260003"]
        assert names(session, Identity("bob")) == ["20260002", "20260003"]
        assert names(session, Identity("carol")) == ["20260001", "20260003"]  # staff
        assert names(session, Identity("dave")) == ["20260001", "20260002", "20260003"]
        assert names(session, Identity(None)) == []  # nothing released
        assert resolve_identity(session, Identity("carol")) == Identity(
            "carol", beamlines=frozenset({"BL11-NCD"})
        )
        assert resolve_identity(session, Identity("dave")).admin
        assert apply_directory(session, directory, "PANHUB") == ImportReport()
        session.commit()
        assert read_directory(session) == {
            "admins": ["dave"],
            "beamlines": {"BL11-NCD": {"staff": ["carol"]}, "BL13-XALOC": {"staff": []}},
            "proposals": {
                "20260001": {"beamline": "BL11-NCD", "title": "Kinetics", "members": ["alice"]},
                "20260002": {"beamline": "BL13-XALOC", "title": "Crystals", "members": ["bob"]},
                "20260003": {"beamline": "BL11-NCD", "title": "", "members": ["alice", "bob"]},
            },
        }


def test_revoked_members_staff_and_admins_are_removed(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        apply_directory(session, parse_directory(DEMO), "PANHUB")
        # alice also holds a PI row (from ICAT, say): she keeps it while listed
        lookup = Lookup(session)
        first = session.scalars(select(Investigation).filter_by(name="20260001")).one()
        session.add(
            InvestigationUser(investigation_id=first.id, user_id=lookup.user("alice").id, role="PI")
        )
        # and a beamline link the directory does not give (from files an older indexer
        # trusted): the import removes it, and with it the sight of BL13-XALOC's staff
        xaloc = lookup.instrument(lookup.facility("PANHUB"), "BL13-XALOC")
        session.add(InvestigationInstrument(investigation_id=first.id, instrument_id=xaloc.id))
        session.add(InstrumentScientist(instrument_id=xaloc.id, user_id=lookup.user("xavi").id))
        session.commit()
        assert "20260001" in names(session, Identity("xavi"))
        revoked = {
            "admins": [],
            "beamlines": {"BL11-NCD": {"staff": []}},
            "proposals": {
                "20260001": {"beamline": "BL11-NCD", "members": ["alice"]},
                "20260003": {"beamline": "BL11-NCD", "members": ["bob"]},
            },
        }
        report = apply_directory(session, parse_directory(revoked), "PANHUB")
        session.commit()
        assert report == ImportReport(
            beamlines_removed=1, members_removed=1, staff_removed=1, admins_removed=1
        )
        assert names(session, Identity("xavi")) == ["20260002"]
        assert names(session, Identity("alice")) == ["20260001"]
        assert names(session, Identity("carol")) == []
        assert names(session, Identity("dave")) == []
        roles = session.execute(
            select(User.name, InvestigationUser.role)
            .join(InvestigationUser.user)
            .where(InvestigationUser.investigation_id == first.id)
        ).all()
        assert sorted(roles) == [("alice", "PI"), ("alice", "member")]


PEOPLE: dict[str, Any] = {
    "affiliations": {
        "alba": {
            "name": "ALBA Synchrotron Light Source",
            "ror": "https://ror.org/02j9n6e35",
            "city": "Cerdanyola del Vallès",
            "country": "Spain",
        },
        "uni": {"name": "Universitat de Barcelona", "country": "Spain"},
    },
    "people": {
        "alice": {
            "name": "Alice Arnau",
            "given_name": "Alice",
            "family_name": "Arnau",
            "orcid": "0000-0002-1825-0097",
            "affiliation": "alba",
        },
        "bob": {"name": "Bob Bosch", "affiliation": "uni"},
    },
    "proposals": {
        "20220001": {
            "beamline": "BL13-XALOC",
            "members": ["alice", "bob", "carol"],
            "principal_investigator": "alice",
        },
        "20220002": {"beamline": "BL13-XALOC", "members": ["bob"]},
    },
}


def memberships(session: Session) -> list[tuple[str, str, str, str | None]]:
    """(proposal, login, role, affiliation name) of every membership row."""
    rows = session.execute(
        select(Investigation.name, User.name, InvestigationUser.role, Affiliation.name)
        .join(InvestigationUser.investigation)
        .join(InvestigationUser.user)
        .outerjoin(InvestigationUser.affiliation)
    )
    return sorted(tuple(row) for row in rows)  # type: ignore[misc]


def test_people_affiliations_and_principal_investigators(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        report = apply_directory(session, parse_directory(PEOPLE), "PANHUB")
        session.commit()
        assert (report.people_updated, report.affiliations_added) == (2, 2)
        assert (report.members_added, report.memberships_updated) == (4, 0)
        alba, uni = "ALBA Synchrotron Light Source", "Universitat de Barcelona"
        assert memberships(session) == [
            ("20220001", "alice", "PI", alba),
            ("20220001", "bob", "member", uni),
            ("20220001", "carol", "member", None),  # no person entry: no affiliation
            ("20220002", "bob", "member", uni),
        ]
        users = {u.name: u for u in session.scalars(select(User))}
        alice, bob = users["alice"], users["bob"]
        assert (alice.fullName, alice.givenName, alice.familyName, alice.orcidId) == (
            "Alice Arnau",
            "Alice",
            "Arnau",
            "0000-0002-1825-0097",
        )
        assert (bob.fullName, bob.givenName, bob.orcidId) == ("Bob Bosch", None, None)
        assert users["carol"].fullName is None
        rows = session.scalars(select(Affiliation).order_by(Affiliation.name)).all()
        assert [(a.name, a.pid, a.city, a.country) for a in rows] == [
            (alba, "https://ror.org/02j9n6e35", "Cerdanyola del Vallès", "Spain"),
            (uni, None, None, "Spain"),
        ]
        # importing twice changes nothing
        before = memberships(session)
        assert apply_directory(session, parse_directory(PEOPLE), "PANHUB") == ImportReport()
        session.commit()
        assert memberships(session) == before


def test_a_new_principal_investigator_and_affiliation(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        apply_directory(session, parse_directory(PEOPLE), "PANHUB")
        # bob also holds a co-investigator role (from ICAT, say), which the directory keeps
        first = session.scalars(select(Investigation).filter_by(name="20220001")).one()
        bob = Lookup(session).user("bob")
        session.add(InvestigationUser(investigation_id=first.id, user_id=bob.id, role="CO_INV"))
        # and a name the directory does not give (from ICAT, say)
        bob.givenName = "Roberto"
        session.commit()
        changed = json.loads(json.dumps(PEOPLE))
        changed["proposals"]["20220001"]["principal_investigator"] = "bob"
        changed["people"]["bob"]["affiliation"] = "alba"
        changed["affiliations"]["uni"]["city"] = "Barcelona"
        report = apply_directory(session, parse_directory(changed), "PANHUB")
        session.commit()
        # alice PI -> member, bob member -> PI, and bob's three rows now say ALBA
        assert (report.memberships_updated, report.affiliations_updated) == (5, 1)
        assert (report.members_added, report.members_removed, report.people_updated) == (0, 0, 0)
        alba = "ALBA Synchrotron Light Source"
        assert memberships(session) == [
            ("20220001", "alice", "member", alba),
            ("20220001", "bob", "CO_INV", alba),
            ("20220001", "bob", "PI", alba),
            ("20220001", "carol", "member", None),
            ("20220002", "bob", "member", alba),
        ]
        assert session.get_one(User, bob.id).givenName == "Roberto"
        city = session.scalars(select(Affiliation.city).filter_by(name="Universitat de Barcelona"))
        assert city.one() == "Barcelona"
        assert apply_directory(session, parse_directory(changed), "PANHUB") == ImportReport()


def test_import_applies_to_every_visit_of_a_proposal(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        facility = Lookup(session).facility("PANHUB")
        for visit in ("v1", "v2"):
            session.add(Investigation(facility_id=facility.id, name="P9", visitId=visit))
        session.commit()
        directory = Directory(parse_directory({"proposals": {"P9": {"beamline": "B"}}}).proposals)
        report = apply_directory(session, directory, "PANHUB")
        assert report.investigations_created == 0
        data = {"proposals": {"P9": {"beamline": "B", "members": ["eve"]}}}
        assert apply_directory(session, parse_directory(data), "PANHUB").members_added == 2
        session.commit()
        assert names(session, Identity("eve")) == ["P9", "P9"]
        assert read_directory(session)["proposals"] == {
            "P9": {"beamline": "B", "title": "", "members": ["eve"]}
        }


def test_directory_leaves_out_what_the_hub_would_refuse(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        lookup = Lookup(session)
        facility = lookup.facility("PANHUB")
        session.add(Investigation(facility_id=facility.id, name="no beamline"))
        session.add(Investigation(facility_id=facility.id, name="P1"))
        session.flush()
        apply_directory(session, parse_directory({"proposals": {"P1": {"beamline": "B"}}}), "X")
        bad = session.scalars(select(Investigation).filter_by(name="P1", facility_id=facility.id))
        session.add(
            InvestigationUser(investigation_id=bad.one().id, user_id=lookup.user("Ana Alba").id)
        )
        session.commit()
        # "P1" of facility X has beamline B; the PANHUB one has none, so it adds nothing
        assert read_directory(session) == {
            "admins": [],
            "beamlines": {"B": {"staff": []}},
            "proposals": {"P1": {"beamline": "B", "title": "", "members": []}},
        }


def test_cli_imports_and_exports(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "proposals.toml"
    path.write_text(
        'admins = ["dave"]\n[beamlines.BL-A]\nstaff = ["carol"]\n'
        '[proposals.T1]\nbeamline = "BL-A"\nmembers = ["alice"]\n'
    )
    assert main(["members", "import", "--db", sqlite_url, str(path)]) == 0
    assert capsys.readouterr().out == (
        "1 proposals: 1 investigations created, beamlines +1/-0, members +1/-0, staff +1/-0, "
        "admins +1/-0, people ~0, affiliations +0/~0, memberships ~0\n"
    )
    assert main(["members", "import", "--db", sqlite_url, str(path)]) == 0
    assert capsys.readouterr().out.endswith(
        "members +0/-0, staff +0/-0, admins +0/-0, people ~0, affiliations +0/~0, memberships ~0\n"
    )
    assert main(["members", "export", "--db", sqlite_url]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "admins": ["dave"],
        "beamlines": {"BL-A": {"staff": ["carol"]}},
        "proposals": {"T1": {"beamline": "BL-A", "title": "", "members": ["alice"]}},
    }
    path.write_text('[proposals."../etc"]\nbeamline = "B"\n')
    assert main(["members", "import", "--db", sqlite_url, str(path)]) == 2
    assert capsys.readouterr().err == (
        f"panhub-catalogue members import: {path}: proposals.\"../etc\": invalid proposal id '../etc'\n"
    )
