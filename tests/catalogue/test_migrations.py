"""Alembic migrations build exactly the model, and go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from panhub_catalogue.db import downgrade, is_modelled, make_engine, migrate
from panhub_catalogue.model import Base
from sqlalchemy import Engine, inspect


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


def test_postgresql_schema_matches_model(postgres_engine: Engine) -> None:
    assert_matches_model(postgres_engine)
    indexes = {i["name"] for i in inspect(postgres_engine).get_indexes("investigation")}
    assert "ix_investigation_search_text_fts" in indexes
