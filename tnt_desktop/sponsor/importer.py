"""`sponsor import`: verify, decrypt and apply workstation packages, idempotently and in order.

For each package:
1. Known already (its SHA-256 is in store_package) → "already imported", with no decryption
   and no other work: re-importing changes nothing.
2. Open it (exports.package_open.open_package: companion hash, OpenPGP integrity, every manifest
   hash; the site's signature when a site key is given), read its origin (site, workstation,
   sequence, previous package's SHA-256, signed chain head) and its payload (sponsor.payload).
3. Check the audit chain it carries: ids 1…n without a hole, each entry linked to the previous
   one, the last one the signed chain head, and every entry the store already holds for this
   workstation unchanged (a package *extends* the history received before; rewritten history
   is refused).
4. Under the store's apply lock (pg_advisory_xact_lock; a second importer waits): a package for
   the next sequence of its workstation is applied (sponsor.merge), then any packages that were
   waiting behind it. A later sequence waits (a gap: reported by `sponsor status`) until the
   missing one arrives or is skipped with a reason (`sponsor skip`). A different package
   claiming a sequence already held is refused.

Every package is a full snapshot of its workstation plus its whole audit chain, so a skipped
package loses nothing the next one does not carry again.
"""

from __future__ import annotations

import inspect
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from tnt_desktop.errors import TntError, UsageError
from tnt_desktop.exports.package import PackageError, sha256_file
from tnt_desktop.exports.package_open import open_package
from tnt_desktop.sponsor.merge import Consolidator, fingerprint, insert_rows
from tnt_desktop.sponsor.models import (
    StoreAction,
    StoreAudit,
    StoreField,
    StoreForm,
    StorePackage,
    StoreRecord,
    StoreSubject,
    StoreWorkstation,
)
from tnt_desktop.sponsor.payload import (
    PAYLOAD_FORMAT,
    PAYLOAD_NAME,
    ChainHead,
    OriginMissing,
    package_origin,
)
from tnt_desktop.sponsor.store import StoreDatabase, utc_now, who
from tnt_desktop.storage.audit import GENESIS
from tnt_desktop.storage.models import ConsentVersion
from tnt_desktop.study.model import Text


class PackageRefused(TntError):
    exit_code = 8

    def __init__(self, path: object, en: str, zh: str) -> None:
        super().__init__(Text(f"{path}: refused — {en}; nothing was applied",
                              f"{path}：已拒绝——{zh}；未应用任何数据"))  # fmt: skip


@dataclass
class ImportResult:
    path: Path
    outcome: str  # APPLIED, ALREADY, WAITING
    site: str = ""
    workstation: int = 0
    sequence: int = 0
    subjects: int = 0
    conflicts: int = 0
    then_applied: list[int] = field(default_factory=list)
    waiting_for: list[int] = field(default_factory=list)

    def line(self) -> Text:
        where = f"site {self.site} workstation {self.workstation} #{self.sequence}"
        where_zh = f"中心 {self.site} 工作站 {self.workstation} 第 {self.sequence} 号"
        if self.outcome == "ALREADY":
            return Text(f"{self.path.name}: already imported ({where}); nothing changed",
                        f"{self.path.name}：已导入过（{where_zh}）；无变化")  # fmt: skip
        if self.outcome == "WAITING":
            gap = ", ".join(str(n) for n in self.waiting_for)
            return Text(f"{self.path.name}: {where} received; waits for sequence {gap} "
                        "(a gap: import it, or skip it with a reason)",
                        f"{self.path.name}：{where_zh}已接收；等待第 {gap} 号"
                        "（缺号：请导入，或说明理由后跳过）")  # fmt: skip
        then = ""
        then_zh = ""
        if self.then_applied:
            listed = ", ".join(f"#{n}" for n in self.then_applied)
            then, then_zh = f"; then applied the waiting {listed}", f"；随后应用了等待中的 {listed}"
        return Text(f"{self.path.name}: applied {where}: {self.subjects} subjects, "
                    f"{self.conflicts} new conflicts{then}",
                    f"{self.path.name}：已应用{where_zh}：{self.subjects} 名受试者，"
                    f"新冲突 {self.conflicts} 个{then_zh}")  # fmt: skip


# ---- opening and checking -----------------------------------------------------------------------
def open_verified(path: Path, decryptor, site_cert=None):
    """exports.package_open.open_package, with the site's OpenPGP signature checked when the site's
    public key is given (`open_package(site_key=…)`, the trust work; refused, never skipped,
    by a release whose open_package cannot check it)."""
    if site_cert is None:
        return open_package(path, decryptor=decryptor)
    if "site_key" not in inspect.signature(open_package).parameters:
        raise UsageError(Text("this release cannot check package signatures yet (--site-key)",
                              "此版本尚不能校验数据包签名（--site-key）"))  # fmt: skip
    return open_package(path, decryptor=decryptor, site_key=site_cert)


def load_site_cert(path: Path):
    """The site's public key file (`admin site-key` writes it)."""
    from tnt_desktop.exports.package_open import load_site_key

    return load_site_key(Path(path))


@dataclass
class Incoming:
    path: Path
    sha256: str
    site: str
    workstation: int
    sequence: int
    previous_sha256: str | None
    chain_hash: str | None
    payload: dict


def read_package(path: Path, decryptor, site_cert=None) -> Incoming:
    path = Path(path)
    sha = sha256_file(path)
    opened = open_verified(path, decryptor, site_cert)
    try:
        origin = package_origin(opened.manifest)
    except OriginMissing:
        raise PackageRefused(path.name, "it does not say which workstation and sequence it "
                             "comes from (no origin in its manifest: made by an older release?)",
                             "未注明来源工作站与序号（清单中没有 origin：可能由旧版本生成）"
                             ) from None  # fmt: skip
    raw = opened.files.get(PAYLOAD_NAME)
    if raw is None:
        raise PackageRefused(path.name, "it holds no data for the sponsor's store "
                             f"({PAYLOAD_NAME})",
                             f"其中没有申办方数据库所需的数据（{PAYLOAD_NAME}）")  # fmt: skip
    payload = json.loads(raw)
    if payload.get("format") != PAYLOAD_FORMAT or (str(payload.get("site")), int(
            payload.get("workstation", -1))) != (origin.site, origin.workstation):  # fmt: skip
        raise PackageRefused(path.name, "its data do not name the workstation its manifest names",
                             "其数据与清单所注明的工作站不一致")  # fmt: skip
    check_chain(path.name, payload["audit"], origin.chain_head)
    head = origin.chain_head.hash if origin.chain_head else None
    return Incoming(path, sha, origin.site, origin.workstation, origin.sequence,
                    origin.previous_sha256, head, payload)  # fmt: skip


def check_chain(name: str, audit: list, head: ChainHead | None) -> None:
    """Ids 1…n with no hole, each entry linked to the previous, and the signed chain head the
    manifest names on the chain at its place (entries after it, written while the export ran,
    are anchored by the next package)."""
    prev = GENESIS
    for expected, (entry_id, prev_hash, entry_hash, _shown, _content) in enumerate(audit, 1):
        if entry_id != expected:
            raise PackageRefused(name, f"its audit chain misses entry {expected}",
                                 f"其审计链缺少第 {expected} 条")  # fmt: skip
        if prev_hash != prev:
            raise PackageRefused(name, f"its audit chain is broken at entry {entry_id}",
                                 f"其审计链在第 {entry_id} 条处断开")  # fmt: skip
        prev = entry_hash
    if head is None or head.hash is None:
        return
    at = head.sequence if head.sequence is not None else len(audit)
    if not 1 <= at <= len(audit) or audit[at - 1][2] != head.hash:
        raise PackageRefused(name, "its audit chain does not hold the signed chain head",
                             "其审计链中没有签名的链头")  # fmt: skip


# ---- applying ----------------------------------------------------------------------------------
def import_package(store: StoreDatabase, path: Path, decryptor, site_cert=None) -> ImportResult:
    path = Path(path)
    sha = sha256_file(path)
    with store.transaction(write=False) as session:
        known = session.scalar(select(StorePackage).where(StorePackage.sha256 == sha))
        if known is not None:
            return ImportResult(path, "ALREADY", known.site, known.workstation, known.sequence)
    incoming = read_package(path, decryptor, site_cert)
    with store.transaction() as session:
        store.lock_for_apply(session)
        return _apply_incoming(session, incoming)


def _apply_incoming(session: Session, inc: Incoming) -> ImportResult:
    name = inc.path.name
    known = session.scalar(select(StorePackage).where(StorePackage.sha256 == inc.sha256))
    if known is not None:  # another importer was first
        return ImportResult(inc.path, "ALREADY", known.site, known.workstation, known.sequence)
    held = session.get(StorePackage, (inc.site, inc.workstation, inc.sequence))
    if held is not None:
        if held.state == "SKIPPED":
            raise PackageRefused(name, f"sequence {inc.sequence} of this workstation was skipped "
                                 f"({held.reason}); later packages carry its data",
                                 f"该工作站第 {inc.sequence} 号已被跳过（{held.reason}）；"
                                 "其数据已包含在后续数据包中")  # fmt: skip
        raise PackageRefused(name, f"the store already holds a different package as sequence "
                             f"{inc.sequence} of site {inc.site} workstation {inc.workstation}",
                             f"数据库中已有另一个数据包占用中心 {inc.site} "
                             f"工作站 {inc.workstation} 第 {inc.sequence} 号")  # fmt: skip
    station = session.get(StoreWorkstation, (inc.site, inc.workstation))
    if station is None:
        station = StoreWorkstation(site=inc.site, workstation=inc.workstation,
                                   applied_sequence=0, chain_entries=0)  # fmt: skip
        session.add(station)
        session.flush()
    if inc.sequence <= station.applied_sequence:
        raise PackageRefused(name, f"sequence {inc.sequence} comes after {station.applied_sequence}"
                             " was applied", f"第 {inc.sequence} 号晚于已应用的第 "
                             f"{station.applied_sequence} 号到达")  # fmt: skip
    _check_extends(session, name, inc)
    package = StorePackage(
        site=inc.site, workstation=inc.workstation, sequence=inc.sequence, state="WAITING",
        sha256=inc.sha256, previous_sha256=inc.previous_sha256, file_name=name,
        received_utc=utc_now(), chain_hash=inc.chain_hash,
        subjects=len(inc.payload["subjects"]))  # fmt: skip
    session.add(package)
    result = ImportResult(inc.path, "WAITING", inc.site, inc.workstation, inc.sequence,
                          subjects=package.subjects)  # fmt: skip
    if inc.sequence != station.applied_sequence + 1:
        package.payload = zlib.compress(json.dumps(inc.payload).encode("utf-8"))
        session.flush()
        result.waiting_for = missing_sequences(session, inc.site, inc.workstation)
        return result
    session.flush()
    result.conflicts = apply_payload(session, station, package, inc.payload)
    result.outcome = "APPLIED"
    result.then_applied = drain(session, station)
    return result


def _check_extends(session: Session, name: str, inc: Incoming) -> None:
    """Every entry the store holds for this workstation is in the package, unchanged."""
    stored = session.execute(select(StoreAudit.entry_id, StoreAudit.hash).where(
        StoreAudit.site == inc.site, StoreAudit.workstation == inc.workstation))  # fmt: skip
    audit = inc.payload["audit"]
    for entry_id, entry_hash in stored:
        if entry_id > len(audit) or audit[entry_id - 1][2] != entry_hash:
            raise PackageRefused(name, f"its audit chain differs from the one received before at "
                                 f"entry {entry_id} (history rewritten at the workstation?)",
                                 f"其审计链与此前收到的在第 {entry_id} 条处不一致"
                                 "（工作站上的历史被改写？）")  # fmt: skip


def missing_sequences(session: Session, site: str, workstation: int) -> list[int]:
    station = session.get(StoreWorkstation, (site, workstation))
    applied = station.applied_sequence if station else 0
    held = set(session.scalars(select(StorePackage.sequence).where(
        StorePackage.site == site, StorePackage.workstation == workstation)))  # fmt: skip
    top = max(held, default=0)
    return [n for n in range(applied + 1, top) if n not in held]


def drain(session: Session, station: StoreWorkstation) -> list[int]:
    """Apply the packages waiting right behind the last applied (or skipped) sequence."""
    applied: list[int] = []
    while True:
        following = session.get(StorePackage, (station.site, station.workstation,
                                               station.applied_sequence + 1))  # fmt: skip
        if following is None:
            return applied
        if following.state == "SKIPPED":
            station.applied_sequence = following.sequence
            continue
        payload = json.loads(zlib.decompress(following.payload))
        apply_payload(session, station, following, payload)
        applied.append(following.sequence)


def _check_previous(session: Session, package: StorePackage) -> None:
    if package.sequence == 1:
        return
    previous = session.get(StorePackage, (package.site, package.workstation,
                                          package.sequence - 1))  # fmt: skip
    if previous is None or previous.state == "SKIPPED" or previous.sha256 is None:
        return
    if package.previous_sha256 is not None and package.previous_sha256 != previous.sha256:
        raise PackageRefused(package.file_name, f"it does not follow package {previous.sequence} "
                             "received from this workstation (another history?)",
                             f"它并非接续此前收到的该工作站第 {previous.sequence} 号数据包")


def apply_payload(session: Session, station: StoreWorkstation, package: StorePackage,
                  payload: dict) -> int:  # fmt: skip
    """Apply one workstation snapshot; returns the number of conflicts opened."""
    _check_previous(session, package)
    site, ws, seq = station.site, station.workstation, package.sequence
    audit = payload["audit"]
    new_entries = [
        {"site": site, "workstation": ws, "entry_id": e[0], "prev_hash": e[1], "hash": e[2],
         "shown": bool(e[3]), "ts_utc": e[4].get("ts_utc"), "action": e[4].get("action"),
         "subject_key": e[4].get("subject_key"),
         "content": json.dumps(e[4], ensure_ascii=False),
         "package_sequence": seq}
        for e in audit[station.chain_entries:]
    ]  # fmt: skip
    insert_rows(session, StoreAudit, new_entries)
    station.chain_entries = len(audit)
    station.chain_hash = audit[-1][2] if audit else None

    keys: dict[str, str] = {}
    for subject in payload["subjects"]:
        for key in (subject["screening_number"], subject["subject_id"]):
            if key:
                keys[key] = subject["screening_number"]
    histories: dict[tuple, list] = {}
    created: dict[str, str] = {}
    changed: dict[str, str] = {}
    for _id, _prev, entry_hash, shown, c in audit:
        if not shown:
            continue
        number = keys.get(c.get("subject_key"))
        if number is None:
            continue
        if c["action"] == "SUBJECT_SCREENED":
            created[number] = entry_hash
        if c["action"].startswith("SUBJECT_") or c["action"] == "SCREEN_FAILED":
            changed[number] = c["ts_utc"]
        if c.get("item_name") and c.get("form_code") and c["action"] not in (
                "CHECK_OVERRIDDEN", "ITEM_SDV", "ITEM_SDV_REMOVED", "FORM_STATUS"):  # fmt: skip
            place = (number, c["event_oid"], c["repeat_key"] or 1, c["form_code"],
                     c["group_name"] or "", c["row_key"] or 0, c["item_name"])
            histories.setdefault(place, []).append([c["ts_utc"], c["new_value"]])

    before = set(session.scalars(select(StoreSubject.screening_number).where(
        StoreSubject.site == site, StoreSubject.workstation == ws)))  # fmt: skip
    for table in (StoreField, StoreForm, StoreSubject):
        session.execute(delete(table).where(table.site == site, table.workstation == ws)
                        .execution_options(synchronize_session=False))  # fmt: skip
    subjects, forms, fields = [], [], []
    for subject in payload["subjects"]:
        number = subject["screening_number"]
        record = {k: subject[k] for k in ("site_id", "subject_id", "status", "status_reason",
                                          "data_state", "created_utc", "enrolled_utc")}  # fmt: skip
        subjects.append({"site": site, "workstation": ws, "screening_number": number,
                         "subject_id": subject["subject_id"], "created_hash": created.get(number),
                         "changed_ts": changed.get(number),
                         "record": json.dumps(record, sort_keys=True)})  # fmt: skip
        for form in subject["forms"]:
            meta = {k: v for k, v in form.items() if k != "values"}
            forms.append({"site": site, "workstation": ws, "subject": number,
                          "event_oid": form["event_oid"], "repeat_key": form["repeat_key"],
                          "form_code": form["form_code"],
                          "record": json.dumps(meta, sort_keys=True)})  # fmt: skip
            for group, row, item, value, missing, derived in form["values"]:
                place = (number, form["event_oid"], form["repeat_key"], form["form_code"],
                         group, row, item)  # fmt: skip
                fields.append({"site": site, "workstation": ws, "subject": number,
                               "event_oid": place[1], "repeat_key": place[2],
                               "form_code": place[3], "group_name": group, "row_key": row,
                               "item_name": item, "value": value, "missing_reason": missing,
                               "derived": derived, "package_sequence": seq,
                               "history": json.dumps(histories.get(place, []),
                                                     ensure_ascii=False)})  # fmt: skip
    for table, rows in ((StoreSubject, subjects), (StoreForm, forms), (StoreField, fields)):
        insert_rows(session, table, rows)
    _keep_records(session, site, ws, seq, payload)
    consolidator = Consolidator(session)
    consolidator.consolidate(before | {s["screening_number"] for s in subjects})
    package.state = "APPLIED"
    package.applied_utc = utc_now()
    package.payload = None
    station.applied_sequence = seq
    station.last_import_utc = package.applied_utc
    session.flush()
    return consolidator.opened


def _keep_records(session: Session, site: str, ws: int, seq: int, payload: dict) -> None:
    """Queries and e-signatures verbatim with their origin; every version received is kept."""
    rows = []
    for kind, items in (("QUERY", payload.get("queries", [])),
                        ("SIGNATURE", payload.get("signatures", []))):  # fmt: skip
        for item in items:
            body = json.dumps(item, ensure_ascii=False, sort_keys=True)
            rows.append({"site": site, "workstation": ws, "kind": kind, "local_id": item["id"],
                         "body_sha256": fingerprint(body), "subject": item.get("subject"),
                         "body": body, "package_sequence": seq})  # fmt: skip
    if rows:
        session.execute(pg_insert(StoreRecord).on_conflict_do_nothing(), rows)
    versions = payload.get("consent_versions") or []
    if versions:  # configuration the exports read; versions are only ever added at a site
        session.execute(pg_insert(ConsentVersion).on_conflict_do_nothing(), versions)


def skip_sequence(store: StoreDatabase, site: str, workstation: int, sequence: int,
                  reason: str) -> list[int]:  # fmt: skip
    """Give up on a missing package, with a reason; returns the sequences then applied."""
    if not reason or not reason.strip():
        raise UsageError(Text("a skipped package needs a reason (--reason)",
                              "跳过数据包须说明理由（--reason）"))  # fmt: skip
    with store.transaction() as session:
        store.lock_for_apply(session)
        station = session.get(StoreWorkstation, (site, workstation))
        if station is None or sequence not in missing_sequences(session, site, workstation):
            raise UsageError(Text(f"site {site} workstation {workstation} is not missing "
                                  f"sequence {sequence}",
                                  f"中心 {site} 工作站 {workstation} 并未缺少第 {sequence} 号"))
        session.add(StorePackage(site=site, workstation=workstation, sequence=sequence,
                                 state="SKIPPED", received_utc=utc_now(), reason=reason.strip(),
                                 subjects=0))  # fmt: skip
        session.add(StoreAction(ts_utc=utc_now(), username=who(), action="SEQUENCE_SKIPPED",
                                detail=f"site {site} workstation {workstation} #{sequence}: "
                                f"{reason.strip()}"))  # fmt: skip
        session.flush()
        return drain(session, station)


__all__ = ["ImportResult", "PackageError", "PackageRefused", "import_package", "skip_sequence"]
