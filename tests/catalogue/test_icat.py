"""ICAT import from a fake ICAT REST server seeded with python-icat's reference content.

The oracle is python-icat's ``tests/data/summary-6.2.<user>``: what each user sees in a
real ICAT 6.2 loaded with ``icatdump-6.2.yaml`` under the rules of ``init-icat.py``
(tests/catalogue/data/README.md). The fake implements no rules; after the import, our
own visibility rule must give the same counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from panhub_catalogue.db import make_engine, make_sessionmaker
from panhub_catalogue.identity import Identity
from panhub_catalogue.ingest.icat import IcatClient, IcatError, IcatImport, IcatReport, IcatSource
from panhub_catalogue.model import Datafile, Dataset, Investigation, Sample
from panhub_catalogue.visibility import visible_investigations
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.testing import bind_unused_port

from tests.support.fake_icat import FakeIcat

DUMP = Path(__file__).with_name("data") / "icatdump-6.2.yaml"
ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 1)
# summary-6.2.<user>: Investigation, Dataset, Datafile, Sample
REFERENCE = {
    "acord": (3, 9, 11, 3),  # instrument scientist of HIKE, E2 and EDDI
    "ahau": (1, 4, 5, 1),
    "jbotu": (2, 6, 6, 2),
    "jdoe": (2, 6, 6, 2),
    "nbour": (3, 9, 11, 3),
    "rbeck": (2, 6, 7, 2),
}


@pytest.fixture
async def icat() -> AsyncIterator[tuple[FakeIcat, str]]:
    fake = FakeIcat(DUMP)
    sock, port = bind_unused_port()
    server = HTTPServer(fake.make_app())
    server.add_sockets([sock])
    yield fake, f"http://127.0.0.1:{port}"
    server.stop()
    await server.close_all_connections()


def import_icat(sessions: sessionmaker[Session], url: str, page: int = 1000) -> IcatReport:
    client = IcatClient(url)
    client.login("simple", {"username": "reader", "password": "secret"})
    with sessions() as session:
        run = IcatImport(session, client)
        if page != 1000:
            original = client.iter_entities
            client.iter_entities = lambda e, i=(), page=page: original(e, i, page)  # type: ignore[method-assign]
        report = run.run()
        session.commit()
    return report


def visible_counts(session: Session, user: str) -> tuple[int, ...]:
    rule = visible_investigations(Identity(user), NOW)
    counts = [session.scalar(select(func.count()).select_from(Investigation).where(rule))]
    for model in (Dataset, Datafile, Sample):
        query = select(func.count()).select_from(model)
        if model is Datafile:
            query = query.join(Dataset, Dataset.id == Datafile.dataset_id)
            parent = Dataset.investigation_id
        else:
            parent = model.investigation_id  # type: ignore[attr-defined]
        query = query.join(Investigation, Investigation.id == parent).where(rule)
        counts.append(session.scalar(query))
    return tuple(int(n or 0) for n in counts)


async def test_per_user_visibility_matches_the_reference(
    icat: tuple[FakeIcat, str], sqlite_sessions: sessionmaker[Session]
) -> None:
    fake, url = icat
    report = await IOLoop.current().run_in_executor(None, import_icat, sqlite_sessions, url, 4)
    assert report == IcatReport(
        investigations=3, datasets=9, datafiles=11, members=18, scientists=3
    )
    assert "SELECT o FROM Dataset o INCLUDE o.investigation, o.type, o.sample LIMIT 8, 4" in (
        fake.queries
    )
    with sqlite_sessions() as session:
        ours = {user: visible_counts(session, user) for user in REFERENCE}
        # ICAT makes the data of a published DataPublication public: dataset pub-00027
        # (one file) of 12100409-ST. Our rule shows data with its investigation only,
        # so those who are not members of 12100409-ST see one dataset and file fewer.
        published = {"ahau", "jbotu", "jdoe"}
        assert ours == {
            user: (i, d - 1, f - 1, s) if user in published else (i, d, f, s)
            for user, (i, d, f, s) in REFERENCE.items()
        }
        assert visible_counts(session, "nobody") == (0, 0, 0, 0)
        types = session.execute(select(Dataset.type, func.count()).group_by(Dataset.type))
        assert sorted(tuple(t) for t in types) == [("analyzed", 1), ("other", 1), ("raw", 7)]


async def test_import_twice_adds_nothing(
    icat: tuple[FakeIcat, str], sqlite_sessions: sessionmaker[Session]
) -> None:
    _, url = icat
    run = IOLoop.current().run_in_executor
    await run(None, import_icat, sqlite_sessions, url)
    with sqlite_sessions() as session:
        before = [session.scalar(select(func.count()).select_from(m)) for m in (Dataset, Datafile)]
    second = await run(None, import_icat, sqlite_sessions, url)
    assert (second.members, second.scientists) == (0, 0)
    with sqlite_sessions() as session:
        after = [session.scalar(select(func.count()).select_from(m)) for m in (Dataset, Datafile)]
    assert after == before == [9, 11]


async def test_icat_errors_are_reported(icat: tuple[FakeIcat, str]) -> None:
    _, url = icat
    client = IcatClient(url)

    def bad_login() -> None:
        client.login("db", {"username": "reader", "password": "wrong"})

    with pytest.raises(IcatError) as error:
        await IOLoop.current().run_in_executor(None, bad_login)
    assert (error.value.code, error.value.message) == (
        "SESSION",
        "The username and password do not match",
    )
    client.session_id = "stale"
    with pytest.raises(IcatError) as error:
        await IOLoop.current().run_in_executor(None, client.search, "SELECT o FROM User o")
    assert error.value.code == "SESSION"
    with pytest.raises(IcatError, match="must be http"):
        IcatClient("file:///etc/passwd")


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """``panhub-catalogue ARGV`` from the working tree, as a separate process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "extensions" / "catalogue")}
    command = [sys.executable, "-m", "panhub_catalogue.cli", *argv]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


async def test_cli_imports_from_icat(
    icat: tuple[FakeIcat, str], sqlite_url: str, tmp_path: Path
) -> None:
    fake, url = icat
    secret = tmp_path / "reader.secret"
    secret.write_text("secret\n")
    argv = ["icat", "import", "--db", sqlite_url, "--url", url, "--auth", "simple"]
    argv += ["--user", "reader", "--password-file", str(secret)]
    run = IOLoop.current().run_in_executor
    done = await run(None, lambda: run_cli(*argv))
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        f"{url}: 3 investigations, 9 datasets, 11 datafiles read; "
        "members +18, instrument scientists +3\n"
    )
    assert fake.sessions == {"session-1"}
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine)() as session:
        assert visible_counts(session, "acord") == REFERENCE["acord"]
        assert visible_counts(session, "rbeck") == REFERENCE["rbeck"]
        assert visible_counts(session, "nobody") == (0, 0, 0, 0)
    engine.dispose()
    again = await run(None, lambda: run_cli(*argv))
    assert again.returncode == 0
    assert again.stdout.endswith("members +0, instrument scientists +0\n")


@pytest.mark.parametrize(
    ("options", "password", "message"),
    [
        (["--user", "reader"], "wrong", "SESSION: The username and password do not match"),
        (["--user", "reader"], "", "password file {secret} is empty"),
        (["--user", "reader", "--password-file", "{missing}"], None, "No such file"),
        (["--user", "reader", "--password-file", ""], None, "user 'reader' needs a password"),
    ],
)
async def test_cli_icat_errors_name_the_problem(
    icat: tuple[FakeIcat, str],
    sqlite_url: str,
    tmp_path: Path,
    options: list[str],
    password: str | None,
    message: str,
) -> None:
    _, url = icat
    secret, missing = tmp_path / "reader.secret", tmp_path / "missing.secret"
    argv = ["icat", "import", "--db", sqlite_url, "--url", url, "--auth", "simple"]
    argv += [o.format(missing=missing) for o in options]
    if password is not None:
        secret.write_text(password + "\n")
        argv += ["--password-file", str(secret)]
    done = await IOLoop.current().run_in_executor(None, lambda: run_cli(*argv))
    assert done.returncode == 1
    assert done.stderr.startswith("panhub-catalogue icat import: ")
    assert message.format(secret=secret) in done.stderr


def test_cli_icat_needs_a_url(sqlite_url: str) -> None:
    done = run_cli("icat", "import", "--db", sqlite_url)
    assert (done.returncode, done.stderr) == (
        2,
        "panhub-catalogue icat import: no ICAT URL (--url)\n",
    )


def test_icat_source_settings_come_from_config(tmp_path: Path) -> None:
    secret = tmp_path / "s"
    secret.write_text("p4ss word\r\nignored\n")
    source = IcatSource(username="reader", password_file=str(secret))
    assert source.read_credentials() == {"username": "reader", "password": "p4ss word"}
    assert IcatSource().read_credentials() == {}
