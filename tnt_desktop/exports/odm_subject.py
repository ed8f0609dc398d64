"""One subject's ClinicalData in the ODM export (exports.odm_export writes the file): the
users and counts a file collects, item values as ODM text, and a SubjectData either as a
**snapshot** (current values) or **transactional** (the history from the audit trail, each
change with its AuditRecord)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import InvalidOperation
from typing import Any

from lxml import etree

from tnt_desktop.exports.odm_metadata import (
    ASSIGNED,
    FLAG_TYPE_CL,
    FORM_STATUS_CL,
    FORM_STATUS_FLAG,
    NSMAP,
    SUBJECT_STATUS_CL,
    SUBJECT_STATUS_FLAG,
    OdmIndex,
    location_oid,
    method_oid,
    q,
    sub,
)
from tnt_desktop.services.export_read import (
    AuditView,
    ExportProfile,
    ExportSubject,
    iter_subject_audit,
)
from tnt_desktop.services.session import SYSTEM_USER, AppSession
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import MISSING_REASONS, Form, Item
from tnt_desktop.study.subject import FormRecord
from tnt_desktop.study.values import format_value

SYSTEM_OID = "USR.SYSTEM"
DATA_ACTIONS = {"DATA_ENTERED", "DATA_CHANGED", "DATA_CLEARED", "DERIVED_VALUE", "ID_ASSIGNED"}


@dataclass
class OdmUsers:
    """The users a file refers to: each by its stable OID (export_read.user_oids, USR.<id>),
    so one person is one OID in the snapshot and the transactional file alike; sponsor views
    already carry the OID instead of the name. SYSTEM is USR.SYSTEM."""

    oids: dict[str, tuple[str, str]] = field(default_factory=dict)  # username → (OID, role)
    stable: dict[str, str] = field(default_factory=dict)  # username → OID

    def oid(self, username: str, role: str) -> str:
        if username == SYSTEM_USER:
            self.oids.setdefault(SYSTEM_USER, (SYSTEM_OID, SYSTEM_USER))
            return SYSTEM_OID
        if username not in self.oids:
            known = username if username.startswith("USR.") else self.stable.get(username)
            oid = known or f"USR.{username}"
            if any(seen == oid for seen, _role in self.oids.values()):
                return oid  # the same person, met once by name and once by OID: one User
            self.oids[username] = (oid, role)
        return self.oids[username][0]


@dataclass
class OdmStats:
    subjects: int = 0
    forms: int = 0
    item_data: int = 0
    audit_records: int = 0
    sites: set[str] = field(default_factory=set)
    earliest: str | None = None  # ISO date of the earliest data in the file

    def saw(self, moment: str | None) -> None:
        if moment and (self.earliest is None or moment[:10] < self.earliest):
            self.earliest = moment[:10]


# ---- values --------------------------------------------------------------------------------
def value_text(item: Item, value: Any) -> str:
    """The canonical text of a typed value; a value stored under an older definition (kept as
    text by clinical_data.typed) is written as it is."""
    try:
        return format_value(item, value)
    except (InvalidOperation, TypeError, ValueError, AttributeError):
        return str(value)


def _item_data(parent: etree._Element, oid: str, value: str | None, missing: str | None,
               transaction: str | None = None) -> etree._Element:  # fmt: skip
    attrs: dict[str, str | None] = {"ItemOID": oid, "TransactionType": transaction}
    if missing:
        attrs["IsNull"] = "Yes"
    elif value is not None:
        attrs["Value"] = value
    element = sub(parent, "ItemData", attrs)
    return element


def _null_reason(element: etree._Element, reason: str) -> None:
    annotation = sub(element, "Annotation", {"SeqNum": "1"})
    sub(annotation, "Comment", {"SponsorOrSite": "Site"}, reason)


def _flag(parent: etree._Element, seq: int, value_cl: str, value: str, flag_type: str) -> None:
    annotation = sub(parent, "Annotation", {"SeqNum": str(seq)})
    flag = sub(annotation, "Flag")
    sub(flag, "FlagValue", {"CodeListOID": value_cl}, value)
    sub(flag, "FlagType", {"CodeListOID": FLAG_TYPE_CL}, flag_type)


def _event_order(study: Study) -> dict[str, int]:
    return {event.oid: n for n, event in enumerate(study.events)}


def _form_order(study: Study) -> dict[str, int]:
    return {form.code: n for n, form in enumerate(study.forms)}


def _event_attrs(study: Study, event_oid: str, repeat: int | None) -> dict[str, str | None]:
    try:
        repeating = study.event(event_oid).repeating
    except KeyError:
        repeating = False
    return {"StudyEventOID": event_oid,
            "StudyEventRepeatKey": str(repeat or 1) if repeating else None}  # fmt: skip


# ---- snapshot ------------------------------------------------------------------------------
def _snapshot_form(parent: etree._Element, index: OdmIndex, form: Form, record: FormRecord,
                   row_keys: dict[str, list[int]], status: str | None,
                   stats: OdmStats) -> None:  # fmt: skip
    form_data = sub(parent, "FormData", {"FormOID": form.oid})
    if status:
        _flag(form_data, 1, FORM_STATUS_CL, status, FORM_STATUS_FLAG)
    for group in form.groups:
        kept = index.kept(form, group)
        if not kept:
            continue
        if not group.repeating:
            cells = [(i, record.values.get(i.item.name), record.missing.get(i.item.name))
                     for i in kept]  # fmt: skip
            cells = [c for c in cells if c[1] is not None or c[2]]
            if not cells:
                continue
            group_data = sub(form_data, "ItemGroupData", {"ItemGroupOID": kept[0].group_oid})
            for odm_item, value, missing in cells:
                _cell(group_data, odm_item.oid, odm_item.item, value, missing, stats)
            continue
        rows = record.rows.get(group.name, [])
        keys = row_keys.get(group.name, [])
        row_missing = record.row_missing.get(group.name, {})
        for position, row in enumerate(rows):
            missing = row_missing.get(position, {})
            cells = [(i, row.get(i.item.name), missing.get(i.item.name)) for i in kept]
            cells = [c for c in cells if c[1] is not None or c[2]]
            if not cells:
                continue
            key = keys[position] if position < len(keys) else position + 1
            group_data = sub(form_data, "ItemGroupData", {
                "ItemGroupOID": kept[0].group_oid, "ItemGroupRepeatKey": str(key)})
            for odm_item, value, why in cells:
                _cell(group_data, odm_item.oid, odm_item.item, value, why, stats)
    stats.forms += 1


def _cell(parent: etree._Element, oid: str, item: Item, value: Any, missing: str | None,
          stats: OdmStats) -> None:  # fmt: skip
    element = _item_data(parent, oid, None if value is None else value_text(item, value),
                         missing)  # fmt: skip
    if missing:
        _null_reason(element, missing)
    stats.item_data += 1


def snapshot_subject(study: Study, index: OdmIndex, subject: ExportSubject,
                     stats: OdmStats) -> etree._Element:  # fmt: skip
    """One SubjectData of a Snapshot file."""
    element = etree.Element(q("SubjectData"), {"SubjectKey": subject.key}, nsmap=NSMAP)
    sub(element, "SiteRef", {"LocationOID": location_oid(subject.site_id)})
    _flag(element, 1, SUBJECT_STATUS_CL, subject.status, SUBJECT_STATUS_FLAG)
    stats.sites.add(subject.site_id)
    records = {(r.event, r.repeat, r.form): r for r in subject.data.records}
    event_order, form_order = _event_order(study), _form_order(study)
    keys = sorted(set(records) | set(subject.forms), key=lambda k: (
        event_order.get(k[0], 99), k[0], k[1], form_order.get(k[2], 99), k[2]))  # fmt: skip
    event_data = None
    current = None
    for event_oid, repeat, code in keys:
        try:
            form = study.form(code)
        except KeyError:
            continue
        if not any(index.kept(form, g) for g in form.groups):
            continue
        if current != (event_oid, repeat):
            event_data = sub(element, "StudyEventData", _event_attrs(study, event_oid, repeat))
            current = (event_oid, repeat)
        meta = subject.forms.get((event_oid, repeat, code))
        if meta is not None:
            stats.saw(meta.updated_utc.isoformat())
        record = records.get((event_oid, repeat, code)) or FormRecord(event_oid, code, repeat)
        _snapshot_form(event_data, index, form, record,
                       subject.row_keys.get((event_oid, repeat, code), {}),
                       meta.status if meta is not None else None, stats)  # fmt: skip
    stats.subjects += 1
    return element


# ---- transactional -------------------------------------------------------------------------
def _audit_record(parent: etree._Element, entry: AuditView, users: OdmUsers, site: str,
                  reason: str | None, stats: OdmStats) -> None:  # fmt: skip
    record = sub(parent, "AuditRecord")
    sub(record, "UserRef", {"UserOID": users.oid(entry.username, entry.role)})
    sub(record, "LocationRef", {"LocationOID": location_oid(site)})
    sub(record, "DateTimeStamp", text=entry.ts_utc)
    if reason:
        sub(record, "ReasonForChange", text=reason)
    sub(record, "SourceID", text=f"AUD-{entry.id:06d}")
    stats.audit_records += 1
    stats.saw(entry.ts_utc)


def change_reason_text(entry: AuditView, item: Item | None = None) -> str | None:
    """ReasonForChange of an audit entry: "CODE: text", the method of a derivation, or None."""
    if entry.action == "DERIVED_VALUE":
        derivation = item.derivation if item is not None and item.derivation else "?"
        return f"Derived value ({method_oid(derivation)})"
    if entry.action == "ID_ASSIGNED":
        return f"Assigned by the system ({method_oid(ASSIGNED)})"
    parts = [p for p in (entry.reason_code, entry.reason_text) if p]
    return ": ".join(parts) if parts else None


def _transaction_type(entry: AuditView) -> str:
    if entry.action == "DATA_ENTERED":
        return "Insert"
    if entry.action == "DATA_CHANGED":
        return "Update"
    if entry.action == "DATA_CLEARED" or entry.new_value is None:
        return "Remove"
    return "Insert" if entry.old_value is None else "Update"


def _split_missing(value: str | None) -> tuple[str | None, str | None]:
    """Audit values show a reason for missing as "[NOT DONE]"."""
    if value and value.startswith("[") and value.endswith("]") and value[1:-1] in MISSING_REASONS:
        return None, value[1:-1]
    return value, None


def subject_history(app: AppSession, subject: ExportSubject,
                    profile: ExportProfile) -> Iterator[AuditView]:  # fmt: skip
    """The subject's audit entries under both of its keys (before enrolment the trail names the
    screening number), in chain order, read from the database in batches."""
    return iter_subject_audit(app, (subject.screening_number, subject.subject_id), profile)


def transactional_subject(study: Study, index: OdmIndex, subject: ExportSubject,
                          history: Iterable[AuditView], users: OdmUsers,
                          stats: OdmStats) -> etree._Element:  # fmt: skip
    """One SubjectData of a Transactional file: the subject's value history. `history` (in
    chain order) is read once; only the entries the file shows are kept, grouped by form."""
    site = subject.site_id
    stats.sites.add(site)
    screened: AuditView | None = None
    created: dict[tuple[str, int, str], AuditView] = {}
    forms: dict[tuple[str, int, str], dict[tuple[str, int], list[tuple[AuditView, Any]]]] = {}
    for entry in history:
        if screened is None and entry.action == "SUBJECT_SCREENED":
            screened = entry
        if not entry.form_code or not entry.event_oid:
            continue
        where = (entry.event_oid, entry.repeat_key or 1, entry.form_code)
        if entry.renumbered:  # migration 0006: this form's rows count per group from here on
            moves = json.loads(entry.renumbered)
            forms[where] = {(group, int(moves.get(group, {}).get(str(row), row))): entries
                            for (group, row), entries in forms.get(where, {}).items()}
            continue
        if entry.action == "FORM_CREATED":
            created.setdefault(where, entry)
            continue
        if entry.action not in DATA_ACTIONS or not entry.item_name:
            continue
        try:
            form = study.form(entry.form_code)
        except KeyError:
            continue
        odm_item = index.item_for(form, entry.group_name, entry.item_name)
        if odm_item is None:  # removed by the profile, or retired from the definition
            continue
        key = (odm_item.group.name, (entry.row_key or 0) if odm_item.group.repeating else 0)
        forms.setdefault(where, {}).setdefault(key, []).append((entry, odm_item))

    attrs = {"SubjectKey": subject.key}
    if screened is not None:
        attrs["TransactionType"] = "Insert"
    element = etree.Element(q("SubjectData"), attrs, nsmap=NSMAP)
    if screened is not None:
        _audit_record(element, screened, users, site, None, stats)
    sub(element, "SiteRef", {"LocationOID": location_oid(site)})
    _flag(element, 1, SUBJECT_STATUS_CL, subject.status, SUBJECT_STATUS_FLAG)

    event_order, form_order = _event_order(study), _form_order(study)
    ordered = sorted(set(forms) | {k for k in subject.forms if k in created}, key=lambda k: (
        event_order.get(k[0], 99), k[0], k[1], form_order.get(k[2], 99), k[2]))  # fmt: skip
    current, event_data = None, None
    for where in ordered:
        event_oid, repeat, code = where
        try:
            form = study.form(code)
        except KeyError:
            continue
        if not any(index.kept(form, g) for g in form.groups):
            continue
        if current != (event_oid, repeat):
            event_data = sub(element, "StudyEventData", _event_attrs(study, event_oid, repeat))
            current = (event_oid, repeat)
        creation = created.get(where)
        form_data = sub(event_data, "FormData", {
            "FormOID": form.oid, "TransactionType": "Insert" if creation else None})
        if creation is not None:
            _audit_record(form_data, creation, users, site, None, stats)
        meta = subject.forms.get(where)
        if meta is not None:
            _flag(form_data, 1, FORM_STATUS_CL, meta.status, FORM_STATUS_FLAG)
        for (_group, row_key), entries in forms.get(where, {}).items():
            first = entries[0][1]
            group_data = sub(form_data, "ItemGroupData", {
                "ItemGroupOID": first.group_oid,
                "ItemGroupRepeatKey": str(row_key) if first.group.repeating else None})
            for entry, odm_item in entries:
                transaction = _transaction_type(entry)
                value, missing = _split_missing(entry.new_value)
                if transaction == "Remove":
                    value = missing = None
                data = _item_data(group_data, odm_item.oid, value, missing, transaction)
                _audit_record(data, entry, users, site,
                              change_reason_text(entry, odm_item.item), stats)  # fmt: skip
                if missing:
                    _null_reason(data, missing)
                stats.item_data += 1
        stats.forms += 1
    stats.subjects += 1
    return element
