"""Storage benchmarks (issue 3, issue 14): the key-slot KDF (seconds and MiB per password
guess), unlock time, save latency against a raw SQLCipher baseline, `admin verify` (signatures
and the full replay), database size per 100 subjects. Prints a table; asserts nothing (shared,
noisy machines).

    .venv/bin/python benchmarks/storage.py [--saves 1000] [--subjects 100]

Goals on the reference machine: KDF ≥ 0.3 s and ≥ 64 MiB per guess; unlock ≤ 0.8 s; save
p95 ≤ 15 ms and ≤ 10× the raw baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tnt_desktop.services import auth, subjects  # noqa: E402
from tnt_desktop.services.form_entries import FormEntry  # noqa: E402
from tnt_desktop.services.form_entry import save_form  # noqa: E402
from tnt_desktop.storage.engine import connect_raw  # noqa: E402

PASSWORD = "Bench-Pass-2026"

# 30 items of F01: consent, inclusion and exclusion answers, with the coded EXC02 reasons
IE_VALUES = {
    "RFICDAT": "2025-03-01", "ICVER": "V1.0", "ICPIPL": "Y", "ICXFER": "Y",
    "SCRDAT": "2025-03-02", "INC01": "Y", "INC01A": "Y", "INC01B": "Y", "INC01C": "Y",
    "INC01D": "Y", "INC01MDT": "2025-02-20", "INC02": "Y", "INC03": "Y", "INC04": "Y",
    "INC05": "Y", "INC06": "Y", "EXC01": "N", "EXC02": "Y", "EXC02A": "Y", "EXC02B": "N",
    "EXC02C": "N", "EXC02D": "N", "EXC02E": "N", "EXC03": "N", "EXC04": "N",
    "EXC05": "N", "EXC06": "N", "EXC07": "N", "EXC08": "N", "EXC09": "N",
}  # fmt: skip


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def bench_kdf(rounds: int = 3) -> tuple[float, float, dict]:
    """Seconds per guess (median) and MiB of scrypt memory (128·N·r bytes) with the production
    parameters."""
    from tnt_desktop.storage.keyslots import DEFAULT_KDF, _kdf

    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        _kdf("a password guess", b"s" * 16, DEFAULT_KDF)
        times.append(time.perf_counter() - start)
    mib = 128 * DEFAULT_KDF["n"] * DEFAULT_KDF["r"] / 2**20
    return statistics.median(times), mib, DEFAULT_KDF


def bench_unlock(db: Path, rounds: int = 5) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        app = auth.login(db, "coordinator", PASSWORD)
        times.append(time.perf_counter() - start)
        app.db.close()
    return times


def bench_saves(app, count: int) -> tuple[list[float], int]:
    numbers = [subjects.screen_subject(app) for _ in range(count)]
    times = []
    for number in numbers:
        entry = FormEntry(number, "SE.SCR", "IE", values=dict(IE_VALUES))
        start = time.perf_counter()
        save_form(app, entry)
        times.append(time.perf_counter() - start)
    return times, len(IE_VALUES)


def bench_raw(db: Path, key: bytes, count: int, items: int) -> list[float]:
    """The same rows a save writes — the item values, one hash-chained audit row per value,
    the chain head and the form's version — through a bare keyed sqlcipher3 connection into the
    same tables: the floor that validation, derivations and the ORM are measured against."""
    import hashlib

    connection = connect_raw(db, key)
    head_id, head_hash = connection.execute(
        "SELECT value FROM setting WHERE key = 'audit.head'").fetchone()[0].split(":")  # fmt: skip
    head_id = int(head_id)
    form = connection.execute("SELECT max(id) FROM form_instance").fetchone()[0]
    values = list(IE_VALUES.items())[:items]
    times = []
    for n in range(count):
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        rows, audits = [], []
        for name, value in values:
            rows.append((form, f"R{n}", 0, name, value))
            head_id += 1
            text = f"{head_hash}{head_id}{name}{value}"
            digest = hashlib.sha256(text.encode()).hexdigest()
            audits.append((head_id, "2026-01-01T00:00:00Z", "raw", "raw", "DATA_ENTERED", name,
                           value, "0", "MDV.1.0", head_hash, digest))  # fmt: skip
            head_hash = digest
        connection.executemany(
            "INSERT INTO item_value (form_pk, group_name, row_key, item_name, value, derived)"
            " VALUES (?, ?, ?, ?, ?, 0)", rows)  # fmt: skip
        connection.executemany(
            "INSERT INTO raw_audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", audits)
        connection.execute("UPDATE setting SET value = ? WHERE key = 'raw.head'",
                           (f"{head_id}:{head_hash}",))  # fmt: skip
        connection.execute("UPDATE form_instance SET version = version + 1 WHERE id = ?",
                           (form,))  # fmt: skip
        connection.execute("COMMIT")
        times.append(time.perf_counter() - start)
    connection.close()
    return times


def bench_size(folder: Path, count: int) -> tuple[int, int] | None:
    try:
        from tnt_desktop.demo import generate_demo
    except ImportError:
        return None
    db = folder / "demo.db"
    generate_demo(db, count, seed=7, password=PASSWORD)
    app = auth.login(db, "datamanager", PASSWORD)
    app.db.close()
    from tnt_desktop.storage.engine import connect_raw as raw
    from tnt_desktop.storage.keyslots import KeySlotFile, keyslot_path

    key = KeySlotFile.load(keyslot_path(db)).unwrap("datamanager", PASSWORD)
    connection = raw(db, key)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    plain = sum(
        len(f"{r[0]},{r[1]},{r[2]},{r[3] or ''}\n".encode())
        for r in connection.execute(
            "SELECT form_pk, group_name, item_name, value FROM item_value"
        )
    )
    connection.close()
    return db.stat().st_size, plain


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=1000)
    parser.add_argument("--subjects", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "bench.db"
        # more screenings than workstation 1's default block (1–999) holds: the whole range
        auth.initialise(db, site_id="01", admin_username="admin", admin_password=PASSWORD,
                        screening_block="1-9999")  # fmt: skip
        admin = auth.login(db, "admin", PASSWORD)
        auth.add_user(admin, "coordinator", "coordinator", "Temp-Pass-2026")
        auth.logout(admin)
        first = auth.login(db, "coordinator", "Temp-Pass-2026")
        auth.change_password(first, "Temp-Pass-2026", PASSWORD)
        first.db.close()

        unlock = bench_unlock(db)
        app = auth.login(db, "coordinator", PASSWORD)
        saves, items = bench_saves(app, args.saves)
        # verify before the raw baseline, whose rows (written without audit) it would report
        from tnt_desktop.services import integrity

        admin = auth.login(db, "admin", PASSWORD)
        start = time.perf_counter()
        verified = integrity.verify(admin)
        verify_s = time.perf_counter() - start
        admin.db.close()
        prepare = connect_raw(db, app.key)  # a twin of audit_entry without its triggers
        prepare.execute("CREATE TABLE raw_audit (id INTEGER PRIMARY KEY, ts TEXT, username TEXT,"
                        " role TEXT, action TEXT, item TEXT, new TEXT, app TEXT, mdv TEXT,"
                        " prev_hash TEXT, hash TEXT)")  # fmt: skip
        prepare.execute("INSERT INTO setting VALUES ('raw.head', '')")
        prepare.close()
        raw = bench_raw(db, app.key, args.saves, items)
        app.db.close()
        kdf_s, kdf_mib, kdf = bench_kdf()
        size = bench_size(folder, args.subjects)

    p50, p95 = percentile(saves, 50) * 1000, percentile(saves, 95) * 1000
    r50, r95 = percentile(raw, 50) * 1000, percentile(raw, 95) * 1000
    print(f"TNT Desktop storage benchmark ({os.cpu_count()} cores)")
    print(f"{'measure':<44} {'value':>12} {'goal':>14}")
    unlock_s = statistics.median(unlock)
    label = f"KDF scrypt n=2^{kdf['n'].bit_length() - 1} r={kdf['r']} p={kdf['p']}, per guess"
    print(f"{label:<44} {kdf_s:>11.3f}s {'≥ 0.3 s':>14}")
    print(f"{'KDF memory per guess':<44} {kdf_mib:>9.0f}MiB {'≥ 64 MiB':>14}")
    print(f"{'unlock (login), median of 5':<44} {unlock_s:>11.3f}s {'≤ 0.8 s':>14}")
    print(f"{f'save {items}-item form + audit, p50':<44} {p50:>10.2f}ms")
    print(f"{f'save {items}-item form + audit, p95':<44} {p95:>10.2f}ms {'≤ 15 ms':>14}")
    print(f"{'raw sqlcipher3 same rows, p50':<44} {r50:>10.2f}ms")
    print(f"{'raw sqlcipher3 same rows, p95':<44} {r95:>10.2f}ms")
    print(f"{'ratio p95 (save / raw)':<44} {p95 / r95:>11.1f}× {'≤ 10×':>14}")
    state = "intact" if verified.ok else "DAMAGE"
    print(f"{f'admin verify, {verified.chain.entries} entries ({state})':<44} {verify_s:>11.2f}s")
    if size is None:
        print(f"{'database size per 100 subjects':<44} {'(no demo generator)':>12}")
    else:
        db_bytes, plain = size
        per100 = db_bytes * 100 / args.subjects
        print(f"{'database size per 100 subjects':<44} {per100 / 1e6:>10.2f}MB")
        plain100 = plain * 100 / args.subjects
        print(f"{'plain values as CSV per 100 subjects':<44} {plain100 / 1e6:>10.2f}MB")
        print(f"{'size ratio (database / plain)':<44} {db_bytes / plain:>11.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
