"""The hub's SQLite settings: write-ahead log, commits synced at checkpoints."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from panhub.hubapp import PanHub
from panhub.hubdb import checkpoint, get_database_path, make_pragmas, tune_sqlite
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from traitlets import TraitError


def test_pragmas_from_the_settings() -> None:
    wal = ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"]
    assert make_pragmas("WAL", "") == wal  # NORMAL is safe under WAL only
    assert make_pragmas("DELETE", "") == ["PRAGMA journal_mode=DELETE"]
    assert make_pragmas("WAL", "FULL") == ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"]
    assert make_pragmas("", "") == []
    with pytest.raises(ValueError, match="synchronous 'SOMETIMES'"):
        make_pragmas("WAL", "SOMETIMES")
    with pytest.raises(ValueError, match="journal_mode"):
        make_pragmas("WAL; DROP TABLE users", "")


def test_the_database_file_of_a_url(tmp_path: Path) -> None:
    assert get_database_path(f"sqlite:///{tmp_path}/hub.sqlite") == tmp_path / "hub.sqlite"
    assert get_database_path("sqlite://") is None
    assert get_database_path("postgresql+psycopg2://hub@db/hub?passfile=/x") is None


def test_every_new_connection_to_the_hubs_file_gets_them_and_no_other(tmp_path: Path) -> None:
    hub, other = tmp_path / "hub.sqlite", tmp_path / "other.sqlite"
    listener = tune_sqlite(make_pragmas("WAL", ""), hub)  # every engine, as in the hub
    engines = [create_engine(f"sqlite:///{hub}"), create_engine(f"sqlite:///{other}")]
    try:
        for engine in engines:
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE t (x INTEGER)"))
                connection.execute(text("INSERT INTO t VALUES (1)"))
        with engines[0].connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        with engines[1].connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "delete"
        assert (tmp_path / "hub.sqlite-wal").exists()  # commits went to the log
    finally:
        event.remove(Engine, "connect", listener)
        for engine in engines:
            engine.dispose()


def test_a_checkpoint_puts_every_commit_in_the_file_a_backup_copies(tmp_path: Path) -> None:
    database = tmp_path / "hub.sqlite"
    writer = sqlite3.connect(database)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # as a hub killed before its checkpoint
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.execute("INSERT INTO t VALUES (42)")
    writer.commit()
    backup = tmp_path / "backup.sqlite"
    shutil.copy(database, backup)  # JupyterHub's backup: the file alone
    with closing(sqlite3.connect(backup)) as copy:
        assert copy.execute("SELECT name FROM sqlite_master").fetchall() == []  # lost
    checkpoint(database)
    writer.close()
    shutil.copy(database, backup)
    with closing(sqlite3.connect(backup)) as copy:
        assert copy.execute("SELECT x FROM t").fetchall() == [(42,)]


def test_the_hubs_defaults_and_bad_settings() -> None:
    hub = PanHub()
    assert (hub.sqlite_journal_mode, hub.sqlite_synchronous) == ("WAL", "")
    with pytest.raises(TraitError):
        PanHub(sqlite_synchronous="SOMETIMES")
    assert "NFS" in PanHub.class_traits()["sqlite_journal_mode"].help
