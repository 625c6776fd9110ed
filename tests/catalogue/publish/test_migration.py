"""Migration 0008 on existing rows: collections keep their data, get a status and times;
down and up again keeps them too (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from panhub_catalogue.db import downgrade, is_modelled, make_engine, migrate
from panhub_catalogue.model import Base
from sqlalchemy import Engine

from tests.support.postgres import drop_database, ensure_postgres, make_database

ROWS = (
    "INSERT INTO facility (id, name) VALUES (1, 'F')",
    "INSERT INTO investigation (id, facility_id, name, visit_id, title, search_text, file_size, "
    "file_count) VALUES (1, 1, 'P1', '', 't', 't', 0, 0)",
    "INSERT INTO dataset (id, investigation_id, name, type, complete, file_size, file_count) "
    "VALUES (1, 1, 'd', 'raw', false, 0, 0)",
    "INSERT INTO data_collection (id, doi, title) VALUES (1, '10.5072/old', 'minted elsewhere')",
    "INSERT INTO data_collection (id, title) VALUES (2, 'never minted')",
    "INSERT INTO data_collection_dataset (id, data_collection_id, dataset_id) VALUES (1, 1, 1)",
    "INSERT INTO data_collection_dataset (id, data_collection_id, dataset_id) VALUES (2, 2, 1)",
)


def check_existing_collections(engine: Engine) -> None:
    migrate(engine, "0007")
    with engine.begin() as connection:
        for statement in ROWS:
            connection.exec_driver_sql(statement)
    migrate(engine)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id, status, datacite_state, release, resource_type_general, withdrawn, "
            "create_time IS NOT NULL, create_time = mod_time, create_time > '2000-01-01' "
            "FROM data_collection ORDER BY id"
        ).all()
        assert [tuple(r) for r in rows] == [
            (1, "minted", None, "embargo", "Dataset", False, True, True, True),
            (2, "draft", None, "embargo", "Dataset", False, True, True, True),
        ]
        stamped = connection.exec_driver_sql("SELECT mod_time > '2000-01-01' FROM investigation")
        assert bool(stamped.scalar())
        links = connection.exec_driver_sql("SELECT count(*) FROM data_collection_dataset")
        assert links.scalar() == 2
    downgrade(engine, "0007")
    with engine.connect() as connection:
        links = connection.exec_driver_sql("SELECT count(*) FROM data_collection_dataset")
        assert links.scalar() == 2
    migrate(engine)
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"include_object": is_modelled}),
            Base.metadata,
        )
        assert diff == []
        links = connection.exec_driver_sql("SELECT count(*) FROM data_collection_dataset")
        assert links.scalar() == 2


def test_sqlite_collections_survive_0008(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    try:
        check_existing_collections(engine)
    finally:
        engine.dispose()


@pytest.fixture
def postgres_engine_0008() -> Iterator[Engine]:
    name = f"panhub_catalogue_migration_0008_{os.getpid()}"
    ensure_postgres()
    engine = make_engine(make_database(name))
    yield engine
    engine.dispose()
    drop_database(name)


@pytest.mark.postgres
def test_postgresql_collections_survive_0008(postgres_engine_0008: Engine) -> None:
    check_existing_collections(postgres_engine_0008)
