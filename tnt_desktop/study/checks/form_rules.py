"""Form-level rules of CRF_SPEC.md §3 that have no TIM/X id: the soft queries and hard rules the
form tables state in their "Logic" columns (F04, F05, F06, F07, F08, F09, F10, F15). Their ids
are `<FORM>-<NAME>`. This module holds the TUBL, RT and CT rules; the SURG, PATH, WND and AE
rules are in `form_rules_surgery`. `CHECKS` lists them all, in the order they run.

Rules of the form tables already implemented elsewhere are not repeated here:
- TUBL FNGRADE ≠ grade derived from FNSCORE (H) is X-24;
- CT CYBSA not recalculated after a weight change ≥ `weight_change_pct` is X-46 (which fires
  on every such weight change and names CYBSA and the baseline BSA);
- SURG EBL > 2000 mL is the item's soft range (validation SOFT-RANGE);
- CT-DOSEDEV leaves out an overdose that X-27 already reports for the same cycle and drug.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from tnt_desktop.study.checks._common import (
    HARD,
    NO,
    SOFT,
    YES,
    CheckDef,
    as_date,
    as_dec,
    as_int,
    cycle_events,
    days,
    fmt_num,
    msg,
    pct,
    present,
    rec,
    rows,
    val,
)
from tnt_desktop.study.checks.form_rules_surgery import (
    AE_SAERPT,
    AE_SERCRIT,
    PATH_BLK,
    PATH_HIST,
    PATH_LN,
    PATH_PCTSUM,
    PATH_R1,
    SURG_DISCH,
    SURG_DRAIN,
    WND_STAT,
)
from tnt_desktop.study.checks.treatment import X27
from tnt_desktop.study.model import Finding, T
from tnt_desktop.study.subject import FormRecord, SubjectData


def _cycle(event: str) -> str:
    return event.removeprefix("SE.")


def _answered(record: FormRecord | None, name: str) -> bool:
    """A value, or a reason for missing, is recorded."""
    return record is not None and (val(record, name) is not None or name in record.missing)


# --- TUBL -------------------------------------------------------------------------------------

TUBL_IMGMOD = CheckDef(
    "TUBL-IMGMOD", SOFT,
    T("Local staging imaging is contrast-enhanced MRI", "局部分期影像为增强 MRI"),
    forms=("TUBL",),
    items=("TUBL.IMGMOD",),
)


@TUBL_IMGMOD
def _tubl_imgmod(subject: SubjectData, params: Any) -> Iterator[Finding]:
    tubl = rec(subject, "TUBL")
    modality = val(tubl, "IMGMOD")
    if modality is not None and modality != "MRI_CE":
        yield TUBL_IMGMOD.finding(
            msg(f"Local staging imaging modality is {modality}, not contrast-enhanced MRI "
                "(MRI_CE): please confirm",
                f"局部分期影像检查方式为 {modality}，而非增强 MRI（MRI_CE）：请确认"),
            ("TUBL.IMGMOD",), tubl,
        )


TUBL_FNA = CheckDef(
    "TUBL-FNA", SOFT,
    T("Diagnosis not by fine-needle aspiration alone", "诊断不能仅依据细针穿刺抽吸"),
    forms=("TUBL",),
    items=("TUBL.BXTYPE",),
)


@TUBL_FNA
def _tubl_fna(subject: SubjectData, params: Any) -> Iterator[Finding]:
    tubl = rec(subject, "TUBL")
    if val(tubl, "BXTYPE") == "FNA":
        yield TUBL_FNA.finding(
            msg("Biopsy type FNA alone: histology and grade usually need a core needle or "
                "incisional biopsy; please confirm",
                "活检方式仅为细针穿刺抽吸（FNA）：组织学分型与分级通常需空芯针穿刺或切开活检；"
                "请确认"),
            ("TUBL.BXTYPE",), tubl,
        )


# --- RT ---------------------------------------------------------------------------------------

RT_FXDOSE = CheckDef(
    "RT-FXDOSE", SOFT,
    T("Fraction dose within the tolerance of the planned dose per fraction",
      "分次剂量在计划单次剂量允许误差范围内"),
    forms=("RT",),
    items=("RT.FX.FXDOSE", "RT.FX.FXGIVEN", "RT.RTPLDPF"),
)


@RT_FXDOSE
def _rt_fxdose(subject: SubjectData, params: Any) -> Iterator[Finding]:
    rt = rec(subject, "RT")
    planned = as_dec(val(rt, "RTPLDPF"))
    if planned is None or planned <= 0:
        return
    tolerance = params.rt_fraction_tolerance_pct
    for index, row in enumerate(rows(rt, "FX")):
        dose = as_dec(row.get("FXDOSE"))
        if row.get("FXGIVEN") != YES or dose is None:
            continue
        if abs(dose - planned) * 100 <= tolerance * planned:
            continue
        number = row.get("FXNUM") or index + 1
        off = pct(abs(dose - planned), planned)
        yield RT_FXDOSE.finding(
            msg(f"Fraction {number}: dose {dose} Gy differs from the planned {planned} Gy per "
                f"fraction by {fmt_num(off)} % (more than {fmt_num(tolerance)} %)",
                f"第 {number} 次分次：实际剂量 {dose} Gy 与计划单次剂量 {planned} Gy 相差 "
                f"{fmt_num(off)} %（超过 {fmt_num(tolerance)} %）"),
            ("RT.FX.FXDOSE", "RT.RTPLDPF"), rt, index,
        )


RT_FXDATE = CheckDef(
    "RT-FXDATE", SOFT,
    T("No two delivered fractions on the same date", "同一日期不得有两次已实施的分次"),
    forms=("RT",),
    items=("RT.FX.FXDAT", "RT.FX.FXGIVEN", "RT.FX.FXNUM"),
)


@RT_FXDATE
def _rt_fxdate(subject: SubjectData, params: Any) -> Iterator[Finding]:
    rt = rec(subject, "RT")
    first: dict[date, Any] = {}
    for index, row in enumerate(rows(rt, "FX")):
        day = as_date(row.get("FXDAT"))
        if row.get("FXGIVEN") != YES or day is None:
            continue
        number = row.get("FXNUM") or index + 1
        if day not in first:
            first[day] = number
            continue
        yield RT_FXDATE.finding(
            msg(f"Fractions {first[day]} and {number} were both delivered on {day}",
                f"第 {first[day]} 次与第 {number} 次分次均于 {day} 实施"),
            ("RT.FX.FXDAT",), rt, index,
        )


RT_FXNUM = CheckDef(
    "RT-FXNUM", SOFT,
    T("Fraction numbers are unique", "分次序号不得重复"),
    forms=("RT",),
    items=("RT.FX.FXNUM",),
)


@RT_FXNUM
def _rt_fxnum(subject: SubjectData, params: Any) -> Iterator[Finding]:
    rt = rec(subject, "RT")
    first: dict[int, int] = {}
    for index, row in enumerate(rows(rt, "FX")):
        number = as_int(row.get("FXNUM"))
        if number is None:
            continue
        if number not in first:
            first[number] = index
            continue
        yield RT_FXNUM.finding(
            msg(f"Fraction number {number} is used on rows {first[number] + 1} and {index + 1}",
                f"分次序号 {number} 在第 {first[number] + 1} 行和第 {index + 1} 行重复使用"),
            ("RT.FX.FXNUM",), rt, index,
        )


RT_NOTCOMPL = CheckDef(
    "RT-NOTCOMPL", SOFT,
    T("RT not completed per protocol has a reason", "未按方案完成放疗须说明原因"),
    forms=("RT",),
    items=("RT.RTCOMPL", "RT.RTNCRSN", "RT.RTTOTDOSE", "RT.RTNFX", "RT.RTOTT"),
)


_RT_SUMMARY = (("RTTOTDOSE", " Gy", " Gy"), ("RTNFX", "", ""), ("RTOTT", " days", " 天"))


@RT_NOTCOMPL
def _rt_notcompl(subject: SubjectData, params: Any) -> Iterator[Finding]:
    rt = rec(subject, "RT")
    if val(rt, "RTCOMPL") != NO or _answered(rt, "RTNCRSN"):
        return
    shown = [(name, value, en, zh) for name, en, zh in _RT_SUMMARY
             if (value := val(rt, name)) is not None]
    detail_en = "; ".join(f"{name} {value}{en}" for name, value, en, _zh in shown)
    detail_zh = "；".join(f"{name} {value}{zh}" for name, value, _en, zh in shown)
    if detail_en:
        detail_en, detail_zh = f"; {detail_en}", f"；{detail_zh}"
    yield RT_NOTCOMPL.finding(
        msg(f"RT not completed per protocol (RTCOMPL = N{detail_en}) but no reason (RTNCRSN) "
            "is recorded",
            f"放疗未按方案完成（RTCOMPL = N{detail_zh}），但未记录原因（RTNCRSN）"),
        ("RT.RTNCRSN", "RT.RTCOMPL"), rt,
    )


# --- CT ---------------------------------------------------------------------------------------

CT_MESNA = CheckDef(
    "CT-MESNA", SOFT,
    T("Mesna total at least the minimum fraction of the ifosfamide dose",
      "美司钠总量不低于异环磷酰胺剂量的最低比例"),
    forms=("CT",),
    items=("CT.MESNATOT", "CT.IFOACTG"),
)


@CT_MESNA
def _ct_mesna(subject: SubjectData, params: Any) -> Iterator[Finding]:
    share = params.mesna_min_fraction
    for event in cycle_events(params):
        ct = rec(subject, "CT", event)
        mesna = as_dec(val(ct, "MESNATOT"))
        ifo_g = as_dec(val(ct, "IFOACTG"))
        if mesna is None or ifo_g is None or ifo_g <= 0:
            continue
        ifo_mg = ifo_g * 1000
        minimum = ifo_mg * share
        if mesna >= minimum:
            continue
        cycle = _cycle(event)
        yield CT_MESNA.finding(
            msg(f"{cycle}: mesna total {mesna} mg is below {fmt_num(share * 100)} % of the "
                f"ifosfamide dose {ifo_g} g ({fmt_num(ifo_mg)} mg), i.e. {fmt_num(minimum)} mg",
                f"{cycle}：美司钠总量 {mesna} mg 低于异环磷酰胺剂量 {ifo_g} g"
                f"（{fmt_num(ifo_mg)} mg）的 {fmt_num(share * 100)} %（{fmt_num(minimum)} mg）"),
            ("CT.MESNATOT", "CT.IFOACTG"), ct,
        )


CT_MESNAY = CheckDef(
    "CT-MESNAY", HARD,
    T("Mesna given whenever ifosfamide was given", "给予异环磷酰胺时必须给予美司钠"),
    forms=("CT",),
    items=("CT.MESNA", "CT.IFOADM.EXSTDAT", "CT.IFOADM.EXDOSE"),
)


@CT_MESNAY
def _ct_mesnay(subject: SubjectData, params: Any) -> Iterator[Finding]:
    for event in cycle_events(params):
        ct = rec(subject, "CT", event)
        given = [row for row in rows(ct, "IFOADM")
                 if present(row.get("EXSTDAT")) or present(row.get("EXDOSE"))]
        if ct is None or not given or not _answered(ct, "MESNA"):
            continue
        mesna = val(ct, "MESNA") or ct.missing.get("MESNA")
        if mesna == YES:
            continue
        cycle = _cycle(event)
        yield CT_MESNAY.finding(
            msg(f"{cycle}: {len(given)} ifosfamide administration row(s) recorded but mesna "
                f"given (MESNA) is {mesna}; it must be Y",
                f"{cycle}：已记录 {len(given)} 条异环磷酰胺给药记录，但是否给予美司钠（MESNA）为 "
                f"{mesna}；必须为 Y"),
            ("CT.MESNA", "CT.IFOADM.EXSTDAT"), ct,
        )


CT_DOSEDEV = CheckDef(
    "CT-DOSEDEV", SOFT,
    T("Actual dose within the dose-deviation limit of the planned dose (after reductions)",
      "实际剂量与计划剂量（已计入减量）的偏差不超过剂量偏离界值"),
    forms=("CT",),
    items=("CT.CYDOSEDEV", "CT.DOXACTMG", "CT.DOXPLMG", "CT.IFOACTG", "CT.IFOPLG"),
    dv="CHEMO_DOSE",
)

_DOSE_DRUGS = (("DOX", "MG", "Doxorubicin", "多柔比星", "mg"),
               ("IFO", "G", "Ifosfamide", "异环磷酰胺", "g"))


def _x27_reported(subject: SubjectData, params: Any) -> set[tuple[str | None, str]]:
    """(event, drug prefix) of the overdoses X-27 already reports."""
    reported: set[tuple[str | None, str]] = set()
    if X27.function is None:
        return reported
    for finding in X27.function(subject, params):
        for prefix, *_rest in _DOSE_DRUGS:
            if finding.items and finding.items[0] == f"CT.{prefix}ACTM2":
                reported.add((finding.event, prefix))
    return reported


@CT_DOSEDEV
def _ct_dosedev(subject: SubjectData, params: Any) -> Iterator[Finding]:
    limit = params.dose_deviation_pct
    reported: set[tuple[str | None, str]] | None = None
    for event in cycle_events(params):
        ct = rec(subject, "CT", event)
        if val(ct, "CYDOSEDEV") != YES:
            continue
        if reported is None:
            reported = _x27_reported(subject, params)
        cycle = _cycle(event)
        deviating, uncovered = [], []
        for prefix, unit_suffix, en, zh, unit in _DOSE_DRUGS:
            actual = as_dec(val(ct, f"{prefix}ACT{unit_suffix}"))
            planned = as_dec(val(ct, f"{prefix}PL{unit_suffix}"))
            if actual is None or planned is None or planned <= 0:
                continue
            if abs(actual - planned) * 100 <= limit * planned:
                continue
            deviating.append(prefix)
            if (event, prefix) in reported:
                continue
            share = fmt_num(pct(actual, planned))
            uncovered.append((
                f"{en.lower()} {actual} {unit} is {share} % of the planned {planned} {unit}",
                f"{zh}实际 {actual} {unit}，为计划 {planned} {unit} 的 {share} %",
                (f"CT.{prefix}ACT{unit_suffix}", f"CT.{prefix}PL{unit_suffix}"),
            ))
        if uncovered:
            items = ("CT.CYDOSEDEV", *(ref for *_texts, refs in uncovered for ref in refs))
            yield CT_DOSEDEV.finding(
                msg(f"{cycle}: dose deviation (CYDOSEDEV = Y): "
                    f"{'; '.join(e for e, _z, _r in uncovered)} (more than {fmt_num(limit)} % "
                    "from the plan after documented reductions)",
                    f"{cycle}：剂量偏离（CYDOSEDEV = Y）：{'；'.join(z for _e, z, _r in uncovered)}"
                    f"（与已计入减量的计划剂量相差超过 {fmt_num(limit)} %）"),
                items, ct, dv=CT_DOSEDEV.dv,
            )
        elif not deviating:
            yield CT_DOSEDEV.finding(
                msg(f"{cycle}: dose deviation (CYDOSEDEV = Y): an actual dose differs by more "
                    f"than {fmt_num(limit)} % from the planned dose after documented reductions",
                    f"{cycle}：剂量偏离（CYDOSEDEV = Y）：实际剂量与已计入减量的计划剂量相差超过 "
                    f"{fmt_num(limit)} %"),
                ("CT.CYDOSEDEV",), ct, dv=CT_DOSEDEV.dv,
            )


CT_COUNTS = CheckDef(
    "CT-COUNTS", SOFT,
    T("Cycle given with neutrophils and platelets at or above the thresholds",
      "给药时中性粒细胞及血小板不低于界值"),
    forms=("CT", "LB"),
    items=("CT.CYGIVEN", "CT.CYD1DAT", "LB.LBDAT", "LB.LB.LBTESTCD", "LB.LB.LBORRES"),
)

_COUNTS = (("NEUT", "anc_min", "ANC", "中性粒细胞绝对计数（ANC）"),
           ("PLAT", "plt_min", "platelets", "血小板"))


def _pre_cycle_labs(subject: SubjectData, event: str, d1: date) -> tuple[FormRecord, date] | None:
    """The LB of the cycle event dated D1, or else the latest one dated before D1."""
    dated = [(day, lb) for lb in subject.forms("LB", event)
             if (day := as_date(val(lb, "LBDAT"))) is not None and day <= d1]
    if not dated:
        return None
    day, lb = max(dated, key=lambda pair: pair[0])
    return lb, day


@CT_COUNTS
def _ct_counts(subject: SubjectData, params: Any) -> Iterator[Finding]:
    for event in cycle_events(params):
        ct = rec(subject, "CT", event)
        d1 = as_date(val(ct, "CYD1DAT"))
        if val(ct, "CYGIVEN") != YES or d1 is None:
            continue
        found = _pre_cycle_labs(subject, event, d1)
        if found is None:
            continue
        lb, lbdat = found
        cycle = _cycle(event)
        for index, row in enumerate(rows(lb, "LB")):
            for test, param, en, zh in _COUNTS:
                value = as_dec(row.get("LBORRES"))
                if row.get("LBTESTCD") != test or value is None:
                    continue
                minimum = getattr(params, param)
                if value >= minimum:
                    continue
                yield CT_COUNTS.finding(
                    msg(f"{cycle} given on {d1} despite {en} {value} × 10⁹/L on {lbdat} "
                        f"(below {fmt_num(minimum)} × 10⁹/L)",
                        f"{cycle} 于 {d1} 给药，但 {lbdat} 的{zh}为 {value} × 10⁹/L"
                        f"（低于 {fmt_num(minimum)} × 10⁹/L）"),
                    ("LB.LB.LBORRES", "CT.CYGIVEN", "CT.CYD1DAT"), lb, index,
                )


CT_GCSFDAT = CheckDef(
    "CT-GCSFDAT", SOFT,
    T("First G-CSF on or after the last chemotherapy day of the cycle",
      "首次 G-CSF 不早于本周期末次化疗日"),
    forms=("CT",),
    items=("CT.GCSFDAT", "CT.DOXADM.EXSTDAT", "CT.IFOADM.EXSTDAT"),
)


@CT_GCSFDAT
def _ct_gcsfdat(subject: SubjectData, params: Any) -> Iterator[Finding]:
    for event in cycle_events(params):
        ct = rec(subject, "CT", event)
        first = as_date(val(ct, "GCSFDAT"))
        given = [day for group in ("DOXADM", "IFOADM") for row in rows(ct, group)
                 if (day := as_date(row.get("EXSTDAT"))) is not None]
        if first is None or not given:
            continue
        last = max(given)
        if first >= last:
            continue
        cycle = _cycle(event)
        yield CT_GCSFDAT.finding(
            msg(f"{cycle}: first G-CSF on {first} is {days(last, first)} days before the last "
                f"chemotherapy day {last}",
                f"{cycle}：首次使用 G-CSF 日期 {first} 早于本周期末次化疗日 {last} "
                f"{days(last, first)} 天"),
            ("CT.GCSFDAT", "CT.DOXADM.EXSTDAT", "CT.IFOADM.EXSTDAT"), ct,
        )




CHECKS = tuple(c.check() for c in (
    TUBL_IMGMOD, TUBL_FNA,
    RT_FXDOSE, RT_FXDATE, RT_FXNUM, RT_NOTCOMPL,
    CT_MESNA, CT_MESNAY, CT_DOSEDEV, CT_COUNTS, CT_GCSFDAT,
    SURG_DRAIN, SURG_DISCH,
    PATH_PCTSUM, PATH_BLK, PATH_HIST, PATH_R1, PATH_LN,
    WND_STAT,
    AE_SAERPT, AE_SERCRIT,
))
