"""The users' key file beside the database (storage.keyslots), read and written with the
errors a user can act on: a missing or damaged file is `DatabaseNotFound` / `NotATntDatabase`,
a failed write the typed error of its OS failure. Used by login and user management
(services.auth), re-keying (services.rekey) and the signature password check
(services.signatures)."""

from __future__ import annotations

from pathlib import Path

from tnt_desktop.errors import DatabaseNotFound, NotATntDatabase
from tnt_desktop.storage import database as storage
from tnt_desktop.storage.keyslots import KeySlotError, KeySlotFile, keyslot_path


def load_slots(db_path: Path) -> KeySlotFile:
    try:
        return KeySlotFile.load(keyslot_path(db_path))
    except KeySlotError:
        if not Path(db_path).exists():
            raise DatabaseNotFound(db_path) from None
        raise NotATntDatabase(db_path, "its key file is missing or damaged") from None


def save_slots(slots: KeySlotFile, db_path: Path) -> None:
    try:
        slots.save(keyslot_path(db_path))
    except OSError as exc:
        raise storage.os_error_to_tnt(exc, keyslot_path(db_path)) from None
