"""Which soft "unusual value" inputs of the derivations are not confirmed yet (issue 13).

A derivation input outside its soft range yields no derived value until its soft finding is
confirmed (study/derivations/_guard.py). A soft finding on a form in progress asks for nothing
(query_timing), so a stored value may still be unconfirmed: confirmed means a CheckOverride on
its form instance under the finding's key (or, for the form being saved or previewed, a
justification in `FormEntry.overrides`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tnt_desktop.services.clinical_data import LoadedForm, LoadedSubject
from tnt_desktop.services.form_entries import FormEntry, finding_key
from tnt_desktop.storage.models import CheckOverride
from tnt_desktop.study.derivations import DERIVATIONS, Where
from tnt_desktop.study.forms import forms_by_code
from tnt_desktop.study.model import Finding, Item, Severity, Text
from tnt_desktop.study.subject import FormRecord
from tnt_desktop.study.validation import SOFT_RANGE


@cache
def _soft_inputs() -> dict[str, tuple[tuple[str | None, str, Item], ...]]:
    """form code → (group or None, item name, item) of every derivation input with a soft
    range."""
    found: dict[str, list[tuple[str | None, str, Item]]] = defaultdict(list)
    for ref in sorted({ref for d in DERIVATIONS for ref in d.inputs}):
        parts = ref.split(".")
        code, group, name = (parts[0], parts[1], parts[2]) if len(parts) == 3 else (
            parts[0], None, parts[-1])  # fmt: skip
        form = forms_by_code().get(code)
        item = form.item(name, group) if form is not None else None
        if item is not None and item.soft is not None:
            found[code].append((group, name, item))
    return {code: tuple(items) for code, items in found.items()}


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value)


def unconfirmed_soft(session: Session, loaded: LoadedSubject, entry: FormEntry,
                     record: FormRecord, row_keys: dict[str, list[int]],
                     old: LoadedForm | None) -> list[Where]:  # fmt: skip
    """The derivation inputs of the subject, as this save or preview would leave it (`record`
    replacing the stored instance `old`), that are outside their soft range and not confirmed."""
    inputs = _soft_inputs()
    here = (entry.event, entry.repeat, entry.form)
    instances: list[tuple[FormRecord, dict[str, list[int]], int | None]] = [
        (lf.record, lf.row_keys, lf.instance.id) for key, lf in loaded.forms.items()
        if key != here and lf.record.form in inputs]  # fmt: skip
    if record.form in inputs:
        instances.append((record, row_keys, old.instance.id if old is not None else None))
    if not instances:
        return []
    confirmed: dict[int | None, set[str]] = defaultdict(set)
    pks = [pk for _r, _k, pk in instances if pk is not None]
    if pks:
        for pk, key in session.execute(select(CheckOverride.form_pk, CheckOverride.finding_key)
                                       .where(CheckOverride.form_pk.in_(pks))):  # fmt: skip
            confirmed[pk].add(key)
    current = old.instance.id if old is not None else None
    confirmed[current] |= {key for key, text in entry.overrides.items() if (text or "").strip()}
    found: list[Where] = []
    for rec, keys, pk in instances:
        for group, name, item in inputs[rec.form]:
            for row, value in _cells(rec, group, name):
                number = _number(value)
                if number is None or item.soft.contains(number) or (
                        item.hard is not None and not item.hard.contains(number)):  # fmt: skip
                    continue  # in range, or a hard failure (always refused)
                ref = f"{rec.form}.{group}.{name}" if group else f"{rec.form}.{name}"
                group_keys = keys.get(group or "", [])
                row_key = group_keys[row] if row is not None and row < len(group_keys) else None
                finding = Finding(SOFT_RANGE, Severity.SOFT, Text("", ""), (ref,), rec.event,
                                  rec.repeat, row)  # fmt: skip
                if finding_key(finding, row_key) not in confirmed[pk]:
                    found.append((rec.event, rec.repeat, rec.form, group, row, name))
    return found


def _cells(record: FormRecord, group: str | None,
           name: str) -> Iterable[tuple[int | None, Any]]:  # fmt: skip
    if group is None:
        return [(None, record.values.get(name))]
    return [(index, row.get(name)) for index, row in enumerate(record.rows.get(group, []))]
