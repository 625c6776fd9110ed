"""What the PaNOSC model shows: affiliations, given and family names, sample
descriptions, and SI conversion of parameter units.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

``affiliation`` (name, ROR pid, address, city, country) is linked from
``investigation_user.affiliation_id``: the institution a member came from for that
proposal. ``parameter_type.si_factor``/``si_offset``/``si_units`` map a value in the
type's units to SI base units (:mod:`panhub_catalogue.units`); existing types are filled
in here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "affiliation",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.String(length=255), nullable=True),
        sa.Column("address", sa.String(length=4000), nullable=True),
        sa.Column("city", sa.String(length=255), nullable=True),
        sa.Column("country", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("investigation_user") as batch:
        batch.add_column(sa.Column("affiliation_id", ID, nullable=True))
        batch.create_foreign_key(
            "fk_investigation_user_affiliation_id_affiliation",
            "affiliation",
            ["affiliation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_investigation_user_affiliation_id", ["affiliation_id"])
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("given_name", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("family_name", sa.String(length=255), nullable=True))
    with op.batch_alter_table("sample") as batch:
        batch.add_column(sa.Column("description", sa.String(length=4000), nullable=True))
    with op.batch_alter_table("parameter_type") as batch:
        batch.add_column(sa.Column("si_factor", sa.Float(), nullable=True))
        batch.add_column(sa.Column("si_offset", sa.Float(), nullable=True))
        batch.add_column(sa.Column("si_units", sa.String(length=255), nullable=True))
    fill_si_columns()


def fill_si_columns() -> None:
    """Give every existing parameter type its SI map (``None`` for unknown units)."""
    from panhub_catalogue.units import try_si_map

    bind = op.get_bind()
    types = sa.table(
        "parameter_type",
        sa.column("id"),
        sa.column("units"),
        sa.column("si_factor"),
        sa.column("si_offset"),
        sa.column("si_units"),
    )
    for row in bind.execute(sa.select(types.c.id, types.c.units)).all():
        found = try_si_map(row.units)
        if found is not None:
            bind.execute(
                types.update()
                .where(types.c.id == row.id)
                .values(si_factor=found.factor, si_offset=found.offset, si_units=found.units)
            )


def downgrade() -> None:
    with op.batch_alter_table("parameter_type") as batch:
        batch.drop_column("si_units")
        batch.drop_column("si_offset")
        batch.drop_column("si_factor")
    with op.batch_alter_table("sample") as batch:
        batch.drop_column("description")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("family_name")
        batch.drop_column("given_name")
    with op.batch_alter_table("investigation_user") as batch:
        batch.drop_index("ix_investigation_user_affiliation_id")
        batch.drop_constraint(
            "fk_investigation_user_affiliation_id_affiliation", type_="foreignkey"
        )
        batch.drop_column("affiliation_id")
    op.drop_table("affiliation")
