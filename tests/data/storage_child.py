"""Child process for tests/core/test_crash_safety.py (not a test itself).

    python storage_child.py write DB USER PASSWORD [MAX_SAVES]
        Log in, then screen a subject and save its F01 in a loop. After each save_form returns
        (committed), print "SAVED <screening number> <RFICDAT> <form version>" and flush, so
        that the parent knows exactly which saves were acknowledged. "BUSY" when a save got
        DatabaseBusy (allowed: a clear message, nothing written).

    python storage_child.py hold DB USER PASSWORD
        Unwrap the key, take the database's write lock (BEGIN IMMEDIATE) on a keyed connection,
        print "LOCKED", and keep it until a line arrives on stdin (or the process is killed).
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tnt_desktop.errors import DatabaseBusy  # noqa: E402
from tnt_desktop.services import auth, subjects  # noqa: E402
from tnt_desktop.services.form_entries import FormEntry  # noqa: E402
from tnt_desktop.services.form_entry import save_form  # noqa: E402
from tnt_desktop.storage.engine import connect_raw  # noqa: E402
from tnt_desktop.storage.keyslots import KeySlotFile, keyslot_path  # noqa: E402

IE = {
    "ICVER": "V1.0", "ICPIPL": "Y", "ICXFER": "Y", "INC01": "Y", "INC01A": "Y", "INC01B": "Y",
    "INC01C": "Y", "INC01D": "Y", "INC01MDT": "2024-12-20", "INC02": "Y", "INC03": "Y",
    "INC04": "Y", "INC05": "Y", "INC06": "Y", **{f"EXC0{i}": "N" for i in range(1, 10)},
}  # fmt: skip


def consent_date(i: int) -> str:
    return (date(2025, 1, 1) + timedelta(days=i % 365)).isoformat()


def write(db: Path, username: str, password: str, max_saves: int) -> None:
    app = auth.login(db, username, password)
    print("READY", flush=True)
    for i in range(1, max_saves + 1):
        try:
            number = subjects.screen_subject(app)
            day = consent_date(i)
            result = save_form(app, FormEntry(number, "SE.SCR", "IE",
                                              values={**IE, "RFICDAT": day, "SCRDAT": day}))
        except DatabaseBusy:
            print("BUSY", flush=True)
            continue
        print(f"SAVED {number} {day} {result.version}", flush=True)
    print("DONE", flush=True)


def hold(db: Path, username: str, password: str) -> None:
    key = KeySlotFile.load(keyslot_path(db)).unwrap(username, password)
    connection = connect_raw(db, key)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE counter SET value = value WHERE 0")
    print("LOCKED", flush=True)
    sys.stdin.readline()
    connection.execute("ROLLBACK")
    connection.close()
    print("RELEASED", flush=True)


def main(argv: list[str]) -> None:
    mode, db, username, password = argv[:4]
    if mode == "write":
        write(Path(db), username, password, int(argv[4]) if len(argv) > 4 else 10**9)
    elif mode == "hold":
        hold(Path(db), username, password)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
