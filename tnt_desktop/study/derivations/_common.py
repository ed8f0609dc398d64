"""Small helpers shared by the derivation modules (typed look-ups, dates, output values)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tnt_desktop.study.model import DerivedValue
from tnt_desktop.study.subject import FormRecord, PartialDate, SubjectData

YES = "Y"
NO = "N"


def yn(flag: bool | None) -> str | None:
    """True → "Y", False → "N", None → None (unknown)."""
    if flag is None:
        return None
    return YES if flag else NO


def as_decimal(value: Any) -> Decimal | None:
    """A number as an exact Decimal (floats through their text); None for anything else."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def as_int(value: Any) -> int | None:
    """An integer or an integer-valued code ("2"); None for NOT_ASSESSABLE, blanks, etc."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return None


def as_date(value: Any) -> date | None:
    """A full date; a complete PartialDate counts, an incomplete one does not."""
    if isinstance(value, date):
        return value
    if isinstance(value, PartialDate) and value.is_complete:
        return value.earliest()
    return None


def days_between(start: date | None, end: date | None) -> int | None:
    """end − start in days (None when either is missing)."""
    if start is None or end is None:
        return None
    return (end - start).days


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (clamped to the month's last day)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def latest(values: Iterable[date | None]) -> date | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def earliest(values: Iterable[date | None]) -> date | None:
    known = [v for v in values if v is not None]
    return min(known) if known else None


def value(subject: SubjectData, form: str, name: str, event: str | None = None) -> Any:
    """A value of the first instance of a form (None when the form or the value is absent)."""
    record = subject.form(form, event)
    return None if record is None else record.values.get(name)


def out(record: FormRecord, item: str, result: Any) -> DerivedValue:
    """A derived value written into this form instance."""
    return DerivedValue(item, result, form=record.form, event=record.event, repeat=record.repeat)


def row_out(record: FormRecord, group: str, row: int, item: str, result: Any) -> DerivedValue:
    """A derived value written into one row (0-based) of a repeating group of this instance."""
    return DerivedValue(
        item, result, form=record.form, event=record.event, repeat=record.repeat,
        group=group, row=row,
    )


def subject_value(item: str, result: Any) -> DerivedValue:
    """A subject-level derived value that lives in no form."""
    return DerivedValue(item, result)
