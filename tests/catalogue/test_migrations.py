"""Alembic migrations build exactly the model, and go down and up again."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from panhub_catalogue.db import downgrade, is_modelled, make_engine, migrate
from panhub_catalogue.model import Base
from sqlalchemy import Engine, inspect, text

from tests.support.postgres import drop_database, ensure_postgres, make_database


def assert_matches_model(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"include_object": is_modelled}),
            Base.metadata,
        )
    assert diff == []


def test_sqlite_schema_matches_model_and_has_fts(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    migrate(engine)  # idempotent on an up-to-date database
    assert_matches_model(engine)
    assert "investigation_fts" in inspect(engine).get_table_names()
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate(engine)
    assert_matches_model(engine)
    engine.dispose()


def fulltext_objects(engine: Engine) -> tuple[set[str], set[str]]:
    """Full-text index names and whether ``search_vector`` exists, on ``investigation``."""
    found = inspect(engine)
    indexes = {i["name"] or "" for i in found.get_indexes("investigation")}
    columns = {c["name"] for c in found.get_columns("investigation")}
    return {i for i in indexes if "search" in i}, columns & {"search_vector"}


def test_postgresql_schema_matches_model(postgres_engine: Engine) -> None:
    assert_matches_model(postgres_engine)
    assert fulltext_objects(postgres_engine) == (
        {"ix_investigation_search_vector"},
        {"search_vector"},
    )


@pytest.mark.postgres
def test_postgresql_stored_search_vector_goes_down_and_up() -> None:
    """Migration 0004 on a database of its own: the vector follows search_text both ways."""
    name = f"panhub_catalogue_migrations_{os.getpid()}"
    ensure_postgres()
    engine = make_engine(make_database(name))
    try:
        migrate(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO facility (id, name) VALUES (1, 'F');"
                "INSERT INTO investigation (id, facility_id, name, visit_id, title, "
                "search_text, file_size, file_count) VALUES (1, 1, 'P1', '', 't', "
                "'lysozyme crystals', 0, 0)"
            )
            connection.exec_driver_sql("UPDATE investigation SET search_text = 'battery'")
            vector = connection.exec_driver_sql("SELECT search_vector::text FROM investigation")
            assert vector.scalar() == "'battery':1"
        downgrade(engine, "0003")
        assert fulltext_objects(engine) == ({"ix_investigation_search_text_fts"}, set())
        migrate(engine)
        assert fulltext_objects(engine) == ({"ix_investigation_search_vector"}, {"search_vector"})
        assert_matches_model(engine)
    finally:
        engine.dispose()
        drop_database(name)


def check_logbook_attachment_goes_down_and_up(engine: Engine) -> None:
    """Migration 0006: down drops the figures only, the entries stay; up brings the table."""
    migrate(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO facility (id, name) VALUES (1, 'F')")
        connection.exec_driver_sql(
            "INSERT INTO investigation (id, facility_id, name, visit_id, title, search_text, "
            "file_size, file_count) VALUES (1, 1, 'P1', '', 't', 't', 0, 0)"
        )
        connection.exec_driver_sql(
            "INSERT INTO logbook_entry (id, investigation_id, create_time, type, category, tags, "
            "content) VALUES (1, 1, '2026-01-01 00:00:00', 'annotation', 'comment', '', 'kept')"
        )
        connection.execute(
            text(
                "INSERT INTO logbook_attachment (id, entry_id, mime_type, size, data) "
                "VALUES (1, 1, 'image/png', 1, :data)"
            ),
            {"data": b"\x89"},
        )
    downgrade(engine, "0005")
    assert "logbook_attachment" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        kept = connection.exec_driver_sql("SELECT content FROM logbook_entry").scalars().all()
    assert kept == ["kept"]
    migrate(engine)
    assert "logbook_attachment" in inspect(engine).get_table_names()
    assert_matches_model(engine)


def test_sqlite_logbook_attachment_goes_down_and_up(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        check_logbook_attachment_goes_down_and_up(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_logbook_attachment_goes_down_and_up() -> None:
    name = f"panhub_catalogue_migration_0006_{os.getpid()}"
    ensure_postgres()
    engine = make_engine(make_database(name))
    try:
        check_logbook_attachment_goes_down_and_up(engine)
    finally:
        engine.dispose()
        drop_database(name)
