"""Publishing: data collections' DataCite metadata and workflow, datestamps, DOI states.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-20

``data_collection`` gains its DataCite metadata (licence, keywords, resource type,
version, the previous version), its workflow (status, requested release, review note,
withdrawn), its owner, its DataCite state and its times (created, modified, minted);
``data_collection_creator`` and ``data_collection_related`` hold its ordered authors
and related identifiers. ``investigation`` gains ``mod_time`` (the datestamp OAI-PMH
gives), ``datacite_state`` and ``mint_time`` (its session DOI).

Existing collections with a DOI were minted outside the catalogue: they become
``minted`` with no DataCite state (the catalogue will not send their metadata), the
others ``draft``. Existing rows get the migration's time as created and modified.

On SQLite every column is added with ``ALTER TABLE ADD COLUMN``: rebuilding
``data_collection`` would cascade-delete its datasets and files (SQLite's DROP TABLE
deletes rows first), and rebuilding ``investigation`` would drop its full-text and facet
triggers. So the NOT NULL times of ``data_collection`` carry a constant default there
(overwritten here, and by the model on every insert).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: What SQLite's ADD COLUMN needs for a NOT NULL time (never read: rows are updated).
EPOCH = "1970-01-01 00:00:00"


def add_not_null(table: str, column: sa.Column[object], default: str) -> None:
    """Add a NOT NULL column: with a constant default on SQLite, filled then tightened on
    PostgreSQL (which keeps no default: the model supplies values)."""
    if op.get_bind().dialect.name == "sqlite":
        column.server_default = sa.DefaultClause(sa.text(default))
        column.nullable = False
        op.add_column(table, column)
        return
    column.nullable = True
    op.add_column(table, column)
    op.execute(sa.text(f"UPDATE {table} SET {column.name} = {default}"))  # noqa: S608 (constants)
    op.alter_column(table, column.name, nullable=False)


def add_reference(table: str, column: str, target: str) -> None:
    """Add a nullable foreign key column to ``target.id`` (no ON DELETE: see the model).

    SQLite takes the constraint inline in ADD COLUMN (alembic only offers a rebuild).
    """
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            sa.text(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES "{target}" (id)')
        )
        return
    op.add_column(table, sa.Column(column, ID, nullable=True))
    op.create_foreign_key(f"fk_{table}_{column}_{target}", table, target, [column], ["id"])


def upgrade() -> None:
    now = f"'{datetime.now(UTC).replace(tzinfo=None).isoformat(sep=' ', timespec='seconds')}'"
    op.add_column("investigation", sa.Column("mod_time", sa.DateTime(), nullable=True))
    op.add_column("investigation", sa.Column("datacite_state", sa.String(16), nullable=True))
    op.add_column("investigation", sa.Column("mint_time", sa.DateTime(), nullable=True))
    op.execute(sa.text(f"UPDATE investigation SET mod_time = {now}"))  # noqa: S608
    op.create_index("ix_investigation_mod_time", "investigation", ["mod_time", "id"])

    table = "data_collection"
    for name, kind in (
        ("licence", sa.String(255)),
        ("resource_type", sa.String(255)),
        ("version", sa.String(64)),
        ("datacite_state", sa.String(16)),
        ("review_note", sa.Text()),
        ("mint_time", sa.DateTime()),
    ):
        op.add_column(table, sa.Column(name, kind, nullable=True))
    add_reference(table, "previous_id", "data_collection")
    add_reference(table, "owner_id", "user")
    add_not_null(table, sa.Column("keywords", sa.JSON()), "'[]'")
    add_not_null(table, sa.Column("resource_type_general", sa.String(64)), "'Dataset'")
    add_not_null(table, sa.Column("status", sa.String(16)), "'draft'")
    add_not_null(table, sa.Column("release", sa.String(16)), "'embargo'")
    add_not_null(table, sa.Column("withdrawn", sa.Boolean()), "false")
    add_not_null(table, sa.Column("create_time", sa.DateTime()), f"'{EPOCH}'")
    add_not_null(table, sa.Column("mod_time", sa.DateTime()), f"'{EPOCH}'")
    op.execute(
        sa.text(
            f"UPDATE data_collection SET create_time = {now}, mod_time = {now}, "  # noqa: S608
            "status = CASE WHEN doi IS NULL THEN 'draft' ELSE 'minted' END"
        )
    )
    op.create_index("ix_data_collection_mod_time", table, ["mod_time", "id"])
    op.create_index("ix_data_collection_previous_id", table, ["previous_id"], unique=True)
    op.create_index("ix_data_collection_owner_id", table, ["owner_id"])

    op.create_table(
        "data_collection_creator",
        sa.Column("id", ID, nullable=False),
        sa.Column("data_collection_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("given_name", sa.String(255), nullable=True),
        sa.Column("family_name", sa.String(255), nullable=True),
        sa.Column("orcid", sa.String(32), nullable=True),
        sa.Column("affiliation", sa.String(255), nullable=True),
        sa.Column("affiliation_ror", sa.String(255), nullable=True),
        sa.ForeignKeyConstraint(["data_collection_id"], ["data_collection.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("data_collection_id", "position"),
    )
    op.create_table(
        "data_collection_related",
        sa.Column("id", ID, nullable=False),
        sa.Column("data_collection_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(1000), nullable=False),
        sa.Column("identifier_type", sa.String(32), nullable=False),
        sa.Column("relation_type", sa.String(64), nullable=False),
        sa.Column("resource_type_general", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["data_collection_id"], ["data_collection.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("data_collection_id", "position"),
    )


def downgrade() -> None:
    op.drop_table("data_collection_related")
    op.drop_table("data_collection_creator")
    op.drop_index("ix_data_collection_owner_id", "data_collection")
    op.drop_index("ix_data_collection_previous_id", "data_collection")
    op.drop_index("ix_data_collection_mod_time", "data_collection")
    # dropped in place (SQLite >= 3.35 too), never by rebuilding the table
    for name in (
        "mod_time",
        "create_time",
        "withdrawn",
        "release",
        "status",
        "resource_type_general",
        "owner_id",
        "previous_id",
        "mint_time",
        "review_note",
        "datacite_state",
        "version",
        "resource_type",
        "keywords",
        "licence",
    ):
        op.drop_column("data_collection", name)
    op.drop_index("ix_investigation_mod_time", "investigation")
    for name in ("mint_time", "datacite_state", "mod_time"):
        op.drop_column("investigation", name)
