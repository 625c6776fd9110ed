"""Alembic environment: runs on the connection :func:`panhub_catalogue.db.migrate` passes."""

from __future__ import annotations

from alembic import context
from panhub_catalogue.db import is_modelled
from panhub_catalogue.model import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the `alembic` command line takes this path
    raise RuntimeError("run migrations through panhub_catalogue.db.migrate(engine)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=is_modelled,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
