"""Reading a subject's stored values into the typed SubjectData the study layer works on.

Storage keeps canonical text (study.values); this module turns it into typed values and back,
and remembers which stored row each repeating-group row came from (row keys are stable and
never reused, so audit entries of a removed row keep pointing at it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from tnt_desktop.errors import NotFound
from tnt_desktop.storage.models import EventInstance, FormInstance, ItemValue, Subject
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import Event, Form, Item, Text
from tnt_desktop.study.subject import FormRecord, SubjectData
from tnt_desktop.study.values import ValueError_, parse_value

MAIN = ""  # group_name of non-repeating items in item_value


def collected_form(study: Study, event: str, repeat: int, form_code: str) -> tuple[Form, Event]:
    """The form and event definitions of a form instance the study collects (form `form_code`
    at event `event`, repeat `repeat`); NotFound, in both languages, otherwise. The one check
    behind saving, reading and querying a form instance."""
    try:
        form = study.form(form_code)
        definition = study.event(event)
    except KeyError as exc:
        raise NotFound(Text(f"unknown form or event: {exc}", f"未知的表单或访视：{exc}")) from None
    if not definition.has_form_at(form.code, repeat) or (repeat != 1 and not
                                                         definition.repeating):  # fmt: skip
        raise NotFound(Text(f"{form.code} is not collected at {event} #{repeat}",
                            f"{event} 第 {repeat} 次不收集 {form.code}"))  # fmt: skip
    return form, definition


@dataclass
class StoredValue:
    """One item_value row as plain data (read with Core, written back in batches)."""

    form_pk: int
    group_name: str
    row_key: int
    item_name: str
    value: str | None = None
    missing_reason: str | None = None
    derived: bool = False
    id: int | None = None  # None until inserted


@dataclass
class LoadedForm:
    instance: FormInstance
    record: FormRecord
    row_keys: dict[str, list[int]] = field(default_factory=dict)  # group → key per row index
    stored: dict[tuple[str, int, str], StoredValue] = field(default_factory=dict)


@dataclass
class LoadedSubject:
    subject: Subject
    data: SubjectData
    forms: dict[tuple[str, int, str], LoadedForm]  # (event, repeat, form) → form

    def form(self, event: str, repeat: int, code: str) -> LoadedForm | None:
        return self.forms.get((event, repeat, code))


def find_subject(session: Session, key: str) -> Subject:
    subject = session.scalar(
        select(Subject).where((Subject.subject_id == key) | (Subject.screening_number == key))
    )
    if subject is None:
        raise NotFound(Text(f"no subject {key}", f"没有受试者 {key}"))
    return subject


def typed(item: Item, text: str | None):
    if text is None or text == "":
        return None
    try:
        return parse_value(item, text)
    except ValueError_:
        return text  # stored under an older definition: keep the text, validation reports it


def load_subject(session: Session, study: Study, subject: Subject) -> LoadedSubject:
    data = SubjectData(subject.subject_id or subject.screening_number)
    loaded: dict[tuple[str, int, str], LoadedForm] = {}
    instances = session.scalars(
        select(FormInstance)
        .join(EventInstance)
        .where(EventInstance.subject_pk == subject.id)
        .order_by(EventInstance.event_oid, EventInstance.repeat_key, FormInstance.form_code)
        .options(contains_eager(FormInstance.event))  # one query, not one per form
    ).all()
    by_pk: dict[int, LoadedForm] = {}
    for instance in instances:
        event = instance.event
        record = FormRecord(event.event_oid, instance.form_code, event.repeat_key)
        form = LoadedForm(instance, record)
        data.add(record)
        loaded[(event.event_oid, event.repeat_key, instance.form_code)] = form
        by_pk[instance.id] = form
    if not by_pk:
        return LoadedSubject(subject, data, loaded)
    table = ItemValue.__table__
    rows = session.execute(
        select(table.c.form_pk, table.c.group_name, table.c.row_key, table.c.item_name,
               table.c.value, table.c.missing_reason, table.c.derived, table.c.id)
        .where(table.c.form_pk.in_(by_pk))
        .order_by(table.c.form_pk, table.c.group_name, table.c.row_key)
    ).all()  # fmt: skip
    for row in rows:
        stored = StoredValue(*row)
        form = by_pk[stored.form_pk]
        form.stored[(stored.group_name, stored.row_key, stored.item_name)] = stored
        definition = study.form(form.record.form)
        item = definition.item(stored.item_name, stored.group_name or None)
        if item is None:
            continue  # an item retired by a later metadata version: kept, not shown
        if stored.group_name == MAIN:
            target, missing = form.record.values, form.record.missing
        else:
            keys = form.row_keys.setdefault(stored.group_name, [])
            rows = form.record.rows.setdefault(stored.group_name, [])
            if stored.row_key not in keys:
                keys.append(stored.row_key)
                rows.append({})
            index = keys.index(stored.row_key)
            target = rows[index]
            missing = form.record.row_missing.setdefault(stored.group_name, {}).setdefault(
                index, {}
            )
        value = typed(item, stored.value)
        if value is not None:
            target[stored.item_name] = value
        if stored.missing_reason:
            missing[stored.item_name] = stored.missing_reason
    for form in by_pk.values():  # drop rows that were removed (all values cleared)
        for group, rows in list(form.record.rows.items()):
            keep = [i for i, row in enumerate(rows) if row or form.record.row_missing.get(
                group, {}).get(i)]  # fmt: skip
            if len(keep) != len(rows):
                form.record.rows[group] = [rows[i] for i in keep]
                form.row_keys[group] = [form.row_keys[group][i] for i in keep]
                old = form.record.row_missing.get(group, {})
                form.record.row_missing[group] = {
                    new: old[i] for new, i in enumerate(keep) if i in old
                }
    return LoadedSubject(subject, data, loaded)
