"""The audit trail: append entries to a hash chain, and verify the chain.

Each entry's hash is SHA-256 over the previous entry's hash and a canonical JSON of the entry
itself (its id included, so that reordering is detected). The id of the last entry and its hash
are also kept as the chain head in `setting`, so that deleting the newest entries is detected
too. UPDATE and DELETE on the table are refused by SQL triggers (created by the first
migration); verification is what catches tampering that bypasses them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tnt_desktop import __version__
from tnt_desktop.storage.bulk import (
    insert_audit_entries,
    read_setting_value,
    write_setting_value,
)
from tnt_desktop.storage.models import AuditEntry, ChainSignature

GENESIS = "0" * 64
HEAD_KEY = "audit.head"
_PENDING = "audit.pending"  # session.info keys: entries of this transaction not yet inserted
_HEAD = "audit.head"
_SIGNER = "audit.signer"  # (username, key id, private key) of the transaction's acting user
HASHED_FIELDS = (
    "id", "ts_utc", "username", "role", "action", "subject_key", "event_oid", "repeat_key",
    "form_code", "group_name", "row_key", "item_name", "old_value", "new_value", "reason_code",
    "reason_text", "detail", "app_version", "metadata_version",
)  # fmt: skip

TRIGGERS_SQL = (
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END",
)


def utc_now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(
        {name: fields.get(name) for name in HASHED_FIELDS},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )  # fmt: skip
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _head(session: Session) -> tuple[int, str]:
    session.flush()  # a head written earlier in this transaction through the ORM
    text = read_setting_value(session, HEAD_KEY)
    if text is None:
        return 0, GENESIS
    last_id, last_hash = text.split(":", 1)
    return int(last_id), last_hash


def _next_id(session: Session, head_id: int) -> int:
    """The id the next entry takes: after the head — and after any row someone added beyond it
    outside the application, so that such a row never blocks the trail (every later save would
    fail on the duplicate id); `verify_chain` reports the stray row."""
    highest = session.connection().exec_driver_sql("SELECT MAX(id) FROM audit_entry").scalar()
    return max(head_id, highest or 0) + 1


def append(
    session: Session,
    *,
    username: str,
    role: str,
    action: str,
    metadata_version: str,
    ts_utc: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Add one entry to the chain inside the caller's transaction.

    Entries are chained in memory and inserted in one batch by `flush_pending` just before the
    transaction commits (Database.transaction calls it), so a save with thirty changed values
    costs one round trip for the trail instead of sixty. The chain head is read once per
    transaction, under the write lock that `BEGIN IMMEDIATE` took.
    """
    head = session.info.get(_HEAD)
    if head is None:
        head_id, prev_hash = _head(session)
        last_id = _next_id(session, head_id) - 1
    else:
        last_id, prev_hash = head
    values = {
        "id": last_id + 1,
        "ts_utc": ts_utc or utc_now_text(),
        "username": username,
        "role": role,
        "action": action,
        "app_version": __version__,
        "metadata_version": metadata_version,
        **fields,
    }
    unknown = set(values) - set(HASHED_FIELDS)
    if unknown:
        raise TypeError(f"unknown audit fields: {sorted(unknown)}")
    row = {name: values.get(name) for name in HASHED_FIELDS}
    row["prev_hash"], row["hash"] = prev_hash, entry_hash(prev_hash, values)
    session.info.setdefault(_PENDING, []).append(row)
    session.info[_HEAD] = (row["id"], row["hash"])
    return row


def pending_mark(session: Session) -> tuple[int, Any]:
    """Where this transaction's trail stands (entries appended, chain head): before a SAVEPOINT
    that may be rolled back, so that `rewind` can drop the entries it appended."""
    return len(session.info.get(_PENDING, [])), session.info.get(_HEAD)


def rewind(session: Session, mark: tuple[int, Any]) -> None:
    """Forget the entries appended since `mark` (their SAVEPOINT was rolled back)."""
    count, head = mark
    pending = session.info.get(_PENDING)
    if pending is not None:
        del pending[count:]
    if head is None:
        session.info.pop(_HEAD, None)
    else:
        session.info[_HEAD] = head


def set_signer(session: Session, username: str, key_id: int | None, private: bytes) -> None:
    """The key that signs this transaction's chain head (the first user to append wins)."""
    session.info.setdefault(_SIGNER, (username, key_id, private))


def flush_pending(session: Session) -> int:
    """Insert the entries appended in this transaction, move the chain head and sign it."""
    pending = session.info.pop(_PENDING, None)
    head = session.info.pop(_HEAD, None)
    signer = session.info.pop(_SIGNER, None)
    if not pending or head is None:
        return 0
    session.flush()  # ORM changes first, so the trail follows what it describes
    insert_audit_entries(session, pending)
    write_setting_value(session, HEAD_KEY, f"{head[0]}:{head[1]}")
    if signer is not None and signer[1] is not None:
        from tnt_desktop.storage.signing import CHAIN_DOMAIN, chain_fields, sign

        username, key_id, private = signer
        signature = sign(private, CHAIN_DOMAIN, chain_fields(head[0], head[1], username))
        session.add(ChainSignature(audit_id=head[0], username=username, key_id=key_id,
                                   signature=signature))  # fmt: skip
        session.flush()
    return len(pending)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole trail; name the first entry that does not verify."""
    flush_pending(session)
    prev_hash, expected_id, count = GENESIS, 1, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        count += 1
        fields = {name: getattr(entry, name) for name in HASHED_FIELDS}
        if entry.id != expected_id:
            return ChainReport(False, count, entry.id, f"entry {expected_id} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(False, count, entry.id, "does not follow the previous entry")
        if entry.hash != entry_hash(prev_hash, fields):
            return ChainReport(False, count, entry.id, "content does not match its hash")
        prev_hash, expected_id = entry.hash, expected_id + 1
    head_id, head_hash = _head(session)
    last_id = expected_id - 1
    if last_id > head_id:
        return ChainReport(
            False, count, head_id + 1,
            f"entry {head_id + 1} lies beyond the recorded end of the chain (added outside "
            "the application)",
        )  # fmt: skip
    if last_id < head_id:
        return ChainReport(
            False, count, last_id + 1,
            f"entries {last_id + 1}–{head_id} are missing (removed from the end of the chain)",
        )  # fmt: skip
    if head_hash != prev_hash:
        return ChainReport(False, count, last_id, "the last entry does not match the chain head")
    return ChainReport(True, count)
