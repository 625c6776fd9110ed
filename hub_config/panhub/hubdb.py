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

:func:`make_pragmas` is the pure part; :func:`tune_sqlite` applies them to every SQLite
connection the hub's process opens (the hub's database is its only one). WAL needs the
database on a local file system (not NFS): set ``PanHub.sqlite_journal_mode = "DELETE"``
there, or use PostgreSQL (``make demo PROFILE=production``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

JOURNAL_MODES = ("WAL", "DELETE", "TRUNCATE", "PERSIST")
SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


def make_pragmas(journal_mode: str, synchronous: str) -> list[str]:
    """The statements that set up a connection; an empty setting keeps SQLite's default.

    >>> make_pragmas("wal", "normal")
    ['PRAGMA journal_mode=WAL', 'PRAGMA synchronous=NORMAL']
    >>> make_pragmas("", "FULL")
    ['PRAGMA synchronous=FULL']
    """
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


def tune_sqlite(pragmas: list[str], target: Any = Engine) -> Callable[[Any, Any], None]:
    """Run ``pragmas`` on each SQLite connection ``target`` opens from now on (every
    engine of this process by default); returns the listener (``event.remove`` it)."""

    def connect(connection: Any, _record: Any) -> None:
        if isinstance(connection, sqlite3.Connection):
            cursor = connection.cursor()
            for pragma in pragmas:
                cursor.execute(pragma)
            cursor.close()

    event.listen(target, "connect", connect)
    return connect
