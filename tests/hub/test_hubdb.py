"""The hub's SQLite settings: write-ahead log, commits synced at checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
from panhub.hubapp import PanHub
from panhub.hubdb import make_pragmas, tune_sqlite
from sqlalchemy import create_engine, event, text
from traitlets import TraitError


def test_pragmas_from_the_settings() -> None:
    assert make_pragmas("WAL", "NORMAL") == ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"]
    assert make_pragmas("", "") == []
    with pytest.raises(ValueError, match="synchronous 'SOMETIMES'"):
        make_pragmas("WAL", "SOMETIMES")
    with pytest.raises(ValueError, match="journal_mode"):
        make_pragmas("WAL; DROP TABLE users", "")


def test_every_new_connection_gets_them(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    listener = tune_sqlite(make_pragmas("WAL", "NORMAL"), engine)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert (tmp_path / "hub.sqlite-wal").exists()  # commits went to the log
    finally:
        event.remove(engine, "connect", listener)
        engine.dispose()


def test_the_hubs_defaults_and_bad_settings() -> None:
    hub = PanHub()
    assert (hub.sqlite_journal_mode, hub.sqlite_synchronous) == ("WAL", "NORMAL")
    with pytest.raises(TraitError):
        PanHub(sqlite_synchronous="SOMETIMES")
    assert "NFS" in PanHub.class_traits()["sqlite_journal_mode"].help
