"""What the sponsor's data manager reads and decides in the store: status per workstation, the
conflict queue and its resolution, and the chain checks (`admin verify` for the store)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from tnt_desktop.errors import NotFound, UsageError
from tnt_desktop.sponsor.importer import missing_sequences
from tnt_desktop.sponsor.merge import Consolidator
from tnt_desktop.sponsor.models import (
    StoreAction,
    StoreAudit,
    StoreConflict,
    StorePackage,
    StoreWorkstation,
)
from tnt_desktop.sponsor.store import StoreDatabase, utc_now, who
from tnt_desktop.storage.audit import GENESIS
from tnt_desktop.study.model import Text


@dataclass(frozen=True)
class WorkstationStatus:
    site: str
    workstation: int
    last_sequence: int  # the last applied (or skipped) sequence
    gaps: list[int]  # sequences missing while later ones wait
    waiting: list[int]
    skipped: list[int]
    open_conflicts: int
    last_import_utc: str | None


def status(store: StoreDatabase) -> list[WorkstationStatus]:
    with store.transaction(write=False) as session:
        rows = []
        conflicts = _open_conflicts_by_workstation(session)
        for station in session.scalars(select(StoreWorkstation).order_by(
                StoreWorkstation.site, StoreWorkstation.workstation)):  # fmt: skip
            packages = session.execute(select(StorePackage.sequence, StorePackage.state).where(
                StorePackage.site == station.site,
                StorePackage.workstation == station.workstation)).all()  # fmt: skip
            rows.append(WorkstationStatus(
                station.site, station.workstation, station.applied_sequence,
                missing_sequences(session, station.site, station.workstation),
                sorted(n for n, state in packages if state == "WAITING"),
                sorted(n for n, state in packages if state == "SKIPPED"),
                conflicts.get((station.site, station.workstation), 0),
                station.last_import_utc))  # fmt: skip
        return rows


def _open_conflicts_by_workstation(session) -> dict[tuple[str, int], int]:
    counts: dict[tuple[str, int], int] = {}
    for a, b in session.execute(select(StoreConflict.side_a, StoreConflict.side_b).where(
            StoreConflict.status == "OPEN")):  # fmt: skip
        for side in (json.loads(a), json.loads(b)):
            key = (side["site"], side["workstation"])
            counts[key] = counts.get(key, 0) + 1
    return counts


def status_lines(rows: list[WorkstationStatus]) -> list[str]:
    lines = ["site  ws  last#  gaps      waiting   skipped   conflicts  last import (UTC)"]
    for r in rows:
        def show(numbers: list[int]) -> str:
            return ",".join(str(n) for n in numbers) or "-"

        lines.append(f"{r.site:<5} {r.workstation:>2}  {r.last_sequence:>5}  {show(r.gaps):<9} "
                     f"{show(r.waiting):<9} {show(r.skipped):<9} {r.open_conflicts:>9}  "
                     f"{r.last_import_utc or '-'}")  # fmt: skip
    return lines


@dataclass(frozen=True)
class ConflictView:
    id: int
    kind: str
    subject: str
    place: dict
    side_a: dict
    side_b: dict
    base: str | None
    status: str
    kept: str | None
    reason: str | None
    resolved_by: str | None

    def lines(self) -> list[str]:
        where = " ".join(str(self.place.get(k)) for k in ("event_oid", "repeat_key", "form_code")
                         if self.place.get(k) is not None)  # fmt: skip
        item = self.place.get("item_name")
        if self.place.get("group_name"):
            item = f"{self.place['group_name']}#{self.place['row_key']}.{item}"
        head = f"#{self.id} {self.kind} {self.subject} {where} {item or ''}".rstrip()
        out = [f"{head} [{self.status}] base: {self.base!r}"]
        for label, side in (("A", self.side_a), ("B", self.side_b)):
            history = " → ".join(repr(state) for _ts, state in side.get("history", []))
            out.append(f"  {label}: site {side['site']} ws {side['workstation']}: "
                       f"{side['value']!r}" + (f"   history: {history}" if history else ""))
        if self.status == "RESOLVED":
            out.append(f"  kept {self.kept} ({self.resolved_by}): {self.reason}")
        return out


def _view(c: StoreConflict) -> ConflictView:
    return ConflictView(c.id, c.kind, c.subject, json.loads(c.place), json.loads(c.side_a),
                        json.loads(c.side_b), c.base, c.status, c.kept, c.reason,
                        c.resolved_by)  # fmt: skip


def conflicts(store: StoreDatabase, *, include_closed: bool = False) -> list[ConflictView]:
    with store.transaction(write=False) as session:
        query = select(StoreConflict).order_by(StoreConflict.id)
        if not include_closed:
            query = query.where(StoreConflict.status == "OPEN")
        return [_view(c) for c in session.scalars(query)]


def resolve(store: StoreDatabase, conflict_id: int, keep: str, reason: str) -> ConflictView:
    """Keep side A or B of an open conflict, with a reason; the store's value follows."""
    keep = str(keep).upper()
    if keep not in ("A", "B"):
        raise UsageError(Text("--keep takes A or B", "--keep 只能是 A 或 B"))
    if not reason or not reason.strip():
        raise UsageError(Text("a resolution needs a reason (--reason)",
                              "解决冲突须说明理由（--reason）"))  # fmt: skip
    with store.transaction() as session:
        store.lock_for_apply(session)
        conflict = session.get(StoreConflict, conflict_id)
        if conflict is None:
            raise NotFound(Text(f"no conflict #{conflict_id}", f"没有冲突 #{conflict_id}"))
        if conflict.status != "OPEN":
            raise UsageError(Text(f"conflict #{conflict_id} is {conflict.status.lower()}, not open",
                                  f"冲突 #{conflict_id} 不是待处理状态（{conflict.status}）"))
        if conflict.kind != "VALUE":
            raise UsageError(Text("a number naming two subjects is resolved at the site (one "
                                  "workstation renumbers); the store keeps both records",
                                  "同一编号对应两名受试者须在中心解决（由一个工作站重新编号）"))
        conflict.status, conflict.kept, conflict.reason = "RESOLVED", keep, reason.strip()
        conflict.resolved_by, conflict.resolved_utc = who(), utc_now()
        side = json.loads(conflict.side_a if keep == "A" else conflict.side_b)
        session.add(StoreAction(ts_utc=conflict.resolved_utc, username=conflict.resolved_by,
                                action="CONFLICT_RESOLVED",
                                detail=f"#{conflict.id} {conflict.subject} {conflict.place}: "
                                f"kept {keep} (site {side['site']} ws {side['workstation']}: "
                                f"{side['value']!r}); {conflict.reason}"))  # fmt: skip
        session.flush()
        Consolidator(session).consolidate([conflict.subject])
        return _view(conflict)


# ---- chain checks ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainFinding:
    site: str
    workstation: int
    entries: int
    ok: bool
    problem: str | None = None


def verify_chains(store: StoreDatabase) -> list[ChainFinding]:
    """Every workstation's chain as the store holds it: ids 1…n, each entry linked to the one
    before, the last one the chain head of the last applied package, and every applied
    package's head somewhere on the chain. (Entry contents are hashed with the user names the
    site keeps to itself, so the store checks the links, not each entry's content hash.)"""
    findings = []
    with store.transaction(write=False) as session:
        for station in session.scalars(select(StoreWorkstation).order_by(
                StoreWorkstation.site, StoreWorkstation.workstation)):  # fmt: skip
            findings.append(_verify_one(session, station))
    return findings


def _verify_one(session, station: StoreWorkstation) -> ChainFinding:
    site, ws = station.site, station.workstation
    prev, expected, hashes = GENESIS, 1, set()
    query = (select(StoreAudit.entry_id, StoreAudit.prev_hash, StoreAudit.hash)
             .where(StoreAudit.site == site, StoreAudit.workstation == ws)
             .order_by(StoreAudit.entry_id).execution_options(yield_per=2000))  # fmt: skip
    for entry_id, prev_hash, entry_hash in session.execute(query):
        if entry_id != expected:
            return ChainFinding(site, ws, expected - 1, False, f"entry {expected} is missing")
        if prev_hash != prev:
            return ChainFinding(site, ws, expected - 1, False,
                                f"entry {entry_id} does not follow the previous entry")
        hashes.add(entry_hash)
        prev, expected = entry_hash, expected + 1
    count = expected - 1
    if count != station.chain_entries or (count and prev != station.chain_hash):
        return ChainFinding(site, ws, count, False, "the chain does not end at the head received")
    heads = session.scalars(select(StorePackage.chain_hash).where(
        StorePackage.site == site, StorePackage.workstation == ws,
        StorePackage.state == "APPLIED"))  # fmt: skip
    for head in heads:
        if head is not None and head not in hashes:
            return ChainFinding(site, ws, count, False,
                                "a package's signed chain head is not on the chain")
    return ChainFinding(site, ws, count, True)


def store_counts(store: StoreDatabase) -> dict[str, int]:
    with store.transaction(write=False) as session:
        return {
            "packages": session.scalar(select(func.count()).select_from(StorePackage)) or 0,
            "audit": session.scalar(select(func.count()).select_from(StoreAudit)) or 0,
            "open_conflicts": session.scalar(select(func.count()).select_from(StoreConflict)
                                             .where(StoreConflict.status == "OPEN")) or 0,
        }  # fmt: skip
