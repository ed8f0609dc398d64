"""Re-keying the database (issue 14, revocation): a new random database key, SQLCipher's
`PRAGMA rekey`, and every remaining user's envelope sealed to it — without their passwords,
because the envelope is sealed to each user's X25519 box key (storage.keyslots).

Run when an account is deactivated or reset: afterwards no earlier copy of the key file opens
the live database (a copy of a deactivated user's slot, or a slot whose old password leaked).
Old backups keep their own key file and stay readable with the slots they were made with, by
design: they are the database as it was.

Crash order: the new key is sealed *beside* the old one first (both envelopes in the file),
then the database is re-keyed, then the old envelopes are dropped; a login tries the newest
envelope first, so a crash at any point leaves a database that opens.
"""

from __future__ import annotations

from tnt_desktop.services.key_file import load_slots, save_slots
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage import database as storage
from tnt_desktop.storage.bulk import write_setting_value
from tnt_desktop.storage.engine import connect_raw


def rekey_database(app: AppSession, why: str) -> bool:
    """Re-key (see the module docstring); False when it must wait: an account of an upgraded
    database that has not logged in since has no box key yet, so nothing could be sealed to it
    (it would be locked out). The deferral is audited with the accounts' names."""
    from tnt_desktop.services import trust

    new_key = storage.new_key()
    slots = load_slots(app.db.path)
    waiting = sorted(name for name, slot in slots.slots.items() if slot.box_public is None)
    if waiting:
        with app.transaction() as session:
            app.audit(session, "DATABASE_REKEY_DEFERRED", detail=f"database key not replaced "
                      f"({why}): {', '.join(waiting)} must log in once first (or be reset)")
        return False
    with app.transaction() as session:
        epoch = trust.epoch(session) + 1
        write_setting_value(session, trust.KEY_EPOCH, str(epoch))
        app.audit(session, "DATABASE_REKEYED", detail=f"database key replaced ({why}); "
                  f"key epoch {epoch}")  # fmt: skip
    slots.seal_all(new_key, epoch, keep_old=True)
    save_slots(slots, app.db.path)
    path = app.db.path
    app.db.close()
    connection = connect_raw(path, app.key)
    try:
        connection.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"").fetchall()
        # the re-keyed pages sit in the WAL until a checkpoint writes them into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        connection.close()
    app.key = new_key
    app.db = storage.open_database(path, new_key)
    slots.seal_all(new_key, epoch)
    save_slots(slots, path)
    return True
