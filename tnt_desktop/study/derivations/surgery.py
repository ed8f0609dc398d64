"""Surgery (form SURG): D-SURG-SURGDUR, D-SURG-LIMBSPFL, D-SURG-SURGLOS."""

from __future__ import annotations

from datetime import date, time

from tnt_desktop.study.derivations._common import NO, YES, as_date, days_between, out
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import SubjectData

_MINUTES_PER_DAY = 24 * 60


def surgery_duration(start: time | None, end: time | None) -> int | None:
    """Minutes from incision to skin closure; an end time earlier than the start time means
    the operation ran past midnight (end + 24 h)."""
    if start is None or end is None:
        return None
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return minutes % _MINUTES_PER_DAY


def limb_sparing(surgery_type: str | None) -> str | None:
    """LIMBSPFL: N for an amputation, Y for any other resection, None when not recorded."""
    if surgery_type is None:
        return None
    return NO if surgery_type == "AMPUTATION" else YES


def length_of_stay(surgery: date | None, discharge: date | None) -> int | None:
    """DISCHDAT − SURGDAT in days (post-operative length of stay)."""
    return days_between(surgery, discharge)


def surgery_date(subject: SubjectData) -> date | None:
    """SURGDAT of the protocol surgery (None unless SURGYN = Y or SURGYN is still blank)."""
    record = subject.form("SURG")
    if record is None or record.values.get("SURGYN") == NO:
        return None
    return as_date(record.values.get("SURGDAT"))


def _performed(record_values: dict) -> bool:
    return record_values.get("SURGYN") != NO


def _derive_duration(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("SURG"):
        v = record.values
        minutes = surgery_duration(v.get("SURGSTTM"), v.get("SURGENTM")) if _performed(v) else None
        results.append(out(record, "SURGDUR", minutes))
    return results


def _derive_limb(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("SURG"):
        v = record.values
        flag = limb_sparing(v.get("SURGTYPE")) if _performed(v) else None
        results.append(out(record, "LIMBSPFL", flag))
    return results


def _derive_stay(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("SURG"):
        v = record.values
        stay = (
            length_of_stay(as_date(v.get("SURGDAT")), as_date(v.get("DISCHDAT")))
            if _performed(v)
            else None
        )
        results.append(out(record, "SURGLOS", stay))
    return results


D_SURG_SURGDUR = Derivation(
    id="D-SURG-SURGDUR",
    label=T("Operative duration", "手术时长"),
    outputs=("SURG.SURGDUR",),
    inputs=("SURG.SURGYN", "SURG.SURGSTTM", "SURG.SURGENTM"),
    method=T(
        "SURGENTM − SURGSTTM in minutes; a closure time earlier than the incision time is on "
        "the next day (+24 h).",
        "SURGENTM − SURGSTTM（分钟）；缝合时间早于切开时间时视为次日（+24 小时）。",
    ),
    function=_derive_duration,
)

D_SURG_LIMBSPFL = Derivation(
    id="D-SURG-LIMBSPFL",
    label=T("Limb-sparing surgery", "保肢手术"),
    outputs=("SURG.LIMBSPFL",),
    inputs=("SURG.SURGYN", "SURG.SURGTYPE"),
    method=T("N if SURGTYPE = AMPUTATION, otherwise Y.",
             "SURGTYPE = AMPUTATION 时为 N，否则为 Y。"),
    function=_derive_limb,
)

D_SURG_SURGLOS = Derivation(
    id="D-SURG-SURGLOS",
    label=T("Post-operative length of stay", "术后住院天数"),
    outputs=("SURG.SURGLOS",),
    inputs=("SURG.SURGYN", "SURG.SURGDAT", "SURG.DISCHDAT"),
    method=T("DISCHDAT − SURGDAT in days.", "DISCHDAT − SURGDAT（天）。"),
    function=_derive_stay,
)

DERIVATIONS = (D_SURG_SURGDUR, D_SURG_LIMBSPFL, D_SURG_SURGLOS)
