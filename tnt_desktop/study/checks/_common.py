"""Shared machinery of the edit checks: declaring a check, building findings, reading values.

A check module declares each check with `CheckDef(...)` and decorates its function with it:

    TIM01 = CheckDef("TIM-01", SOFT, T("RT within one week", "放疗一周内完成"),
                     forms=("RT",), items=("RT.RTOTT", "RT.RTNFX"), dv="RT_DOSE_SCHEDULE")

    @TIM01
    def _tim01(subject, params):
        ...
        yield TIM01.finding(msg, ("RT.RTOTT",), record, dv=TIM01.dv)

Pure functions of (subject, params); a check whose inputs are missing yields nothing.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from tnt_desktop.study.events import EVENTS
from tnt_desktop.study.model import Check, Finding, Severity, Text
from tnt_desktop.study.subject import FormRecord, PartialDate, SubjectData

HARD = Severity.HARD
SOFT = Severity.SOFT
CROSS = Severity.CROSS

YES = "Y"
NO = "N"

REPEATING_EVENTS = frozenset(e.oid for e in EVENTS if e.repeating)
CheckBody = Callable[..., Iterable[Finding]]
ALL_FORMS: tuple[str, ...] = tuple(dict.fromkeys(code for e in EVENTS for code in e.forms))


class CheckDef:
    """Declaration of one check; decorating a function with it attaches the function."""

    def __init__(
        self,
        check_id: str,
        severity: Severity,
        label: Text,
        forms: tuple[str, ...],
        items: tuple[str, ...],
        dv: str | None = None,
        needs_today: bool = False,
    ) -> None:
        self.id = check_id
        self.severity = severity
        self.label = label
        self.forms = forms
        self.items = items
        self.dv = dv
        self.needs_today = needs_today
        self.function: CheckBody | None = None

    def __call__(self, function: CheckBody) -> CheckBody:
        self.function = function
        return function

    def check(self) -> Check:
        if self.function is None:
            raise RuntimeError(f"check {self.id} has no function")
        return Check(
            id=self.id,
            severity=self.severity,
            label=self.label,
            forms=self.forms,
            items=self.items,
            function=self.function,
            dv_category=self.dv,
            needs_today=self.needs_today,
        )

    def finding(
        self,
        message: Text,
        items: Iterable[str],
        record: FormRecord | None = None,
        row: int | None = None,
        severity: Severity | None = None,
        dv: str | None = None,
    ) -> Finding:
        event = record.event if record is not None else None
        repeat = record.repeat if record is not None and event in REPEATING_EVENTS else None
        return Finding(
            check_id=self.id,
            severity=severity or self.severity,
            message=message,
            items=tuple(items),
            event=event,
            repeat=repeat,
            row=row,
            dv_category=dv,
        )


def msg(en: str, zh: str) -> Text:
    return Text(en, zh)


# --- reading values -------------------------------------------------------------------------


def present(value: Any) -> bool:
    return value is not None and value != "" and value != ()


def rec(subject: SubjectData, form: str, event: str | None = None) -> FormRecord | None:
    return subject.form(form, event)


def val(record: FormRecord | None, name: str) -> Any:
    if record is None:
        return None
    value = record.values.get(name)
    return value if present(value) else None


def rows(record: FormRecord | None, group: str) -> list[dict[str, Any]]:
    return [] if record is None else record.group_rows(group)


def cycle_events(params: Any) -> tuple[str, ...]:
    return tuple(f"SE.C{n}" for n in range(1, params.n_cycles + 1))


def ae_rows(subject: SubjectData) -> Iterator[tuple[FormRecord, int, dict[str, Any]]]:
    """Every AE log row: (record, row index, row)."""
    for record in subject.forms("AE"):
        for index, row in enumerate(record.group_rows("AE")):
            yield record, index, row


def wc_rows(subject: SubjectData) -> Iterator[tuple[FormRecord, int, dict[str, Any]]]:
    """Every wound-complication row of every wound assessment: (record, row index, row)."""
    for record in subject.forms("WND"):
        for index, row in enumerate(record.group_rows("WC")):
            yield record, index, row


def as_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def as_dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except ArithmeticError:
        return None


def as_date(value: Any) -> date | None:
    """A complete date (a complete PartialDate counts), else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, PartialDate) and value.is_complete:
        return value.earliest()
    return None


def fmt_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fmt_num(value: Decimal | int | float) -> str:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def pct(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole × 100, rounded half up to one decimal."""
    from tnt_desktop.study.values import round_half_up

    return round_half_up(part / whole * 100, 1)


def days(later: date, earlier: date) -> int:
    return (later - earlier).days


def add_months(start: date, months: int) -> date:
    """Calendar-month arithmetic (clarification 16): the same day k months later, or the last
    day of that month when it is shorter (31 Jan + 1 month = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def plus_days(day: date, n: int) -> date:
    return day + timedelta(days=n)


def classify(delta: int, ok: tuple[int, int], query: tuple[int, int]) -> str:
    """Place a day count: 'ok' inside `ok`, 'query' inside `query`, else 'deviation'."""
    if ok[0] <= delta <= ok[1]:
        return "ok"
    if query[0] <= delta <= query[1]:
        return "query"
    return "deviation"


# --- codelists (looked up in the form definitions, with the spec's values as a fallback) ------


@cache
def _codelists() -> dict[str, Any]:
    try:
        from tnt_desktop.study.forms import load_forms

        _forms, codelists = load_forms()
    except Exception:  # form modules not loadable: fall back to the spec's values
        return {}
    return {c.name: c for c in codelists}


def codes_with_attr(
    codelist: str, attr: str, value: str, fallback: frozenset[str]
) -> frozenset[str]:
    found = _codelists().get(codelist)
    if found is None:
        return fallback
    return frozenset(
        item.code for item in found.items if (item.attr(attr) or "").upper() == value.upper()
    )


def code_attr(codelist: str, code: str, attr: str, fallback: dict[str, str]) -> str | None:
    found = _codelists().get(codelist)
    if found is None:
        return fallback.get(code)
    item = found.item(code)
    return None if item is None else item.attr(attr)
