"""Safety, follow-up and disposition checks X-40 … X-46 (CRF_SPEC.md §5.2)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from tnt_desktop.study.checks._common import (
    CROSS,
    HARD,
    NO,
    SOFT,
    YES,
    CheckDef,
    add_months,
    ae_rows,
    as_date,
    as_dec,
    as_int,
    cycle_events,
    fmt_num,
    msg,
    pct,
    plus_days,
    present,
    rec,
    val,
)
from tnt_desktop.study.model import Finding, T
from tnt_desktop.study.subject import FormRecord, PartialDate, SubjectData


def _death(subject: SubjectData) -> tuple[FormRecord | None, date | PartialDate | None]:
    dth = rec(subject, "DTH")
    value = val(dth, "DTHDAT")
    return dth, value if isinstance(value, date | PartialDate) else None


def _earliest(value: date | PartialDate) -> date:
    return value.earliest() if isinstance(value, PartialDate) else value


def _latest(value: date | PartialDate) -> date:
    return value.latest() if isinstance(value, PartialDate) else value


# --- X-40 -------------------------------------------------------------------------------------

X40 = CheckDef(
    "X-40", HARD,
    T("Grade 5 ⇔ outcome FATAL ⇔ death criterion; a death form dated the AE end date",
      "5 级 ⇔ 结局为死亡 ⇔ 死亡标准；死亡表日期与不良事件结束日期一致"),
    forms=("AE", "DTH"),
    items=("AE.AE.AETOXGR", "AE.AE.AEOUT", "AE.AE.AESDTH", "AE.AE.AESER", "AE.AE.AEENDAT",
           "AE.AE.AESPID", "DTH.DTHDAT", "DTH.DTHCAUS", "DTH.DTHAESPID"),
)

_AE_CAUSES = frozenset({"TREATMENT_TOXICITY", "SURGICAL_COMPLICATION"})


def _fatal_signs(row: dict[str, Any]) -> dict[str, bool]:
    """Which of grade 5 / FATAL / AESDTH = Y the row says, for the items that are answered."""
    signs: dict[str, bool] = {}
    grade = as_int(row.get("AETOXGR"))
    if grade is not None:
        signs["AETOXGR"] = grade == 5
    if present(row.get("AEOUT")):
        signs["AEOUT"] = row["AEOUT"] == "FATAL"
    if present(row.get("AESDTH")):
        signs["AESDTH"] = row["AESDTH"] == YES
    elif row.get("AESER") == NO:
        signs["AESDTH"] = False  # not serious: no seriousness criterion applies
    return signs


@X40
def _x40(subject: SubjectData, params: Any) -> Iterator[Finding]:
    dth, death = _death(subject)
    grade5: dict[str, dict[str, Any]] = {}
    for record, index, row in ae_rows(subject):
        spid = row.get("AESPID") or f"row {index + 1}"
        signs = _fatal_signs(row)
        if len(set(signs.values())) > 1:
            grade = row.get("AETOXGR", "?")
            out = row.get("AEOUT", "?")
            sdth = row.get("AESDTH") or ("N (not serious)" if row.get("AESER") == NO else "?")
            sdth_zh = row.get("AESDTH") or ("N（非严重）" if row.get("AESER") == NO else "?")
            yield X40.finding(
                msg(f"AE {spid}: grade {grade}, outcome {out} and death criterion {sdth} "
                    "disagree (grade 5 ⇔ FATAL ⇔ AESDTH = Y)",
                    f"不良事件 {spid}：分级 {grade}、结局 {out} 与死亡标准 {sdth_zh} 不一致"
                    "（5 级 ⇔ 死亡 ⇔ AESDTH = Y）"),
                tuple(f"AE.AE.{n}" for n in signs), record, index,
            )
        if not any(signs.values()):
            continue
        if present(row.get("AESPID")) and signs.get("AETOXGR"):
            grade5[str(row["AESPID"]).strip()] = row
        if dth is None:
            # SOFT: the AE is updated first and the death form follows; DTH → AE is the hard
            # direction (below), so the two forms can never block each other.
            yield X40.finding(
                msg(f"AE {spid} is fatal but there is no death form",
                    f"不良事件 {spid} 为致死性，但没有死亡表"),
                ("AE.AE.AEOUT", "DTH.DTHDAT"), record, index, severity=SOFT,
            )
            continue
        end = as_date(row.get("AEENDAT"))
        if end is not None and death is not None and not _earliest(death) <= end <= _latest(death):
            yield X40.finding(
                msg(f"AE {spid} is fatal and ends on {end}, but the date of death is {death}",
                    f"不良事件 {spid} 为致死性，结束日期 {end}，但死亡日期为 {death}"),
                ("AE.AE.AEENDAT", "DTH.DTHDAT"), record, index,
            )
    cause = val(dth, "DTHCAUS")
    if cause in _AE_CAUSES:
        link = val(dth, "DTHAESPID")
        if link is None:
            yield X40.finding(
                msg(f"Cause of death {cause} needs a linked grade 5 AE (DTHAESPID)",
                    f"死亡原因为 {cause}，须关联一个 5 级不良事件（DTHAESPID）"),
                ("DTH.DTHCAUS", "DTH.DTHAESPID"), dth,
            )
        elif str(link).strip() not in grade5:
            yield X40.finding(
                msg(f"Cause of death {cause}: linked AE {link} is not a grade 5 AE in the AE log",
                    f"死亡原因为 {cause}：关联的不良事件 {link} 不是不良事件日志中的 5 级事件"),
                ("DTH.DTHAESPID", "AE.AE.AETOXGR"), dth,
            )


# --- X-41 -------------------------------------------------------------------------------------

X41 = CheckDef(
    "X-41", HARD,
    T("Serious AE has a report date; AE end date not before its onset",
      "严重不良事件须有报告日期；不良事件结束日期不早于发生日期"),
    forms=("AE",),
    items=("AE.AE.AESER", "AE.AE.AESAEDAT", "AE.AE.AESTDAT", "AE.AE.AEENDAT"),
)


@X41
def _x41(subject: SubjectData, params: Any) -> Iterator[Finding]:
    for record, index, row in ae_rows(subject):
        spid = row.get("AESPID") or f"row {index + 1}"
        if row.get("AESER") == YES and not present(row.get("AESAEDAT")):
            yield X41.finding(
                msg(f"AE {spid} is serious but has no SAE report date (AESAEDAT)",
                    f"不良事件 {spid} 为严重不良事件，但没有 SAE 报告日期（AESAEDAT）"),
                ("AE.AE.AESAEDAT",), record, index,
            )
        start, end = as_date(row.get("AESTDAT")), as_date(row.get("AEENDAT"))
        if start is not None and end is not None and end < start:
            yield X41.finding(
                msg(f"AE {spid} ends on {end}, before its onset {start}",
                    f"不良事件 {spid} 结束日期 {end} 早于发生日期 {start}"),
                ("AE.AE.AEENDAT", "AE.AE.AESTDAT"), record, index,
            )


# --- X-42 -------------------------------------------------------------------------------------

X42 = CheckDef(
    "X-42", CROSS,
    T("Late RT toxicity grade ≥1 has a linked late-RT AE of that grade",
      "放疗晚期毒性 ≥1 级须有相应分级的放疗晚期不良事件"),
    forms=("LTOX", "AE"),
    items=("LTOX.LTFIB", "LTOX.LTJOINT", "LTOX.LTEDEMA", "LTOX.LTSKIN", "LTOX.LTNEUR",
           "LTOX.LTFRACT", "AE.AE.AECAT", "AE.AE.AETOXGR"),
)

_LTOX_ITEMS = (
    ("LTFIB", "fibrosis", "纤维化"),
    ("LTJOINT", "joint stiffness", "关节僵硬"),
    ("LTEDEMA", "oedema / lymphoedema", "水肿/淋巴水肿"),
    ("LTSKIN", "skin changes", "皮肤改变"),
    ("LTNEUR", "peripheral neuropathy", "周围神经病变"),
)


@X42
def _x42(subject: SubjectData, params: Any) -> Iterator[Finding]:
    late = [as_int(row.get("AETOXGR")) for _r, _i, row in ae_rows(subject)
            if row.get("AECAT") == "LATE_RT"]
    worst = max((g for g in late if g is not None), default=None)
    for ltox in subject.forms("LTOX"):
        for name, en, zh in _LTOX_ITEMS:
            grade = as_int(val(ltox, name))
            if grade is None or grade < 1 or (worst is not None and worst >= grade):
                continue
            # The AE holds the worst grade over the visits, so "the same grade" at a later,
            # milder visit is satisfied by an AE of at least that grade.
            yield X42.finding(
                msg(f"Late toxicity {en} grade {grade} has no late-RT AE (AECAT = LATE_RT) of "
                    f"grade ≥{grade}",
                    f"放疗晚期毒性{zh} {grade} 级，但没有 ≥{grade} 级的放疗晚期不良事件"
                    "（AECAT = LATE_RT）"),
                (f"LTOX.{name}", "AE.AE.AECAT", "AE.AE.AETOXGR"), ltox,
            )
        if val(ltox, "LTFRACT") == YES and not late:
            yield X42.finding(
                msg("Late toxicity: fracture in the irradiated field has no late-RT AE "
                    "(AECAT = LATE_RT)",
                    "放疗晚期毒性：照射野内骨折，但没有放疗晚期不良事件（AECAT = LATE_RT）"),
                ("LTOX.LTFRACT", "AE.AE.AECAT"), ltox,
            )


# --- X-43 -------------------------------------------------------------------------------------

X43 = CheckDef(
    "X-43", HARD,
    T("Local recurrence dated on or after surgery; distant metastasis dated by the visit",
      "局部复发日期不早于手术；远处转移须有日期且不晚于随访日期"),
    forms=("FU", "SURG"),
    items=("FU.LRYN", "FU.LRDAT", "FU.DMYN", "FU.DMDAT", "FU.FUDAT", "SURG.SURGDAT"),
)


@X43
def _x43(subject: SubjectData, params: Any) -> Iterator[Finding]:
    surgdat = as_date(val(rec(subject, "SURG"), "SURGDAT"))
    for fu in subject.forms("FU"):
        fudat = as_date(val(fu, "FUDAT"))
        if val(fu, "LRYN") == YES:
            lrdat = as_date(val(fu, "LRDAT"))
            if lrdat is not None and surgdat is not None and lrdat < surgdat:
                yield X43.finding(
                    msg(f"Local recurrence date {lrdat} is before the surgery date {surgdat}",
                        f"局部复发日期 {lrdat} 早于手术日期 {surgdat}"),
                    ("FU.LRDAT", "SURG.SURGDAT"), fu,
                )
            if lrdat is not None and fudat is not None and lrdat > fudat:
                yield X43.finding(
                    msg(f"Local recurrence date {lrdat} is after the visit date {fudat}",
                        f"局部复发日期 {lrdat} 晚于随访日期 {fudat}"),
                    ("FU.LRDAT", "FU.FUDAT"), fu,
                )
        if val(fu, "DMYN") == YES:
            dmdat = as_date(val(fu, "DMDAT"))
            if val(fu, "DMDAT") is None:
                yield X43.finding(
                    msg("Distant metastasis reported (DMYN = Y) without its date (DMDAT)",
                        "报告远处转移（DMYN = Y），但缺少日期（DMDAT）"),
                    ("FU.DMDAT",), fu,
                )
            elif dmdat is not None and fudat is not None and dmdat > fudat:
                yield X43.finding(
                    msg(f"Distant metastasis date {dmdat} is after the visit date {fudat}",
                        f"远处转移日期 {dmdat} 晚于随访日期 {fudat}"),
                    ("FU.DMDAT", "FU.FUDAT"), fu,
                )


# --- X-44 -------------------------------------------------------------------------------------

X44 = CheckDef(
    "X-44", HARD,
    T("Vital status DEAD needs a death form; no ALIVE visit after the date of death",
      "生存状态为死亡须有死亡表；死亡日期后不得有存活的随访"),
    forms=("FU", "DTH"),
    items=("FU.SSSTAT", "FU.FUDAT", "DTH.DTHDAT"),
)


@X44
def _x44(subject: SubjectData, params: Any) -> Iterator[Finding]:
    dth, death = _death(subject)
    for fu in subject.forms("FU"):
        status = val(fu, "SSSTAT")
        fudat = as_date(val(fu, "FUDAT"))
        on = T(f" on {fudat}", f"（{fudat}）") if fudat else T("", "")
        if status == "DEAD" and dth is None:
            yield X44.finding(
                msg(f"Follow-up{on.en} records vital status DEAD but there is no death form",
                    f"随访{on.zh}记录生存状态为死亡（DEAD），但没有死亡表"),
                ("FU.SSSTAT", "DTH.DTHDAT"), fu,
            )
        if death is None or fudat is None:
            continue
        if status == "ALIVE" and fudat > _latest(death):
            yield X44.finding(
                msg(f"Follow-up on {fudat} records the subject ALIVE after the date of death "
                    f"{death}",
                    f"随访（{fudat}）记录受试者存活（ALIVE），但晚于死亡日期 {death}"),
                ("FU.SSSTAT", "FU.FUDAT", "DTH.DTHDAT"), fu,
            )
        elif status == "DEAD" and fudat < _earliest(death):
            yield X44.finding(
                msg(f"Follow-up on {fudat} records the subject DEAD before the date of death "
                    f"{death}",
                    f"随访（{fudat}）记录受试者死亡（DEAD），但早于死亡日期 {death}"),
                ("FU.SSSTAT", "FU.FUDAT", "DTH.DTHDAT"), fu,
            )


# --- X-45 -------------------------------------------------------------------------------------

X45 = CheckDef(
    "X-45", HARD,
    T("End of study only after the 24-month visit, death, withdrawal or loss to follow-up; "
      "last contact not before the last follow-up",
      "仅在 24 个月随访、死亡、撤回同意或失访后结束研究；最后联系日期不早于末次随访"),
    forms=("EOS", "FU", "DTH"),
    items=("EOS.EOSSTAT", "EOS.LASTCONT", "EOS.EOTDAT", "FU.FUDAT", "FU.SSSTAT",
           "SURG.SURGDAT", "DTH.DTHDAT"),
)


def _has_final_visit(subject: SubjectData, params: Any) -> bool:
    horizon = params.os_horizon_months
    surg = rec(subject, "SURG")
    start = as_date(val(surg, "SURGDAT")) if val(surg, "SURGYN") != NO else None
    start = start or as_date(val(rec(subject, "EOS"), "EOTDAT"))
    visits = subject.forms("FU", "SE.FU")
    if start is not None:
        earliest = plus_days(add_months(start, horizon), -params.fu_window_days)
        return any((d := as_date(val(fu, "FUDAT"))) is not None and d >= earliest
                   for fu in visits)
    if horizon in params.fu_months:
        final = params.fu_months.index(horizon) + 1
        return any(fu.repeat >= final and val(fu, "FUDAT") is not None for fu in visits)
    return False


@X45
def _x45(subject: SubjectData, params: Any) -> Iterator[Finding]:
    eos = rec(subject, "EOS")
    if eos is None:
        return
    status = val(eos, "EOSSTAT")
    horizon = params.os_horizon_months
    if status == "COMPLETED_24M_FU" and not _has_final_visit(subject, params):
        yield X45.finding(
            msg(f"End of study COMPLETED_24M_FU but there is no {horizon}-month follow-up visit",
                f"研究结束状态为 COMPLETED_24M_FU，但没有第 {horizon} 个月随访"),
            ("EOS.EOSSTAT", "FU.FUDAT"), eos,
        )
    if status == "DEATH" and rec(subject, "DTH") is None:
        yield X45.finding(
            msg("End of study DEATH but there is no death form",
                "研究结束状态为死亡（DEATH），但没有死亡表"),
            ("EOS.EOSSTAT", "DTH.DTHDAT"), eos,
        )
    last_contact = as_date(val(eos, "LASTCONT"))
    alive = [d for fu in subject.forms("FU")
             if val(fu, "SSSTAT") == "ALIVE" and (d := as_date(val(fu, "FUDAT"))) is not None]
    if last_contact is not None and alive and last_contact < max(alive):
        yield X45.finding(
            msg(f"Date last known alive {last_contact} is before the last follow-up visit "
                f"{max(alive)} with the subject alive",
                f"最后确认存活日期 {last_contact} 早于末次存活随访日期 {max(alive)}"),
            ("EOS.LASTCONT", "FU.FUDAT"), eos,
        )


# --- X-46 -------------------------------------------------------------------------------------

X46 = CheckDef(
    "X-46", SOFT,
    T("Weight change ≥10 % from baseline: confirm the BSA was recalculated",
      "体重较基线变化 ≥10 %：确认已重新计算体表面积"),
    forms=("DM", "CT"),
    items=("DM.WEIGHT", "DM.BSA", "CT.CYWEIGHT", "CT.CYBSA"),
)


@X46
def _x46(subject: SubjectData, params: Any) -> Iterator[Finding]:
    dm = rec(subject, "DM")
    baseline = as_dec(val(dm, "WEIGHT"))
    if baseline is None or baseline <= 0:
        return
    base_bsa = val(dm, "BSA")
    limit = params.weight_change_pct
    for event in cycle_events(params):
        ct = rec(subject, "CT", event)
        weight = as_dec(val(ct, "CYWEIGHT"))
        if weight is None:
            continue
        change = pct(abs(weight - baseline), baseline)
        if change < limit:
            continue
        cycle = event.removeprefix("SE.")
        bsa = val(ct, "CYBSA")
        detail_en = detail_zh = ""
        if bsa is not None:
            detail_en = f" ({bsa} m²; baseline {base_bsa} m²)" if base_bsa else f" ({bsa} m²)"
            detail_zh = f"（{bsa} m²；基线 {base_bsa} m²）" if base_bsa else f"（{bsa} m²）"
        yield X46.finding(
            msg(f"{cycle}: weight {weight} kg differs by {fmt_num(change)} % from the baseline "
                f"{baseline} kg (≥{fmt_num(limit)} %): confirm the doses used the recalculated "
                f"BSA{detail_en}",
                f"{cycle}：体重 {weight} kg 较基线 {baseline} kg 变化 {fmt_num(change)} %"
                f"（≥{fmt_num(limit)} %）：请确认剂量按重新计算的体表面积{detail_zh}给予"),
            ("CT.CYWEIGHT", "DM.WEIGHT", "CT.CYBSA"), ct,
        )


CHECKS = tuple(c.check() for c in (X40, X41, X42, X43, X44, X45, X46))
