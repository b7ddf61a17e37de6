"""Alembic environment: always run with a connection handed over by ``upgrade``."""

from __future__ import annotations

from alembic import context

from mercwatch.store.migrations import VERSION_TABLE
from mercwatch.store.state import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when run through the alembic CLI
    raise RuntimeError("run migrations through mercwatch.store.migrations.upgrade(url)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
