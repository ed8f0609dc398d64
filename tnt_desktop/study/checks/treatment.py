"""Treatment cross-checks X-25 … X-35 (CRF_SPEC.md §5.2): RT → chemotherapy, chemotherapy
administration and dose, surgery ↔ pathology, wound complications ↔ AE log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from tnt_desktop.study.checks._common import (
    CROSS,
    HARD,
    NO,
    SOFT,
    YES,
    CheckDef,
    ae_rows,
    as_date,
    as_dec,
    cycle_events,
    days,
    fmt_num,
    msg,
    pct,
    plus_days,
    present,
    rec,
    rows,
    val,
    wc_rows,
)
from tnt_desktop.study.model import Finding, T
from tnt_desktop.study.subject import SubjectData

# --- X-25 -------------------------------------------------------------------------------------

X25 = CheckDef(
    "X-25", HARD,
    T("Chemotherapy cycle 1 starts after the end of RT", "化疗第 1 周期在放疗结束后开始"),
    forms=("RT", "CT"),
    items=("CT.CYD1DAT", "RT.RTENDAT"),
)


@X25
def _x25(subject: SubjectData, params: Any) -> Iterator[Finding]:
    c1 = rec(subject, "CT", "SE.C1")
    d1 = as_date(val(c1, "CYD1DAT"))
    rt_end = as_date(val(rec(subject, "RT"), "RTENDAT"))
    if d1 is not None and rt_end is not None and d1 <= rt_end:
        yield X25.finding(
            msg(f"C1D1 {d1} is not after the last RT fraction {rt_end}",
                f"C1D1 {d1} 未晚于末次放疗 {rt_end}"),
            ("CT.CYD1DAT", "RT.RTENDAT"), c1,
        )


# --- X-26 -------------------------------------------------------------------------------------

X26 = CheckDef(
    "X-26", SOFT,
    T("Doxorubicin/ifosfamide administrations fall within day 1 … day 1 + 6 of the cycle",
      "多柔比星/异环磷酰胺给药日期在本周期第 1 天至第 1 天 + 6 天内"),
    forms=("CT",),
    items=("CT.CYD1DAT", "CT.DOXADM.EXSTDAT", "CT.IFOADM.EXSTDAT"),
)

_DRUG_ROWS = (("DOXADM", "Doxorubicin", "多柔比星"), ("IFOADM", "Ifosfamide", "异环磷酰胺"))


@X26
def _x26(subject: SubjectData, params: Any) -> Iterator[Finding]:
    window = params.chemo_row_window_days
    for event in cycle_events(params):
        record = rec(subject, "CT", event)
        d1 = as_date(val(record, "CYD1DAT"))
        if record is None or d1 is None:
            continue
        last = plus_days(d1, window)
        cycle = event.removeprefix("SE.")
        for group, en, zh in _DRUG_ROWS:
            for index, row in enumerate(rows(record, group)):
                given = as_date(row.get("EXSTDAT"))
                if given is None or d1 <= given <= last:
                    continue
                yield X26.finding(
                    msg(f"{en} administration on {given} ({cycle}, row {index + 1}) is outside "
                        f"{d1} … {last} (day 1 … day 1 + {window})",
                        f"{zh}给药日期 {given}（{cycle}，第 {index + 1} 行）不在 {d1} … {last}"
                        f"（第 1 天至第 1 天 + {window} 天）内"),
                    (f"CT.{group}.EXSTDAT", "CT.CYD1DAT"), record, index,
                )


# --- X-27 -------------------------------------------------------------------------------------

X27 = CheckDef(
    "X-27", SOFT,
    T("Actual dose per m² not above 110 % (query) or 125 % (confirmation) of the planned dose; "
      "cumulative doxorubicin",
      "每平方米实际剂量不超过计划剂量的 110 %（质疑）或 125 %（强制确认）；多柔比星累积剂量"),
    forms=("CT",),
    items=("CT.DOXACTM2", "CT.DOXPLM2", "CT.DOXRED", "CT.DOXREDPCT", "CT.DOXREDOTH",
           "CT.IFOACTM2", "CT.IFOPLM2", "CT.IFORED", "CT.IFOREDPCT", "CT.IFOREDOTH",
           "CT.DOXCUM"),
    dv="CHEMO_DOSE",
)


def _reduction(record: Any, prefix: str) -> Decimal:
    """The documented reduction of a drug in %, 0 when none (or when the level is unknown)."""
    if val(record, f"{prefix}RED") != YES:
        return Decimal(0)
    level = val(record, f"{prefix}REDPCT")
    if level == "OTHER":
        level = val(record, f"{prefix}REDOTH")
    number = as_dec(level)
    return number if number is not None and 0 <= number < 100 else Decimal(0)


_DRUGS = (("DOX", "Doxorubicin", "多柔比星", "mg/m²"), ("IFO", "Ifosfamide", "异环磷酰胺", "g/m²"))


@X27
def _x27(subject: SubjectData, params: Any) -> Iterator[Finding]:
    query, hard = params.overdose_query_pct, params.overdose_hard_pct
    for event in cycle_events(params):
        record = rec(subject, "CT", event)
        cycle = event.removeprefix("SE.")
        for prefix, en, zh, unit in _DRUGS:
            actual = as_dec(val(record, f"{prefix}ACTM2"))
            planned = as_dec(val(record, f"{prefix}PLM2"))
            if actual is None or planned is None or planned <= 0:
                continue
            reduction = _reduction(record, prefix)
            target = planned * (100 - reduction) / 100
            if target <= 0:
                continue
            ratio = pct(actual, target)
            if ratio <= query:
                continue
            planned_en = f"the planned {fmt_num(target)} {unit}"
            planned_zh = f"计划剂量 {fmt_num(target)} {unit}"
            if reduction:
                planned_en += f" (after a {fmt_num(reduction)} % reduction)"
                planned_zh += f"（减量 {fmt_num(reduction)} % 后）"
            items = (f"CT.{prefix}ACTM2", f"CT.{prefix}PLM2")
            if ratio > hard:
                yield X27.finding(
                    msg(f"{cycle}: {en} {actual} {unit} is {fmt_num(ratio)} % of {planned_en}, "
                        f"above {fmt_num(hard)} %: confirm with a reason",
                        f"{cycle}：{zh} {actual} {unit} 为{planned_zh}的 {fmt_num(ratio)} %，"
                        f"超过 {fmt_num(hard)} %：须确认并说明原因"),
                    items, record, severity=HARD, dv=X27.dv,
                )
            else:
                yield X27.finding(
                    msg(f"{cycle}: {en} {actual} {unit} is {fmt_num(ratio)} % of {planned_en}, "
                        f"above {fmt_num(query)} %",
                        f"{cycle}：{zh} {actual} {unit} 为{planned_zh}的 {fmt_num(ratio)} %，"
                        f"超过 {fmt_num(query)} %"),
                    items, record, dv=X27.dv,
                )
        cumulative = as_dec(val(record, "DOXCUM"))
        if cumulative is None:
            continue
        for limit, severity in ((params.dox_cumulative_hard, HARD),
                                (params.dox_cumulative_soft, SOFT)):
            if cumulative > limit:
                yield X27.finding(
                    msg(f"{cycle}: cumulative doxorubicin {cumulative} mg/m² exceeds "
                        f"{fmt_num(limit)} mg/m²",
                        f"{cycle}：多柔比星累积剂量 {cumulative} mg/m²，"
                        f"超过 {fmt_num(limit)} mg/m²"),
                    ("CT.DOXCUM",), record, severity=severity,
                )
                break


# --- X-28 -------------------------------------------------------------------------------------

X28 = CheckDef(
    "X-28", CROSS,
    T("A delay or dose reduction for toxicity has an AE with action DELAYED or DOSE_REDUCED",
      "因毒性延迟或减量时，须有处理措施为延迟或减量的不良事件"),
    forms=("CT", "AE"),
    items=("CT.CYDLYRSN", "CT.DOXRED", "CT.DOXREDRSN", "CT.IFORED", "CT.IFOREDRSN",
           "AE.AE.AEACN"),
)

NON_TOXICITY_REASONS = frozenset({"PATIENT_DECISION", "LOGISTIC", "OTHER"})
_AE_ACTIONS = frozenset({"DELAYED", "DOSE_REDUCED"})


@X28
def _x28(subject: SubjectData, params: Any) -> Iterator[Finding]:
    if any(row.get("AEACN") in _AE_ACTIONS for _r, _i, row in ae_rows(subject)):
        return
    for event in cycle_events(params):
        record = rec(subject, "CT", event)
        if record is None:
            continue
        cycle = event.removeprefix("SE.")
        reasons = [("CYDLYRSN", val(record, "CYDLYRSN"), "delay", "延迟")]
        for prefix, en, zh, _unit in _DRUGS:
            if val(record, f"{prefix}RED") == YES:
                reasons.append((f"{prefix}REDRSN", val(record, f"{prefix}REDRSN"),
                                f"{en.lower()} dose reduction", f"{zh}减量"))
        for name, reason, en, zh in reasons:
            if reason is None or reason in NON_TOXICITY_REASONS:
                continue
            yield X28.finding(
                msg(f"{cycle}: {en} for toxicity ({reason}) but no AE records the action "
                    "DELAYED or DOSE_REDUCED",
                    f"{cycle}：因毒性（{reason}）{zh}，但没有处理措施为延迟或减量的不良事件"),
                (f"CT.{name}", "AE.AE.AEACN"), record,
            )


# --- X-29 -------------------------------------------------------------------------------------

X29 = CheckDef(
    "X-29", HARD,
    T("Pathology exists if and only if surgery was performed; report on or after surgery",
      "仅在已手术时存在病理报告；报告日期不早于手术日期"),
    forms=("SURG", "PATH"),
    items=("SURG.SURGYN", "SURG.SURGDAT", "PATH.PATHDAT"),
    needs_today=True,
)


@X29
def _x29(subject: SubjectData, params: Any, today: date | None = None) -> Iterator[Finding]:
    today = today or date.today()
    surg = rec(subject, "SURG")
    path = rec(subject, "PATH")
    surgyn = val(surg, "SURGYN")
    surgdat = as_date(val(surg, "SURGDAT"))
    pathdat = as_date(val(path, "PATHDAT"))
    report_days = params.path_report_days
    if path is not None and surgyn == NO:
        yield X29.finding(
            msg("A resection pathology form exists but protocol surgery is recorded as not "
                "performed (SURGYN = N)",
                "存在切除标本病理表，但方案手术记录为未实施（SURGYN = N）"),
            ("SURG.SURGYN",), path,
        )
    elif path is not None and surg is None:
        yield X29.finding(
            msg("A resection pathology form exists but no surgery form",
                "存在切除标本病理表，但无手术表"),
            ("SURG.SURGYN",), path, severity=SOFT,
        )
    if surgyn == YES and path is None and surgdat is not None:
        waited = days(today, surgdat)
        if waited > report_days:
            yield X29.finding(
                msg(f"Surgery on {surgdat} ({waited} days ago) has no resection pathology form; "
                    f"the report is due within {report_days} days",
                    f"手术日期 {surgdat}（已过 {waited} 天）尚无切除标本病理表；"
                    f"病理报告应在 {report_days} 天内完成"),
                ("SURG.SURGYN", "PATH.PATHDAT"), surg, severity=SOFT,
            )
    if pathdat is not None and surgdat is not None:
        delay = days(pathdat, surgdat)
        if delay < 0:
            yield X29.finding(
                msg(f"Pathology report date {pathdat} is before the surgery date {surgdat}",
                    f"病理报告日期 {pathdat} 早于手术日期 {surgdat}"),
                ("PATH.PATHDAT", "SURG.SURGDAT"), path,
            )
        elif delay > report_days:
            yield X29.finding(
                msg(f"Pathology report date {pathdat} is {delay} days after surgery {surgdat}; "
                    f"expected within {report_days} days",
                    f"病理报告日期 {pathdat} 距手术 {surgdat} {delay} 天；应在 {report_days} 天内"),
                ("PATH.PATHDAT", "SURG.SURGDAT"), path, severity=SOFT,
            )


# --- X-30 / X-31 ------------------------------------------------------------------------------

X30 = CheckDef(
    "X-30", SOFT,
    T("Reported EORTC-STBSG score matches the score derived from % viable tumour",
      "报告的 EORTC-STBSG 评分与根据存活肿瘤比例推导的评分一致"),
    forms=("PATH",),
    items=("PATH.EORTCSC", "PATH.EORTCDER", "PATH.PCTVIAB"),
)


@X30
def _x30(subject: SubjectData, params: Any) -> Iterator[Finding]:
    path = rec(subject, "PATH")
    reported = val(path, "EORTCSC")
    derived = val(path, "EORTCDER")
    if reported is None or derived is None or reported == derived:
        return
    viable = val(path, "PCTVIAB")
    of = T(f" from {viable} % viable tumour", f"根据存活肿瘤 {viable} % ")
    if viable is None:
        of = T("", "")
    yield X30.finding(
        msg(f"Reported EORTC-STBSG score {reported} differs from the score derived{of.en}: "
            f"{derived}",
            f"报告的 EORTC-STBSG 评分 {reported} 与{of.zh}推导的评分 {derived} 不一致"),
        ("PATH.EORTCSC", "PATH.EORTCDER", "PATH.PCTVIAB"), path,
    )


X31 = CheckDef(
    "X-31", SOFT,
    T("R2 resection: confirm gross residual tumour", "R2 切除：确认肉眼残留肿瘤"),
    forms=("PATH",),
    items=("PATH.RSTAT",),
)


@X31
def _x31(subject: SubjectData, params: Any) -> Iterator[Finding]:
    path = rec(subject, "PATH")
    if val(path, "RSTAT") == "R2":
        yield X31.finding(
            msg("Residual tumour classification R2 (gross residual tumour): please confirm; it "
                "counts as a local failure at surgery",
                "残留肿瘤分类为 R2（肉眼残留）：请确认；该情况按手术时局部失败计"),
            ("PATH.RSTAT",), path,
        )


# --- X-32 -------------------------------------------------------------------------------------

X32 = CheckDef(
    "X-32", SOFT,
    T("Amputation: not limb-sparing, and no limb flap reconstruction",
      "截肢：非保肢，且无肢体皮瓣重建"),
    forms=("SURG",),
    items=("SURG.SURGTYPE", "SURG.LIMBSPFL", "SURG.RECON"),
)

_FLAPS = frozenset({"PEDICLED_FLAP", "FREE_FLAP", "FLAP_PLUS_GRAFT"})


@X32
def _x32(subject: SubjectData, params: Any) -> Iterator[Finding]:
    surg = rec(subject, "SURG")
    if val(surg, "SURGTYPE") != "AMPUTATION":
        return
    if val(surg, "LIMBSPFL") == YES:
        yield X32.finding(
            msg("Resection type AMPUTATION but limb-sparing is Y",
                "切除类型为截肢（AMPUTATION），但保肢为 Y"),
            ("SURG.SURGTYPE", "SURG.LIMBSPFL"), surg,
        )
    recon = val(surg, "RECON")
    if recon in _FLAPS:
        yield X32.finding(
            msg(f"Resection type AMPUTATION with reconstruction {recon}: please confirm",
                f"切除类型为截肢（AMPUTATION），重建方式为 {recon}：请确认"),
            ("SURG.SURGTYPE", "SURG.RECON"), surg,
        )


# --- X-33 / X-34 / X-35 -----------------------------------------------------------------------

X33 = CheckDef(
    "X-33", HARD,
    T("Every wound complication links to an AE; every wound AE has a wound-complication event",
      "每个伤口并发症关联一个不良事件；每个伤口类不良事件有伤口并发症记录"),
    forms=("WND", "AE"),
    items=("WND.WC.WCAESPID", "AE.AE.AESPID", "AE.AE.AECAT"),
)


def _ae_index(subject: SubjectData) -> dict[str, dict[str, Any]]:
    return {str(row["AESPID"]).strip(): row for _r, _i, row in ae_rows(subject)
            if present(row.get("AESPID"))}


@X33
def _x33(subject: SubjectData, params: Any) -> Iterator[Finding]:
    aes = _ae_index(subject)
    linked = set()
    for record, index, row in wc_rows(subject):
        link = row.get("WCAESPID")
        label = T(f"Wound complication {index + 1} (assessment {record.repeat})",
                  f"伤口并发症第 {index + 1} 行（第 {record.repeat} 次评估）")
        if not present(link):
            yield X33.finding(
                msg(f"{label.en} is not linked to an AE (WCAESPID)",
                    f"{label.zh}未关联不良事件（WCAESPID）"),
                ("WND.WC.WCAESPID",), record, index,
            )
            continue
        link = str(link).strip()
        linked.add(link)
        if link not in aes:
            yield X33.finding(
                msg(f"{label.en} links AE {link}, which is not in the AE log",
                    f"{label.zh}关联的不良事件 {link} 不在不良事件日志中"),
                ("WND.WC.WCAESPID",), record, index,
            )
    for record, index, row in ae_rows(subject):
        spid = row.get("AESPID")
        if row.get("AECAT") != "WOUND" or not present(spid) or str(spid).strip() in linked:
            continue
        # SOFT: the AE is entered first, the wound form later (the other direction is hard).
        yield X33.finding(
            msg(f"AE {spid} (category WOUND) has no wound-complication event linked to it",
                f"不良事件 {spid}（类别 WOUND）没有关联的伤口并发症记录"),
            ("AE.AE.AECAT", "WND.WC.WCAESPID"), record, index, severity=SOFT,
        )


X34 = CheckDef(
    "X-34", SOFT,
    T("Readmission for wound care ⇒ hospitalisation criterion on the linked AE",
      "因伤口护理再入院 ⇒ 关联不良事件的住院标准为 Y"),
    forms=("WND", "AE"),
    items=("WND.WC.WCREADM", "WND.WC.WCAESPID", "AE.AE.AESHOSP"),
)


@X34
def _x34(subject: SubjectData, params: Any) -> Iterator[Finding]:
    aes = _ae_index(subject)
    for record, index, row in wc_rows(subject):
        link = row.get("WCAESPID")
        if row.get("WCREADM") != YES or not present(link):
            continue
        ae = aes.get(str(link).strip())
        if ae is None or ae.get("AESHOSP") == YES:
            continue
        hosp = ae.get("AESHOSP") or "not recorded"
        hosp_zh = ae.get("AESHOSP") or "未记录"
        yield X34.finding(
            msg(f"Wound complication {index + 1} needed readmission but its AE {link} has "
                f"hospitalisation (AESHOSP) {hosp}",
                f"伤口并发症第 {index + 1} 行需再入院，但关联不良事件 {link} 的住院标准（AESHOSP）"
                f"为 {hosp_zh}"),
            ("WND.WC.WCREADM", "AE.AE.AESHOSP"), record, index,
        )


X35 = CheckDef(
    "X-35", SOFT,
    T("Secondary operation ⇒ the re-operation is recorded (date and procedure)",
      "二次手术 ⇒ 已记录再手术（日期和术式）"),
    forms=("WND",),
    items=("WND.WC.WCREOP", "WND.WC.WCREOPDAT", "WND.WC.WCREOPPROC", "WND.WC.WCSTDAT"),
)


@X35
def _x35(subject: SubjectData, params: Any) -> Iterator[Finding]:
    for record, index, row in wc_rows(subject):
        if row.get("WCREOP") != YES:
            continue
        missing = [n for n in ("WCREOPDAT", "WCREOPPROC") if not present(row.get(n))]
        if missing:
            names = ", ".join(missing)
            yield X35.finding(
                msg(f"Wound complication {index + 1} needed a secondary operation but the "
                    f"re-operation record lacks {names}",
                    f"伤口并发症第 {index + 1} 行需二次手术，但再手术记录缺少 {names}"),
                tuple(f"WND.WC.{n}" for n in missing), record, index,
            )
            continue
        reop = as_date(row.get("WCREOPDAT"))
        onset = as_date(row.get("WCSTDAT"))
        if reop is not None and onset is not None and reop < onset:
            yield X35.finding(
                msg(f"Wound complication {index + 1}: re-operation {reop} is before its onset "
                    f"{onset}",
                    f"伤口并发症第 {index + 1} 行：再手术日期 {reop} 早于发生日期 {onset}"),
                ("WND.WC.WCREOPDAT", "WND.WC.WCSTDAT"), record, index,
            )


CHECKS = tuple(c.check() for c in (X25, X26, X27, X28, X29, X30, X31, X32, X33, X34, X35))
