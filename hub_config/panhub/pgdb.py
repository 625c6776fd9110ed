"""A database of the hub (or the catalogue) on this machine's PostgreSQL: pure builders.

The demo's production profile (``make demo PROFILE=production``) keeps the hub's state in
PostgreSQL instead of a SQLite file. Each service gets a role and a database of its own
(``panhub_hub``, ``panhub_catalogue``), reached over loopback with a password that is
written in one place only: a libpq password file (``pgpass``, mode 0600, the service
account's) that the URL names::

    postgresql+psycopg2://panhub_hub@127.0.0.1:5432/panhub_hub?passfile=/var/lib/panhub/demo/hub/pgpass

So the URL the hub gets in its environment, its configuration, its command lines and its
log hold no secret (libpq reads ``passfile``; SQLAlchemy hands the query to psycopg2).
PostgreSQL itself is given a SCRAM-SHA-256 verifier (:func:`make_scram_verifier`), never
the password, through ``psql``'s standard input, never its arguments. The launcher
(:func:`panhub.demo.prepare_databases`) runs what these functions build.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PASSWORD = re.compile(r"^[!-~]+$")  # printable ASCII: SASLprep leaves it unchanged
_B64 = "[A-Za-z0-9+/]+={0,2}"
_VERIFIER = re.compile(rf"^SCRAM-SHA-256\$[0-9]+:{_B64}\${_B64}:{_B64}$")
SCRAM_ITERATIONS = 4096  # PostgreSQL's own default (scram_iterations)


@dataclass(frozen=True)
class LocalDatabase:
    """A PostgreSQL database on this machine, its owner role and the owner's password file.

    Parameters
    ----------
    database, role
        Lowercase identifiers, e.g. ``panhub_hub``.
    passfile
        The libpq password file of the account that connects (mode 0600).
    host, port
        Where PostgreSQL listens: a loopback address (``psql`` as ``postgres`` reaches the
        same server through the local socket of that port).
    """

    database: str
    role: str
    passfile: Path
    host: str = "127.0.0.1"
    port: int = 5432

    def __post_init__(self) -> None:
        for name in (self.database, self.role):
            if not _NAME.match(name):
                raise ValueError(f"not a safe PostgreSQL identifier: {name!r}")
        if self.host not in LOOPBACK:
            raise ValueError(f"not a database on this machine: host {self.host!r}")
        if not self.passfile.is_absolute():
            raise ValueError(f"the password file must be an absolute path: {self.passfile}")

    @property
    def url(self) -> str:
        """The SQLAlchemy URL, without a password: libpq reads it from ``passfile``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        passfile = quote(str(self.passfile), safe="/")
        return (
            f"postgresql+psycopg2://{self.role}@{host}:{self.port}/{self.database}"
            f"?passfile={passfile}"
        )


def find_local_database(url: str) -> LocalDatabase | None:
    """The :class:`LocalDatabase` ``url`` names, or None when panhub does not manage it.

    Managed are PostgreSQL URLs on loopback with a ``passfile`` and no password, as
    :attr:`LocalDatabase.url` writes them; any other URL (SQLite, a remote server, a
    password in the URL) is the site's to set up.

    >>> find_local_database("sqlite:////var/lib/panhub/demo/hub/jupyterhub.sqlite") is None
    True
    """
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgresql"):
        return None
    passfiles = parse_qs(parts.query).get("passfile", [])
    if parts.password or not parts.username or not parts.hostname or len(passfiles) != 1:
        return None
    if parts.hostname not in LOOPBACK:
        return None
    return LocalDatabase(
        database=parts.path.lstrip("/"),
        role=parts.username,
        passfile=Path(passfiles[0]),
        host=parts.hostname,
        port=parts.port or 5432,
    )


def _escape(field: str) -> str:
    return field.replace("\\", "\\\\").replace(":", "\\:")


def make_pgpass(db: LocalDatabase, password: str) -> str:
    """The password file's one line: ``host:port:database:role:password`` (libpq escapes)."""
    fields = (db.host, str(db.port), db.database, db.role, password)
    return ":".join(_escape(f) for f in fields) + "\n"


def _split_pgpass(line: str) -> list[str]:
    fields, current, escaped = [], "", False
    for char in line:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ":":
            fields.append(current)
            current = ""
        else:
            current += char
    return [*fields, current]


def read_pgpass_password(text: str, db: LocalDatabase) -> str | None:
    """The password a password file's ``text`` holds for ``db`` exactly, or None."""
    key = [db.host, str(db.port), db.database, db.role]
    for line in text.splitlines():
        fields = _split_pgpass(line)
        if len(fields) == 5 and fields[:4] == key and fields[4]:
            return fields[4]
    return None


def make_scram_verifier(password: str, salt: bytes, iterations: int = SCRAM_ITERATIONS) -> str:
    """What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802, RFC 7677).

    ``ALTER ROLE ... PASSWORD '<verifier>'`` sets the password without PostgreSQL ever
    seeing it (it stores such a string as given).

    Parameters
    ----------
    password
        Printable ASCII without spaces (SASLprep, which PostgreSQL applies first, leaves
        those unchanged).
    salt
        Random bytes (16, as PostgreSQL makes them).
    iterations
        PBKDF2 rounds.

    Returns
    -------
    str
        ``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>``, base64.
    """
    if not _PASSWORD.match(password):
        raise ValueError("the password must be printable ASCII characters without spaces")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def make_setup_sql(db: LocalDatabase, verifier: str) -> str:
    """The ``psql`` script (as ``postgres``) that makes ``db``: idempotent, on standard input.

    The role logs in with ``verifier`` and nothing more (no superuser, no database or role
    creation); it owns its database, which no other role may connect to.
    """
    if not _VERIFIER.match(verifier):
        raise ValueError("expected a SCRAM-SHA-256 verifier (make_scram_verifier)")
    role, database = db.role, db.database
    # names are checked identifiers (LocalDatabase), the verifier is base64 (checked above)
    return (
        f"SELECT 'CREATE ROLE {role}' WHERE NOT EXISTS "  # noqa: S608
        f"(SELECT FROM pg_roles WHERE rolname = '{role}')\\gexec\n"
        f"ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{verifier}';\n"
        f"SELECT 'CREATE DATABASE {database} OWNER {role}' WHERE NOT EXISTS "
        f"(SELECT FROM pg_database WHERE datname = '{database}')\\gexec\n"
        f"ALTER DATABASE {database} OWNER TO {role};\n"
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC;\n"
    )


def make_psql_command(db: LocalDatabase, as_root: bool) -> list[str]:
    """``psql`` as the ``postgres`` superuser on ``db``'s server (local socket, peer login),
    reading its script from standard input and stopping at the first error."""
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    return [*prefix, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", str(db.port),
            "-d", "postgres", "-f", "-"]  # fmt: skip
