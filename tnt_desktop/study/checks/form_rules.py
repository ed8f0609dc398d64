"""Form-level rules of CRF_SPEC.md §3 that have no TIM/X id: the soft queries and hard rules the
form tables state in their "Logic" columns (F04, F05, F06, F07, F08, F09, F10, F15). Their ids
are `<FORM>-<NAME>`.

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
from decimal import Decimal
from typing import Any

from tnt_desktop.study.checks._common import (
    HARD,
    NO,
    SOFT,
    YES,
    CheckDef,
    ae_rows,
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
from tnt_desktop.study.checks.treatment import X27
from tnt_desktop.study.model import Finding, T
from tnt_desktop.study.subject import FormRecord, SubjectData

# Thresholds the spec states that are not study parameters (StudyParameters has no field for
# them; adding one is a change to parameters.py).
PCTSUM_MAX = Decimal("100.5")  # F08 PCTSUM: query when the sum is above 100.5 % [P]
PCTSUM_MIN = Decimal("95")  # F08 PCTSUM: query when below 95 % with all four components [P]


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


# --- SURG -------------------------------------------------------------------------------------

SURG_DRAIN = CheckDef(
    "SURG-DRAIN", HARD,
    T("Drain removed on or after the date of surgery", "引流管拔除日期不早于手术日期"),
    forms=("SURG",),
    items=("SURG.DRAINRMDAT", "SURG.SURGDAT"),
)

SURG_DISCH = CheckDef(
    "SURG-DISCH", HARD,
    T("Discharge on or after the date of surgery", "出院日期不早于手术日期"),
    forms=("SURG",),
    items=("SURG.DISCHDAT", "SURG.SURGDAT"),
)


def _before_surgery(
    check: CheckDef, name: str, en: str, zh: str, subject: SubjectData
) -> Iterator[Finding]:
    surg = rec(subject, "SURG")
    surgdat = as_date(val(surg, "SURGDAT"))
    day = as_date(val(surg, name))
    if surgdat is not None and day is not None and day < surgdat:
        yield check.finding(
            msg(f"{en} {day} is before the date of surgery {surgdat}",
                f"{zh} {day} 早于手术日期 {surgdat}"),
            (f"SURG.{name}", "SURG.SURGDAT"), surg,
        )


@SURG_DRAIN
def _surg_drain(subject: SubjectData, params: Any) -> Iterator[Finding]:
    yield from _before_surgery(SURG_DRAIN, "DRAINRMDAT", "Drain removal date", "引流管拔除日期",
                               subject)


@SURG_DISCH
def _surg_disch(subject: SubjectData, params: Any) -> Iterator[Finding]:
    yield from _before_surgery(SURG_DISCH, "DISCHDAT", "Discharge date", "出院日期", subject)


# --- PATH -------------------------------------------------------------------------------------

PATH_PCTSUM = CheckDef(
    "PATH-PCTSUM", SOFT,
    T("Tumour-bed components add up to about 100 %", "瘤床各成分之和约为 100 %"),
    forms=("PATH",),
    items=("PATH.PCTSUM", "PATH.PCTVIAB", "PATH.PCTNECR", "PATH.PCTFIB", "PATH.PCTOTH"),
)

_PCT_PARTS = ("PCTVIAB", "PCTNECR", "PCTFIB", "PCTOTH")


@PATH_PCTSUM
def _path_pctsum(subject: SubjectData, params: Any) -> Iterator[Finding]:
    path = rec(subject, "PATH")
    total = as_dec(val(path, "PCTSUM"))
    if total is None:
        return
    parts = {name: val(path, name) for name in _PCT_PARTS}
    entered = [f"{name} {value}" for name, value in parts.items() if value is not None]
    detail_en, detail_zh = ", ".join(entered), "，".join(entered)
    if total > PCTSUM_MAX:
        yield PATH_PCTSUM.finding(
            msg(f"Tumour-bed components add up to {total} % ({detail_en}), above "
                f"{fmt_num(PCTSUM_MAX)} %",
                f"瘤床各成分之和为 {total} %（{detail_zh}），超过 {fmt_num(PCTSUM_MAX)} %"),
            ("PATH.PCTSUM",), path,
        )
    elif total < PCTSUM_MIN and all(value is not None for value in parts.values()):
        yield PATH_PCTSUM.finding(
            msg(f"All four tumour-bed components add up to only {total} % ({detail_en}), below "
                f"{fmt_num(PCTSUM_MIN)} %",
                f"瘤床四项成分之和仅为 {total} %（{detail_zh}），低于 {fmt_num(PCTSUM_MIN)} %"),
            ("PATH.PCTSUM",), path,
        )


PATH_BLK = CheckDef(
    "PATH-BLK", SOFT,
    T("About one tumour block per cm of maximum diameter", "每厘米最大径约取一个肿瘤组织块"),
    forms=("PATH",),
    items=("PATH.PATHBLK", "PATH.PATHMAXD"),
)


@PATH_BLK
def _path_blk(subject: SubjectData, params: Any) -> Iterator[Finding]:
    path = rec(subject, "PATH")
    blocks = as_int(val(path, "PATHBLK"))
    size = as_dec(val(path, "PATHMAXD"))
    if blocks is not None and size is not None and blocks < size:
        yield PATH_BLK.finding(
            msg(f"{blocks} tumour blocks examined for a maximum dimension of {size} cm "
                "(about one block per cm is recommended)",
                f"最大径 {size} cm 仅检查 {blocks} 个肿瘤组织块（建议每厘米约取一个组织块）"),
            ("PATH.PATHBLK", "PATH.PATHMAXD"), path,
        )


PATH_HIST = CheckDef(
    "PATH-HIST", SOFT,
    T("Resection histology matches the biopsy histology", "切除标本组织学类型与活检一致"),
    forms=("PATH", "TUBL"),
    items=("PATH.PATHHIST", "TUBL.HISTTYPE"),
)


@PATH_HIST
def _path_hist(subject: SubjectData, params: Any) -> Iterator[Finding]:
    path = rec(subject, "PATH")
    resection = val(path, "PATHHIST")
    biopsy = val(rec(subject, "TUBL"), "HISTTYPE")
    if resection is not None and biopsy is not None and resection != biopsy:
        yield PATH_HIST.finding(
            msg(f"Histological type in the resection specimen {resection} differs from the "
                f"biopsy diagnosis {biopsy}: please confirm the revised diagnosis",
                f"切除标本组织学类型 {resection} 与活检诊断 {biopsy} 不一致：请确认诊断是否修订"),
            ("PATH.PATHHIST", "TUBL.HISTTYPE"), path,
        )


PATH_R1 = CheckDef(
    "PATH-R1", HARD,
    T("R1 resection has a closest margin of 0 mm (tumour on ink)",
      "R1 切除的最近切缘距离为 0 mm（肿瘤位于墨染切缘）"),
    forms=("PATH",),
    items=("PATH.RSTAT", "PATH.CLMARGMM"),
)


@PATH_R1
def _path_r1(subject: SubjectData, params: Any) -> Iterator[Finding]:
    path = rec(subject, "PATH")
    margin = as_dec(val(path, "CLMARGMM"))
    if val(path, "RSTAT") == "R1" and margin is not None and margin != 0:
        yield PATH_R1.finding(
            msg(f"Residual tumour R1 (tumour at the inked margin) but the closest margin is "
                f"{margin} mm; R1 requires 0 mm",
                f"残留肿瘤分类为 R1（肿瘤位于墨染切缘），但最近切缘距离为 {margin} mm；"
                "R1 时须为 0 mm"),
            ("PATH.CLMARGMM", "PATH.RSTAT"), path,
        )


PATH_LN = CheckDef(
    "PATH-LN", HARD,
    T("Positive lymph nodes not more than examined", "阳性淋巴结数不超过检查淋巴结数"),
    forms=("PATH",),
    items=("PATH.LNPOS", "PATH.LNEX"),
)


@PATH_LN
def _path_ln(subject: SubjectData, params: Any) -> Iterator[Finding]:
    path = rec(subject, "PATH")
    positive = as_int(val(path, "LNPOS"))
    examined = as_int(val(path, "LNEX"))
    if positive is not None and examined is not None and positive > examined:
        yield PATH_LN.finding(
            msg(f"{positive} positive lymph nodes but only {examined} examined",
                f"阳性淋巴结 {positive} 个，但仅检查 {examined} 个"),
            ("PATH.LNPOS", "PATH.LNEX"), path,
        )


# --- WND --------------------------------------------------------------------------------------

WND_STAT = CheckDef(
    "WND-STAT", HARD,
    T("Wound status 'complication present' has a wound-complication event",
      "伤口状态为“存在并发症”时须有伤口并发症事件"),
    forms=("WND",),
    items=("WND.WNDSTAT", "WND.WC.WCAESPID"),
)


@WND_STAT
def _wnd_stat(subject: SubjectData, params: Any) -> Iterator[Finding]:
    for wnd in subject.forms("WND"):
        if val(wnd, "WNDSTAT") != "COMPLICATION_PRESENT" or rows(wnd, "WC"):
            continue
        on = val(wnd, "WNDDAT")
        on_en, on_zh = (f" on {on}", f"（{on}）") if on is not None else ("", "")
        yield WND_STAT.finding(
            msg(f"Wound assessment {wnd.repeat}{on_en}: status COMPLICATION_PRESENT but no "
                "wound-complication event is recorded",
                f"第 {wnd.repeat} 次伤口评估{on_zh}：伤口状态为 COMPLICATION_PRESENT"
                "（存在并发症），但未记录伤口并发症事件"),
            ("WND.WNDSTAT", "WND.WC.WCAESPID"), wnd,
        )


# --- AE ---------------------------------------------------------------------------------------

AE_SAERPT = CheckDef(
    "AE-SAERPT", SOFT,
    T("SAE reported within the reporting time after awareness", "严重不良事件在获知后按时报告"),
    forms=("AE",),
    items=("AE.AE.AESER", "AE.AE.AESAEDAT", "AE.AE.AESAEAWDAT"),
)


@AE_SAERPT
def _ae_saerpt(subject: SubjectData, params: Any) -> Iterator[Finding]:
    limit = params.sae_report_days
    for record, index, row in ae_rows(subject):
        reported = as_date(row.get("AESAEDAT"))
        aware = as_date(row.get("AESAEAWDAT"))
        if row.get("AESER") != YES or reported is None or aware is None:
            continue
        delay = days(reported, aware)
        if delay <= limit:
            continue
        spid = row.get("AESPID") or f"row {index + 1}"
        spid_zh = row.get("AESPID") or f"第 {index + 1} 行"
        yield AE_SAERPT.finding(
            msg(f"SAE {spid} was reported on {reported}, {delay} days after the investigator "
                f"became aware on {aware} (more than {limit} day(s))",
                f"严重不良事件 {spid_zh} 于 {reported} 报告，距研究者获知日期 {aware} {delay} 天"
                f"（超过 {limit} 天）"),
            ("AE.AE.AESAEDAT", "AE.AE.AESAEAWDAT"), record, index,
        )


AE_SERCRIT = CheckDef(
    "AE-SERCRIT", HARD,
    T("A serious AE meets at least one seriousness criterion",
      "严重不良事件至少符合一项严重性标准"),
    forms=("AE",),
    items=("AE.AE.AESER", "AE.AE.AESDTH", "AE.AE.AESLIFE", "AE.AE.AESHOSP", "AE.AE.AESDISAB",
           "AE.AE.AESCONG", "AE.AE.AESMIE"),
)

_CRITERIA = ("AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE")


@AE_SERCRIT
def _ae_sercrit(subject: SubjectData, params: Any) -> Iterator[Finding]:
    for record, index, row in ae_rows(subject):
        if row.get("AESER") != YES:
            continue
        answers = {name: row.get(name) for name in _CRITERIA if present(row.get(name))}
        # Nothing answered yet is a missing answer (REQUIRED when the form is completed).
        if not answers or YES in answers.values():
            continue
        spid = row.get("AESPID") or f"row {index + 1}"
        spid_zh = row.get("AESPID") or f"第 {index + 1} 行"
        given = ", ".join(f"{name} = {value}" for name, value in answers.items())
        yield AE_SERCRIT.finding(
            msg(f"AE {spid} is serious (AESER = Y) but no seriousness criterion is Y "
                f"({given})",
                f"不良事件 {spid_zh} 为严重不良事件（AESER = Y），但没有任何一项严重性标准为 Y"
                f"（{given}）"),
            tuple(f"AE.AE.{name}" for name in _CRITERIA), record, index,
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
