"""Derivations refuse out-of-range inputs (issue 13), for every derivation alike.

A derived value is computed only from inputs that pass their range checks: an input outside its
hard range (weight 500 kg), or outside its soft range while its soft finding is not confirmed,
yields no derived value (BSA, BMI, the CT doses…) — the value is cleared — and a finding on the
derived item says why. A derived value computed from a blocked derived value is blocked in turn,
with the same reason. Which instance of an input counts: the output's own form instance (and, for
a repeating group the output belongs to, its own row); for an input on another form, that form's
instance at the output's event and repeat when there is one, else every instance of it.

Soft ranges: stored values were confirmed when they were saved, so by default a soft value is
accepted; a caller previewing unsaved input names the soft values not yet confirmed
(`unconfirmed`: (event, repeat, form, group or None, row or None, item)).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import Decimal
from functools import cache
from typing import Any

from tnt_desktop.study.forms import forms_by_code
from tnt_desktop.study.model import Derivation, DerivedValue, Finding, Item, Severity, Text
from tnt_desktop.study.subject import FormRecord, SubjectData

DERIVE_RANGE = "DERIVE-RANGE"
Where = tuple[str, int, str, str | None, int | None, str]  # event, repeat, form, group, row, item
Reason = tuple[Severity, Text] | None


@cache
def _item(form: str, group: str | None, name: str) -> Item | None:
    declared = forms_by_code().get(form)
    try:
        return declared.item(name, group) if declared is not None else None
    except KeyError:
        return None


def _parse(ref: str) -> tuple[str, str | None, str]:
    parts = ref.split(".")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else (parts[0], None, parts[-1])


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value)


class RangeGuard:
    """Clears derived values whose inputs fail their range checks, and says why."""

    def __init__(self, subject: SubjectData, unconfirmed: Collection[Where] = (),
                 notes: list[Finding] | None = None) -> None:  # fmt: skip
        self.subject = subject
        self.unconfirmed = frozenset(unconfirmed)
        self.notes = notes
        self.blocked: dict[Where, Text] = {}  # derived cells cleared, and why

    def filter(self, derivation: Derivation, values: Iterable[DerivedValue]) -> list[DerivedValue]:
        kept = []
        inputs = [_parse(ref) for ref in derivation.inputs]
        for value in values:
            reason = None
            if value.form is not None and value.value is not None:
                reason = self._blocking(value, inputs)
            if reason is None:
                kept.append(value)
                continue
            where = (value.event or "", value.repeat, value.form or "", value.group, value.row,
                     value.item)  # fmt: skip
            self.blocked[where] = reason[1]
            kept.append(DerivedValue(value.item, None, value.form, value.event, value.repeat,
                                     value.group, value.row))  # fmt: skip
            if self.notes is not None:
                self.notes.append(self._note(value, *reason))
        return kept

    def _blocking(self, value: DerivedValue, inputs: list[tuple[str, str | None, str]]) -> Reason:
        found: Reason = None
        for form, group, name in inputs:
            for record in self._records(value, form):
                for row, cell in self._cells(value, record, group, name):
                    where = (record.event, record.repeat, form, group, row, name)
                    reason = self._check(where, cell)
                    if reason is not None and (found is None or reason[0] is Severity.HARD):
                        found = reason
                        if found[0] is Severity.HARD:
                            return found
        return found

    def _records(self, value: DerivedValue, form: str) -> list[FormRecord]:
        if form == value.form:
            return [r for r in self.subject.records
                    if (r.form, r.event, r.repeat) == (form, value.event, value.repeat)]
        all_ = [r for r in self.subject.records if r.form == form]
        same = [r for r in all_ if (r.event, r.repeat) == (value.event, value.repeat)]
        return same or all_

    @staticmethod
    def _cells(value: DerivedValue, record: FormRecord, group: str | None,
               name: str) -> list[tuple[int | None, Any]]:  # fmt: skip
        if group is None:
            return [(None, record.values.get(name))]
        rows = record.rows.get(group, [])
        if record.form == value.form and value.group == group and value.row is not None:
            return [(value.row, rows[value.row].get(name))] if value.row < len(rows) else []
        return [(index, row.get(name)) for index, row in enumerate(rows)]

    def _check(self, where: Where, cell: Any) -> Reason:
        if where in self.blocked:
            return Severity.HARD, self.blocked[where]
        number = _number(cell)
        if number is None:
            return None
        _event, _repeat, form, group, _row, name = where
        item = _item(form, group, name)
        if item is None:
            return None
        unit = f" {item.unit}" if item.unit else ""
        label = item.label
        if item.hard is not None and not item.hard.contains(number):
            return Severity.HARD, Text(
                f"{label.en} {number}{unit} is outside the allowed range "
                f"{item.hard.describe()}{unit}",
                f"{label.zh} {number}{unit} 超出允许范围 {item.hard.describe()}{unit}")
        if item.soft is not None and not item.soft.contains(number) and (
                where in self.unconfirmed):  # fmt: skip
            return Severity.SOFT, Text(
                f"{label.en} {number}{unit} is outside the expected range "
                f"{item.soft.describe()}{unit} and not confirmed yet",
                f"{label.zh} {number}{unit} 超出预期范围 {item.soft.describe()}{unit}，尚未确认")
        return None

    @staticmethod
    def _note(value: DerivedValue, severity: Severity, why: Text) -> Finding:
        item = _item(value.form or "", value.group, value.item)
        label = item.label if item is not None else Text(value.item, value.item)
        ref = ".".join(p for p in (value.form, value.group, value.item) if p)
        return Finding(
            DERIVE_RANGE, severity,
            Text(f"{label.en} not derived: {why.en}", f"{label.zh}未计算：{why.zh}"),
            (ref,), event=value.event, repeat=value.repeat, row=value.row,
        )  # fmt: skip
