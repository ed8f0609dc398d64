"""Form-level rules of CRF_SPEC.md §3 (see study.checks.form_rules, which lists them all in
`CHECKS`) for surgery and after: SURG (F09), PATH (F10), WND and the AE log (F15)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from tnt_desktop.study.checks._common import (
    HARD,
    SOFT,
    YES,
    CheckDef,
    ae_rows,
    as_date,
    as_dec,
    as_int,
    days,
    fmt_num,
    msg,
    present,
    rec,
    rows,
    val,
)
from tnt_desktop.study.model import Finding, T
from tnt_desktop.study.subject import SubjectData

# Thresholds the spec states that are not study parameters (StudyParameters has no field for
# them; adding one is a change to parameters.py).
PCTSUM_MAX = Decimal("100.5")  # F08 PCTSUM: query when the sum is above 100.5 % [P]
PCTSUM_MIN = Decimal("95")  # F08 PCTSUM: query when below 95 % with all four components [P]


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
