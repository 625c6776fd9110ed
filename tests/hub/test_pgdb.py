"""The production profile's PostgreSQL pieces (panhub.pgdb): URLs without secrets, the
password file, the SCRAM verifier PostgreSQL is given instead of the password, the setup
script, and the demo's launcher that runs them (with a fake ``psql``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
from pathlib import Path

import pytest
from panhub import demo, pgdb, site
from panhub.pgdb import LocalDatabase

HUB = LocalDatabase("panhub_hub", "panhub_hub", Path("/var/lib/panhub/demo/hub/pgpass"))


def test_the_url_names_the_password_file_and_holds_no_password() -> None:
    assert HUB.url == (
        "postgresql+psycopg2://panhub_hub@127.0.0.1:5432/panhub_hub"
        "?passfile=/var/lib/panhub/demo/hub/pgpass"
    )
    assert pgdb.find_local_database(HUB.url) == HUB


def test_a_password_file_path_with_odd_characters_survives_the_url() -> None:
    db = LocalDatabase("a", "b", Path("/srv/my state/hub&1/pgpass"), host="::1", port=5433)
    assert db.url == "postgresql+psycopg2://b@[::1]:5433/a?passfile=/srv/my%20state/hub%261/pgpass"
    assert pgdb.find_local_database(db.url) == db


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////var/lib/panhub/demo/hub/jupyterhub.sqlite",
        # the site's own server, or a password in the URL: not panhub's to set up
        "postgresql+psycopg2://hub@db.example.org:5432/hub?passfile=/etc/hub/pgpass",
        "postgresql+psycopg2://hub:secret@127.0.0.1:5432/hub?passfile=/etc/hub/pgpass",
        "postgresql+psycopg2://hub:secret@127.0.0.1:5432/hub",
        "postgresql+psycopg2://hub@127.0.0.1:5432/hub",
        "postgresql+psycopg2://127.0.0.1:5432/hub?passfile=/etc/hub/pgpass",
    ],
)
def test_other_databases_are_left_to_the_site(url: str) -> None:
    assert pgdb.find_local_database(url) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"database": "hub; DROP TABLE x"}, "not a safe PostgreSQL identifier"),
        ({"role": "Hub"}, "not a safe PostgreSQL identifier"),
        ({"host": "db.example.org"}, "not a database on this machine"),
        ({"passfile": Path("pgpass")}, "absolute path"),
    ],
)
def test_unsafe_databases_are_refused(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"database": "hub", "role": "hub", "passfile": Path("/p")}
    with pytest.raises(ValueError, match=message):
        LocalDatabase(**{**fields, **kwargs})  # type: ignore[arg-type]


def test_the_password_file_line_is_read_back_for_its_database_only() -> None:
    line = pgdb.make_pgpass(HUB, "pa:ss\\word")
    assert line == "127.0.0.1:5432:panhub_hub:panhub_hub:pa\\:ss\\\\word\n"
    other = LocalDatabase("panhub_catalogue", "panhub_catalogue", HUB.passfile)
    text = pgdb.make_pgpass(other, "theirs") + line
    assert pgdb.read_pgpass_password(text, HUB) == "pa:ss\\word"
    assert pgdb.read_pgpass_password(pgdb.make_pgpass(other, "theirs"), HUB) is None
    assert pgdb.read_pgpass_password("", HUB) is None


def _unbase64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def test_the_verifier_lets_the_rfc_7677_client_in_and_proves_the_server() -> None:
    """RFC 7677's exchange (user "user", password "pencil"): a server holding our verifier
    accepts the client's proof and answers with the RFC's server signature."""
    verifier = pgdb.make_scram_verifier("pencil", _unbase64("W22ZaJ0SNY7soEsUEjb6gQ=="))
    method, params, keys = verifier.split("$")
    iterations, salt = params.split(":")
    stored_key, server_key = (_unbase64(k) for k in keys.split(":"))
    assert (method, iterations, salt) == ("SCRAM-SHA-256", "4096", "W22ZaJ0SNY7soEsUEjb6gQ==")
    nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    auth_message = (
        f"n=user,r=rOprNGfwEbeRWgbNEkqO,r={nonce},s={salt},i=4096,c=biws,r={nonce}"
    ).encode()
    proof = _unbase64("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    client_signature = hmac.digest(stored_key, auth_message, "sha256")
    client_key = bytes(a ^ b for a, b in zip(proof, client_signature, strict=True))
    assert hashlib.sha256(client_key).digest() == stored_key
    server_signature = hmac.digest(server_key, auth_message, "sha256")
    assert server_signature == _unbase64("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")


@pytest.mark.parametrize("password", ["", "with space", "pässword"])
def test_passwords_saslprep_would_change_are_refused(password: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        pgdb.make_scram_verifier(password, b"salt")


def test_the_setup_script_makes_an_unprivileged_owner_of_a_private_database() -> None:
    verifier = "SCRAM-SHA-256$4096:c2FsdA==$AAAA:BBBB"
    assert pgdb.make_setup_sql(HUB, verifier) == (
        "SELECT 'CREATE ROLE panhub_hub' WHERE NOT EXISTS "
        "(SELECT FROM pg_roles WHERE rolname = 'panhub_hub')\\gexec\n"
        "ALTER ROLE panhub_hub LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
        "PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$AAAA:BBBB';\n"
        "SELECT 'CREATE DATABASE panhub_hub OWNER panhub_hub' WHERE NOT EXISTS "
        "(SELECT FROM pg_database WHERE datname = 'panhub_hub')\\gexec\n"
        "ALTER DATABASE panhub_hub OWNER TO panhub_hub;\n"
        "REVOKE ALL ON DATABASE panhub_hub FROM PUBLIC;\n"
    )


@pytest.mark.parametrize("verifier", ["pencil", "SCRAM-SHA-256$4096:x$y:z'; DROP ROLE x; --"])
def test_the_setup_script_takes_a_verifier_only(verifier: str) -> None:
    with pytest.raises(ValueError, match="SCRAM-SHA-256 verifier"):
        pgdb.make_setup_sql(HUB, verifier)


def test_psql_reads_its_script_from_standard_input() -> None:
    assert pgdb.make_psql_command(HUB, as_root=True) == [
        "runuser", "-u", "postgres", "--",
        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", "5432", "-d", "postgres", "-f", "-",
    ]  # fmt: skip
    assert pgdb.make_psql_command(HUB, as_root=False)[0] == "psql"


# ---- the demo's production profile


def test_the_production_profile_puts_both_databases_in_postgresql(tmp_path: Path) -> None:
    config = tmp_path / "jupyterhub_config.py"
    production = demo.demo_instance(config, tmp_path, profile="production")
    assert production.env["PANHUB_DB_URL"] == (
        f"postgresql+psycopg2://panhub_hub@127.0.0.1:5432/panhub_hub?passfile={tmp_path}/hub/pgpass"
    )
    assert production.catalogue_db == (
        f"postgresql+psycopg2://panhub_catalogue@127.0.0.1:5432/panhub_catalogue"
        f"?passfile={tmp_path}/catalogue/pgpass"
    )
    plain = demo.demo_instance(config, tmp_path, profile="demo")
    assert "PANHUB_DB_URL" not in plain.env
    assert plain.catalogue_db == f"sqlite:///{tmp_path}/catalogue/catalogue.sqlite"


def test_the_profile_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANHUB_PROFILE", "production")
    assert "PANHUB_DB_URL" in demo.demo_instance(tmp_path / "c.py", tmp_path).env
    monkeypatch.setenv("PANHUB_PROFILE", "prod")
    with pytest.raises(ValueError, match="PANHUB_PROFILE must be one of demo, production"):
        demo.demo_instance(tmp_path / "c.py", tmp_path)


class FakePsql:
    """Stands in for ``demo.run``: records each command and its standard input."""

    def __init__(self, fail: str = "") -> None:
        self.calls: list[tuple[list[str], str]] = []
        self.fail = fail

    def __call__(self, argv: list[str], timeout: float = 30, input: str | None = None,
                 **kwargs: object) -> str:  # fmt: skip
        if self.fail:
            raise RuntimeError(self.fail)
        self.calls.append((argv, input or ""))
        return ""


@pytest.fixture
def me(monkeypatch: pytest.MonkeyPatch) -> site.Account:
    """Every service account is the one running the tests (files it can own)."""
    account = site.Account("me", os.getuid(), os.getgid(), ())
    monkeypatch.setattr(site.Account, "lookup", classmethod(lambda cls, name: account))
    return account


def _verifier_of(script: str) -> tuple[bytes, str]:
    verifier = script.split("PASSWORD '")[1].split("'")[0]
    salt = _unbase64(verifier.split("$")[1].split(":")[1])
    return salt, verifier


def test_the_launcher_writes_private_password_files_and_gives_postgres_verifiers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, me: site.Account
) -> None:
    psql = FakePsql()
    monkeypatch.setattr(demo, "run", psql)
    inst = demo.demo_instance(tmp_path / "c.py", tmp_path, profile="production")
    made = demo.prepare_databases(inst)
    assert [db.database for db in made] == ["panhub_hub", "panhub_catalogue"]
    passwords = []
    for db, (argv, script) in zip(made, psql.calls, strict=True):
        mode = db.passfile.stat().st_mode
        assert stat.S_IMODE(mode) == 0o600 and db.passfile.stat().st_uid == me.uid
        password = pgdb.read_pgpass_password(db.passfile.read_text(), db)
        assert password and len(password) >= 32
        passwords.append(password)
        # PostgreSQL gets the verifier of that password, on standard input, never the password
        salt, verifier = _verifier_of(script)
        assert verifier == pgdb.make_scram_verifier(password, salt)
        assert password not in script and password not in " ".join(argv)
        assert password not in inst.env["PANHUB_DB_URL"] + inst.catalogue_db
    assert passwords[0] != passwords[1]

    # a restart keeps each password and sets it again
    demo.prepare_databases(inst)
    for db, password in zip(made, passwords, strict=True):
        assert pgdb.read_pgpass_password(db.passfile.read_text(), db) == password
    assert len(psql.calls) == 4


def test_the_launcher_leaves_sqlite_and_the_sites_own_servers_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, me: site.Account
) -> None:
    psql = FakePsql()
    monkeypatch.setattr(demo, "run", psql)
    remote = "postgresql+psycopg2://hub@db.example.org:5432/hub?passfile=/etc/hub/pgpass"
    for env in ({}, {"PANHUB_DB_URL": remote}):
        inst = demo.HubInstance("t", tmp_path, tmp_path / "c.py", env=env)
        assert demo.prepare_databases(inst) == []
    assert psql.calls == []
    assert list(tmp_path.iterdir()) == []


def test_a_postgresql_that_does_not_run_is_named_in_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, me: site.Account
) -> None:
    monkeypatch.setattr(demo, "run", FakePsql(fail="psql: error: connection refused"))
    inst = demo.demo_instance(tmp_path / "c.py", tmp_path, profile="production")
    with pytest.raises(RuntimeError, match=r"is it running\? hub_config/demo/postgres.sh start"):
        demo.prepare_databases(inst)
