"""D-05 ELIGFL and IEFAIL (form IE): all inclusion criteria met and no exclusion present."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tnt_desktop.study.derivations._common import NO, YES, out, yn
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import FormRecord, SubjectData

INCLUSION: tuple[str, ...] = tuple(f"INC{n:02d}" for n in range(1, 7))
EXCLUSION: tuple[str, ...] = tuple(f"EXC{n:02d}" for n in range(1, 10))
CRITERIA: tuple[str, ...] = INCLUSION + EXCLUSION
INC01_PARTS: tuple[str, ...] = ("INC01A", "INC01B", "INC01C", "INC01D", "INC01MDT")


class Status(StrEnum):
    MET = "MET"
    FAILED = "FAILED"
    UNANSWERED = "UNANSWERED"


@dataclass(frozen=True)
class EligibilityVerdict:
    """eligible: True when every criterion is met; False as soon as one criterion fails (no
    waivers, so the verdict cannot change to eligible); None while criteria are unanswered
    and none fails. `failing` and `unanswered` list criterion codes in INC01…EXC09 order."""

    eligible: bool | None
    failing: tuple[str, ...] = ()
    unanswered: tuple[str, ...] = ()

    @property
    def flag(self) -> str | None:
        """ELIGFL: "Y", "N" or None."""
        return yn(self.eligible)


def _answer(record: FormRecord, name: str) -> str | None:
    """"Y"/"N"; "MISSING" when a reason for missing is recorded; None when unanswered."""
    answer = record.values.get(name)
    if answer in (YES, NO):
        return answer
    if name in record.missing:
        return "MISSING"
    return None


def inc01_status(record: FormRecord) -> Status:
    """INC01 is met only when INC01 = Y, INC01A = Y, ≥1 of INC01B/C/D = Y and the MDT date
    is present. An explicit N (or a reason for missing) fails it; a blank leaves it open."""
    main = _answer(record, "INC01")
    if main is None:
        return Status.UNANSWERED
    if main != YES:
        return Status.FAILED
    statuses = []
    primary = _answer(record, "INC01A")
    statuses.append(
        Status.MET if primary == YES else Status.UNANSWERED if primary is None else Status.FAILED
    )
    factors = [_answer(record, name) for name in ("INC01B", "INC01C", "INC01D")]
    if YES in factors:
        statuses.append(Status.MET)
    elif None in factors:
        statuses.append(Status.UNANSWERED)
    else:
        statuses.append(Status.FAILED)
    if record.values.get("INC01MDT") is not None:
        statuses.append(Status.MET)
    elif "INC01MDT" in record.missing:
        statuses.append(Status.FAILED)
    else:
        statuses.append(Status.UNANSWERED)
    if Status.FAILED in statuses:
        return Status.FAILED
    if Status.UNANSWERED in statuses:
        return Status.UNANSWERED
    return Status.MET


def criterion_status(record: FormRecord, code: str) -> Status:
    """An inclusion criterion is met when Y; an exclusion criterion when N. A reason for
    missing (NOT DONE, UNKNOWN…) means the criterion is not satisfied."""
    if code == "INC01":
        return inc01_status(record)
    answer = _answer(record, code)
    if answer is None:
        return Status.UNANSWERED
    wanted = YES if code in INCLUSION else NO
    return Status.MET if answer == wanted else Status.FAILED


def eligibility(subject: SubjectData, params: StudyParameters | None = None) -> EligibilityVerdict:
    """The verdict of form IE (D-05). The criteria carry their own answers; the organ-function,
    age and ECOG thresholds of `params` are cross-checked by the edit checks, not here."""
    record = subject.form("IE")
    if record is None:
        return EligibilityVerdict(None, (), CRITERIA)
    statuses = {code: criterion_status(record, code) for code in CRITERIA}
    failing = tuple(code for code in CRITERIA if statuses[code] is Status.FAILED)
    unanswered = tuple(code for code in CRITERIA if statuses[code] is Status.UNANSWERED)
    if failing:
        return EligibilityVerdict(False, failing, unanswered)
    if unanswered:
        return EligibilityVerdict(None, (), unanswered)
    return EligibilityVerdict(True)


def _derive(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    verdict = eligibility(subject, params)
    for record in subject.forms("IE"):
        results.append(out(record, "ELIGFL", verdict.flag))
        results.append(out(record, "IEFAIL", verdict.failing or None))
    return results


D05 = Derivation(
    id="D-05",
    label=T("Eligibility", "入组资格"),
    outputs=("IE.ELIGFL", "IE.IEFAIL"),
    inputs=tuple(f"IE.{name}" for name in (*CRITERIA, *INC01_PARTS)),
    method=T(
        "ELIGFL = Y when every inclusion criterion INC01–INC06 is Y and every exclusion "
        "criterion EXC01–EXC09 is N; INC01 counts as met only with INC01A = Y, at least one of "
        "INC01B/C/D = Y and the MDT date present. ELIGFL = N as soon as one criterion is not "
        "satisfied (a reason for missing does not satisfy it); blank while criteria are "
        "unanswered. IEFAIL lists the criteria not satisfied.",
        "所有入选标准 INC01–INC06 为“是”且所有排除标准 EXC01–EXC09 为“否”时 ELIGFL = Y；"
        "INC01 须 INC01A 为“是”、INC01B/C/D 至少一项为“是”且填写 MDT 日期方视为符合。"
        "任一标准不满足（填写缺失原因亦视为不满足）即 ELIGFL = N；尚有标准未回答时为空。"
        "IEFAIL 列出未满足的标准。",
    ),
    function=_derive,
)

DERIVATIONS = (D05,)
