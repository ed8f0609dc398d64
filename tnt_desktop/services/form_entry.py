"""`save_form` — the one write path for clinical data.

permission check → parse and validate against the study definition (hard errors refuse the save
and name the field; soft warnings need an explicit override reason) → values → derived values
recomputed for the whole subject (audited as SYSTEM) → audit entries → commit, all in one
transaction. Changing a value saved before requires a reason for change. The GUI, the CLI, the
demo generator and the ODM import all call this function; nothing else writes item values.

Hard findings whose items all lie in the form being saved refuse the save. Hard cross-form
findings (X-13 compares IE with DM, say) cannot refuse it — which form is wrong is for a person
to decide, and refusing both saves would deadlock — so they are recorded on the form and block
marking it complete.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tnt_desktop.errors import ConflictError, TntError
from tnt_desktop.services.clinical_data import (
    MAIN,
    LoadedForm,
    collected_form,
    find_subject,
    load_subject,
)
from tnt_desktop.services.deviation_candidates import after_save
from tnt_desktop.services.form_entries import (
    ChangeReason,
    FormEntry,
    OverrideRequired,
    ReasonRequired,
    SaveResult,
    ValidationFailed,
    finding_key,
    row_key_of,
)
from tnt_desktop.services.form_values import (
    change_action,
    discard_values,
    record_cells,
    shown,
    store_value,
    write_derived,
    write_values,
)
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.sequences import next_number
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.soft_inputs import unconfirmed_soft
from tnt_desktop.services.workflow import (
    COMPLETE_OR_BEYOND,
    REOPENED_BY_EDIT,
    FormStatus,
    check_form_writable,
    check_writable,
)
from tnt_desktop.storage.audit import utc_now_text
from tnt_desktop.storage.models import CheckOverride, EventInstance, FormInstance
from tnt_desktop.study.checks import run_checks
from tnt_desktop.study.derivations import DERIVE_RANGE, Where, derive_all
from tnt_desktop.study.model import (
    MISSING_REASONS,
    Finding,
    Form,
    Item,
    Severity,
    Text,
)
from tnt_desktop.study.subject import FormRecord, SubjectData
from tnt_desktop.study.validation import validate_form
from tnt_desktop.study.values import ValueError_, parse_value


def _about_this_instance(finding: Finding, entry: FormEntry) -> bool:
    """A finding that names another instance of the form (C2's delay while C3 is saved) is
    that instance's business: it neither blocks this save nor asks for an override here."""
    return (finding.event is None or finding.event == entry.event) and (
        finding.repeat is None or finding.repeat == entry.repeat
    )


def _hard(check: str, ref: str, en: str, zh: str, row: int | None = None) -> Finding:
    return Finding(check, Severity.HARD, Text(en, zh), (ref,), row=row)


def _utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _parse_into(
    form: Form, group: str | None, raw: dict[str, str], missing: dict[str, str],
    target: dict, target_missing: dict, errors: list[Finding], row: int | None,
) -> None:  # fmt: skip
    for name, text in raw.items():
        item = form.item(name, group)
        ref = f"{form.code}.{name}"
        if item is None or (group is None and form.group_of(name) and form.group_of(
                name).repeating):  # fmt: skip
            errors.append(_hard("UNKNOWN-ITEM", ref, f"{name} is not an item of {form.code}",
                                f"{name} 不是 {form.code} 的条目", row))  # fmt: skip
            continue
        if item.is_derived and not item.editable_derived:
            errors.append(_hard("DERIVED", ref, f"{name} is derived and cannot be typed",
                                f"{name} 为系统计算值，不能手工录入", row))  # fmt: skip
            continue
        if text is None or str(text).strip() == "":
            target.pop(name, None)
            continue
        try:
            target[name] = parse_value(item, str(text))
        except ValueError_ as exc:
            errors.append(Finding("TYPE", Severity.HARD, exc.message, (ref,), row=row))
            continue
        target_missing.pop(name, None)
    for name, reason in missing.items():
        ref = f"{form.code}.{name}"
        item = form.item(name, group)
        if item is None:
            errors.append(_hard("UNKNOWN-ITEM", ref, f"{name} is not an item of {form.code}",
                                f"{name} 不是 {form.code} 的条目", row))  # fmt: skip
        elif not reason:
            target_missing.pop(name, None)
        elif reason not in MISSING_REASONS:
            errors.append(_hard("MISSING-REASON", ref, f"{name}: unknown reason {reason!r}",
                                f"{name}：未知的缺失原因 {reason!r}", row))  # fmt: skip
        else:
            target_missing[name] = reason
            target.pop(name, None)


def _new_record(
    form: Form, entry: FormEntry, old: LoadedForm | None, errors: list[Finding]
) -> tuple[FormRecord, dict[str, list[int]]]:
    used: dict[str, set[int]] = {}  # group → every row key it ever had (removed rows too)
    if old is not None:
        record = copy.deepcopy(old.record)
        row_keys = {g: list(keys) for g, keys in old.row_keys.items()}
        for group_name, key, _name in old.stored:
            used.setdefault(group_name, set()).add(key)
    else:
        record = FormRecord(entry.event, entry.form, entry.repeat)
        row_keys = {}
    _parse_into(form, None, entry.values, entry.missing, record.values, record.missing, errors,
                None)  # fmt: skip
    for group_name, rows in entry.rows.items():
        group = next((g for g in form.groups if g.name == group_name and g.repeating), None)
        if group is None:
            errors.append(_hard("UNKNOWN-GROUP", f"{form.code}.{group_name}",
                                f"{group_name} is not a repeating group of {form.code}",
                                f"{group_name} 不是 {form.code} 的重复组"))  # fmt: skip
            continue
        old_rows = record.rows.get(group_name, [])
        old_keys = row_keys.get(group_name, [])
        old_missing = record.row_missing.get(group_name, {})
        new_rows, new_keys, new_missing = [], [], {}
        ever = used.get(group_name, set())
        named = {row.key for row in rows if row.key is not None}
        next_key = max(ever | named | {0}) + 1  # keys count per group, never reused
        for index, row in enumerate(rows):
            if row.key is not None and row.key in new_keys:
                errors.append(_hard("DUPLICATE-ROW", f"{form.code}.{group_name}",
                                    f"row {row.key} of {group_name} is given twice",
                                    f"{group_name} 的第 {row.key} 行重复出现"))  # fmt: skip
                continue
            if row.key is not None and row.key in old_keys:
                position = old_keys.index(row.key)
                values = dict(old_rows[position])
                missing = dict(old_missing.get(position, {}))
                key = row.key
            elif row.key is not None and row.create and row.key > 0 and row.key not in ever:
                values, missing, key = {}, {}, row.key
            elif row.key is not None:
                errors.append(_hard("UNKNOWN-ROW", f"{form.code}.{group_name}",
                                    f"row {row.key} of {group_name} does not exist",
                                    f"{group_name} 的第 {row.key} 行不存在"))  # fmt: skip
                continue
            else:
                values, missing, key = {}, {}, next_key
                next_key += 1
            _parse_into(form, group_name, row.values, row.missing, values, missing, errors,
                        index)  # fmt: skip
            new_rows.append(values)
            new_keys.append(key)
            if missing:
                new_missing[len(new_rows) - 1] = missing
        record.rows[group_name] = new_rows
        record.row_missing[group_name] = new_missing
        row_keys[group_name] = new_keys
    return record, row_keys


def _points_only_at(finding: Finding, code: str) -> bool:
    return bool(finding.items) and all(ref.split(".")[0] == code for ref in finding.items)


def save_form(app: AppSession, entry: FormEntry, *, today: date | None = None) -> SaveResult:
    """Validate and save one form instance in one transaction (see the module docstring).
    Called inside an open transaction (enrolment, screen failure, an import), it joins it, so
    that the larger use case commits or fails as one (`AppSession.transaction`)."""
    app.require(Permission.ENTER_DATA)
    form, _event = collected_form(app.study, entry.event, entry.repeat, entry.form)
    if entry.reason is not None:
        try:
            reason = ChangeReason(entry.reason)
        except ValueError:
            raise TntError(Text(f"unknown reason for change {entry.reason!r}",
                                f"未知的修改原因 {entry.reason!r}")) from None  # fmt: skip
        if reason is ChangeReason.OTHER and not entry.reason_text.strip():
            raise TntError(Text("reason 'Other' needs an explanation", "选择“其他”时需填写说明"))
    with app.transaction() as session:
        try:
            return _save(app, session, form, entry, today or date.today())
        finally:
            discard_values(session)  # a refused save leaves no values to write


def _save(app: AppSession, session: Session, form: Form, entry: FormEntry, today: date):
    study = app.study
    subject = find_subject(session, entry.subject)
    check_writable(session, subject)  # database locked, subject frozen or locked
    loaded = load_subject(session, study, subject)
    old = loaded.form(entry.event, entry.repeat, entry.form)
    check_form_writable(old.instance if old is not None else None,
                        f"{subject.key} {entry.event} #{entry.repeat} {form.code}")  # fmt: skip
    old_status = old.instance.status if old is not None else None
    reopens = old_status in REOPENED_BY_EDIT  # verified or signed: every change needs a reason
    if entry.expected_version is not None and old is not None and (
        old.instance.version != entry.expected_version
    ):
        raise ConflictError(
            Text("this form was saved by someone else since you opened it; reopen it",
                 "打开此表单后已被他人保存，请重新打开")
        )  # fmt: skip
    errors: list[Finding] = []
    record, row_keys = _new_record(form, entry, old, errors)
    if errors:
        raise ValidationFailed(errors)
    _assign_row_numbers(session, loaded.subject.id, form, record)

    unconfirmed = unconfirmed_soft(session, loaded, entry, record, row_keys, old)
    derived, new_record, findings = _evaluate(app, form, entry, loaded, old, record, today,
                                              unconfirmed)  # fmt: skip
    blocking = [f for f in findings if f.severity is Severity.HARD and (
        _points_only_at(f, form.code) or f.check_id == "REQUIRED")]  # fmt: skip
    if blocking:
        raise ValidationFailed(blocking)
    cross_hard = [f for f in findings if f.severity is Severity.HARD and f not in blocking]
    if entry.complete and cross_hard:
        raise ValidationFailed(cross_hard)

    existing = {}
    if old is not None:
        existing = {
            o.finding_key: o
            for o in session.scalars(
                select(CheckOverride).where(CheckOverride.form_pk == old.instance.id)
            )
        }
    from tnt_desktop.services.query_timing import soft_findings_are_final

    final = soft_findings_are_final(form.code, new_record, app.params,
                                    completing=entry.complete or old_status in COMPLETE_OR_BEYOND)
    soft_here = list({
        finding_key(f, row_key_of(f, row_keys, form)): f
        for f in findings
        if f.severity is Severity.SOFT and _points_only_at(f, form.code)
        and f.dv_category is None  # a deviation candidate goes to the DV log (clar. 20)
        and f.check_id != DERIVE_RANGE  # "not derived, because…" explains, asks nothing
    }.items()) if final else []  # in progress: shown, confirmed when complete (issue 16)
    unresolved = [(k, f) for k, f in soft_here if k not in existing and not (
        entry.overrides.get(k, "").strip())]  # fmt: skip
    if unresolved and not entry.findings_as_queries:
        raise OverrideRequired(unresolved)

    old_cells = record_cells(form, old.record, old.row_keys) if old is not None else {}
    new_cells = record_cells(form, new_record, row_keys)
    changes = []
    for key in sorted(set(old_cells) | set(new_cells)):
        before, after = old_cells.get(key, (None, None)), new_cells.get(key, (None, None))
        item = form.item(key[2], key[0] or None)
        if before == after or item is None:
            continue
        removed_row = key[0] != MAIN and key[1] not in row_keys.get(key[0], [])
        if item.is_derived and not removed_row and not _typed_here(item, key, entry, before):
            continue  # derived values are written (as SYSTEM) by _write_derived
        changes.append((key, before, after))
    needs_reason = [
        f"{form.code}.{k[2]}" + (f"[{k[1]}]" if k[1] else "")
        for k, before, _after in changes
        if (before != (None, None) or reopens) and not _assigned(form, k)
    ]
    if needs_reason and entry.reason is None:
        raise ReasonRequired(needs_reason)

    # ---- write ------------------------------------------------------------------------------
    instance = _instance(app, session, loaded.subject, entry, old)
    stored = old.stored if old is not None else {}
    subject_key = loaded.subject.key
    where = dict(subject_key=subject_key, event_oid=entry.event, repeat_key=entry.repeat,
                 form_code=form.code)  # fmt: skip
    for (group, row_key, name), before, after in changes:
        assigned = _assigned(form, (group, row_key, name)) and before == (None, None)
        store_value(session, instance, stored, group, row_key, name, after, derived=assigned)
        if assigned:
            app.audit(session, "ID_ASSIGNED", system=True, **where, group_name=group or None,
                      row_key=row_key or None, item_name=name, new_value=shown(after))  # fmt: skip
            continue
        was_saved = before != (None, None) or reopens
        app.audit(
            session, change_action(before, after), **where, group_name=group or None,
            row_key=row_key or None, item_name=name, old_value=shown(before),
            new_value=shown(after),
            reason_code=entry.reason if was_saved else None,
            reason_text=(entry.reason_text or None) if was_saved else None,
        )  # fmt: skip
    derived_changed = write_derived(app, session, loaded, derived, instance, entry, row_keys,
                                     stored)  # fmt: skip
    for key, finding in soft_here:
        if key in existing or not entry.overrides.get(key, "").strip():
            continue  # confirmed before, or (findings_as_queries) left open as a query below
        reason_text = entry.overrides[key].strip()
        session.add(CheckOverride(form_pk=instance.id, finding_key=key, reason=reason_text,
                                  username=app.username, ts_utc=utc_now_text()))  # fmt: skip
        app.audit(session, "CHECK_OVERRIDDEN", **where, item_name=(finding.items[0].split(
            ".")[-1] if finding.items else None), reason_text=reason_text,
            detail=f"{finding.check_id}: {finding.message.en}")  # fmt: skip
        # an overridden soft check raises a query (origin AUTO, SYSTEM), same transaction
        from tnt_desktop.services import queries

        q_item, q_group, q_row = queries.finding_target(
            form, finding, row_key_of(finding, row_keys, form))  # fmt: skip
        queries.raise_auto_query(app, session, loaded.subject, entry.event, entry.repeat,
                                 form.code, q_item, finding.check_id,
                                 queries.auto_query_text(finding, reason_text),
                                 group_name=q_group, row_key=q_row)  # fmt: skip
    if entry.findings_as_queries and unresolved:
        from tnt_desktop.services import queries

        for _key, finding in unresolved:
            q_item, q_group, q_row = queries.finding_target(
                form, finding, row_key_of(finding, row_keys, form))  # fmt: skip
            queries.raise_finding_query(app, session, loaded.subject, entry.event, entry.repeat,
                                        form.code, q_item, finding, group_name=q_group,
                                        row_key=q_row)  # fmt: skip
    status = _status(entry, old, findings, form, new_record, derived)
    if reopens and not changes:
        status = old_status  # saved without a change: still verified / signed
    if status != instance.status:
        app.audit(session, "FORM_STATUS", **where, old_value=instance.status, new_value=status,
                  reason_code=entry.reason if reopens else None,
                  reason_text=(entry.reason_text or None) if reopens else None)  # fmt: skip
        instance.status = status
    instance.has_errors = bool(cross_hard)
    instance.has_warnings = bool(soft_here) or any(f.severity is not Severity.HARD
                                                   for f in findings)  # fmt: skip
    instance.version += 1
    instance.updated_utc = _utc()
    write_values(session)
    session.flush()
    from tnt_desktop.services.signatures import check_signatures

    check_signatures(app, session, loaded.subject)  # signed data changed: signature broken
    # DV candidates, kept queries (clar. 20), written through this same write path
    after_save(app, session, loaded.subject, today, save_form)
    status = instance.status
    remaining = [f for f in findings if f.severity is not Severity.HARD or f in cross_hard]
    return SaveResult(status, instance.version, len(changes), derived_changed, remaining)


def _assigned(form: Form, key: tuple[str, int, str]) -> bool:
    item = form.item(key[2], key[0] or None)
    return item is not None and item.derivation == "ASSIGNED"


def _typed_here(item: Item, key: tuple[str, int, str], entry: FormEntry, before) -> bool:
    """Is this derived cell a person's entry in this save (an editable derived override) or a
    sequence number assigned to a new row?"""
    if item.derivation == "ASSIGNED":
        return before == (None, None)
    return item.editable_derived and key[0] == MAIN and bool(
        str(entry.values.get(item.name, "")).strip())


def _assign_row_numbers(session: Session, subject_pk: int, form: Form, record: FormRecord) -> None:
    """Rows of the AE and DV logs get the next AE-001 / DV-001 number of this subject, once."""
    for group in form.groups:
        if not group.repeating:
            continue
        for item in group.items:
            if item.derivation != "ASSIGNED":
                continue
            prefix = item.name.removesuffix("SPID")
            for row in record.rows.get(group.name, []):
                if not row.get(item.name):
                    number = next_number(session, f"{item.name}:{subject_pk}")
                    row[item.name] = f"{prefix}-{number:03d}"


def _evaluate(app: AppSession, form: Form, entry: FormEntry, loaded, old, record: FormRecord,
              today: date, unconfirmed: list[Where] | None = None,
              ) -> tuple[SubjectData, FormRecord, list[Finding]]:  # fmt: skip
    """The whole subject as it would be after this save — every derived value recomputed, none
    from an input that fails its range check (hard, or soft and `unconfirmed`:
    services/soft_inputs.py) — and the findings about this form instance
    (item-level, derived values not computed and why, the checks this form triggers)."""
    proposed = SubjectData(loaded.data.subject_id, [
        r for r in copy.deepcopy(loaded.data.records)
        if (r.event, r.repeat, r.form) != (entry.event, entry.repeat, entry.form)
    ])  # fmt: skip
    proposed.add(record)
    keep = _typed_overrides(form, entry, old)
    notes: list[Finding] = []
    derived = derive_all(proposed, app.params, keep=keep, unconfirmed=unconfirmed or (),
                         notes=notes)  # fmt: skip
    new_record = next(
        r for r in derived.records
        if (r.event, r.repeat, r.form) == (entry.event, entry.repeat, entry.form)
    )  # fmt: skip
    findings = validate_form(form, new_record, derived, complete=entry.complete, study=app.study)
    findings += [n for n in notes if _points_only_at(n, form.code)]
    findings += run_checks(derived, app.params, forms=[form.code], today=today)
    return derived, new_record, [f for f in findings if _about_this_instance(f, entry)]


@dataclass
class Preview:
    """What a save would do, without saving: for live derived values and inline warnings."""

    record: FormRecord  # the form instance with its derived values
    findings: list[Finding]  # hard and soft, as the save would see them
    row_keys: dict[str, list[int]]


def preview_form(app: AppSession, entry: FormEntry, *, today: date | None = None) -> Preview:
    """Evaluate a FormEntry exactly as `save_form` would, in a read transaction that writes
    nothing. Values that do not parse come back as hard findings instead of an exception."""
    app.require(Permission.VIEW_DATA)
    form = app.study.form(entry.form)
    with app.transaction(write=False) as session:
        loaded = load_subject(session, app.study, find_subject(session, entry.subject))
        old = loaded.form(entry.event, entry.repeat, entry.form)
        errors: list[Finding] = []
        record, row_keys = _new_record(form, entry, old, errors)

        unconfirmed = unconfirmed_soft(session, loaded, entry, record, row_keys, old)
        _, new_record, findings = _evaluate(app, form, entry, loaded, old, record,
                                            today or date.today(), unconfirmed)  # fmt: skip
    return Preview(new_record, errors + findings, row_keys)


def _typed_overrides(form: Form, entry: FormEntry, old: LoadedForm | None) -> frozenset[str]:
    """Editable derived items (AJCC_T) a person has overridden keep their typed value."""
    keep = set()
    for _group, item in form.items():
        if not item.editable_derived:
            continue
        if entry.values.get(item.name, "").strip():
            keep.add(f"{form.code}.{item.name}")
        elif old is not None and item.name not in entry.values:
            stored = old.stored.get((MAIN, 0, item.name))
            if stored is not None and not stored.derived and stored.value:
                keep.add(f"{form.code}.{item.name}")
    return frozenset(keep)


def _instance(app, session: Session, subject, entry: FormEntry, old: LoadedForm | None):
    if old is not None:
        return old.instance
    event = session.scalar(
        select(EventInstance).where(
            EventInstance.subject_pk == subject.id, EventInstance.event_oid == entry.event,
            EventInstance.repeat_key == entry.repeat,
        )
    )  # fmt: skip
    if event is None:
        event = EventInstance(subject_pk=subject.id, event_oid=entry.event,
                              repeat_key=entry.repeat)  # fmt: skip
        session.add(event)
        session.flush()
    now = _utc()
    instance = FormInstance(
        event_pk=event.id, form_code=entry.form, status=FormStatus.IN_PROGRESS.value,
        metadata_version=app.metadata_version, has_errors=False, has_warnings=False,
        created_utc=now, updated_utc=now, version=0,
    )  # fmt: skip
    session.add(instance)
    session.flush()
    app.audit(session, "FORM_CREATED", subject_key=subject.key, event_oid=entry.event,
              repeat_key=entry.repeat, form_code=entry.form)  # fmt: skip
    return instance



def _status(entry, old, findings, form, record, derived) -> str:
    if entry.complete:
        return FormStatus.COMPLETE.value
    if old is not None and old.instance.status in COMPLETE_OR_BEYOND:
        still = validate_form(form, record, derived, complete=True)
        if not any(f.check_id == "REQUIRED" for f in still):
            return FormStatus.COMPLETE.value
    return FormStatus.IN_PROGRESS.value
