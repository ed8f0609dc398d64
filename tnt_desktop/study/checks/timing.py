"""Protocol timing checks TIM-01 … TIM-10 (CRF_SPEC.md §5.1, clarifications 14–16).

A query is a SOFT finding without a deviation category; a deviation candidate is a SOFT finding
with its CL:DVCAT code. Every window comes from `StudyParameters`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import pairwise
from typing import Any

from tnt_desktop.study.checks._common import (
    HARD,
    NO,
    SOFT,
    YES,
    CheckDef,
    add_months,
    as_date,
    as_int,
    classify,
    cycle_events,
    days,
    msg,
    present,
    rec,
    val,
)
from tnt_desktop.study.model import Finding, T, Text
from tnt_desktop.study.subject import FormRecord, SubjectData

# --- helpers ----------------------------------------------------------------------------------


def _after(delta: int) -> Text:
    """'12 days after' / '3 days before', for 'X is … Y'."""
    if delta >= 0:
        return T(f"{delta} days after", f"之后 {delta} 天")
    return T(f"{-delta} days before", f"之前 {-delta} 天")


def _surgery_date(subject: SubjectData) -> tuple[FormRecord | None, date | None]:
    surg = rec(subject, "SURG")
    if val(surg, "SURGYN") == NO:
        return surg, None
    return surg, as_date(val(surg, "SURGDAT"))


def _given_cycles(subject: SubjectData, params: Any) -> list[tuple[int, FormRecord, date]]:
    """(cycle number, CT record, D1 date) of every cycle started, in cycle order."""
    found = []
    for number, event in enumerate(cycle_events(params), start=1):
        record = rec(subject, "CT", event)
        d1 = as_date(val(record, "CYD1DAT"))
        if d1 is not None and val(record, "CYGIVEN") == YES:
            found.append((number, record, d1))
    return found


# --- TIM-01 -----------------------------------------------------------------------------------

TIM01 = CheckDef(
    "TIM-01", SOFT,
    T("RT delivered within one week: overall treatment time and number of fractions",
      "放疗一周内完成：总治疗时间与分次数"),
    forms=("RT",),
    items=("RT.RTOTT", "RT.RTNFX"),
    dv="RT_DOSE_SCHEDULE",
)


@TIM01
def _tim01(subject: SubjectData, params: Any) -> Iterator[Finding]:
    rt = rec(subject, "RT")
    ott = as_int(val(rt, "RTOTT"))
    limit = params.rt_max_ott_days
    if ott is not None and ott > limit:
        yield TIM01.finding(
            msg(f"RT overall treatment time {ott} days exceeds {limit} days",
                f"放疗总治疗时间 {ott} 天，超过 {limit} 天"),
            ("RT.RTOTT",), rt, dv=TIM01.dv,
        )
    nfx = as_int(val(rt, "RTNFX"))
    planned = params.rt_fractions
    if nfx is not None and nfx != planned:
        yield TIM01.finding(
            msg(f"{nfx} RT fractions delivered; the protocol plans {planned}",
                f"已实施放疗 {nfx} 次；方案计划 {planned} 次"),
            ("RT.RTNFX",), rt,
        )


# --- TIM-02 -----------------------------------------------------------------------------------

TIM02 = CheckDef(
    "TIM-02", SOFT,
    T("Chemotherapy cycle 1 starts about one week after the last RT fraction",
      "化疗第 1 周期在末次放疗后约一周开始"),
    forms=("RT", "CT"),
    items=("CT.CYD1DAT", "CT.CYGIVEN", "RT.RTENDAT"),
    dv="CHEMO_TIMING",
)


@TIM02
def _tim02(subject: SubjectData, params: Any) -> Iterator[Finding]:
    rt_end = as_date(val(rec(subject, "RT"), "RTENDAT"))
    c1 = rec(subject, "CT", "SE.C1")
    d1 = as_date(val(c1, "CYD1DAT"))
    if rt_end is None or d1 is None or val(c1, "CYGIVEN") == NO:
        return
    delta = days(d1, rt_end)
    ok, query = params.rt_to_c1_ok, params.rt_to_c1_query
    kind = classify(delta, ok, query)
    if kind == "ok":
        return
    rel = _after(delta)
    base_en = (f"C1D1 {d1} is {rel.en} the last RT fraction {rt_end} "
               f"(accepted {ok[0]}–{ok[1]} days")
    base_zh = f"C1D1 {d1} 在末次放疗 {rt_end} {rel.zh}（可接受 {ok[0]}–{ok[1]} 天"
    if kind == "query":
        message = msg(base_en + ")", base_zh + "）")
        yield TIM02.finding(message, ("CT.CYD1DAT", "RT.RTENDAT"), c1)
    else:
        message = msg(base_en + f"; outside {query[0]}–{query[1]} days: protocol deviation)",
                      base_zh + f"；超出 {query[0]}–{query[1]} 天：方案偏离）")
        yield TIM02.finding(message, ("CT.CYD1DAT", "RT.RTENDAT"), c1, dv=TIM02.dv)


# --- TIM-03 -----------------------------------------------------------------------------------

TIM03 = CheckDef(
    "TIM-03", SOFT,
    T("Chemotherapy cycles every 21 days; a delay needs a reason",
      "化疗每 21 天一个周期；延迟需说明原因"),
    forms=("CT",),
    items=("CT.CYD1DAT", "CT.CYGIVEN", "CT.CYDLYRSN"),
    dv="CHEMO_TIMING",
)


@TIM03
def _tim03(subject: SubjectData, params: Any) -> Iterator[Finding]:
    given = _given_cycles(subject, params)
    ok_low, ok_high = params.cycle_ok
    delay_high = params.cycle_delay[1]
    for (prev_n, _prev, prev_d1), (n, record, d1) in pairwise(given):
        delta = days(d1, prev_d1)
        head_en = f"C{n}D1 {d1} is {delta} days after C{prev_n}D1 {prev_d1}"
        head_zh = f"C{n}D1 {d1} 距 C{prev_n}D1 {prev_d1} 共 {delta} 天"
        items = ("CT.CYD1DAT",)
        if ok_low <= delta <= ok_high:
            continue
        if ok_high < delta <= delay_high:
            if present(val(record, "CYDLYRSN")):
                continue  # clarification 14: a recorded reason makes the delay acceptable
            yield TIM03.finding(
                msg(f"{head_en}: a delay of {ok_high + 1}–{delay_high} days needs a reason "
                    "for delay (CYDLYRSN)",
                    f"{head_zh}：延迟 {ok_high + 1}–{delay_high} 天需填写延迟原因（CYDLYRSN）"),
                (*items, "CT.CYDLYRSN"), record,
            )
            continue
        if delta < ok_low:
            tail = T(f"shorter than {ok_low} days", f"短于 {ok_low} 天")
        else:
            tail = T(f"longer than {delay_high} days", f"超过 {delay_high} 天")
        yield TIM03.finding(
            msg(f"{head_en}: interval {tail.en}, protocol deviation",
                f"{head_zh}：周期间隔{tail.zh}，方案偏离"),
            items, record, dv=TIM03.dv,
        )


# --- TIM-04 -----------------------------------------------------------------------------------

TIM04 = CheckDef(
    "TIM-04", SOFT,
    T("Fewer than three cycles before surgery need a documented reason",
      "术前化疗少于三个周期须记录原因"),
    forms=("SURG", "CT"),
    items=("SURG.SURGYN", "SURG.SURGDAT", "CT.CYGIVEN", "CT.CYNGRSN"),
)


@TIM04
def _tim04(subject: SubjectData, params: Any) -> Iterator[Finding]:
    surg = rec(subject, "SURG")
    surgdat = as_date(val(surg, "SURGDAT"))
    if surg is None or val(surg, "SURGYN") == NO or (val(surg, "SURGYN") != YES and not surgdat):
        return
    events = cycle_events(params)
    records = {event: rec(subject, "CT", event) for event in events}
    given = [e for e in events if val(records[e], "CYGIVEN") == YES]
    if len(given) >= len(events):
        return
    not_given = [e for e in events if e not in given]
    if any(present(val(records[e], "CYNGRSN")) for e in not_given):
        return
    first = not_given[0]
    when = T(f" on {surgdat}", f"（{surgdat}）") if surgdat else T("", "")
    cycle = first.removeprefix("SE.")
    target = records[first] or FormRecord(first, "CT")
    yield TIM04.finding(
        msg(f"Surgery{when.en} after {len(given)} of {len(events)} chemotherapy cycles, "
            f"but no reason is recorded for cycle {cycle} not given (CYNGRSN)",
            f"手术{when.zh}前仅完成 {len(given)}/{len(events)} 个化疗周期，"
            f"但未记录 {cycle} 未给药的原因（CYNGRSN）"),
        ("CT.CYNGRSN", "CT.CYGIVEN"), target,
    )


# --- TIM-05 -----------------------------------------------------------------------------------

TIM05 = CheckDef(
    "TIM-05", SOFT,
    T("Surgery 1–2 weeks after the end of the chemotherapy period (C3D1 + 20)",
      "手术在化疗期结束（C3D1 + 20）后 1–2 周"),
    forms=("SURG", "CT", "RT"),
    items=("SURG.SURGDAT", "SURG.SURGYN", "CT.CYD1DAT", "CT.CYGIVEN",
           "CT.DOXADM.EXSTDAT", "CT.IFOADM.EXSTDAT", "RT.RTENDAT"),
    dv="SURGERY_TIMING",
)


def _basis(basis: str, params: Any) -> Text:
    n, d = params.n_cycles, params.chemo_period_days
    if basis == "C3":
        return T(f"C{n}D1 + {d}", f"C{n}D1 + {d}")
    if basis == "LAST_CYCLE":
        return T(f"last given cycle D1 + {d}; fewer than {n} cycles given",
                 f"最后一个已给周期 D1 + {d}；给药周期少于 {n} 个")
    if basis == "RT":
        r = params.no_chemo_reference_days
        return T(f"last RT fraction + {r}; no chemotherapy cycle given",
                 f"末次放疗 + {r}；未给予化疗")
    return T(basis, basis)


@TIM05
def _tim05(subject: SubjectData, params: Any) -> Iterator[Finding]:
    from tnt_desktop.study.derivations.chemotherapy import chemo_end, chemo_period_end

    surg, surgdat = _surgery_date(subject)
    if surgdat is None:
        return
    reference, basis = chemo_period_end(subject, params)
    if reference is None:
        return
    delta = days(surgdat, reference)
    ok, query = params.surgery_ok, params.surgery_query
    kind = classify(delta, ok, query)
    if kind == "ok":
        return
    why = _basis(basis, params)
    rel = _after(delta)
    en = (f"Surgery {surgdat} is {rel.en} the end of the chemotherapy period {reference} "
          f"({why.en}); accepted {ok[0]}–{ok[1]} days")
    zh = (f"手术日期 {surgdat} 在化疗期结束日 {reference}（{why.zh}）{rel.zh}；"
          f"可接受 {ok[0]}–{ok[1]} 天")
    if kind == "deviation":
        en += f", outside {query[0]}–{query[1]} days: protocol deviation"
        zh += f"，超出 {query[0]}–{query[1]} 天：方案偏离"
    last_dose = chemo_end(subject)
    if last_dose is not None:
        since = days(surgdat, last_dose)
        en += f". {since} days after the last chemotherapy dose {last_dose}"
        zh += f"。距末次化疗给药 {last_dose} 共 {since} 天"
    items = ("SURG.SURGDAT",)
    yield TIM05.finding(msg(en, zh), items, surg, dv=TIM05.dv if kind == "deviation" else None)


# --- TIM-06 -----------------------------------------------------------------------------------

TIM06 = CheckDef(
    "TIM-06", SOFT,
    T("Surgery at least 28 days after the end of RT", "手术距放疗结束至少 28 天"),
    forms=("SURG", "RT"),
    items=("SURG.SURGDAT", "SURG.SURGYN", "RT.RTENDAT"),
)


@TIM06
def _tim06(subject: SubjectData, params: Any) -> Iterator[Finding]:
    surg, surgdat = _surgery_date(subject)
    rt_end = as_date(val(rec(subject, "RT"), "RTENDAT"))
    if surgdat is None or rt_end is None:
        return
    delta = days(surgdat, rt_end)
    minimum = params.surgery_after_rt_min_days
    if delta < minimum:
        yield TIM06.finding(
            msg(f"Surgery {surgdat} is {delta} days after the end of RT {rt_end}; "
                f"expected at least {minimum} days",
                f"手术日期 {surgdat} 距放疗结束 {rt_end} 仅 {delta} 天；应至少 {minimum} 天"),
            ("SURG.SURGDAT", "RT.RTENDAT"), surg,
        )


# --- TIM-07 -----------------------------------------------------------------------------------

TIM07 = CheckDef(
    "TIM-07", SOFT,
    T("Follow-up visits at surgery + 3, 6, … 24 months ± 14 days",
      "随访在手术后 3、6…24 个月 ± 14 天内"),
    forms=("FU", "SURG", "EOS"),
    items=("FU.FUDAT", "SURG.SURGDAT", "SURG.SURGYN", "EOS.EOTDAT"),
    dv="VISIT_WINDOW",
)


@TIM07
def _tim07(subject: SubjectData, params: Any) -> Iterator[Finding]:
    _surg, start = _surgery_date(subject)
    origin = T("surgery", "手术")
    if start is None:
        start = as_date(val(rec(subject, "EOS"), "EOTDAT"))
        origin = T("end of treatment", "治疗结束")
    if start is None:
        return
    window = params.fu_window_days
    for fu in subject.forms("FU", "SE.FU"):
        if not 1 <= fu.repeat <= len(params.fu_months):
            continue
        fudat = as_date(val(fu, "FUDAT"))
        if fudat is None:
            continue
        months = params.fu_months[fu.repeat - 1]
        due = add_months(start, months)
        delta = days(fudat, due)
        if abs(delta) <= window:
            continue
        rel = _after(delta)
        yield TIM07.finding(
            msg(f"Follow-up month {months} on {fudat} is {rel.en} its due date {due} "
                f"({origin.en} {start} + {months} months); window ± {window} days",
                f"第 {months} 个月随访日期 {fudat} 在应访日期 {due}（{origin.zh} {start} + "
                f"{months} 个月）{rel.zh}；窗口 ± {window} 天"),
            ("FU.FUDAT",), fu, dv=TIM07.dv,
        )


# --- TIM-08 -----------------------------------------------------------------------------------

TIM08 = CheckDef(
    "TIM-08", SOFT,
    T("Wound assessments on post-operative day 14/30/60/90/120 ± 5 days",
      "伤口评估在术后第 14/30/60/90/120 天 ± 5 天内"),
    forms=("WND", "SURG"),
    items=("WND.WNDDAT", "WND.WNDPOD", "SURG.SURGDAT"),
    dv="VISIT_WINDOW",
)


@TIM08
def _tim08(subject: SubjectData, params: Any) -> Iterator[Finding]:
    _surg, surgdat = _surgery_date(subject)
    window = params.wound_window_days
    for wnd in subject.forms("WND", "SE.WND"):
        if not 1 <= wnd.repeat <= len(params.wound_days):
            continue
        wnddat = as_date(val(wnd, "WNDDAT"))
        pod = as_int(val(wnd, "WNDPOD"))
        if pod is None and wnddat is not None and surgdat is not None:
            pod = days(wnddat, surgdat)
        if pod is None:
            continue
        target = params.wound_days[wnd.repeat - 1]
        if abs(pod - target) <= window:
            continue
        on = T(f" on {wnddat}", f"（{wnddat}）") if wnddat else T("", "")
        yield TIM08.finding(
            msg(f"Wound assessment {wnd.repeat}{on.en} is on post-operative day {pod}; "
                f"planned day {target} ± {window}",
                f"第 {wnd.repeat} 次伤口评估{on.zh}为术后第 {pod} 天；"
                f"计划第 {target} 天 ± {window} 天"),
            ("WND.WNDDAT",), wnd, dv=TIM08.dv,
        )


# --- TIM-09 -----------------------------------------------------------------------------------

TIM09 = CheckDef(
    "TIM-09", SOFT,
    T("Screening assessments recent: imaging ≤28 days and labs ≤14 days before RT day 1",
      "筛选评估时效：影像在放疗首日前 ≤28 天，化验 ≤14 天"),
    forms=("TUBL", "LB", "DM", "IE", "RT"),
    items=("TUBL.IMGDAT", "TUBL.CHESTDAT", "LB.LBDAT", "LB.EGDAT", "DM.VSDAT", "DM.ECOGDAT",
           "DM.ENRDAT", "IE.SCRDAT", "RT.RTSTDAT"),
)

RT_DAY1 = T("RT day 1", "放疗首日")
ENROLMENT = T("enrolment", "入组")


def screening_dates(subject: SubjectData, params: Any) -> list[tuple[str, Text, FormRecord | None,
                                                                     date | None, Text, date | None,
                                                                     int]]:
    """(item ref, label, record, date, reference label, reference date, window days) of every
    screening assessment with a recency window (TIM-09; X-01 uses the same windows)."""
    tubl = rec(subject, "TUBL")
    lb = rec(subject, "LB", "SE.SCR")
    dm = rec(subject, "DM")
    ie = rec(subject, "IE")
    rt_day1 = as_date(val(rec(subject, "RT"), "RTSTDAT"))
    enrol = as_date(val(dm, "ENRDAT"))
    imaging, labs = params.imaging_window_days, params.labs_window_days
    return [
        ("TUBL.IMGDAT", T("Local imaging", "局部影像"), tubl, as_date(val(tubl, "IMGDAT")),
         RT_DAY1, rt_day1, imaging),
        ("TUBL.CHESTDAT", T("Chest staging", "胸部分期检查"), tubl,
         as_date(val(tubl, "CHESTDAT")), RT_DAY1, rt_day1, imaging),
        ("LB.LBDAT", T("Screening labs", "筛选期化验"), lb, as_date(val(lb, "LBDAT")),
         RT_DAY1, rt_day1, labs),
        ("LB.EGDAT", T("Screening LVEF", "筛选期 LVEF"), lb, as_date(val(lb, "EGDAT")),
         RT_DAY1, rt_day1, labs),
        ("DM.VSDAT", T("Height/weight", "身高体重"), dm, as_date(val(dm, "VSDAT")),
         RT_DAY1, rt_day1, params.vitals_window_days),
        ("DM.ECOGDAT", T("ECOG assessment", "ECOG 评估"), dm, as_date(val(dm, "ECOGDAT")),
         ENROLMENT, enrol, params.ecog_window_days),
        ("IE.SCRDAT", T("Screening", "筛选"), ie, as_date(val(ie, "SCRDAT")),
         ENROLMENT, enrol, params.screening_window_days),
    ]


@TIM09
def _tim09(subject: SubjectData, params: Any) -> Iterator[Finding]:
    for ref, label, record, day, ref_label, ref_day, window in screening_dates(subject, params):
        if day is None or ref_day is None:
            continue
        before = days(ref_day, day)
        if 0 <= before <= window:
            continue
        if before < 0:
            en = f"{label.en} {day} is after {ref_label.en} {ref_day}"
            zh = f"{label.zh}日期 {day} 晚于{ref_label.zh} {ref_day}"
        else:
            en = (f"{label.en} {day} is {before} days before {ref_label.en} {ref_day}; "
                  f"allowed ≤{window} days")
            zh = (f"{label.zh}日期 {day} 距{ref_label.zh} {ref_day} {before} 天；"
                  f"应 ≤{window} 天")
        target_ref = "RT.RTSTDAT" if ref_label is RT_DAY1 else "DM.ENRDAT"
        yield TIM09.finding(msg(en, zh), (ref, target_ref), record)


# --- TIM-10 -----------------------------------------------------------------------------------

TIM10 = CheckDef(
    "TIM-10", HARD,
    T("Consent ≤ enrolment ≤ RT day 1", "知情同意 ≤ 入组 ≤ 放疗首日"),
    forms=("IE", "DM", "RT"),
    items=("IE.RFICDAT", "DM.ENRDAT", "RT.RTSTDAT"),
)


@TIM10
def _tim10(subject: SubjectData, params: Any) -> Iterator[Finding]:
    dm = rec(subject, "DM")
    consent = as_date(val(rec(subject, "IE"), "RFICDAT"))
    enrol = as_date(val(dm, "ENRDAT"))
    rt = rec(subject, "RT")
    rt_day1 = as_date(val(rt, "RTSTDAT"))
    if consent and enrol and enrol < consent:
        yield TIM10.finding(
            msg(f"Enrolment date {enrol} is before the informed consent date {consent}",
                f"入组日期 {enrol} 早于知情同意日期 {consent}"),
            ("DM.ENRDAT", "IE.RFICDAT"), dm,
        )
    if enrol and rt_day1 and rt_day1 < enrol:
        yield TIM10.finding(
            msg(f"RT day 1 {rt_day1} is before the enrolment date {enrol}",
                f"放疗首日 {rt_day1} 早于入组日期 {enrol}"),
            ("RT.RTSTDAT", "DM.ENRDAT"), rt,
        )
    if consent and rt_day1 and rt_day1 < consent and not enrol:
        yield TIM10.finding(
            msg(f"RT day 1 {rt_day1} is before the informed consent date {consent}",
                f"放疗首日 {rt_day1} 早于知情同意日期 {consent}"),
            ("RT.RTSTDAT", "IE.RFICDAT"), rt,
        )


CHECKS = tuple(c.check() for c in (TIM01, TIM02, TIM03, TIM04, TIM05, TIM06, TIM07, TIM08,
                                    TIM09, TIM10))
