"""Study-wide date checks X-01 (nothing before consent) and X-02 (nothing in the future or after
death). They read every date and partial date of every form, including repeating rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from tnt_desktop.study.checks._common import (
    ALL_FORMS,
    HARD,
    CheckDef,
    as_date,
    days,
    msg,
    rec,
    val,
)
from tnt_desktop.study.checks.timing import screening_dates
from tnt_desktop.study.forms import forms_by_code
from tnt_desktop.study.model import Finding, T
from tnt_desktop.study.subject import FormRecord, PartialDate, SubjectData

DateValue = date | PartialDate


def _dates(subject: SubjectData) -> Iterator[tuple[FormRecord, str, str, int | None, DateValue]]:
    """(record, item ref, item name, row index, value) of every entered date in the subject's
    data. Derived dates are left out: they repeat entered ones (RTSTDAT) or are plans (CYPLDAT,
    a planned date may lie after a death or in the future)."""
    forms = forms_by_code()

    def entered(code: str, name: str, group: str | None = None) -> bool:
        form = forms.get(code)
        item = form.item(name, group) if form is not None else None
        return item is None or not item.is_derived

    for record in subject:
        for name, value in record.values.items():
            if isinstance(value, date | PartialDate) and entered(record.form, name):
                yield record, f"{record.form}.{name}", name, None, _plain(value)
        for group, group_rows in record.rows.items():
            for index, row in enumerate(group_rows):
                for name, value in row.items():
                    if isinstance(value, date | PartialDate) and entered(record.form, name, group):
                        ref = f"{record.form}.{group}.{name}"
                        yield record, ref, name, index, _plain(value)


def _plain(value: DateValue) -> DateValue:
    return value.date() if isinstance(value, datetime) else value


def _earliest(value: DateValue) -> date:
    return value.earliest() if isinstance(value, PartialDate) else value


def _latest(value: DateValue) -> date:
    return value.latest() if isinstance(value, PartialDate) else value


def _where(record: FormRecord, row: int | None) -> str:
    event = record.event.removeprefix("SE.")
    return f"{event}" if row is None else f"{event}, row {row + 1}"


def _where_zh(record: FormRecord, row: int | None) -> str:
    event = record.event.removeprefix("SE.")
    return f"{event}" if row is None else f"{event}，第 {row + 1} 行"


# --- X-01 -------------------------------------------------------------------------------------

X01 = CheckDef(
    "X-01", HARD,
    T("No study date before informed consent (history and pre-consent standard-of-care "
      "diagnostics excepted)",
      "研究日期不得早于知情同意日期（病史及知情同意前的常规诊断检查除外）"),
    forms=ALL_FORMS,
    items=("IE.RFICDAT",),
)

# Whole forms whose dates are history by nature (clarification 13): medical history, prior and
# concomitant medication, the deviation log (a deviation may concern a pre-consent procedure).
_HISTORY_FORMS = frozenset({"MH", "CM", "DV"})
# Single items that are history or identity (clarification 13; date of birth).
_HISTORY_ITEMS = frozenset({"DM.BRTHDAT", "TUBL.BXDAT", "MH.UNPLDAT", "IE.INC01MDT"})


def _windowed_exemptions(subject: SubjectData, params: Any) -> set[str]:
    """Pre-consent diagnostics exempt from X-01 only within their windows (clarification 13):
    imaging, chest staging, screening labs and LVEF. Without RT day 1 they cannot be judged yet
    and stay exempt (TIM-09 judges them once RT has started)."""
    exempt = set()
    wanted = {"TUBL.IMGDAT", "TUBL.CHESTDAT", "LB.LBDAT", "LB.EGDAT"}
    for ref, _label, _record, day, _rl, ref_day, window in screening_dates(subject, params):
        if ref not in wanted:
            continue
        if day is None or ref_day is None or 0 <= days(ref_day, day) <= window:
            exempt.add(ref)
    return exempt


@X01
def _x01(subject: SubjectData, params: Any) -> Iterator[Finding]:
    consent = as_date(val(rec(subject, "IE"), "RFICDAT"))
    if consent is None:
        return
    windowed = _windowed_exemptions(subject, params)
    for record, ref, _name, row, value in _dates(subject):
        if record.form in _HISTORY_FORMS or ref in _HISTORY_ITEMS or ref == "IE.RFICDAT":
            continue
        if ref in windowed and (record.form != "LB" or record.event == "SE.SCR"):
            continue
        if _latest(value) < consent:
            yield X01.finding(
                msg(f"{ref} {value} ({_where(record, row)}) is before the informed consent "
                    f"date {consent}",
                    f"{ref} {value}（{_where_zh(record, row)}）早于知情同意日期 {consent}"),
                (ref, "IE.RFICDAT"), record, row,
            )


# --- X-02 -------------------------------------------------------------------------------------

X02 = CheckDef(
    "X-02", HARD,
    T("No date in the future; no date after the date of death",
      "日期不得晚于今天；不得晚于死亡日期"),
    forms=ALL_FORMS,
    items=("DTH.DTHDAT",),
    needs_today=True,
)

# Dates that may legitimately fall after the death: the death form itself, when the study was
# closed, when an SAE was reported, when a deviation was identified or recorded.
_AFTER_DEATH_FORMS = frozenset({"DTH", "DV"})
_AFTER_DEATH_ITEMS = frozenset({"EOS.EOSDAT", "AE.AE.AESAEDAT", "AE.AESAEDAT"})


@X02
def _x02(subject: SubjectData, params: Any, today: date | None = None) -> Iterator[Finding]:
    today = today or date.today()
    death = val(rec(subject, "DTH"), "DTHDAT")
    death_latest = _latest(death) if isinstance(death, date | PartialDate) else None
    for record, ref, _name, row, value in _dates(subject):
        if _earliest(value) > today:
            yield X02.finding(
                msg(f"{ref} {value} ({_where(record, row)}) is after today {today}",
                    f"{ref} {value}（{_where_zh(record, row)}）晚于今天 {today}"),
                (ref,), record, row,
            )
            continue
        if death_latest is None or record.form in _AFTER_DEATH_FORMS or ref in _AFTER_DEATH_ITEMS:
            continue
        if ref == "FU.FUDAT" and val(record, "SSSTAT") == "DEAD":
            continue  # a contact that learnt of the death
        if _earliest(value) > death_latest:
            yield X02.finding(
                msg(f"{ref} {value} ({_where(record, row)}) is after the date of death {death}",
                    f"{ref} {value}（{_where_zh(record, row)}）晚于死亡日期 {death}"),
                (ref, "DTH.DTHDAT"), record, row,
            )


CHECKS = (X01.check(), X02.check())
