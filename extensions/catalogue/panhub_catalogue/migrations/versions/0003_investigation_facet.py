"""The narrow ``investigation_facet`` table searches and facet counts scan, kept by triggers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

One row per investigation (facet 0), per investigation beamline (facet 1) and per
investigation technique (facet 2), each carrying the investigation's start date,
``coalesce(end_date, start_date)`` and release date (see
:class:`panhub_catalogue.model.InvestigationFacet`). Triggers on ``investigation``,
``investigation_instrument`` and ``investigation_technique`` keep it equal to its
sources in the writer's own transaction, so the indexer, the ICAT and membership imports,
the benchmark generator and raw SQL all keep it right. Deleting an investigation
cascades through the foreign key.
"""

# ruff: noqa: S608 (the SQL is built from this module's constants only)

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COLUMNS = "investigation_id, facet, value_id, start_date, end_date, release_date"
DATES = "i.start_date, coalesce(i.end_date, i.start_date), i.release_date"
#: (facet number, link table, its column naming the value)
LINKS = (
    (1, "investigation_instrument", "instrument_id"),
    (2, "investigation_technique", "technique_id"),
)


def _backfill() -> list[str]:
    statements = [
        f"INSERT INTO investigation_facet ({COLUMNS}) "
        f"SELECT i.id, 0, 0, {DATES} FROM investigation i"
    ]
    for facet, link, column in LINKS:
        statements.append(
            f"INSERT INTO investigation_facet ({COLUMNS}) SELECT l.investigation_id, {facet}, "
            f"l.{column}, {DATES} FROM {link} l JOIN investigation i ON i.id = l.investigation_id"
        )
    return statements


def _sqlite_triggers() -> list[str]:
    statements = [
        "CREATE TRIGGER investigation_facet_insert AFTER INSERT ON investigation BEGIN "
        f"INSERT INTO investigation_facet ({COLUMNS}) VALUES (new.id, 0, 0, new.start_date, "
        "coalesce(new.end_date, new.start_date), new.release_date); END",
        "CREATE TRIGGER investigation_facet_update "
        "AFTER UPDATE OF start_date, end_date, release_date ON investigation BEGIN "
        "UPDATE investigation_facet SET start_date = new.start_date, "
        "end_date = coalesce(new.end_date, new.start_date), release_date = new.release_date "
        "WHERE investigation_id = new.id; END",
        # the foreign key cascades too, but only with PRAGMA foreign_keys=ON
        "CREATE TRIGGER investigation_facet_delete AFTER DELETE ON investigation BEGIN "
        "DELETE FROM investigation_facet WHERE investigation_id = old.id; END",
    ]
    for facet, link, column in LINKS:
        insert = (
            f"INSERT INTO investigation_facet ({COLUMNS}) SELECT new.investigation_id, {facet}, "
            f"new.{column}, {DATES} FROM investigation i WHERE i.id = new.investigation_id;"
        )
        delete = (
            f"DELETE FROM investigation_facet WHERE investigation_id = old.investigation_id "
            f"AND facet = {facet} AND value_id = old.{column};"
        )
        statements += [
            f"CREATE TRIGGER {link}_facet_insert AFTER INSERT ON {link} BEGIN {insert} END",
            f"CREATE TRIGGER {link}_facet_delete AFTER DELETE ON {link} BEGIN {delete} END",
            f"CREATE TRIGGER {link}_facet_update AFTER UPDATE ON {link} "
            f"BEGIN {delete} {insert} END",
        ]
    return statements


def _postgresql_triggers() -> list[str]:
    statements = [
        "CREATE FUNCTION investigation_facet_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF TG_OP = 'INSERT' THEN "
        f"INSERT INTO investigation_facet ({COLUMNS}) VALUES (NEW.id, 0, 0, NEW.start_date, "
        "coalesce(NEW.end_date, NEW.start_date), NEW.release_date); "
        "ELSE UPDATE investigation_facet SET start_date = NEW.start_date, "
        "end_date = coalesce(NEW.end_date, NEW.start_date), release_date = NEW.release_date "
        "WHERE investigation_id = NEW.id; END IF; RETURN NULL; END $$",
        "CREATE TRIGGER investigation_facet_sync "
        "AFTER INSERT OR UPDATE OF start_date, end_date, release_date ON investigation "
        "FOR EACH ROW EXECUTE FUNCTION investigation_facet_sync()",
    ]
    for facet, link, column in LINKS:
        statements += [
            f"CREATE FUNCTION {link}_facet_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF TG_OP IN ('DELETE', 'UPDATE') THEN "
            f"DELETE FROM investigation_facet WHERE investigation_id = OLD.investigation_id "
            f"AND facet = {facet} AND value_id = OLD.{column}; END IF; "
            "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
            f"INSERT INTO investigation_facet ({COLUMNS}) SELECT NEW.investigation_id, {facet}, "
            f"NEW.{column}, {DATES} FROM investigation i WHERE i.id = NEW.investigation_id; "
            "END IF; RETURN NULL; END $$",
            f"CREATE TRIGGER {link}_facet_sync AFTER INSERT OR UPDATE OR DELETE ON {link} "
            f"FOR EACH ROW EXECUTE FUNCTION {link}_facet_sync()",
        ]
    return statements


def upgrade() -> None:
    op.create_table(
        "investigation_facet",
        sa.Column("id", ID, nullable=False),
        sa.Column("investigation_id", ID, nullable=False),
        sa.Column("facet", sa.Integer(), nullable=False),
        sa.Column("value_id", ID, nullable=False),
        sa.Column("start_date", sa.DateTime(), nullable=True),
        sa.Column("end_date", sa.DateTime(), nullable=True),
        sa.Column("release_date", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for statement in _backfill():
        op.execute(statement)
    op.create_index(
        "ix_investigation_facet_value",
        "investigation_facet",
        ["facet", "value_id", "start_date", "release_date", "end_date", "investigation_id"],
    )
    op.create_index(
        "ix_investigation_facet_investigation",
        "investigation_facet",
        ["investigation_id", "facet", "value_id", "start_date", "release_date", "end_date"],
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _sqlite_triggers() if sqlite else _postgresql_triggers():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS investigation_facet_{suffix}")
            for _, link, _ in LINKS:
                op.execute(f"DROP TRIGGER IF EXISTS {link}_facet_{suffix}")
    else:
        for table in ("investigation", *(link for _, link, _ in LINKS)):
            name = "investigation_facet_sync" if table == "investigation" else f"{table}_facet_sync"
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_investigation_facet_investigation", table_name="investigation_facet")
    op.drop_index("ix_investigation_facet_value", table_name="investigation_facet")
    op.drop_table("investigation_facet")
