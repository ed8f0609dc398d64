"""The sponsor store's own tables, beside the clinical tables of storage.models.

The clinical tables (subject, event_instance, form_instance, item_value, data_query,
query_message, e_signature, …) hold the *consolidated* study, the same models a workstation
uses, so every export module reads the store unchanged. These tables hold what each workstation
said, with its origin, and what the store made of it:

- store_workstation: per (site, workstation), the last sequence applied and the last import;
- store_package: every package received (applied, waiting behind a gap, or a skipped sequence
  with its reason); idempotence rests on its key (site, workstation, sequence) and its SHA-256;
- store_audit: every audit-chain entry of every workstation, verbatim with its origin;
- store_field: each workstation's latest value of each item, with that workstation's history
  of the item (the states its audit trail went through), from which the merge is computed;
- store_form / store_subject: each workstation's form metadata and subject record;
- store_record: queries and e-signatures verbatim with their origin (every version received);
- store_conflict: the review queue (a value changed on two workstations since their common
  base, or one number naming two subjects), with both sides' histories and the resolution;
- store_action: what the sponsor's data manager did in the store (skips, resolutions), by whom.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class StoreBase(DeclarativeBase):
    pass


class StoreWorkstation(StoreBase):
    __tablename__ = "store_workstation"

    site: Mapped[str] = mapped_column(String(10), primary_key=True)
    workstation: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_sequence: Mapped[int] = mapped_column(Integer, default=0)
    chain_entries: Mapped[int] = mapped_column(Integer, default=0)
    chain_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_import_utc: Mapped[str | None] = mapped_column(String(32), nullable=True)


class StorePackage(StoreBase):
    __tablename__ = "store_package"

    site: Mapped[str] = mapped_column(String(10), primary_key=True)
    workstation: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(10))  # APPLIED, WAITING, SKIPPED
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    previous_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    file_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_utc: Mapped[str] = mapped_column(String(32))
    applied_utc: Mapped[str | None] = mapped_column(String(32), nullable=True)
    chain_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    subjects: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why it was skipped
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # while WAITING


class StoreAudit(StoreBase):
    __tablename__ = "store_audit"
    __table_args__ = (Index("ix_store_audit_subject", "site", "workstation", "subject_key"),)

    site: Mapped[str] = mapped_column(String(10), primary_key=True)
    workstation: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    shown: Mapped[bool] = mapped_column(Boolean)  # content transferred (else hashes only)
    ts_utc: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action: Mapped[str | None] = mapped_column(String(32), nullable=True)
    subject_key: Mapped[str | None] = mapped_column(String(20), nullable=True)
    content: Mapped[str] = mapped_column(Text)  # the entry's fields as JSON, verbatim
    package_sequence: Mapped[int] = mapped_column(Integer)


class StoreSubject(StoreBase):
    __tablename__ = "store_subject"

    site: Mapped[str] = mapped_column(String(10), primary_key=True)
    workstation: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    subject_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    changed_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    record: Mapped[str] = mapped_column(Text)  # the subject's attributes as JSON


class StoreForm(StoreBase):
    __tablename__ = "store_form"

    site: Mapped[str] = mapped_column(String(10), primary_key=True)
    workstation: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_oid: Mapped[str] = mapped_column(String(32), primary_key=True)
    repeat_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    record: Mapped[str] = mapped_column(Text)  # status, versions, times as JSON


class StoreField(StoreBase):
    __tablename__ = "store_field"
    __table_args__ = (Index("ix_store_field_subject", "subject"),)

    site: Mapped[str] = mapped_column(String(10), primary_key=True)
    workstation: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_oid: Mapped[str] = mapped_column(String(32), primary_key=True)
    repeat_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    group_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    missing_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    derived: Mapped[bool] = mapped_column(Boolean, default=False)
    history: Mapped[str] = mapped_column(Text)  # JSON [[ts, state], …] from the audit trail
    package_sequence: Mapped[int] = mapped_column(Integer)


class StoreRecord(StoreBase):
    __tablename__ = "store_record"

    site: Mapped[str] = mapped_column(String(10), primary_key=True)
    workstation: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)  # QUERY, SIGNATURE
    local_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str | None] = mapped_column(String(20), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    package_sequence: Mapped[int] = mapped_column(Integer)


class StoreConflict(StoreBase):
    __tablename__ = "store_conflict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # VALUE or SUBJECT_CLASH
    subject: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(Text)  # event/repeat/form/group/row/item as JSON
    side_a: Mapped[str] = mapped_column(Text)  # {site, workstation, value, history} as JSON
    side_b: Mapped[str] = mapped_column(Text)
    base: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(12))  # OPEN, RESOLVED, SUPERSEDED
    opened_utc: Mapped[str] = mapped_column(String(32))
    kept: Mapped[str | None] = mapped_column(String(1), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolved_utc: Mapped[str | None] = mapped_column(String(32), nullable=True)


class StoreAction(StoreBase):
    __tablename__ = "store_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts_utc: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
