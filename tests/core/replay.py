"""Replaying the audit trail: what every stored item value should be, according to the trail
alone. Used by the write-path invariants (test_write_path_properties) and the 0006 migration test.

An entry that set, changed or cleared a value (DATA_ENTERED, DATA_CHANGED, DATA_CLEARED,
DERIVED_VALUE, ID_ASSIGNED) sets its cell to `new_value`; a reason for missing shows as
"[NOT DONE]". Entries written before enrolment name the screening number: SUBJECT_ENROLLED maps
it to the study ID. ROW_KEYS_RENUMBERED (migration 0006) renumbers one form's rows.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.models import (
    AuditEntry,
    EventInstance,
    FormInstance,
    ItemValue,
    Subject,
)

VALUE_ACTIONS = {"DATA_ENTERED", "DATA_CHANGED", "DATA_CLEARED", "DERIVED_VALUE", "ID_ASSIGNED"}
Cell = tuple[str, str, int, str, str, int, str]  # subject, event, repeat, form, group, row, item


def replayed(app: AppSession) -> dict[Cell, str]:
    """Cell → value by the audit trail (cells whose last entry cleared them are left out)."""
    cells: dict[Cell, str | None] = {}
    alias: dict[str, str] = {}  # screening number → study ID
    with app.transaction(write=False) as session:
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
            if entry.action == "SUBJECT_ENROLLED" and entry.old_value:
                alias[entry.old_value] = entry.new_value
                for cell in [c for c in cells if c[0] == entry.old_value]:
                    cells[(entry.new_value, *cell[1:])] = cells.pop(cell)
            elif entry.action == "ROW_KEYS_RENUMBERED":
                subject = alias.get(entry.subject_key, entry.subject_key)
                where = (subject, entry.event_oid, entry.repeat_key, entry.form_code)
                moves = json.loads(entry.detail)
                moved = {}
                for cell in [c for c in cells if c[:4] == where and c[4] in moves]:
                    new = moves[cell[4]].get(str(cell[5]))
                    if new is not None:
                        moved[(*cell[:5], new, cell[6])] = cells.pop(cell)
                cells.update(moved)
            elif entry.action in VALUE_ACTIONS:
                subject = alias.get(entry.subject_key, entry.subject_key)
                cells[(subject, entry.event_oid, entry.repeat_key, entry.form_code,
                       entry.group_name or "", entry.row_key or 0,
                       entry.item_name)] = entry.new_value  # fmt: skip
    return {cell: value for cell, value in cells.items() if value is not None}


def stored(app: AppSession) -> dict[Cell, str]:
    """Cell → value as stored (a reason for missing as "[REASON]"), empty cells left out."""
    out: dict[Cell, str] = {}
    with app.transaction(write=False) as session:
        rows = session.execute(
            select(Subject.subject_id, Subject.screening_number, EventInstance.event_oid,
                   EventInstance.repeat_key, FormInstance.form_code, ItemValue.group_name,
                   ItemValue.row_key, ItemValue.item_name, ItemValue.value,
                   ItemValue.missing_reason)
            .join(EventInstance, EventInstance.subject_pk == Subject.id)
            .join(FormInstance, FormInstance.event_pk == EventInstance.id)
            .join(ItemValue, ItemValue.form_pk == FormInstance.id)
        ).all()  # fmt: skip
    for sid, scr, event, repeat, form, group, row, item, value, missing in rows:
        shown = f"[{missing}]" if missing else value
        if shown is not None:
            out[(sid or scr, event, repeat, form, group, row, item)] = shown
    return out


def replay_mismatches(app: AppSession) -> list[tuple[Cell, str | None, str | None]]:
    """(cell, by the trail, as stored) for every cell where the two disagree."""
    trail, now = replayed(app), stored(app)
    return [(c, trail.get(c), now.get(c)) for c in sorted(set(trail) | set(now), key=str)
            if trail.get(c) != now.get(c)]  # fmt: skip
