"""Engines, sessions and schema migrations for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout.

    Parameters
    ----------
    url
        SQLAlchemy URL, e.g. ``sqlite:////var/lib/panhub/catalogue.sqlite`` or
        ``postgresql+psycopg2://catalogue:secret@127.0.0.1:5432/catalogue``.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.
    """
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _configure_sqlite)
    return engine


@lru_cache(maxsize=256)
def compile_regexp(pattern: str) -> Any:
    """``pattern`` compiled by RE2 (linear time: no pattern can hang a query); errors quiet."""
    import re2  # only when a regexp is asked for

    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


def _regexp(pattern: str | None, value: Any) -> bool | None:
    """SQLite's ``value REGEXP pattern``, with RE2 (a pattern that fails matches nothing)."""
    if pattern is None or value is None:
        return None
    try:
        return compile_regexp(pattern).search(str(value)) is not None
    except Exception:  # checked by the caller first; a bad one here simply does not match
        return False


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the service read while the indexer writes; the busy timeout makes a
    # reader wait for a writer's commit instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    dbapi_connection.create_function("regexp", 2, _regexp, deterministic=True)


FULLTEXT_OBJECTS = (
    "investigation_fts",
    "ix_investigation_search_text_fts",
    "search_vector",
    "ix_investigation_search_vector",
)


def is_modelled(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic ``include_object`` hook: skip the hand-written full-text objects.

    The FTS5 table (and its shadow tables), and PostgreSQL's generated ``search_vector``
    column and its GIN index, are created by SQL in the migrations, not by the model, so
    autogenerate must not drop them.
    """
    return not (name or "").startswith(FULLTEXT_OBJECTS)


def make_alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (idempotent; a fresh database gets every table).

    Parameters
    ----------
    engine
        Target database.
    revision
        Alembic revision, ``"head"`` by default.
    """
    config = make_alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the schema to ``revision`` (``"base"`` removes every table)."""
    config = make_alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Session factory whose objects stay readable after commit, and whose changes move
    the ``modTime`` of the items whose documents they change
    (:func:`panhub_catalogue.changes.track_changes`)."""
    from panhub_catalogue.changes import track_changes

    return track_changes(sessionmaker(engine, expire_on_commit=False))


def open_catalogue(url: str, *, upgrade: bool = True, **kwargs: Any) -> sessionmaker[Session]:
    """Engine + migration + session factory in one call (what the CLI and service use).

    Parameters
    ----------
    url
        SQLAlchemy URL of the catalogue database.
    upgrade
        Run migrations to head first.
    **kwargs
        Passed to :func:`make_engine`.
    """
    engine = make_engine(url, **kwargs)
    if upgrade:
        migrate(engine)
    return make_sessionmaker(engine)
