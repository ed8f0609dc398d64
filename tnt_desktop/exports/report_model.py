"""What the study status report says, as data: `ReportModel`, collected from one population
(the subjects of the export) as of one data cut-off; `pdf_report` only draws it.

Every number is a count over the subject-level values of SUBJECT_LEVEL.csv (the same
`subject_level_record` at the same cut-off), the AE and deviation rows of the export and
QUERIES.csv, so a statistician can recompute each one from the files (tests/core/
test_report_acceptance.py does). Rates follow clarification 22: the denominator is the number
of subjects in whom the outcome is evaluable, printed beside it; the subjects who are not
evaluable are counted separately; percentages round half up; Kaplan–Meier estimates stop at the
last observed time ("not estimable" after it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tnt_desktop.services.export_read import ExportProfile, ExportSubject, export_subjects
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.derivations import subject_level_record

DAYS_PER_MONTH = 30.4375
SCORES = ("A", "B", "C", "D", "E")
GRADES = ("1", "2", "3", "4", "5")
ENROLLED_STATUSES = ("ENROLLED", "WITHDRAWN")


def percent(x: int, n: int, decimals: int = 1) -> str | None:
    """x / n as a percentage, rounded half up (1/16 → "6.3"); None when n is 0."""
    if not n:
        return None
    value = (Decimal(x) * 100 / Decimal(n)).quantize(Decimal(1).scaleb(-decimals),
                                                    rounding=ROUND_HALF_UP)  # fmt: skip
    return f"{value}"


@dataclass
class Rate:
    """A proportion with its denominator: x of n evaluable; `not_evaluable` and `pending` are
    the population members outside n, with their reason."""

    x: int = 0
    n: int = 0
    not_evaluable: int = 0
    pending: int = 0

    def add(self, value: Any, reason: str | None = None) -> None:
        if value in ("Y", "N"):
            self.n += 1
            self.x += value == "Y"
        elif reason:
            self.not_evaluable += 1
        else:
            self.pending += 1

    @property
    def pct(self) -> str | None:
        return percent(self.x, self.n)


@dataclass
class AeTerm:
    code: str
    subjects: int = 0
    worst: Counter = field(default_factory=Counter)  # worst grade per subject → subjects


@dataclass
class Survival:
    """(days, event) pairs of one time-to-event variable and its population size."""

    name: str  # OSENR, OSTC, LCTC
    pairs: list[tuple[int, bool]] = field(default_factory=list)
    population: int = 0  # subjects the variable is defined for (clarification 21)

    @property
    def events(self) -> int:
        return sum(1 for _d, e in self.pairs if e)

    @property
    def last_time(self) -> int | None:
        return max((d for d, _e in self.pairs), default=None)


@dataclass
class ReportModel:
    cutoff: date
    profile: str
    target: int = 0
    in_database: int = 0  # every subject screened at the site
    in_export: int = 0  # the population of this report
    by_status: Counter = field(default_factory=Counter)  # SUBJSTATUS
    enrolled: int = 0
    enrolment_dates: list[date] = field(default_factory=list)
    treated: int = 0
    not_treated: int = 0  # enrolled, no RT fraction
    died: int = 0  # DTHFL = Y (enrolled, death on or before the cut-off)
    withdrawn: int = 0
    rt_completed: Rate = field(default_factory=Rate)  # among the treated
    chemo_over: int = 0  # treated subjects whose chemotherapy is over
    chemo_ongoing: int = 0
    cycles: Counter = field(default_factory=Counter)  # CTNCYC among chemo_over
    rdi: dict[str, list[float]] = field(default_factory=lambda: {"RDIDOX": [], "RDIIFO": [],
                                                                 "RDI": []})
    surgery: int = 0
    no_surgery: int = 0
    surgery_pending: int = 0
    scores: Counter = field(default_factory=Counter)  # EORTCFIN among treated with RESP_AC
    primary: Rate = field(default_factory=Rate)
    per_protocol: Rate = field(default_factory=Rate)
    pcr: Rate = field(default_factory=Rate)
    wound_evaluable: int = 0  # WCEVAL = Y
    mwc90: Rate = field(default_factory=Rate)
    mwc120: Rate = field(default_factory=Rate)
    anywc90: Rate = field(default_factory=Rate)
    ae_subjects: int = 0  # enrolled subjects with ≥ 1 AE (onset ≤ cut-off)
    ae_records: int = 0
    ae_grade3: int = 0  # subjects with a worst grade ≥ 3
    ae_serious: int = 0  # subjects with a serious AE
    ae_terms: dict[str, AeTerm] = field(default_factory=dict)
    deviations: int = 0
    subjects_with_dv: int = 0
    dv_category: Counter = field(default_factory=Counter)
    dv_source: Counter = field(default_factory=Counter)
    dv_candidates: Counter = field(default_factory=Counter)  # CONFIRMED / REJECTED / PENDING / -
    queries: Counter = field(default_factory=Counter)  # status → queries
    queries_auto: int = 0
    queries_manual: int = 0
    queries_pi04: int = 0
    survival: dict[str, Survival] = field(default_factory=dict)

    @property
    def left_out(self) -> int:
        return self.in_database - self.in_export

    @property
    def first_enrolment(self) -> date | None:
        return min(self.enrolment_dates, default=None)

    @property
    def last_enrolment(self) -> date | None:
        return max(self.enrolment_dates, default=None)

    @property
    def enrolment_months(self) -> int:
        """Calendar months from the first to the last enrolment, both counted."""
        first, last = self.first_enrolment, self.last_enrolment
        if first is None or last is None:
            return 0
        return (last.year - first.year) * 12 + last.month - first.month + 1

    def enrolment_by_month(self) -> list[tuple[str, int, int]]:
        """(YYYY-MM, enrolled that month, cumulative) from the first to the last enrolment."""
        first, last = self.first_enrolment, self.last_enrolment
        if first is None or last is None:
            return []
        counts = Counter(f"{d:%Y-%m}" for d in self.enrolment_dates)
        result, total = [], 0
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            key = f"{year:04d}-{month:02d}"
            total += counts.get(key, 0)
            result.append((key, counts.get(key, 0), total))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result


def _number(value: Any) -> float | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    return None


def count_subject(model: ReportModel, subject: ExportSubject, values: dict[str, Any],
                  reasons: dict[str, str]) -> None:  # fmt: skip
    """Add one exported subject (its SUBJECT_LEVEL row: status, values, reasons) to the model."""
    model.in_export += 1
    model.by_status[subject.status] += 1
    if values.get("ENRDAT") is None:
        return
    model.enrolled += 1
    model.enrolment_dates.append(values["ENRDAT"])
    model.withdrawn += subject.status == "WITHDRAWN"
    model.died += values.get("DTHFL") == "Y"
    _survival(model, values)
    if values.get("TRTFL") != "Y":
        model.not_treated += 1
        return
    model.treated += 1
    model.rt_completed.add(values.get("RTCOMPLFL"))
    if values.get("CTOVERFL") == "Y":
        model.chemo_over += 1
        model.cycles[values.get("CTNCYC") or 0] += 1
        for name in model.rdi:
            number = _number(values.get(name))
            if number is not None:
                model.rdi[name].append(number)
    else:
        model.chemo_ongoing += 1
    surgery = values.get("SURGFL")
    model.surgery += surgery == "Y"
    model.no_surgery += surgery == "N"
    model.surgery_pending += surgery not in ("Y", "N")
    model.primary.add(values.get("RESP_AC"))
    model.pcr.add(values.get("PCRFL") if values.get("RESP_AC") in ("Y", "N") else None)
    if values.get("RESP_AC") in ("Y", "N"):
        score = values.get("EORTCFIN")
        model.scores[score if score in SCORES else ""] += 1
    if values.get("PPROTFL") == "Y":
        model.per_protocol.add(values.get("RESP_AC"))
    if values.get("WCEVAL") == "Y":
        model.wound_evaluable += 1
        model.mwc90.add(values.get("MWC90"), reasons.get("MWC90"))
        model.mwc120.add(values.get("MWC120"), reasons.get("MWC120"))
        model.anywc90.add(values.get("ANYWC90"))


def _survival(model: ReportModel, values: dict[str, Any]) -> None:
    for name, population in (("OSENR", True), ("OSTC", values.get("TRTFL") == "Y"),
                             ("LCTC", values.get("TRTFL") == "Y")):  # fmt: skip
        target = model.survival.setdefault(name, Survival(name))
        target.population += bool(population)
        days, censored = values.get(f"{name}DAYS"), values.get(f"{name}CNSR")
        if days is not None and censored is not None:
            target.pairs.append((int(days), censored == 0))


def count_events(model: ReportModel, subject: ExportSubject) -> None:
    """AEs (onset on or before the cut-off) and deviation records of one exported subject."""
    if subject.subject_id is not None:
        worst_by_term: dict[str, int] = {}
        worst, serious, records = 0, False, 0
        for record in subject.data.forms("AE"):
            for row in record.group_rows("AE"):
                onset = row.get("AESTDAT")
                if isinstance(onset, date) and onset > model.cutoff:
                    continue
                records += 1
                grade = int(row.get("AETOXGR") or 0)
                term = str(row.get("AECTC") or "—")
                worst_by_term[term] = max(worst_by_term.get(term, 0), grade)
                worst = max(worst, grade)
                serious = serious or row.get("AESER") == "Y"
        if records:
            model.ae_records += records
            model.ae_subjects += 1
            model.ae_grade3 += worst >= 3
            model.ae_serious += serious
            for term, grade in worst_by_term.items():
                entry = model.ae_terms.setdefault(term, AeTerm(term))
                entry.subjects += 1
                entry.worst[str(grade) if grade else "—"] += 1
    rows = [row for record in subject.data.forms("DV") for row in record.group_rows("DV")]
    if rows:
        model.subjects_with_dv += 1
    for row in rows:
        model.deviations += 1
        model.dv_category[row.get("DVCAT") or "—"] += 1
        model.dv_source[row.get("DVSRC") or "—"] += 1
        confirmed = row.get("DVCONF")
        auto = str(row.get("DVSRC") or "").startswith("AUTO")
        model.dv_candidates["CONFIRMED" if confirmed == "Y" else "REJECTED" if confirmed == "N"
                            else "PENDING" if auto else "SITE"] += 1  # fmt: skip


def count_queries(model: ReportModel, views: list) -> None:
    for view in views:
        model.queries[view.status] += 1
        model.queries_auto += view.origin == "AUTO"
        model.queries_manual += view.origin != "AUTO"
        model.queries_pi04 += view.check_id == "REQ-PI-04"


def collect(app: AppSession, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
            cutoff: date | None = None, *, scan: Any = None) -> ReportModel:  # fmt: skip
    """Read everything the report shows through the export read path (one subject in memory
    at a time), as of `cutoff` (default: today)."""
    from tnt_desktop.services.export_read import export_queries
    from tnt_desktop.services.subjects import count_subjects

    cutoff = cutoff or date.today()
    params = app.params
    model = ReportModel(cutoff=cutoff, profile=str(profile), target=params.target_enrolment,
                        in_database=count_subjects(app))  # fmt: skip
    keys: list[str] = []
    for subject in export_subjects(app, profile, scan=scan):
        values, reasons = subject_level_record(subject.data, params, cutoff=cutoff)
        count_subject(model, subject, values, reasons)
        count_events(model, subject)
        keys.append(subject.key)
    count_queries(model, export_queries(app, profile, subject_keys=keys, scan=scan))
    return model
