"""D-SUBJ-COURSE: where a subject's treatment stands, as of the data cut-off — the subject-level
values the study report counts (enrolment date, RT completed, AI cycles given and whether the
chemotherapy is over, relative dose intensity at the last cycle, surgery, death), so that every
number of the report can be recomputed from SUBJECT_LEVEL.csv alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tnt_desktop.study.derivations._common import NO, YES, as_date, subject_value, yn
from tnt_desktop.study.derivations.chemotherapy import given_cycles
from tnt_desktop.study.derivations.followup import death_date, follow_up_reference
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import SubjectData

COURSE_ITEMS = ("ENRDAT", "RTCOMPLFL", "CTNCYC", "CTOVERFL", "RDIDOX", "RDIIFO", "RDI",
                "SURGFL", "DTHFL")  # fmt: skip


def chemotherapy_over(subject: SubjectData, params: StudyParameters) -> bool:
    """The chemotherapy of the protocol is over: every planned cycle was given, or the subject
    moved on — surgery done or documented as not done, an end-of-study form, or death."""
    if len(given_cycles(subject)) >= params.n_cycles:
        return True
    return (follow_up_reference(subject) is not None or subject.form("EOS") is not None
            or subject.form("DTH") is not None)  # fmt: skip


def course_values(subject: SubjectData, params: StudyParameters,
                  cutoff: date | None = None) -> dict[str, Any]:  # fmt: skip
    dm = subject.form("DM")
    enrolled = None if dm is None else as_date(dm.values.get("ENRDAT"))
    rt = subject.form("RT")
    given = given_cycles(subject)
    last = given[-1].values if given else {}
    surg = subject.form("SURG")
    surgery = None if surg is None else surg.values.get("SURGYN")
    death = death_date(subject)
    died = death is not None and (cutoff is None or death <= cutoff)
    return {
        "ENRDAT": enrolled,
        "RTCOMPLFL": None if rt is None else rt.values.get("RTCOMPL"),
        "CTNCYC": len(given) if enrolled is not None else None,
        "CTOVERFL": yn(chemotherapy_over(subject, params)) if enrolled is not None else None,
        "RDIDOX": last.get("DOXRDI"),
        "RDIIFO": last.get("IFORDI"),
        "RDI": last.get("CYRDI"),
        "SURGFL": surgery if surgery in (YES, NO) else None,
        "DTHFL": (YES if died else NO) if enrolled is not None else None,
    }


def _derive_course(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [subject_value(k, v) for k, v in course_values(subject, params).items()]


D_SUBJ_COURSE = Derivation(
    id="D-SUBJ-COURSE",
    label=T("Treatment course as of the data cut-off", "截至数据截止日的治疗进程"),
    outputs=(),
    inputs=("DM.ENRDAT", "RT.RTCOMPL", "CT.CYGIVEN", "CT.CYD1DAT", "CT.DOXRDI", "CT.IFORDI",
            "CT.CYRDI", "SURG.SURGYN", "EOS.EOSDAT", "DTH.DTHDAT"),
    method=T(
        "ENRDAT from F02; RTCOMPLFL = RTCOMPL; CTNCYC = AI cycles given; CTOVERFL = Y when every "
        "planned cycle was given, or surgery is done or documented as not done, or an "
        "end-of-study or death form exists; RDIDOX / RDIIFO / RDI = DOXRDI / IFORDI / CYRDI of "
        "the last cycle given; SURGFL = SURGYN; DTHFL = Y for a death on or before the data "
        "cut-off.",
        "ENRDAT 取自 F02；RTCOMPLFL = RTCOMPL；CTNCYC = 已给 AI 化疗周期数；全部计划周期已给药，"
        "或手术已完成或记录未手术，或已有研究结束表或死亡表时 CTOVERFL = Y；RDIDOX / RDIIFO / "
        "RDI = 最后一个已给药周期的 DOXRDI / IFORDI / CYRDI；SURGFL = SURGYN；数据截止日或之前"
        "死亡者 DTHFL = Y。",
    ),
    function=_derive_course,
    subject_outputs=COURSE_ITEMS,
)

DERIVATIONS = (D_SUBJ_COURSE,)
