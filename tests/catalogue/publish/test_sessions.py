"""publish.sessions, publish.cli and cli: session DOIs at the end of an experiment, and
DOIs made findable when their data is released, against the DataCite stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from panhub_catalogue.cli import main
from panhub_catalogue.model import Investigation
from panhub_catalogue.publish.sessions import run
from panhub_catalogue.publish.standin import DataCiteStandIn, run_standin
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.support.catalogue_world import NOW
from tests.support.publishing_world import build_world, make_options


@pytest.fixture
def standin() -> Iterator[DataCiteStandIn]:
    with run_standin() as running:
        yield running


@pytest.fixture
def world(sqlite_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The publishing world, its sessions without DOIs (as if never minted)."""
    with sqlite_sessions() as session:
        build_world(session)
        session.execute(update(Investigation).values(doi=None))
        session.commit()
    return sqlite_sessions


def get_session(sessions: sessionmaker[Session], name: str) -> Investigation:
    with sessions() as session:
        return session.scalars(select(Investigation).where(Investigation.name == name)).one()


def test_ended_sessions_get_dois_findable_when_public_registered_when_not(
    world: sessionmaker[Session], standin: DataCiteStandIn
) -> None:
    report = run(world, make_options(standin), NOW)
    assert report.minted == ["10.80001/PANHUB-ES-P-PUB", "10.80001/PANHUB-ES-P-EMB"]
    assert report.published == [] and report.failed == []
    public, embargoed = get_session(world, "P-PUB"), get_session(world, "P-EMB")
    assert (public.doi, public.dataciteState, public.mintTime) == (
        "10.80001/PANHUB-ES-P-PUB",
        "findable",
        NOW,
    )
    assert embargoed.dataciteState == "registered" and embargoed.modTime == NOW
    assert "10 80001 panhub es p emb" in embargoed.searchText  # its DOI is searchable
    records = standin.records
    assert records["10.80001/panhub-es-p-pub"].state == "findable"
    assert [c["name"] for c in records["10.80001/panhub-es-p-pub"].attributes["creators"]] == [
        "Example, Ana",
        "Ben Example",
    ]
    # under embargo DataCite learns no people and no abstract, as the public landing page
    hidden = records["10.80001/panhub-es-p-emb"].attributes
    assert hidden["creators"] == [{"name": "PANHUB Light Source", "nameType": "Organizational"}]
    assert [d["descriptionType"] for d in hidden["descriptions"]] == ["TechnicalInfo"]
    assert (
        hidden["url"]
        == f"https://data.example.org/services/catalogue/landing/investigations/{embargoed.id}"
    )

    again = run(world, make_options(standin), NOW + timedelta(days=1))
    assert (again.minted, again.published) == ([], [])
    released = run(world, make_options(standin), NOW + timedelta(days=101))
    assert released.published == ["10.80001/PANHUB-ES-P-EMB"]
    shown = standin.requests[-1]
    assert shown.attributes["event"] == "publish"
    assert [c["name"] for c in shown.attributes["creators"]] == ["Ben Example"]
    assert records["10.80001/panhub-es-p-emb"].state == "findable"
    assert get_session(world, "P-EMB").modTime == NOW + timedelta(days=101)


def test_a_session_with_a_doi_or_not_ended_is_left_alone(
    world: sessionmaker[Session], standin: DataCiteStandIn
) -> None:
    with world() as session:
        session.execute(
            update(Investigation)
            .where(Investigation.name == "P-PUB")
            .values(doi="10.5072/elsewhere")
        )
        session.execute(
            update(Investigation)
            .where(Investigation.name == "P-EMB")
            .values(endDate=NOW + timedelta(days=1))
        )
        session.commit()
    report = run(world, make_options(standin), NOW)
    assert (report.minted, report.published, report.failed) == ([], [], [])
    assert standin.requests == []
    assert get_session(world, "P-PUB").dataciteState is None


def test_a_taken_doi_is_reported_and_the_rest_goes_on(
    world: sessionmaker[Session], standin: DataCiteStandIn
) -> None:
    with world() as session:
        first = session.scalars(select(Investigation).where(Investigation.name == "P-PUB")).one()
        second = Investigation(
            facility_id=first.facility_id,
            name="P-PUB",
            visitId="v2",
            title="second visit",
            startDate=first.startDate,
            endDate=first.endDate,
        )
        session.add(second)
        session.commit()
    report = run(world, make_options(standin), NOW)
    assert report.minted == ["10.80001/PANHUB-ES-P-PUB", "10.80001/PANHUB-ES-P-EMB"]
    assert report.failed == [
        (
            "proposal P-PUB",
            "DOI 10.80001/PANHUB-ES-P-PUB is taken (another visit of proposal P-PUB?): add "
            "{visit} to Publishing.session_doi_pattern",
        )
    ]
    with world() as session:
        assert session.get_one(Investigation, second.id).doi is None


def test_a_datacite_failure_is_reported_and_the_rest_goes_on(
    world: sessionmaker[Session], standin: DataCiteStandIn
) -> None:
    standin.fail_next("POST", 503, "maintenance")
    report = run(world, make_options(standin), NOW)
    assert report.minted == ["10.80001/PANHUB-ES-P-EMB"]
    assert report.failed == [
        (
            "proposal P-PUB",
            "DataCite refused the request for 10.80001/PANHUB-ES-P-PUB: maintenance",
        )
    ]
    assert get_session(world, "P-PUB").doi is None  # nothing half-minted
    assert run(world, make_options(standin), NOW).minted == ["10.80001/PANHUB-ES-P-PUB"]


def write_config(path: Path, standin: DataCiteStandIn, url: str) -> Path:
    config = path / "catalogue_config.py"
    config.write_text(
        f"c.CatalogueDatabase.url = {url!r}\n"
        f"c.Publishing.datacite_url = {standin.url!r}\n"
        f"c.Publishing.datacite_username = {standin.username!r}\n"
        f"c.Publishing.doi_prefix = {standin.prefix!r}\n"
        "c.Publishing.landing_url_base = 'https://data.example.org/services/catalogue/'\n"
    )
    (path / "datacite.secret").write_text(standin.password + "\n")
    with config.open("a") as stream:
        stream.write(f"c.Publishing.datacite_password_file = {str(path / 'datacite.secret')!r}\n")
    return config


def test_the_command_mints_and_reports(
    world: sessionmaker[Session],
    standin: DataCiteStandIn,
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = str(world.kw["bind"].url)
    with world() as session:  # under embargo for long, whatever today is
        session.execute(
            update(Investigation)
            .where(Investigation.name == "P-EMB")
            .values(releaseDate=datetime(2200, 1, 1))
        )
        session.commit()
    assert main(["mint-sessions", "--db", url]) == 2
    assert "DOI minting is not configured" in capsys.readouterr().err
    config = write_config(tmp_path, standin, url)
    assert main(["mint-sessions", "--config", str(config), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == ["due: P-PUB", "due: P-EMB"]
    assert standin.requests == []
    assert main(["mint-sessions", "--config", str(config)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "minted: 10.80001/PANHUB-ES-P-PUB",
        "minted: 10.80001/PANHUB-ES-P-EMB",
    ]
    assert get_session(world, "P-EMB").dataciteState == "registered"
