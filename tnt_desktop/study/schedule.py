"""The visit plan of one subject (CRF_SPEC.md §2, §1, clarifications 15–16): pure, no I/O.

`plan_visits` lists every scheduled event instance the subject should have — screening,
enrolment, RT, the AI cycles, restaging, surgery, pathology, the wound checks, the follow-up
visits and the end of study — in schedule order, each with its window computed from the actual
dates recorded so far (RT end → C1 → C2 → C3; end of the chemotherapy period → surgery;
surgery → pathology, wound checks and follow-up) and a state:

- DONE: the date item that documents the visit is recorded (SCRDAT, ENRDAT, RTSTDAT, CYD1DAT,
  TUPRE.IMGDAT, SURGDAT, PATHDAT, WNDDAT, FUDAT, EOSDAT), or the visit is documented as not
  done (a cycle with CYGIVEN = N, surgery with SURGYN = N: `actual` stays None, `note` says so);
- DUE: not done and the window is open today; OVERDUE: the window has closed;
- UPCOMING: the window opens later; UNKNOWN: the reference date is not known yet (only actual
  dates are used, never projected ones);
- NOT_APPLICABLE: will not happen — after a screen failure, a cycle after chemotherapy stopped,
  no surgery (restaging, pathology, wound checks), and every visit not documented once the
  subject has died or ended the study (except the end-of-study form itself); consent withdrawn
  for treatment only stops the treatment visits and keeps follow-up.

Where the spec gives a target (C1, Cn, wound checks, follow-up) `target` is that date; where it
gives only a window (screening, enrolment, RT, restaging, surgery, pathology) `target` is None.

`subject_stage` places the subject in one of the stages the subject list shows and `next_due`
picks the visit to show as "next". `SCHEDULE_ITEMS` / `SCHEDULE_ROW_ITEMS` name every stored value
these functions read, so the subject list can load only those for thousands of subjects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from typing import NamedTuple

from tnt_desktop.study.derivations._common import NO, YES, add_months, as_date
from tnt_desktop.study.derivations.chemotherapy import chemo_period_end
from tnt_desktop.study.derivations.followup import eot_date
from tnt_desktop.study.derivations.radiotherapy import rt_dates
from tnt_desktop.study.events import EVENTS
from tnt_desktop.study.model import T, Text
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import FormRecord, PartialDate, SubjectData

# Enrolment is on day −14 to −1 (SE.ENR window): RT day 1 falls 1–14 days after ENRDAT.
# StudyParameters has no parameter for it yet; these are the event table's numbers.
ENROLMENT_TO_RT_DAYS = (1, 14)

# every stored main-group value plan_visits / subject_stage read, by form
SCHEDULE_ITEMS: dict[str, tuple[str, ...]] = {
    "IE": ("SCRDAT", "SFREAS"),
    "DM": ("ENRDAT",),
    "RT": ("RTSTDAT", "RTENDAT"),
    "CT": ("CYGIVEN", "CYD1DAT"),
    "TUPRE": ("IMGDAT",),
    "SURG": ("SURGYN", "SURGDAT"),
    "PATH": ("PATHDAT",),
    "WND": ("WNDDAT",),
    "FU": ("FUDAT", "SSSTAT"),
    "DTH": ("DTHDAT",),
    "EOS": ("EOTSTAT", "EOTDAT", "EOSDAT", "EOSSTAT", "WDSCOPE"),
}
# the item names above, once each, in a fixed order (a partial index may name the same list)
SCHEDULE_ITEM_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(name for names in SCHEDULE_ITEMS.values() for name in names))
# repeating-group values read (form → (groups, item)); only the latest date of each form counts
# (the end of chemotherapy), so a loader may pass a single row holding the maximum.
SCHEDULE_ROW_ITEMS: dict[str, tuple[tuple[str, ...], str]] = {
    "CT": (("DOXADM", "IFOADM"), "EXSTDAT"),
}


class VisitState(StrEnum):
    DONE = "DONE"
    IN_PROGRESS = "IN_PROGRESS"  # documented, but a form of the visit is not complete yet
    DUE = "DUE"
    OVERDUE = "OVERDUE"
    UPCOMING = "UPCOMING"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    UNKNOWN = "UNKNOWN"


VISIT_STATE_LABELS: dict[str, Text] = {
    VisitState.DONE: T("Done", "已完成"),
    VisitState.IN_PROGRESS: T("In progress", "进行中"),
    VisitState.DUE: T("Due", "应访"),
    VisitState.OVERDUE: T("Overdue", "已超窗"),
    VisitState.UPCOMING: T("Upcoming", "未到期"),
    VisitState.NOT_APPLICABLE: T("Not applicable", "不适用"),
    VisitState.UNKNOWN: T("Not yet scheduled", "尚未排期"),
}


class Stage(StrEnum):
    SCREENING = "SCREENING"
    SCREEN_FAILED = "SCREEN_FAILED"
    ENROLLED = "ENROLLED"
    ON_RT = "ON_RT"
    ON_CHEMO = "ON_CHEMO"
    AWAITING_SURGERY = "AWAITING_SURGERY"
    FOLLOW_UP = "FOLLOW_UP"
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"
    DIED = "DIED"


STAGE_LABELS: dict[str, Text] = {
    Stage.SCREENING: T("Screening", "筛选中"),
    Stage.SCREEN_FAILED: T("Screen failed", "筛选失败"),
    Stage.ENROLLED: T("Enrolled", "已入组"),
    Stage.ON_RT: T("On radiotherapy", "放疗中"),
    Stage.ON_CHEMO: T("On chemotherapy", "化疗中"),
    Stage.AWAITING_SURGERY: T("Awaiting surgery", "等待手术"),
    Stage.FOLLOW_UP: T("Follow-up", "随访中"),
    Stage.COMPLETED: T("Completed", "已完成研究"),
    Stage.WITHDRAWN: T("Withdrawn", "已退出"),
    Stage.DIED: T("Died", "已死亡"),
}

NOTE_UNKNOWN = T("Reference date not yet known", "参考日期尚未确定")
NOTE_SCREEN_FAILED = T("Screen failure", "筛选失败")
NOTE_NOT_GIVEN = T("Cycle not given", "本周期未给药")
NOTE_CHEMO_STOPPED = T("Chemotherapy stopped", "化疗已终止")
NOTE_NO_SURGERY = T("No protocol surgery", "未行方案规定手术")
NOTE_DIED = T("After the subject's death", "受试者已死亡")
NOTE_ENDED = T("After the end of study", "研究已结束")
NOTE_TREATMENT_WITHDRAWN = T("Consent to treatment withdrawn", "已撤回对研究治疗的同意")

_LABELS = {event.oid: event.label for event in EVENTS}
TREATMENT_EVENTS = frozenset({"SE.RT", "SE.PREOP", "SE.SURG"})  # plus the cycle events


class PlannedVisit(NamedTuple):
    """One scheduled event instance: when it should happen and whether it did. (A named tuple:
    immutable and cheap to make — the subject list plans thousands of subjects at once.)"""

    event: str  # event OID
    repeat: int  # event repeat key (1 for non-repeating events)
    label: Text
    target: date | None  # the spec's target date, when it gives one
    window_start: date | None
    window_end: date | None  # None: open-ended
    actual: date | None  # the date that documents the visit
    state: VisitState
    note: Text | None = None  # why NOT_APPLICABLE / UNKNOWN, or how a DONE visit was not done

    @property
    def key(self) -> tuple[str, int]:
        return (self.event, self.repeat)

    @property
    def is_open(self) -> bool:
        """Due or overdue: something should be entered now."""
        return self.state in (VisitState.DUE, VisitState.OVERDUE)


def cycle_event(number: int) -> str:
    return f"SE.C{number}"


@cache
def wound_label(day: int) -> Text:
    return T(f"Wound check day {day}", f"术后第 {day} 天伤口评估")


@cache
def follow_up_label(months: int) -> Text:
    return T(f"Follow-up {months} months", f"随访 {months} 个月")


# --- facts read from the subject ----------------------------------------------------------------


def _get(record: FormRecord | None, name: str):
    return None if record is None else record.values.get(name)


def _index(subject: SubjectData) -> dict[tuple[str, str], list[FormRecord]]:
    """(form, event) → its records in repeat order, in one pass (the list holds thousands)."""
    index: dict[tuple[str, str], list[FormRecord]] = {}
    for record in subject.records:
        index.setdefault((record.form, record.event), []).append(record)
    for records in index.values():
        if len(records) > 1:
            records.sort(key=lambda r: r.repeat)
    return index


def _full_date(value) -> date | None:
    if isinstance(value, PartialDate):
        return value.earliest()  # a partial death date: the first day it can mean
    return as_date(value)


@dataclass
class _Facts:
    subject: SubjectData
    screening: date | None
    screen_failed: bool
    enrolment: date | None
    rt_start: date | None
    rt_end: date | None
    cycles: dict[int, FormRecord]
    restaging: date | None
    surgery_record: FormRecord | None
    surgery: date | None
    no_surgery: bool
    pathology: date | None
    wounds: dict[int, date | None]
    follow_ups: dict[int, date | None]
    died: bool
    death: date | None  # date of death, or the date it became known
    eos: FormRecord | None
    end_of_study: date | None
    treatment_only: bool  # consent withdrawn for treatment only: follow-up continues

    @property
    def without_surgery(self) -> bool:
        """No protocol surgery: SURGYN = N, or consent to treatment withdrawn before it."""
        return self.no_surgery or (self.treatment_only and self.surgery is None)

    def cycle_given(self, number: int) -> bool | None:
        """True: started; False: documented as not given; None: not documented yet."""
        value = _get(self.cycles.get(number), "CYGIVEN")
        return True if value == YES else False if value == NO else None

    def cycle_day1(self, number: int) -> date | None:
        if self.cycle_given(number) is not True:
            return None
        return as_date(_get(self.cycles.get(number), "CYD1DAT"))

    def chemo_stopped_before(self, number: int) -> bool:
        return any(self.cycle_given(n) is False for n in range(1, number))

    def chemo_finished(self, params: StudyParameters) -> bool:
        """Every planned cycle is documented, a cycle was not given (chemotherapy stopped), or
        the surgery form says whether surgery took place."""
        last = params.n_cycles
        if self.cycle_given(last) is False or self.cycle_day1(last) is not None:
            return True
        if any(self.cycle_given(n) is False for n in range(1, last)):
            return True
        return self.surgery is not None or self.no_surgery


def _facts(subject: SubjectData, params: StudyParameters) -> _Facts:
    index = _index(subject)

    def first(form: str, event: str) -> FormRecord | None:
        found = index.get((form, event))
        return found[0] if found else None

    ie, dm = first("IE", "SE.SCR"), first("DM", "SE.SCR")
    rt = index.get(("RT", "SE.RT"))
    # the derivations' own functions, on a subject holding only the records they read
    rt_start, rt_end = rt_dates(SubjectData(subject.subject_id, rt[:1])) if rt else (None, None)
    cycles = {}
    for number in range(1, params.n_cycles + 1):
        record = first("CT", cycle_event(number))
        if record is not None:
            cycles[number] = record
    surg = first("SURG", "SE.SURG")
    no_surgery = _get(surg, "SURGYN") == NO
    surgery = None if no_surgery else as_date(_get(surg, "SURGDAT"))
    wounds = {r.repeat: as_date(r.values.get("WNDDAT")) for r in index.get(("WND", "SE.WND"), ())}
    fus = index.get(("FU", "SE.FU"), [])
    follow_ups = {r.repeat: as_date(r.values.get("FUDAT")) for r in fus}
    eos = first("EOS", "SE.EOS")
    eos_status = _get(eos, "EOSSTAT")
    end = as_date(_get(eos, "EOSDAT"))
    dth = first("DTH", "SE.DTH")
    dead_fu = [r for r in fus if r.values.get("SSSTAT") == "DEAD"]
    died = dth is not None or eos_status == "DEATH" or bool(dead_fu)
    death = _full_date(_get(dth, "DTHDAT"))
    if death is None and eos_status == "DEATH":
        death = end
    if death is None and dead_fu:
        death = min((d for r in dead_fu if (d := as_date(r.values.get("FUDAT")))), default=None)
    treatment_only = (eos_status == "CONSENT_WITHDRAWN"
                      and _get(eos, "WDSCOPE") == "TREATMENT_ONLY")  # fmt: skip
    return _Facts(
        subject=subject,
        screening=as_date(_get(ie, "SCRDAT")),
        screen_failed=bool(_get(ie, "SFREAS")),
        enrolment=as_date(_get(dm, "ENRDAT")),
        rt_start=rt_start,
        rt_end=rt_end,
        cycles=cycles,
        restaging=as_date(_get(first("TUPRE", "SE.PREOP"), "IMGDAT")),
        surgery_record=surg,
        surgery=surgery,
        no_surgery=no_surgery,
        pathology=as_date(_get(first("PATH", "SE.PATH"), "PATHDAT")),
        wounds=wounds,
        follow_ups=follow_ups,
        died=died,
        death=death,
        eos=eos,
        end_of_study=end,
        treatment_only=treatment_only,
    )


# --- the plan -------------------------------------------------------------------------------------


@cache
def _delta(days: int) -> timedelta:
    return timedelta(days=days)


def _days(day: date | None, offset: int) -> date | None:
    return None if day is None else day + _delta(offset)


def _state(actual: date | None, start: date | None, end: date | None, today: date,
           documented: bool = False) -> VisitState:  # fmt: skip
    if actual is not None or documented:
        return VisitState.DONE
    if start is None and end is None:
        return VisitState.UNKNOWN
    if end is not None and today > end:
        return VisitState.OVERDUE
    if start is None or today >= start:
        return VisitState.DUE
    return VisitState.UPCOMING


def _visit(event: str, repeat: int, label: Text, today: date, *, target: date | None = None,
           start: date | None = None, end: date | None = None, actual: date | None = None,
           documented: bool = False, note: Text | None = None) -> PlannedVisit:  # fmt: skip
    state = _state(actual, start, end, today, documented)
    if state is VisitState.UNKNOWN and note is None:
        note = NOTE_UNKNOWN
    return PlannedVisit(event, repeat, label, target, start, end, actual, state, note)


def _around(event: str, repeat: int, label: Text, today: date, target: date | None,
            half: timedelta, actual: date | None) -> PlannedVisit:  # fmt: skip
    """A visit due on `target` ± `half` (wound checks, follow-up): the plan's hot loop."""
    if target is None:
        start = end = None
    else:
        start, end = target - half, target + half
    state = _state(actual, start, end, today)
    note = NOTE_UNKNOWN if state is VisitState.UNKNOWN else None
    return PlannedVisit(event, repeat, label, target, start, end, actual, state, note)


def _not_applicable(visit: PlannedVisit, note: Text) -> PlannedVisit:
    return visit._replace(state=VisitState.NOT_APPLICABLE, note=note)


def _follow_up_reference(f: _Facts) -> date | None:
    """S of clarification 16: SURGDAT; without surgery EOTDAT (stored, else derived)."""
    if f.surgery is not None:
        return f.surgery
    if f.without_surgery:
        return as_date(_get(f.eos, "EOTDAT")) or eot_date(f.subject)
    return None


def plan_visits(subject: SubjectData, params: StudyParameters, today: date) -> list[PlannedVisit]:
    """Every scheduled event instance of the subject, in schedule order (module docstring)."""
    return _plan(_facts(subject, params), params, today)


def plan_and_stage(subject: SubjectData, subject_status: str, params: StudyParameters,
                   today: date) -> tuple[list[PlannedVisit], str]:  # fmt: skip
    """`plan_visits` and `subject_stage` together, reading the subject once."""
    f = _facts(subject, params)
    return _plan(f, params, today), _stage(f, subject_status, params, today)


def needs_administration_dates(subject: SubjectData) -> bool:
    """Whether the plan needs the chemotherapy administration dates (SCHEDULE_ROW_ITEMS): only
    to derive EOTDAT for a subject without surgery whose EOS form holds no EOTDAT yet."""
    surg = eos = None
    for record in subject.records:
        if record.form == "SURG" and record.event == "SE.SURG":
            surg = record
        elif record.form == "EOS" and record.event == "SE.EOS":
            eos = record
    if as_date(_get(eos, "EOTDAT")) is not None:
        return False
    if _get(surg, "SURGYN") == NO:
        return True
    return as_date(_get(surg, "SURGDAT")) is None and _get(eos, "WDSCOPE") == "TREATMENT_ONLY"


def _plan(f: _Facts, params: StudyParameters, today: date) -> list[PlannedVisit]:
    subject = f.subject
    visits: list[PlannedVisit] = []

    # screening: ≤ screening_window_days before enrolment; open until then
    scr_start = _days(f.enrolment, -params.screening_window_days)
    screening = _visit("SE.SCR", 1, _LABELS["SE.SCR"], today, start=scr_start,
                       end=f.enrolment, actual=f.screening)  # fmt: skip
    if screening.state is VisitState.UNKNOWN:  # the subject exists: screening is under way
        screening = PlannedVisit("SE.SCR", 1, screening.label, None, None, None, None,
                                 VisitState.DUE)  # fmt: skip
    visits.append(screening)

    visits.append(_visit("SE.ENR", 1, _LABELS["SE.ENR"], today, start=f.screening,
                         end=_days(f.screening, params.screening_window_days),
                         actual=f.enrolment))  # fmt: skip
    lo, hi = ENROLMENT_TO_RT_DAYS
    visits.append(_visit("SE.RT", 1, _LABELS["SE.RT"], today, start=_days(f.enrolment, lo),
                         end=_days(f.enrolment, hi), actual=f.rt_start))  # fmt: skip

    # cycles: C1 from the end of RT, Cn from the D1 of cycle n−1
    for number in range(1, params.n_cycles + 1):
        event = cycle_event(number)
        label = _LABELS.get(event) or T(f"AI cycle {number}", f"AI 化疗第 {number} 周期")
        given = f.cycle_given(number)
        actual = f.cycle_day1(number)
        if number == 1:
            reference, offset, window = f.rt_end, params.rt_to_c1_target, params.rt_to_c1_ok
        else:
            reference = f.cycle_day1(number - 1)
            offset, window = params.cycle_length_days, params.cycle_ok
        visit = _visit(event, 1, label, today, target=_days(reference, offset),
                       start=_days(reference, window[0]), end=_days(reference, window[1]),
                       actual=actual, documented=given is False,
                       note=NOTE_NOT_GIVEN if given is False else None)  # fmt: skip
        if given is None and f.chemo_stopped_before(number):
            visit = _not_applicable(visit, NOTE_CHEMO_STOPPED)
        visits.append(visit)

    # surgery window from the end of the chemotherapy period (clarification 15)
    period_end = None
    if f.chemo_finished(params):
        treatment = [r for r in subject.records if r.form in ("CT", "RT")]
        period_end = chemo_period_end(SubjectData(subject.subject_id, treatment), params)[0]
    surg_start = _days(period_end, params.surgery_ok[0])
    surg_end = _days(period_end, params.surgery_ok[1])

    # restaging: ≤ preop_restaging_days before surgery (before surgery: before its window)
    if f.surgery is not None:
        pre_start, pre_end = _days(f.surgery, -params.preop_restaging_days), f.surgery
    else:
        pre_start, pre_end = _days(surg_start, -params.preop_restaging_days), surg_end
    restaging = _visit("SE.PREOP", 1, _LABELS["SE.PREOP"], today, start=pre_start,
                       end=pre_end, actual=f.restaging)  # fmt: skip
    visits.append(restaging)
    visits.append(_visit("SE.SURG", 1, _LABELS["SE.SURG"], today, start=surg_start,
                         end=surg_end, actual=f.surgery, documented=f.no_surgery,
                         note=NOTE_NO_SURGERY if f.no_surgery else None))  # fmt: skip
    visits.append(_visit("SE.PATH", 1, _LABELS["SE.PATH"], today, start=f.surgery,
                         end=_days(f.surgery, params.path_report_days), actual=f.pathology))
    half = _delta(params.wound_window_days)
    for repeat, day in enumerate(params.wound_days, start=1):
        target = _days(f.surgery, day)
        visits.append(_around("SE.WND", repeat, wound_label(day), today, target, half,
                              f.wounds.get(repeat)))  # fmt: skip

    reference = _follow_up_reference(f)
    half = _delta(params.fu_window_days)
    for repeat, months in enumerate(params.fu_months, start=1):
        target = None if reference is None else add_months(reference, months)
        visits.append(_around("SE.FU", repeat, follow_up_label(months), today, target, half,
                              f.follow_ups.get(repeat)))  # fmt: skip

    # end of study: after the last follow-up visit, or as soon as the subject has died
    last_fu = visits[-1]
    if f.died and f.end_of_study is None:
        eos = _visit("SE.EOS", 1, _LABELS["SE.EOS"], today, start=f.death or today)
    else:
        eos = _visit("SE.EOS", 1, _LABELS["SE.EOS"], today, target=last_fu.target,
                     start=last_fu.window_start, end=last_fu.window_end,
                     actual=f.end_of_study)  # fmt: skip
    visits.append(eos)
    return _apply_stops(visits, f)


def _apply_stops(visits: list[PlannedVisit], f: _Facts) -> list[PlannedVisit]:
    """Visits that will not take place any more become NOT_APPLICABLE; a visit already
    documented stays DONE. Once participation has ended (screen failure, death, end of study)
    nothing is chased any more, a visit missed earlier included: what was missed is for the
    deviation log and the end-of-study form, not for the due list."""
    result = []
    for visit in visits:
        if visit.state is VisitState.DONE:
            result.append(visit)
            continue
        event = visit.event
        treatment = event in TREATMENT_EVENTS or event.startswith("SE.C")
        if f.screen_failed and event != "SE.SCR":
            visit = _not_applicable(visit, NOTE_SCREEN_FAILED)
        elif f.died and event != "SE.EOS":
            visit = _not_applicable(visit, NOTE_DIED)
        elif f.end_of_study is not None and event != "SE.EOS" and (
                not f.treatment_only or treatment):  # fmt: skip
            note = NOTE_TREATMENT_WITHDRAWN if f.treatment_only else NOTE_ENDED
            visit = _not_applicable(visit, note)
        elif f.without_surgery and event in ("SE.PREOP", "SE.PATH", "SE.WND"):
            visit = _not_applicable(visit, NOTE_NO_SURGERY)
        result.append(visit)
    return result


# --- stage and next visit -------------------------------------------------------------------------


def subject_stage(subject: SubjectData, subject_status: str, today: date,
                  params: StudyParameters | None = None) -> str:  # fmt: skip
    """Where the subject is in the study (a `Stage` value; labels in STAGE_LABELS)."""
    params = params or StudyParameters()
    return _stage(_facts(subject, params), subject_status, params, today)


def _stage(f: _Facts, subject_status: str, params: StudyParameters, today: date) -> str:
    if subject_status == "SCREEN_FAILED":
        return Stage.SCREEN_FAILED
    if subject_status == "SCREENING":
        return Stage.SCREENING
    if f.died:
        return Stage.DIED
    if subject_status == "WITHDRAWN":
        return Stage.WITHDRAWN
    if f.end_of_study is not None:
        status = _get(f.eos, "EOSSTAT")
        return Stage.WITHDRAWN if status == "CONSENT_WITHDRAWN" else Stage.COMPLETED
    if f.surgery is not None or f.no_surgery:
        return Stage.FOLLOW_UP
    if f.chemo_finished(params):
        return Stage.AWAITING_SURGERY
    if any((d := f.cycle_day1(n)) is not None and d <= today
           for n in range(1, params.n_cycles + 1)):  # fmt: skip
        return Stage.ON_CHEMO
    if f.rt_start is not None and f.rt_start <= today:
        return Stage.ON_RT
    return Stage.ENROLLED


def next_due(visits: Sequence[PlannedVisit] | Iterable[PlannedVisit]) -> PlannedVisit | None:
    """The visit to show as "next": the open (due or overdue) visit whose window opened first;
    without one, the upcoming visit whose window opens first; None when neither exists."""
    ordered = list(visits)
    open_ = [(v.window_start or date.min, i, v) for i, v in enumerate(ordered) if v.is_open]
    if open_:
        return min(open_, key=lambda t: (t[0], t[1]))[2]
    upcoming = [(v.window_start or v.target or date.max, i, v) for i, v in enumerate(ordered)
                if v.state is VisitState.UPCOMING]  # fmt: skip
    if upcoming:
        return min(upcoming, key=lambda t: (t[0], t[1]))[2]
    return None
