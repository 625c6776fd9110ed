"""The hub's SQLite database with commits that do not stall the hub.

JupyterHub commits its state (a spawn's pending state, a job id, a server's URL, an
activity update) on its event loop, synchronously. SQLite's default journal (``DELETE``,
``synchronous=FULL``) makes each commit create, sync and delete a journal file beside
the database: two or three ``fdatasync`` calls. Under a workshop's storm of 50 spawns
that was a third of the hub's time, and every API request and page waited behind it
(``py-spy --native`` of ``tests/benchmarks/bench_scale.py``'s storm: 5.6 s of 30 in
``fdatasync``, and the hub API's p95 over a second).

In write-ahead-log mode (``journal_mode=WAL``) a commit appends to the log, and with
``synchronous=NORMAL`` it is synced only at checkpoints: a crash of the hub loses
nothing, a power cut may lose the last commits but never corrupts the database (SQLite's
documentation, "Write-Ahead Logging"). What was lost is what the reconciler
(:mod:`panhub.reconciler`) repairs: a job without its server is adopted or cancelled.

:func:`make_pragmas` is the pure part; :func:`tune_sqlite` applies them to every
connection the hub's process opens to its database file (JupyterHub makes the engine
itself, so the listener is on every engine, and checks the file); :func:`checkpoint`
empties the log into the file before JupyterHub copies the file as its backup. WAL needs the
database on a local file system (not NFS): set ``PanHub.sqlite_journal_mode = "DELETE"``
there, or use PostgreSQL (``make demo PROFILE=production``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

JOURNAL_MODES = ("WAL", "DELETE", "TRUNCATE", "PERSIST")
SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


def make_pragmas(journal_mode: str, synchronous: str) -> list[str]:
    """The statements that set up a connection; an empty setting keeps SQLite's default,
    but for ``synchronous`` under WAL, which is NORMAL (with a rollback journal NORMAL
    could corrupt the database in a power cut; with WAL it cannot).

    >>> make_pragmas("wal", "")
    ['PRAGMA journal_mode=WAL', 'PRAGMA synchronous=NORMAL']
    >>> make_pragmas("DELETE", "")
    ['PRAGMA journal_mode=DELETE']
    >>> make_pragmas("", "FULL")
    ['PRAGMA synchronous=FULL']
    """
    if not synchronous and journal_mode.upper() == "WAL":
        synchronous = "NORMAL"
    pragmas = []
    for name, value, allowed in (
        ("journal_mode", journal_mode, JOURNAL_MODES),
        ("synchronous", synchronous, SYNCHRONOUS),
    ):
        if not value:
            continue
        if value.upper() not in allowed:
            raise ValueError(f"{name} {value!r} is not one of {', '.join(allowed)}")
        pragmas.append(f"PRAGMA {name}={value.upper()}")
    return pragmas


def get_database_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, ``None`` for any other database or memory.

    >>> get_database_path("sqlite:////var/lib/panhub/hub/jupyterhub.sqlite")
    PosixPath('/var/lib/panhub/hub/jupyterhub.sqlite')
    >>> get_database_path("sqlite:///:memory:") is None
    True
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def tune_sqlite(pragmas: list[str], path: Path, target: Any = Engine) -> Callable[[Any, Any], None]:
    """Run ``pragmas`` on each connection to the SQLite file ``path`` that ``target``
    opens from now on (any engine of this process by default: JupyterHub makes its
    own); returns the listener (``event.remove`` it)."""

    def connect(connection: Any, _record: Any) -> None:
        if not isinstance(connection, sqlite3.Connection):
            return
        cursor = connection.cursor()
        files = {row[1]: row[2] for row in cursor.execute("PRAGMA database_list")}
        main = files.get("main")
        if main and Path(main).resolve() == path:
            for pragma in pragmas:
                cursor.execute(pragma)
        cursor.close()

    event.listen(target, "connect", connect)
    return connect


def checkpoint(path: Path) -> None:
    """Move what the write-ahead log holds into the database file itself (and empty the
    log), so that a copy of the file alone (JupyterHub's backup before ``upgrade-db``)
    has every commit. Nothing to do without a log."""
    if not path.with_name(path.name + "-wal").exists():
        return
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
