"""The item values of one save (services.form_entry): a form record as canonical cells, the
values stored and batched into one insert and one update, the text and action an audit entry
records for a change, and the derived values recomputed for the whole subject (audited as
SYSTEM). Called only from inside `save_form`'s transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tnt_desktop.services.clinical_data import (
    MAIN,
    StoredValue,
)
from tnt_desktop.services.workflow import (
    FormLocked,
    FormStatus,
)
from tnt_desktop.storage import bulk
from tnt_desktop.study.model import (
    Form,
)
from tnt_desktop.study.subject import FormRecord, SubjectData
from tnt_desktop.study.values import format_value


def canonical(form: Form, group: str | None, name: str, value) -> str | None:
    if value is None:
        return None
    item = form.item(name, group)
    return format_value(item, value) if item is not None else str(value)


def record_cells(form: Form, record: FormRecord, row_keys: dict[str, list[int]]) -> dict:
    """(group, row key, item) → (canonical value, missing reason) for a whole form record."""
    cells: dict[tuple[str, int, str], tuple[str | None, str | None]] = {}
    for name, value in record.values.items():
        cells[(MAIN, 0, name)] = (canonical(form, None, name, value), None)
    for name, reason in record.missing.items():
        cells[(MAIN, 0, name)] = (cells.get((MAIN, 0, name), (None, None))[0], reason)
    for group, rows in record.rows.items():
        keys = row_keys.get(group, [])
        missing = record.row_missing.get(group, {})
        for index, row in enumerate(rows):
            for name, value in row.items():
                cells[(group, keys[index], name)] = (canonical(form, group, name, value), None)
            for name, reason in missing.get(index, {}).items():
                old = cells.get((group, keys[index], name), (None, None))[0]
                cells[(group, keys[index], name)] = (old, reason)
    return cells


_TOUCHED = "form_entry.touched"  # session.info: StoredValues this save wrote


def store_value(session, instance, stored, group, row_key, name, cell, *, derived: bool) -> None:
    value, missing = cell
    row = stored.get((group, row_key, name))
    if row is None:
        row = StoredValue(instance.id, group, row_key, name)
        stored[(group, row_key, name)] = row
    row.value, row.missing_reason, row.derived = value, missing, derived
    session.info.setdefault(_TOUCHED, {})[id(row)] = row


def discard_values(session: Session) -> None:
    """Forget the values a refused save stored: nothing of it is written."""
    session.info.pop(_TOUCHED, None)


def write_values(session: Session) -> None:
    """Insert new item values and update changed ones, one batched statement each."""
    touched = list(session.info.pop(_TOUCHED, {}).values())
    bulk.insert_item_values(session, [vars(v) for v in touched if v.id is None])
    bulk.update_item_values(session, [(v.value, v.missing_reason, v.derived, v.id)
                                      for v in touched if v.id is not None])  # fmt: skip


def shown(cell: tuple[str | None, str | None]) -> str | None:
    value, missing = cell
    if missing:
        return f"[{missing}]"
    return value


def change_action(before, after) -> str:
    if before == (None, None):
        return "DATA_ENTERED"
    if after == (None, None):
        return "DATA_CLEARED"
    return "DATA_CHANGED"


def write_derived(app, session, loaded, derived: SubjectData, current, entry, row_keys,
                   current_stored) -> int:  # fmt: skip
    """Store every derived value that changed anywhere in the subject, audited as SYSTEM."""
    count = 0
    study = app.study
    for record in derived.records:
        here = (record.event, record.repeat, record.form) == (entry.event, entry.repeat,
                                                             entry.form)  # fmt: skip
        lf = loaded.form(record.event, record.repeat, record.form)
        if lf is None and not here:
            continue
        form = study.form(record.form)
        instance = current if here else lf.instance
        stored = current_stored if here else lf.stored
        keys = row_keys if here else lf.row_keys
        new = record_cells(form, record, keys)
        for group, item in form.items():
            if not item.is_derived or item.derivation == "ASSIGNED":
                continue
            targets = [(MAIN, 0)] if not group.repeating else [
                (group.name, k) for k in keys.get(group.name, [])]  # fmt: skip
            for g, k in targets:
                old_row = stored.get((g, k, item.name))
                if old_row is not None and not old_row.derived:
                    continue  # a person's override of an editable derived item
                before = old_row.value if old_row is not None else None
                after = new.get((g, k, item.name), (None, None))[0]
                if before == after:
                    continue
                if instance.status == FormStatus.LOCKED.value:
                    raise FormLocked(f"{loaded.subject.key} {record.event} #{record.repeat} "
                                     f"{record.form} (derived {item.name})")  # fmt: skip
                store_value(session, instance, stored, g, k, item.name, (after, None), derived=True)
                app.audit(
                    session, "DERIVED_VALUE", system=True, subject_key=loaded.subject.key,
                    event_oid=record.event, repeat_key=record.repeat, form_code=record.form,
                    group_name=g or None, row_key=k or None, item_name=item.name,
                    old_value=before, new_value=after,
                    detail=f"{item.derivation} (TNT Desktop {app_version()})",
                )  # fmt: skip
                count += 1
    return count


def app_version() -> str:
    from tnt_desktop import __version__

    return __version__
