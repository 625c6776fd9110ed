"""Start the machine's PostgreSQL 15 cluster and make a role + database for a test session.

Generic on purpose (the hub's tests reuse it): no panhub import. Every external call
has a ``timeout`` and the waits a deadline. A missing or broken PostgreSQL raises
:class:`PostgresUnavailable`; callers turn that into a test *failure*, never a skip.

Usage::

    from tests.support.postgres import ensure_postgres, make_database, drop_database
    ensure_postgres()
    url = make_database("panhub_catalogue_test")   # postgresql+psycopg2://...
    ...
    drop_database("panhub_catalogue_test")
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time

CLUSTER = ("15", "main")
HOST = "127.0.0.1"
PORT = 5432
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be started or reached."""


def _run(
    args: list[str], timeout: float = 30, *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    command = ["timeout", str(int(timeout)), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 5)
    if check and result.returncode != 0:
        output = result.stderr.strip() or result.stdout.strip()
        raise PostgresUnavailable(f"{' '.join(args)} exited {result.returncode}: {output}")
    return result


def is_ready() -> bool:
    """``pg_isready`` on the TCP port."""
    return _run(["pg_isready", "-q", "-h", HOST, "-p", str(PORT)], 10, check=False).returncode == 0


def ensure_postgres(deadline: float = 60.0) -> None:
    """Idempotently start cluster 15/main with ``pg_ctlcluster`` and wait until it accepts.

    Parameters
    ----------
    deadline
        Seconds to wait in total.

    Raises
    ------
    PostgresUnavailable
        Not installed, failed to start, or not ready in time.
    """
    if is_ready():
        return
    if shutil.which("pg_ctlcluster") is None:
        raise PostgresUnavailable("pg_ctlcluster not found: install the Debian postgresql package")
    end = time.monotonic() + deadline
    started = _run(["pg_ctlcluster", *CLUSTER, "start"], deadline, check=False)
    while time.monotonic() < end:
        if is_ready():
            return
        time.sleep(0.2)
    raise PostgresUnavailable(
        f"PostgreSQL not ready after {deadline:.0f} s (pg_ctlcluster said: "
        f"{started.stderr.strip() or started.stdout.strip() or started.returncode})"
    )


def psql(sql: str, *, database: str = "postgres") -> str:
    """Run one SQL statement as the ``postgres`` superuser; return its unaligned output."""
    prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
    result = _run(
        [*prefix, "psql", "-X", "-v", "ON_ERROR_STOP=1", "-tA", "-d", database, "-c", sql]
    )
    return result.stdout.strip()


def make_database(name: str, password: str | None = None, *, fresh: bool = True) -> str:
    """Create role ``name`` (login, password) owning database ``name``; return its URL.

    Parameters
    ----------
    name
        Lowercase identifier, e.g. ``panhub_catalogue_test``.
    password
        Generated when ``None``.
    fresh
        Drop an existing database of that name first.

    Returns
    -------
    str
        ``postgresql+psycopg2://name:password@127.0.0.1:5432/name``.
    """
    if not _NAME.match(name):
        raise ValueError(f"not a safe PostgreSQL identifier: {name!r}")
    password = password or secrets.token_hex(16)
    if fresh:
        drop_database(name, drop_role=False)
    if psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{name}'") == "1":
        psql(f"ALTER ROLE {name} LOGIN PASSWORD '{password}'")
    else:
        psql(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        psql(f"CREATE DATABASE {name} OWNER {name}")
    return f"postgresql+psycopg2://{name}:{password}@{HOST}:{PORT}/{name}"


def drop_database(name: str, *, drop_role: bool = True) -> None:
    """Drop database ``name`` (closing its connections) and, by default, its role."""
    if not _NAME.match(name):
        raise ValueError(f"not a safe PostgreSQL identifier: {name!r}")
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if drop_role:
        psql(f"DROP ROLE IF EXISTS {name}")
