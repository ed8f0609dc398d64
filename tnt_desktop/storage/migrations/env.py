"""Alembic environment: always runs on a connection handed over by storage.schema."""

from alembic import context

from tnt_desktop.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite needs batch mode to alter tables
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
