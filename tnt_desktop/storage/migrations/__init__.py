"""Alembic migrations of the TNT Desktop schema (run by storage.schema, never by hand)."""
