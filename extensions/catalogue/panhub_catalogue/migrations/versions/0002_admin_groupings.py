"""Groupings and user groups (ICAT ``Grouping``/``UserGroup``), for catalogue admins.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "grouping",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "user_group",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("grouping_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["grouping_id"], ["grouping.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "grouping_id"),
    )
    with op.batch_alter_table("user_group", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_group_grouping_id"), ["grouping_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("user_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_group_grouping_id"))
    op.drop_table("user_group")
    op.drop_table("grouping")
