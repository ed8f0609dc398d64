"""Follow-up and time-to-event values: D-FU-FUMON, D-MSTS-MSTSVER, D-15 MSTS total and percent,
D-17 EOTDAT, D-18 OS / LC times and censoring (§6.3, §6.4), D-19 study day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from tnt_desktop.study.derivations._common import (
    NO,
    YES,
    add_months,
    as_date,
    as_int,
    earliest,
    latest,
    out,
    subject_value,
)
from tnt_desktop.study.derivations.chemotherapy import chemo_end, cycle_records
from tnt_desktop.study.derivations.radiotherapy import FX, rt_dates, rt_treated
from tnt_desktop.study.derivations.surgery import surgery_date
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import PartialDate, SubjectData
from tnt_desktop.study.values import round_half_up

DAYS_PER_MONTH = Decimal("30.4375")  # the spec's average month (365.25 / 12)
MSTS_ITEMS = tuple(f"MSTS{n}" for n in range(1, 7))
MSTS_MAXIMUM = 30


def months_between(reference: date | None, day: date | None) -> Decimal | None:
    """(day − reference) / 30.4375, 1 decimal."""
    if reference is None or day is None:
        return None
    return round_half_up(Decimal((day - reference).days) / DAYS_PER_MONTH, 1)


def msts_version(limb: str | None) -> str | None:
    """MSTSVER from TULIMB: LOWER → LOWER, UPPER → UPPER."""
    return limb if limb in ("LOWER", "UPPER") else None


def msts_total(scores: Sequence[object]) -> int | None:
    """Σ of the six item scores (0–5 each); None while any item is missing."""
    values = [as_int(score) for score in scores]
    if len(values) != len(MSTS_ITEMS) or None in values:
        return None
    return sum(values)  # type: ignore[arg-type]


def msts_percent(total: int | None) -> Decimal | None:
    """MSTSTOT / 30 × 100, 1 decimal."""
    if total is None:
        return None
    return round_half_up(Decimal(total) / Decimal(MSTS_MAXIMUM) * Decimal(100), 1)


def eot_date(subject: SubjectData) -> date | None:
    """D-17 EOTDAT, the treatment-completion date: max(RTENDAT, CHEMOEND, SURGDAT) over the
    treatments that took place (None when none did)."""
    _, rt_end = rt_dates(subject)
    return latest([rt_end, chemo_end(subject), surgery_date(subject)])


def follow_up_reference(subject: SubjectData) -> date | None:
    """S of clarification 16: SURGDAT, or EOTDAT for a subject without surgery."""
    surgery = surgery_date(subject)
    if surgery is not None:
        return surgery
    surg = subject.form("SURG")
    if surg is not None and surg.values.get("SURGYN") == NO:
        return eot_date(subject)
    return None


def study_day(day: date, rt_start: date) -> int:
    """D-19: day − RTSTDAT + 1 on or after RT day 1, day − RTSTDAT before it (no day 0)."""
    delta = (day - rt_start).days
    return delta + 1 if delta >= 0 else delta


# --- time to event (§6.3, §6.4) -----------------------------------------------------------


@dataclass(frozen=True)
class TimeToEvent:
    origin: date
    end: date
    event: bool

    @property
    def days(self) -> int:
        """Elapsed days from the origin to the event or censoring date."""
        return (self.end - self.origin).days

    @property
    def censored(self) -> int:
        """CNSR as in ADaM: 0 = event, 1 = censored."""
        return 0 if self.event else 1


def time_to_event(
    origin: date | None,
    event_date: date | None,
    censor_date: date | None,
    horizon_months: int | None = None,
    cutoff: date | None = None,
) -> TimeToEvent | None:
    """Event at `event_date` if it falls on or before the horizon (origin + months, only when
    one is given — the exported day counts have none, clarification 22) and the data cut-off;
    otherwise censored at the earliest of `censor_date`, the horizon and the cut-off. None when
    the origin, or both dates, are unknown."""
    if origin is None:
        return None
    if event_date is not None and event_date < origin:
        return None  # the event came before the origin (death during treatment): not evaluable
    limit = earliest([
        add_months(origin, horizon_months) if horizon_months is not None else None,
        cutoff,
    ])
    if event_date is not None:
        if limit is None or event_date <= limit:
            return TimeToEvent(origin, event_date, True)
        return TimeToEvent(origin, limit, False)  # event-free up to the horizon / cut-off
    end = earliest([censor_date, limit]) if censor_date is not None else None
    if end is None or end < origin:
        return None
    return TimeToEvent(origin, end, False)


def impute_death_date(death: PartialDate | date | None, last_alive: date | None) -> date | None:
    """§6.3: day missing → 1st of the month; month missing → 1 July; in both cases the day after
    the last date known alive if that is later."""
    if death is None:
        return None
    if isinstance(death, date):
        return death
    if death.is_complete:
        return death.earliest()
    imputed = date(death.year, death.month or 7, 1)
    if last_alive is not None and last_alive + timedelta(days=1) > imputed:
        return last_alive + timedelta(days=1)
    return imputed


def last_known_alive(subject: SubjectData) -> date | None:
    """The latest date the subject is known alive: LASTCONT, follow-up contacts with vital status
    ALIVE, wound checks, MSTS assessments, treatment dates and enrolment."""
    dates: list[date | None] = []
    eos = subject.form("EOS")
    if eos is not None:
        dates.append(as_date(eos.values.get("LASTCONT")))
    dates += [
        as_date(r.values.get("FUDAT")) for r in subject.forms("FU")
        if r.values.get("SSSTAT") == "ALIVE"
    ]
    dates += [as_date(r.values.get("WNDDAT")) for r in subject.forms("WND")]
    dates += [as_date(r.values.get("MSTSDAT")) for r in subject.forms("MSTS")]
    dates += [as_date(r.values.get("CYD1DAT")) for r in cycle_records(subject)]
    rt = subject.form("RT")
    if rt is not None:
        dates += [as_date(row.get("FXDAT")) for row in rt.group_rows(FX)
                  if row.get("FXGIVEN") == YES]
    surg = subject.form("SURG")
    if surg is not None:
        dates += [as_date(surg.values.get("SURGDAT")), as_date(surg.values.get("DISCHDAT"))]
    dates.append(as_date(_value(subject, "DM", "ENRDAT")))
    return latest(dates)


def _value(subject: SubjectData, form: str, name: str) -> object:
    record = subject.form(form)
    return None if record is None else record.values.get(name)


def death_date(subject: SubjectData) -> date | None:
    """DTHDAT, imputed when partial (§6.3)."""
    dth = subject.form("DTH")
    if dth is None:
        return None
    return impute_death_date(dth.values.get("DTHDAT"), last_known_alive(subject))


def local_failure_date(subject: SubjectData) -> date | None:
    """First local failure (§6.4): the earliest LRDAT reported; local progression precluding
    resection (SURGNRSN = LOCAL_PROGRESSION_UNRESECTABLE) dated at the restaging (TUPRE IMGDAT);
    an R2 resection dated at SURGDAT."""
    dates: list[date | None] = [
        as_date(r.values.get("LRDAT")) for r in subject.forms("FU")
        if r.values.get("LRYN") == YES
    ]
    surg = subject.form("SURG")
    if surg is not None and surg.values.get("SURGNRSN") == "LOCAL_PROGRESSION_UNRESECTABLE":
        restaging = [r for r in subject.forms("TUPRE")]
        progressed = [r for r in restaging if r.values.get("LOCPROG") == YES] or restaging
        dates.append(earliest(as_date(r.values.get("IMGDAT")) for r in progressed))
    path = subject.form("PATH")
    if path is not None and path.values.get("RSTAT") == "R2":
        dates.append(surgery_date(subject))
    return earliest(dates)


def last_local_assessment(subject: SubjectData) -> date | None:
    """Last assessment of the primary site: primary-site imaging, a clinic visit (examination
    of the operated limb) or the resection itself."""
    dates: list[date | None] = []
    for record in subject.forms("FU"):
        dates.append(as_date(record.values.get("LOCIMGDAT")))
        if record.values.get("FUMODE") == "CLINIC_VISIT":
            dates.append(as_date(record.values.get("FUDAT")))
    dates.append(surgery_date(subject))
    return latest(dates)


def completion_origin(subject: SubjectData) -> date | None:
    """The origin of the "TC" times: EOTDAT once the treatment is complete — surgery done, or
    documented as not done (then EOTDAT is the end of RT/chemotherapy). During treatment there is
    no such origin yet (EOTDAT would be a provisional date, and the times negative)."""
    return eot_date(subject) if follow_up_reference(subject) is not None else None


def _origins(subject: SubjectData, *, enrolled_all: bool) -> dict[str, date | None]:
    """Clarification 21: OS from enrolment for every enrolled subject; the times from treatment
    completion (and LC from enrolment) only for the treated population (≥ 1 RT fraction)."""
    treated = rt_treated(subject)
    enrolment = as_date(_value(subject, "DM", "ENRDAT"))
    return {"TC": completion_origin(subject) if treated else None,
            "ENR": enrolment if enrolled_all or treated else None}  # fmt: skip


def os_times(
    subject: SubjectData, params: StudyParameters, cutoff: date | None = None
) -> dict[str, TimeToEvent | None]:
    """Overall survival from EOTDAT ("TC", the registry metric) and from ENRDAT ("ENR");
    alive subjects censored at the last date known alive or the data cut-off, whichever is
    earlier. Days are never capped (clarification 22): the 24-month rate is read off the
    Kaplan–Meier estimate, which stops at the last observed time."""
    death = death_date(subject)
    alive = last_known_alive(subject)
    return {
        key: time_to_event(origin, death, alive, None, cutoff)
        for key, origin in _origins(subject, enrolled_all=True).items()
    }


def lc_times(
    subject: SubjectData, params: StudyParameters, cutoff: date | None = None
) -> dict[str, TimeToEvent | None]:
    """Local control from EOTDAT and ENRDAT (treated population): event = first local
    failure; censored at death (without prior local failure) or else at the last assessment of
    the primary site, never after the data cut-off; days never capped."""
    failure = local_failure_date(subject)
    death = death_date(subject)
    censor = death if death is not None else last_local_assessment(subject)
    return {
        key: time_to_event(origin, failure, censor, None, cutoff)
        for key, origin in _origins(subject, enrolled_all=False).items()
    }


TTE_ITEMS = ("OSTCDAYS", "OSTCCNSR", "OSENRDAYS", "OSENRCNSR",
             "LCTCDAYS", "LCTCCNSR", "LCENRDAYS", "LCENRCNSR")  # fmt: skip


def survival_values(subject: SubjectData, params: StudyParameters,
                    cutoff: date | None = None) -> dict[str, object]:  # fmt: skip
    """The subject-level values of D-18 (days and CNSR for OS and LC from both origins, the
    imputed death date and the last date known alive), as of the data cut-off."""
    alive = last_known_alive(subject)
    if alive is not None and cutoff is not None and alive > cutoff:
        alive = cutoff
    values: dict[str, object] = {
        "DTHDATIMP": death_date(subject),
        "LASTALIVE": alive,
    }
    for prefix, times in (("OS", os_times(subject, params, cutoff)),
                          ("LC", lc_times(subject, params, cutoff))):  # fmt: skip
        for key, tte in times.items():
            values[f"{prefix}{key}DAYS"] = None if tte is None else tte.days
            values[f"{prefix}{key}CNSR"] = None if tte is None else tte.censored
    return values


# --- derivations ---------------------------------------------------------------------------


def _derive_fumon(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    reference = follow_up_reference(subject)
    return [
        out(r, "FUMON", months_between(reference, as_date(r.values.get("FUDAT"))))
        for r in subject.forms("FU")
    ]


def _derive_mstsver(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    tubl = subject.form("TUBL")
    version = msts_version(None if tubl is None else tubl.values.get("TULIMB"))
    return [out(r, "MSTSVER", version) for r in subject.forms("MSTS")]


def _derive_msts(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("MSTS"):
        total = msts_total([record.values.get(name) for name in MSTS_ITEMS])
        results += [out(record, "MSTSTOT", total), out(record, "MSTSPCT", msts_percent(total))]
    return results


def _derive_eot(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [out(r, "EOTDAT", eot_date(subject)) for r in subject.forms("EOS")]


def _derive_survival(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [subject_value(k, v) for k, v in survival_values(subject, params).items()]


def _derive_study_day_origin(subject: SubjectData, params: StudyParameters
                             ) -> list[DerivedValue]:
    start, _ = rt_dates(subject)
    return [subject_value("RFSTDAT", start)]


D_FU_FUMON = Derivation(
    id="D-FU-FUMON",
    label=T("Months since surgery", "术后月数"),
    outputs=("FU.FUMON",),
    inputs=("FU.FUDAT", "SURG.SURGYN", "SURG.SURGDAT", "EOS.EOTDAT"),
    method=T(
        "(FUDAT − SURGDAT) / 30.4375, 1 decimal; without surgery the reference is the "
        "treatment-completion date (EOTDAT).",
        "（FUDAT − SURGDAT）/ 30.4375，保留 1 位小数；未手术者以治疗完成日期（EOTDAT）为参照。",
    ),
    function=_derive_fumon,
)

D_MSTS_MSTSVER = Derivation(
    id="D-MSTS-MSTSVER",
    label=T("MSTS version", "MSTS 版本"),
    outputs=("MSTS.MSTSVER",),
    inputs=("TUBL.TULIMB",),
    method=T("From TULIMB: LOWER → lower-limb version, UPPER → upper-limb version.",
             "根据 TULIMB：LOWER → 下肢版，UPPER → 上肢版。"),
    function=_derive_mstsver,
)

D15 = Derivation(
    id="D-15",
    label=T("MSTS total and percent", "MSTS 总分及百分比"),
    outputs=("MSTS.MSTSTOT", "MSTS.MSTSPCT"),
    inputs=tuple(f"MSTS.{name}" for name in MSTS_ITEMS),
    method=T(
        "MSTSTOT = MSTS1 + … + MSTS6 (blank while any item is missing); MSTSPCT = MSTSTOT / "
        "30 × 100, 1 decimal.",
        "MSTSTOT = MSTS1 + … + MSTS6（任一项缺失时为空）；MSTSPCT = MSTSTOT / 30 × 100，"
        "保留 1 位小数。",
    ),
    function=_derive_msts,
)

D17 = Derivation(
    id="D-17",
    label=T("Treatment-completion date", "治疗完成日期"),
    outputs=("EOS.EOTDAT",),
    inputs=("RT.FX.FXDAT", "RT.FX.FXGIVEN", "CT.DOXADM.EXSTDAT", "CT.IFOADM.EXSTDAT",
            "CT.CYGIVEN", "SURG.SURGYN", "SURG.SURGDAT"),
    method=T(
        "max(RTENDAT, CHEMOEND, SURGDAT) over the treatments that took place.",
        "已实施治疗中 RTENDAT、CHEMOEND、SURGDAT 的最晚日期。",
    ),
    function=_derive_eot,
)

D18 = Derivation(
    id="D-18",
    label=T("Overall survival and local control times", "总生存及局部控制时间"),
    outputs=(),
    inputs=(
        "DTH.DTHDAT", "EOS.LASTCONT", "EOS.EOTDAT", "DM.ENRDAT", "FU.FUDAT", "FU.SSSTAT",
        "FU.FUMODE", "FU.LRYN", "FU.LRDAT", "FU.LOCIMGDAT", "SURG.SURGNRSN", "SURG.SURGDAT",
        "TUPRE.LOCPROG", "TUPRE.IMGDAT", "PATH.RSTAT", "WND.WNDDAT",
    ),
    method=T(
        "Origins EOTDAT (TC) and ENRDAT (ENR). OS: event = death (partial DTHDAT imputed: day "
        "missing → 1st, month missing → 1 July, or the day after the last date known alive if "
        "later); alive subjects censored at the last date known alive. LC: event = first local "
        "recurrence (LRDAT), local progression precluding resection (restaging date) or R2 "
        "resection (SURGDAT); censored at death or at the last assessment of the primary site. "
        "Everything as of the data cut-off (later dates censored at it); days are never capped. "
        "OS from ENRDAT for every enrolled subject; OS and LC from EOTDAT, and LC from ENRDAT, "
        "for the treated population only. Days = end − origin; CNSR 0 = event, 1 = censored.",
        "起点为 EOTDAT（TC）及 ENRDAT（ENR）。总生存：事件 = 死亡（不完整 DTHDAT 的填补：缺日 → "
        "1 日，缺月 → 7 月 1 日；如最后确认存活日期的次日更晚则取该日）；存活者在最后确认存活"
        "日期删失。局部控制：事件 = 首次局部复发（LRDAT）、无法切除的局部进展（再分期日期）或 "
        "R2 切除（SURGDAT）；在死亡日期或最后一次原发部位评估日期删失。均以数据截止日为准（之后的"
        "日期在截止日删失）；天数不设上限。自入组起的总生存适用于全部入组受试者；自治疗完成起的"
        "总生存和局部控制以及自入组起的局部控制仅适用于治疗人群。天数 = 终点 − 起点；"
        "CNSR 0 = 事件，1 = 删失。",
    ),
    function=_derive_survival,
    subject_outputs=("DTHDATIMP", "LASTALIVE", *TTE_ITEMS),
)

D19 = Derivation(
    id="D-19",
    label=T("Study day origin", "研究日起点"),
    outputs=(),
    inputs=("RT.FX.FXDAT", "RT.FX.FXGIVEN", "RT.RTSTDAT"),
    method=T(
        "RFSTDAT = RTSTDAT (study day 1). Study day of a date = date − RFSTDAT + 1 on or after "
        "day 1, date − RFSTDAT before it (there is no day 0).",
        "RFSTDAT = RTSTDAT（研究第 1 天）。某日期的研究日 = 日期 − RFSTDAT + 1（第 1 天及之后），"
        "之前为 日期 − RFSTDAT（不存在第 0 天）。",
    ),
    function=_derive_study_day_origin,
    subject_outputs=("RFSTDAT",),
)

DERIVATIONS = (D17, D_FU_FUMON, D_MSTS_MSTSVER, D15, D18, D19)
