"""Schema management: Alembic from the first revision, run at start.

The schema version lives in the database (Alembic's version table). A database written by a
newer release (a revision this release does not know) is refused, never "downgraded".
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaTooNew(Exception):
    def __init__(self, revision: str) -> None:
        super().__init__(revision)
        self.revision = revision


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def needs_upgrade(engine: Engine) -> bool:
    """True when the database is older than this release; raises SchemaTooNew when newer."""
    current = current_revision(engine)
    if current is None:
        return True
    script = ScriptDirectory.from_config(_config())
    try:
        script.get_revision(current)
    except CommandError:
        raise SchemaTooNew(current) from None
    return current != script.get_current_head()


def upgrade(engine: Engine, target: str = "head") -> None:
    config = _config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)
        connection.commit()
