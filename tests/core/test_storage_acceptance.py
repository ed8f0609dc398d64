"""Issue 3 acceptance: after `demo`, no entered value is readable in the database file, its
-wal file or any backup, and the stdlib sqlite3 opens none of them."""

from __future__ import annotations

import sqlite3

import pytest

from tnt_desktop.demo import generate_demo
from tnt_desktop.services import auth, backups
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.storage.engine import connect_raw

pytestmark = pytest.mark.req("REQ-SEC-01", "REQ-SEC-02")

PASSWORD = "Demo-Pass-2026"


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("acceptance")
    db = folder / "demo.db"
    generate_demo(db, 10, seed=3, password=PASSWORD)
    admin = auth.login(db, "admin", PASSWORD)
    backup = backups.backup_now(admin, folder / "backups")
    auth.logout(admin)
    # keep a writer open so that the -wal file holds fresh pages while we look at it
    coordinator = auth.login(db, "coordinator", PASSWORD)
    key = coordinator.key
    raw = connect_raw(db, key)
    values = sorted({row[0] for row in raw.execute(
        "SELECT DISTINCT value FROM item_value WHERE length(value) >= 6")}, key=len)  # fmt: skip
    subject = raw.execute("SELECT subject_id FROM subject WHERE subject_id IS NOT NULL").fetchone()
    raw.execute("PRAGMA wal_autocheckpoint = 0")
    raw.close()
    save_form(coordinator, FormEntry(subject[0], "SE.LOG", "CM", rows={}))
    yield {"db": db, "wal": db.with_name("demo.db-wal"), "backup": backup, "values": values}
    auth.logout(coordinator)


def test_no_entered_value_is_readable_anywhere(demo_files):
    values = demo_files["values"]
    assert len(values) > 50 and any(any("\u4e00" <= c <= "\u9fff" for c in v) for v in values)
    assert demo_files["wal"].exists()
    files = [demo_files["db"], demo_files["backup"], demo_files["wal"]]
    for path in files:
        data = path.read_bytes()
        assert len(data) > 4096
        leaked = [v for v in values if v.encode("utf-8") in data]
        assert leaked == [], f"{path.name} shows {leaked[:3]}"


def test_stdlib_sqlite3_opens_none_of_them(demo_files):
    for path in (demo_files["db"], demo_files["backup"]):
        connection = sqlite3.connect(path)
        with pytest.raises(sqlite3.DatabaseError):
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        connection.close()
