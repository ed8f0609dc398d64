"""Encrypted storage: SQLCipher engine, key slots, models, Alembic migrations, audit chain,
backups. Sessions never leak out of this package except through Database.transaction()."""
