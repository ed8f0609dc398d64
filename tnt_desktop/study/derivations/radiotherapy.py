"""D-RT-RTPLDPF and D-08, the RT summary of the fraction log (form RT, rows FX)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from tnt_desktop.study.derivations._common import (
    NO,
    YES,
    as_date,
    as_decimal,
    as_int,
    out,
)
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import SubjectData
from tnt_desktop.study.values import round_half_up

FX = "FX"
SUMMARY_ITEMS = ("RTSTDAT", "RTENDAT", "RTNFX", "RTTOTDOSE", "RTOTT", "RTINTFL", "RTCOMPL")


@dataclass(frozen=True)
class RtSummary:
    """The derived RT summary of F05 (None = cannot be derived from the rows yet)."""

    start: date | None = None  # RTSTDAT
    end: date | None = None  # RTENDAT
    fractions: int | None = None  # RTNFX
    total_dose: Decimal | None = None  # RTTOTDOSE
    ott: int | None = None  # RTOTT
    interrupted: str | None = None  # RTINTFL
    completed: str | None = None  # RTCOMPL

    def as_values(self) -> dict[str, Any]:
        return dict(
            zip(
                SUMMARY_ITEMS,
                (self.start, self.end, self.fractions, self.total_dose, self.ott,
                 self.interrupted, self.completed),
                strict=True,
            )
        )


def planned_dose_per_fraction(total_gy: object, fractions: object) -> Decimal | None:
    """RTPLDOSE / RTPLFX, 2 decimals."""
    total, count = as_decimal(total_gy), as_int(fractions)
    if total is None or not count or count <= 0:
        return None
    return round_half_up(total / Decimal(count), 2)


def given_fraction_dates(rows: Sequence[Mapping[str, Any]]) -> list[date] | None:
    """Sorted dates of the delivered fractions (FXGIVEN = Y); None when one lacks its date."""
    dates = []
    for row in rows:
        if row.get("FXGIVEN") == YES:
            day = as_date(row.get("FXDAT"))
            if day is None:
                return None
            dates.append(day)
    return sorted(dates)


def rt_summary(rows: Sequence[Mapping[str, Any]], params: StudyParameters) -> RtSummary:
    """RTSTDAT, RTENDAT, RTNFX, RTTOTDOSE, RTOTT, RTINTFL and RTCOMPL from the FX rows (F05).

    Rows whose FXGIVEN is still blank are ignored. Nothing given is still a summary
    (clarification 19): with no fraction given, RTNFX = 0, RTTOTDOSE = 0.00 and RTCOMPL = N
    (so RTNCRSN applies); RTSTDAT, RTENDAT and RTOTT stay empty. RTINTFL = Y when a fraction
    was not given or consecutive fraction dates are more
    than `rt_interruption_gap_days` apart. RTCOMPL = Y when RTNFX = `rt_fractions`, RTTOTDOSE is
    within `rt_total_tolerance` of `rt_total_dose` and RTOTT ≤ `rt_max_ott_days`; N as soon as
    one of these is known to fail.
    """
    answered = [row for row in rows if row.get("FXGIVEN") in (YES, NO)]
    given = [row for row in answered if row.get("FXGIVEN") == YES]
    skipped = any(row.get("FXGIVEN") == NO for row in answered)
    fractions = len(given)
    if not given:  # clarification 19: D-08 over zero rows
        return RtSummary(fractions=0, total_dose=Decimal("0.00"),
                         interrupted=YES if skipped else None, completed=NO)

    doses = [as_decimal(row.get("FXDOSE")) for row in given]
    total = None if None in doses else round_half_up(sum(doses, Decimal(0)), 2)  # type: ignore[arg-type]

    dates = given_fraction_dates(given)
    start = end = ott = None
    gap_found: bool | None = None
    if dates:
        start, end = dates[0], dates[-1]
        ott = (end - start).days + 1
        gap_found = any(
            (later - earlier).days > params.rt_interruption_gap_days
            for earlier, later in pairwise(dates)
        )

    if skipped or gap_found:
        interrupted: str | None = YES
    elif gap_found is None:
        interrupted = None
    else:
        interrupted = NO

    conditions: list[bool | None] = [
        fractions == params.rt_fractions,
        None if total is None else abs(total - params.rt_total_dose) <= params.rt_total_tolerance,
        None if ott is None else ott <= params.rt_max_ott_days,
    ]
    if False in conditions:
        completed: str | None = NO
    elif None in conditions:
        completed = None
    else:
        completed = YES
    return RtSummary(start, end, fractions, total, ott, interrupted, completed)


def rt_dates(subject: SubjectData) -> tuple[date | None, date | None]:
    """(first, last) delivered RT fraction date: from the FX rows when there are any, otherwise
    the stored RTSTDAT / RTENDAT."""
    record = subject.form("RT")
    if record is None:
        return None, None
    rows = record.group_rows(FX)
    if rows:
        dates = given_fraction_dates(rows)
        if not dates:
            return None, None
        return dates[0], dates[-1]
    return as_date(record.values.get("RTSTDAT")), as_date(record.values.get("RTENDAT"))


def rt_treated(subject: SubjectData) -> bool:
    """At least one RT fraction delivered (the treated population of build decision 5)."""
    record = subject.form("RT")
    if record is None:
        return False
    if any(row.get("FXGIVEN") == YES for row in record.group_rows(FX)):
        return True
    nfx = as_int(record.values.get("RTNFX"))
    return bool(nfx and nfx > 0)


# --- derivations ---------------------------------------------------------------------------


def _derive_dpf(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [
        out(r, "RTPLDPF", planned_dose_per_fraction(r.values.get("RTPLDOSE"),
                                                    r.values.get("RTPLFX")))
        for r in subject.forms("RT")
    ]


def _derive_summary(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("RT"):
        summary = rt_summary(record.group_rows(FX), params)
        results.extend(out(record, name, v) for name, v in summary.as_values().items())
    return results


D_RT_RTPLDPF = Derivation(
    id="D-RT-RTPLDPF",
    label=T("Planned dose per fraction", "计划单次剂量"),
    outputs=("RT.RTPLDPF",),
    inputs=("RT.RTPLDOSE", "RT.RTPLFX"),
    method=T("RTPLDOSE / RTPLFX, rounded half up to 2 decimals.",
             "RTPLDOSE / RTPLFX，四舍五入保留 2 位小数。"),
    function=_derive_dpf,
)

D08 = Derivation(
    id="D-08",
    label=T("Radiotherapy summary", "放疗汇总"),
    outputs=tuple(f"RT.{name}" for name in SUMMARY_ITEMS),
    inputs=("RT.FX.FXGIVEN", "RT.FX.FXDAT", "RT.FX.FXDOSE"),
    method=T(
        "Over fractions with FXGIVEN = Y: RTSTDAT = first FXDAT, RTENDAT = last FXDAT, RTNFX = "
        "count, RTTOTDOSE = Σ FXDOSE, RTOTT = RTENDAT − RTSTDAT + 1. RTINTFL = Y if a fraction "
        "was not given or two consecutive fractions are more than 3 days apart (study "
        "parameter). RTCOMPL = Y if RTTOTDOSE = 25 ± 0.5 Gy, RTNFX = 5 and RTOTT ≤ 7 days "
        "(study parameters). With no fraction given: RTNFX = 0, RTTOTDOSE = 0.00, RTCOMPL = N "
        "(clarification 19).",
        "对 FXGIVEN = Y 的分次：RTSTDAT = 最早 FXDAT，RTENDAT = 最晚 FXDAT，RTNFX = 次数，"
        "RTTOTDOSE = Σ FXDOSE，RTOTT = RTENDAT − RTSTDAT + 1。任一分次未执行或相邻两次间隔"
        "超过 3 天（研究参数）时 RTINTFL = Y。RTTOTDOSE = 25 ± 0.5 Gy、RTNFX = 5 且 RTOTT ≤ 7 天"
        "（研究参数）时 RTCOMPL = Y。未实施任何分次时：RTNFX = 0，RTTOTDOSE = 0.00，RTCOMPL = N"
        "（澄清 19）。",
    ),
    function=_derive_summary,
)

DERIVATIONS = (D_RT_RTPLDPF, D08)

