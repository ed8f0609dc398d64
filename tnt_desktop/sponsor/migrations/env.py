"""Alembic environment of the sponsor store: runs on a connection handed over by
sponsor.store (PostgreSQL)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, transaction_per_migration=True,
                  version_table="store_alembic_version")  # fmt: skip
with context.begin_transaction():
    context.run_migrations()
