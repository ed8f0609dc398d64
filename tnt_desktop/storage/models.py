"""SQLAlchemy models, shaped like CDISC ODM ClinicalData.

Subject → EventInstance (event OID + repeat key) → FormInstance (status, metadata version) →
ItemValue (canonical text of one item, in one row of one item group). AuditEntry is the one
append-only, hash-chained trail of data changes and security events. The same models run on
SQLCipher at the site and on PostgreSQL for sponsor-side consolidation: no SQLite-only types.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tnt_desktop.study.schedule import SCHEDULE_ITEM_NAMES

# the partial index over the values the visit schedule reads: built from the study's list, so a
# change of that list shows as a model/migration difference (tests/core/test_schema.py) and asks
# for a migration, instead of an index that silently stops covering what is read
SCHEDULE_INDEX_WHERE = "group_name = '' AND item_name IN ({})".format(
    ", ".join(f"'{name}'" for name in SCHEDULE_ITEM_NAMES))


class Base(DeclarativeBase):
    pass


class Setting(Base):
    """Key/value settings stored in the database (audited when changed)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Counter(Base):
    """Sequences that must never reuse a number (SCRNUM, SUBJID, AESPID…)."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    password_changed_utc: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Subject(Base):
    __tablename__ = "subject"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(10))
    screening_number: Mapped[str] = mapped_column(String(20), unique=True)
    subject_id: Mapped[str | None] = mapped_column(String(20), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # SCREENING, SCREEN_FAILED, ENROLLED, …
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    enrolled_utc: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # migration 0004: OPEN, FROZEN (no data entry) or LOCKED (no change at all)
    data_state: Mapped[str] = mapped_column(String(10), default="OPEN", server_default="OPEN")

    events: Mapped[list[EventInstance]] = relationship(back_populates="subject")

    @property
    def key(self) -> str:
        """The key shown to people and written in the audit trail."""
        return self.subject_id or self.screening_number


class EventInstance(Base):
    __tablename__ = "event_instance"
    __table_args__ = (UniqueConstraint("subject_pk", "event_oid", "repeat_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_pk: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    event_oid: Mapped[str] = mapped_column(String(32))
    repeat_key: Mapped[int] = mapped_column(Integer, default=1)

    subject: Mapped[Subject] = relationship(back_populates="events")
    forms: Mapped[list[FormInstance]] = relationship(back_populates="event")


class FormInstance(Base):
    __tablename__ = "form_instance"
    __table_args__ = (UniqueConstraint("event_pk", "form_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_pk: Mapped[int] = mapped_column(ForeignKey("event_instance.id"), index=True)
    form_code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20))  # IN_PROGRESS, COMPLETE, VERIFIED, …
    metadata_version: Mapped[str] = mapped_column(String(32))
    has_errors: Mapped[bool] = mapped_column(Boolean, default=False)
    has_warnings: Mapped[bool] = mapped_column(Boolean, default=False)
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    updated_utc: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped on every save
    # migration 0004: the status a LOCKED form returns to when it is unlocked
    status_before_lock: Mapped[str | None] = mapped_column(String(20), nullable=True)

    event: Mapped[EventInstance] = relationship(back_populates="forms")
    values: Mapped[list[ItemValue]] = relationship(back_populates="form")


class ItemValue(Base):
    """The current value of one item. group '' and row 0 for non-repeating items; rows of a
    repeating group have stable keys 1, 2, … that are never reused after a row is removed."""

    __tablename__ = "item_value"
    __table_args__ = (
        UniqueConstraint("form_pk", "group_name", "row_key", "item_name"),
        # migration 0003: the values the visit schedule reads (subject list, dashboard)
        Index("ix_item_value_schedule", "item_name", "form_pk", "value",
              sqlite_where=text(SCHEDULE_INDEX_WHERE),
              postgresql_where=text(SCHEDULE_INDEX_WHERE)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_pk: Mapped[int] = mapped_column(ForeignKey("form_instance.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(32), default="")
    row_key: Mapped[int] = mapped_column(Integer, default=0)
    item_name: Mapped[str] = mapped_column(String(32))
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    missing_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    derived: Mapped[bool] = mapped_column(Boolean, default=False)

    form: Mapped[FormInstance] = relationship(back_populates="values")


class CheckOverride(Base):
    """A soft edit-check finding the site confirmed with a reason, so that later saves of the
    same form do not ask again. The override itself is also in the audit trail."""

    __tablename__ = "check_override"
    __table_args__ = (UniqueConstraint("form_pk", "finding_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_pk: Mapped[int] = mapped_column(ForeignKey("form_instance.id"), index=True)
    finding_key: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    username: Mapped[str] = mapped_column(String(64))
    ts_utc: Mapped[str] = mapped_column(String(32))


class DataQuery(Base):
    """A query (data clarification) on an item, a repeating-group row or a whole form
    (`item_name` None). Its steps — raise, answer, close, re-open — are QueryMessage rows and
    audit entries (REQ-DQ-01, REQ-AT-06). `check_id` names the soft edit check whose override
    raised it automatically."""

    __tablename__ = "data_query"
    __table_args__ = (Index("ix_data_query_subject", "subject_pk", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_pk: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    event_oid: Mapped[str] = mapped_column(String(32))
    repeat_key: Mapped[int] = mapped_column(Integer, default=1)
    form_code: Mapped[str] = mapped_column(String(16))
    group_name: Mapped[str] = mapped_column(String(32), default="")
    row_key: Mapped[int] = mapped_column(Integer, default=0)
    item_name: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(12))  # OPEN, ANSWERED, CLOSED
    origin: Mapped[str] = mapped_column(String(12))  # MANUAL or AUTO (overridden soft check)
    check_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    raised_by: Mapped[str] = mapped_column(String(64))
    raised_role: Mapped[str] = mapped_column(String(32))
    raised_utc: Mapped[str] = mapped_column(String(32))
    updated_utc: Mapped[str] = mapped_column(String(32))

    messages: Mapped[list[QueryMessage]] = relationship(
        back_populates="query", order_by="QueryMessage.id")  # fmt: skip


class QueryMessage(Base):
    """One step of a query's life: RAISE, ANSWER, CLOSE or REOPEN, with its text."""

    __tablename__ = "query_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_pk: Mapped[int] = mapped_column(ForeignKey("data_query.id"), index=True)
    ts_utc: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)

    query: Mapped[DataQuery] = relationship(back_populates="messages")


class SdvMark(Base):
    """A monitor's source data verification of one item value (REQ-DQ-03). `value_hash` is the
    SHA-256 of the value (and missing reason) as verified: a later change makes the mark stale."""

    __tablename__ = "sdv_mark"
    __table_args__ = (UniqueConstraint("form_pk", "group_name", "row_key", "item_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_pk: Mapped[int] = mapped_column(ForeignKey("form_instance.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(32), default="")
    row_key: Mapped[int] = mapped_column(Integer, default=0)
    item_name: Mapped[str] = mapped_column(String(32))
    value_hash: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))
    ts_utc: Mapped[str] = mapped_column(String(32))


class ESignature(Base):
    """An investigator's electronic signature (REQ-ES-01…05): who (user name and printed name),
    when (UTC), what it means, and the SHA-256 of the signed data (one form, or the whole
    casebook for F13). A later change to the signed data sets `broken_utc` (audited)."""

    __tablename__ = "e_signature"
    __table_args__ = (Index("ix_e_signature_subject", "subject_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_pk: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    form_pk: Mapped[int] = mapped_column(ForeignKey("form_instance.id"), index=True)
    point: Mapped[str] = mapped_column(String(32))  # the form's signature point, e.g. IESIG
    scope: Mapped[str] = mapped_column(String(12))  # FORM or CASEBOOK
    username: Mapped[str] = mapped_column(String(64))
    printed_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    ts_utc: Mapped[str] = mapped_column(String(32))
    meaning_en: Mapped[str] = mapped_column(Text)
    meaning_zh: Mapped[str] = mapped_column(Text)
    data_hash: Mapped[str] = mapped_column(String(64))
    hash_method: Mapped[str] = mapped_column(String(32))
    broken_utc: Mapped[str | None] = mapped_column(String(32), nullable=True)
    superseded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # migration 0006 (issue 14): the signer's Ed25519 signature (storage.signing.ESIG_DOMAIN)
    # over the signed data's hash, meaning and time, and the user_key that made it
    signature: Mapped[str | None] = mapped_column(String(128), nullable=True)
    key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SignatureAcknowledgement(Base):
    """A signer's acknowledgement, before the first signature, that the e-signature is the
    legal equivalent of a handwritten one (REQ-ES-05)."""

    __tablename__ = "signature_acknowledgement"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts_utc: Mapped[str] = mapped_column(String(32))
    statement_en: Mapped[str] = mapped_column(Text)
    statement_zh: Mapped[str] = mapped_column(Text)


class ExportLog(Base):
    """Every export: who, when, why, for whom, with which filter profile (REQ-PI-07)."""

    __tablename__ = "export_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts_utc: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(Text, nullable=True)
    recipient: Mapped[str | None] = mapped_column(Text, nullable=True)
    subject_count: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[str | None] = mapped_column(Text, nullable=True)  # names and SHA-256


class AuditEntry(Base):
    """Append-only: SQL triggers refuse UPDATE and DELETE; `hash` chains each entry to the
    previous one (storage.audit)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_subject", "subject_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts_utc: Mapped[str] = mapped_column(String(32))  # ISO 8601 with Z, workstation clock
    username: Mapped[str] = mapped_column(String(64))  # SYSTEM for derivations
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str | None] = mapped_column(String(20), nullable=True)
    event_oid: Mapped[str | None] = mapped_column(String(32), nullable=True)
    repeat_key: Mapped[int | None] = mapped_column(Integer, nullable=True)
    form_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    group_name: Mapped[str | None] = mapped_column(String(32), nullable=True)
    row_key: Mapped[int | None] = mapped_column(Integer, nullable=True)
    item_name: Mapped[str | None] = mapped_column(String(32), nullable=True)
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    app_version: Mapped[str] = mapped_column(String(32))
    metadata_version: Mapped[str] = mapped_column(String(32))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class UserKey(Base):
    """A user's Ed25519 public key (issue 14). `certificate` is the site key's signature over
    (database id, user name, public key, created); None while it waits for the administrator's
    next login (keys made at a migrated user's first login). A revoked key still verifies what
    it signed before `revoked_utc`."""

    __tablename__ = "user_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_utc: Mapped[str] = mapped_column(String(32))
    certificate: Mapped[str | None] = mapped_column(String(128), nullable=True)
    certified_utc: Mapped[str | None] = mapped_column(String(32), nullable=True)
    revoked_utc: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ChainSignature(Base):
    """The acting user's signature over the audit chain head a transaction left (issue 14)."""

    __tablename__ = "chain_signature"

    audit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(128))


class ConsentVersion(Base):
    """An informed consent form version the ethics committee approved (clarification 24): the
    ICFVER codelist is the study definition's versions plus these rows. Rows are only added
    (audited as CONSENT_VERSION_ADDED), never changed or removed: entered data keep theirs."""

    __tablename__ = "consent_version"

    label: Mapped[str] = mapped_column(String(16), primary_key=True)  # the ICVER code, "V1.1"
    version_date: Mapped[str] = mapped_column(String(10))  # ISO 8601 date on the form
    approval_date: Mapped[str] = mapped_column(String(10))  # ethics committee approval
    added_by: Mapped[str] = mapped_column(String(64))
    added_utc: Mapped[str] = mapped_column(String(32))
