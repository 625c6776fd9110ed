"""Initial schema: every ICAT-shaped table, plus the full-text index on investigations.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_collection",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=4000), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("publication_date", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("doi"),
    )
    op.create_table(
        "facility",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=True),
        sa.Column("url", sa.String(length=255), nullable=True),
        sa.Column("days_until_release", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "parameter_type",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("units", sa.String(length=255), nullable=False),
        sa.Column("value_type", sa.String(length=32), nullable=False),
        sa.Column("pid", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "units"),
    )
    op.create_table(
        "technique",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.String(length=255), nullable=True),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("pid"),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("orcid_id", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "instrument",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "facility_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=True),
        sa.Column("pid", sa.String(length=255), nullable=True),
        sa.Column("type", sa.String(length=255), nullable=True),
        sa.Column("url", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("facility_id", "name"),
    )
    op.create_table(
        "investigation",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "facility_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("visit_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=4000), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=255), nullable=True),
        sa.Column("start_date", sa.DateTime(), nullable=True),
        sa.Column("end_date", sa.DateTime(), nullable=True),
        sa.Column("release_date", sa.DateTime(), nullable=True),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_count", sa.BigInteger(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("facility_id", "name", "visit_id"),
    )
    with op.batch_alter_table("investigation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_investigation_doi"), ["doi"], unique=False)
        batch_op.create_index("ix_investigation_release_date", ["release_date"], unique=False)
        batch_op.create_index("ix_investigation_start_date_id", ["start_date", "id"], unique=False)

    op.create_table(
        "instrument_scientist",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "instrument_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "instrument_id"),
    )
    with op.batch_alter_table("instrument_scientist", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_instrument_scientist_instrument_id"), ["instrument_id"], unique=False
        )

    op.create_table(
        "investigation_instrument",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "investigation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "instrument_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("investigation_id", "instrument_id"),
    )
    with op.batch_alter_table("investigation_instrument", schema=None) as batch_op:
        batch_op.create_index(
            "ix_investigation_instrument_instrument",
            ["instrument_id", "investigation_id"],
            unique=False,
        )

    op.create_table(
        "investigation_parameter",
        sa.Column(
            "investigation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("numeric_value", sa.Float(), nullable=True),
        sa.Column("string_value", sa.String(length=4000), nullable=True),
        sa.Column("date_time_value", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["parameter_type.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("investigation_parameter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_investigation_parameter_investigation_id"),
            ["investigation_id"],
            unique=False,
        )

    op.create_table(
        "investigation_technique",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "investigation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "technique_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["technique_id"], ["technique.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("investigation_id", "technique_id"),
    )
    with op.batch_alter_table("investigation_technique", schema=None) as batch_op:
        batch_op.create_index(
            "ix_investigation_technique_technique",
            ["technique_id", "investigation_id"],
            unique=False,
        )

    op.create_table(
        "investigation_user",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "investigation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "investigation_id", "role"),
    )
    with op.batch_alter_table("investigation_user", schema=None) as batch_op:
        batch_op.create_index(
            "ix_investigation_user_investigation", ["investigation_id"], unique=False
        )

    op.create_table(
        "sample",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "investigation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.String(length=255), nullable=True),
        sa.Column("type", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("investigation_id", "name"),
    )
    op.create_table(
        "dataset",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "investigation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sample_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("location", sa.String(length=4000), nullable=True),
        sa.Column("start_date", sa.DateTime(), nullable=True),
        sa.Column("end_date", sa.DateTime(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sample_id"], ["sample.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("investigation_id", "name"),
    )
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_sample_id"), ["sample_id"], unique=False)

    op.create_table(
        "sample_parameter",
        sa.Column(
            "sample_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("numeric_value", sa.Float(), nullable=True),
        sa.Column("string_value", sa.String(length=4000), nullable=True),
        sa.Column("date_time_value", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["sample_id"], ["sample.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["parameter_type.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sample_parameter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sample_parameter_sample_id"), ["sample_id"], unique=False
        )

    op.create_table(
        "data_collection_dataset",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "data_collection_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "dataset_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(["data_collection_id"], ["data_collection.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("data_collection_id", "dataset_id"),
    )
    with op.batch_alter_table("data_collection_dataset", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_collection_dataset_dataset_id"), ["dataset_id"], unique=False
        )

    op.create_table(
        "datafile",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "dataset_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("location", sa.String(length=4000), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("checksum", sa.String(length=255), nullable=True),
        sa.Column("datafile_format", sa.String(length=255), nullable=True),
        sa.Column("create_time", sa.DateTime(), nullable=True),
        sa.Column("mod_time", sa.DateTime(), nullable=True),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("location"),
    )
    with op.batch_alter_table("datafile", schema=None) as batch_op:
        batch_op.create_index("ix_datafile_dataset_name", ["dataset_id", "name"], unique=False)

    op.create_table(
        "dataset_parameter",
        sa.Column(
            "dataset_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("numeric_value", sa.Float(), nullable=True),
        sa.Column("string_value", sa.String(length=4000), nullable=True),
        sa.Column("date_time_value", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["parameter_type.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dataset_parameter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dataset_parameter_dataset_id"), ["dataset_id"], unique=False
        )

    op.create_table(
        "dataset_technique",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "dataset_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "technique_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["technique_id"], ["technique.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dataset_id", "technique_id"),
    )
    with op.batch_alter_table("dataset_technique", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dataset_technique_technique", ["technique_id", "dataset_id"], unique=False
        )

    op.create_table(
        "data_collection_datafile",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "data_collection_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "datafile_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(["data_collection_id"], ["data_collection.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["datafile_id"], ["datafile.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("data_collection_id", "datafile_id"),
    )
    with op.batch_alter_table("data_collection_datafile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_collection_datafile_datafile_id"), ["datafile_id"], unique=False
        )

    op.create_table(
        "datafile_parameter",
        sa.Column(
            "datafile_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("numeric_value", sa.Float(), nullable=True),
        sa.Column("string_value", sa.String(length=4000), nullable=True),
        sa.Column("date_time_value", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["datafile_id"], ["datafile.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["parameter_type.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("datafile_parameter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_datafile_parameter_datafile_id"), ["datafile_id"], unique=False
        )

    create_fulltext()


def downgrade() -> None:
    drop_fulltext()
    with op.batch_alter_table("datafile_parameter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_datafile_parameter_datafile_id"))

    op.drop_table("datafile_parameter")
    with op.batch_alter_table("data_collection_datafile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_collection_datafile_datafile_id"))

    op.drop_table("data_collection_datafile")
    with op.batch_alter_table("dataset_technique", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_technique_technique")

    op.drop_table("dataset_technique")
    with op.batch_alter_table("dataset_parameter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_parameter_dataset_id"))

    op.drop_table("dataset_parameter")
    with op.batch_alter_table("datafile", schema=None) as batch_op:
        batch_op.drop_index("ix_datafile_dataset_name")

    op.drop_table("datafile")
    with op.batch_alter_table("data_collection_dataset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_collection_dataset_dataset_id"))

    op.drop_table("data_collection_dataset")
    with op.batch_alter_table("sample_parameter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sample_parameter_sample_id"))

    op.drop_table("sample_parameter")
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_sample_id"))

    op.drop_table("dataset")
    op.drop_table("sample")
    with op.batch_alter_table("investigation_user", schema=None) as batch_op:
        batch_op.drop_index("ix_investigation_user_investigation")

    op.drop_table("investigation_user")
    with op.batch_alter_table("investigation_technique", schema=None) as batch_op:
        batch_op.drop_index("ix_investigation_technique_technique")

    op.drop_table("investigation_technique")
    with op.batch_alter_table("investigation_parameter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigation_parameter_investigation_id"))

    op.drop_table("investigation_parameter")
    with op.batch_alter_table("investigation_instrument", schema=None) as batch_op:
        batch_op.drop_index("ix_investigation_instrument_instrument")

    op.drop_table("investigation_instrument")
    with op.batch_alter_table("instrument_scientist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instrument_scientist_instrument_id"))

    op.drop_table("instrument_scientist")
    with op.batch_alter_table("investigation", schema=None) as batch_op:
        batch_op.drop_index("ix_investigation_start_date_id")
        batch_op.drop_index("ix_investigation_release_date")
        batch_op.drop_index(batch_op.f("ix_investigation_doi"))

    op.drop_table("investigation")
    op.drop_table("instrument")
    op.drop_table("user")
    op.drop_table("technique")
    op.drop_table("parameter_type")
    op.drop_table("facility")
    op.drop_table("data_collection")


SQLITE_FULLTEXT = (
    "CREATE VIRTUAL TABLE investigation_fts USING fts5("
    "search_text, content='investigation', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER investigation_fts_insert AFTER INSERT ON investigation BEGIN "
    "INSERT INTO investigation_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER investigation_fts_delete AFTER DELETE ON investigation BEGIN "
    "INSERT INTO investigation_fts(investigation_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER investigation_fts_update AFTER UPDATE OF search_text ON investigation BEGIN "
    "INSERT INTO investigation_fts(investigation_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO investigation_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
POSTGRESQL_FULLTEXT = (
    "CREATE INDEX ix_investigation_search_text_fts ON investigation "
    "USING gin (to_tsvector('simple', search_text))",
)


def create_fulltext() -> None:
    """FTS5 external-content table kept in sync by triggers, or a GIN tsvector index."""
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FULLTEXT if dialect == "sqlite" else POSTGRESQL_FULLTEXT:
        op.execute(statement)


def drop_fulltext() -> None:
    """Undo :func:`create_fulltext`."""
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS investigation_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS investigation_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_investigation_search_text_fts")
