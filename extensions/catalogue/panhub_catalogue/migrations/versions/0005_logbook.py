"""The electronic logbook: ``logbook_entry`` (ICAT+-shaped events of an investigation).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "logbook_entry",
        sa.Column("id", ID, nullable=False),
        sa.Column("investigation_id", ID, nullable=False),
        sa.Column("dataset_id", ID, nullable=True),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("tags", sa.String(length=1400), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_logbook_entry_investigation_time",
        "logbook_entry",
        ["investigation_id", "create_time", "id"],
    )
    op.create_index("ix_logbook_entry_dataset_id", "logbook_entry", ["dataset_id"])
    op.create_index("ix_logbook_entry_author_id", "logbook_entry", ["author_id"])


def downgrade() -> None:
    op.drop_index("ix_logbook_entry_author_id", table_name="logbook_entry")
    op.drop_index("ix_logbook_entry_dataset_id", table_name="logbook_entry")
    op.drop_index("ix_logbook_entry_investigation_time", table_name="logbook_entry")
    op.drop_table("logbook_entry")
