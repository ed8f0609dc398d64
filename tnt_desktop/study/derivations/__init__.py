"""Derivations of CRF_SPEC.md §4: the registry `DERIVATIONS`, `derive_all` and `subject_level`.

Each module owns the pure functions and the `Derivation`s of one subject area; this package
only orders them. `DERIVATIONS` is in dependency order (a derivation only reads derived values
that an earlier one wrote), e.g. BSA before the CT doses, the RT summary before CYPLDAT, EOTDAT
before FUMON.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from tnt_desktop.study.derivations import (
    ae,
    chemotherapy,
    course,
    demographics,
    eligibility,
    followup,
    labs,
    pathology,
    radiotherapy,
    surgery,
    tumour,
    wound,
)
from tnt_desktop.study.derivations._guard import DERIVE_RANGE, RangeGuard, Where
from tnt_desktop.study.model import Derivation, DerivedValue, Finding
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import FormRecord, SubjectData

DERIVATIONS: tuple[Derivation, ...] = (
    *demographics.DERIVATIONS,  # D-01 AGE, D-02 BSA, D-03 BMI
    *eligibility.DERIVATIONS,  # D-05
    *tumour.DERIVATIONS,  # D-04, D-06, D-07 (reads AJCC_T), D-TUPRE-TUPCHG
    *radiotherapy.DERIVATIONS,  # D-RT-RTPLDPF, D-08
    *chemotherapy.DERIVATIONS,  # CYCNUM, CONFIG, CYBSA, CYPLDAT (RTENDAT), D-09 (CYBSA), D-10, D-11
    *surgery.DERIVATIONS,  # SURGDUR, LIMBSPFL, SURGLOS
    *pathology.DERIVATIONS,  # PCTSUM, D-12, D-13 (RTCOMPL)
    *wound.DERIVATIONS,  # WNDPOD, D-14
    *ae.DERIVATIONS,  # AEREL
    *followup.DERIVATIONS,  # D-17 EOTDAT, FUMON (EOTDAT), MSTSVER, D-15, D-18, D-19
    *labs.DERIVATIONS,  # LBORRESU, LBNRIND/LBCTCGR, D-16 CrCl (DM.AGE, CT.CYWEIGHT)
    *course.DERIVATIONS,  # D-SUBJ-COURSE (subject level: what the study report counts)
)

DERIVATIONS_BY_ID: dict[str, Derivation] = {d.id: d for d in DERIVATIONS}


def _target(subject: SubjectData, value: DerivedValue) -> FormRecord | None:
    for record in subject.records:
        if (record.form, record.event, record.repeat) == (value.form, value.event, value.repeat):
            return record
    return None


def _ref(value: DerivedValue) -> str:
    if value.group is not None:
        return f"{value.form}.{value.group}.{value.item}"
    return f"{value.form}.{value.item}"


def apply(subject: SubjectData, values: Iterable[DerivedValue], keep: frozenset[str] = frozenset()
          ) -> None:
    """Write form-level derived values into `subject` in place (None removes the value);
    subject-level values and refs listed in `keep` are skipped."""
    for value in values:
        if value.form is None or _ref(value) in keep or f"{value.form}.{value.item}" in keep:
            continue
        record = _target(subject, value)
        if record is None:
            continue
        if value.group is not None:
            rows = record.rows.get(value.group, [])
            if value.row is None or not 0 <= value.row < len(rows):
                continue
            target = rows[value.row]
        else:
            target = record.values
        if value.value is None:
            target.pop(value.item, None)
        else:
            target[value.item] = value.value


def derive_all(
    subject: SubjectData, params: StudyParameters, *, keep: Iterable[str] = (),
    unconfirmed: Collection[Where] = (), notes: list[Finding] | None = None,
) -> SubjectData:  # fmt: skip
    """A new SubjectData (deep copy) with every form-level derived item recomputed, in
    dependency order. `keep` lists qualified refs whose stored value must not be replaced
    (an editable derived item overridden with a reason, e.g. "TUBL.AJCC_T"); later derivations
    then read the stored value. The input is never modified.

    A derived value whose inputs fail their range checks — hard, or soft and named in
    `unconfirmed` — is not computed (cleared); `notes`, when given, receives a finding on each
    such derived item saying why (derivations/_guard.py)."""
    result = copy.deepcopy(subject)
    kept = frozenset(keep)
    guard = RangeGuard(result, unconfirmed, notes)
    for derivation in DERIVATIONS:
        if derivation.function is None:
            continue
        apply(result, guard.filter(derivation, derivation.function(result, params)), kept)
    return result


def subject_level(
    subject: SubjectData, params: StudyParameters, *, keep: Iterable[str] = (),
    cutoff: date | None = None,
) -> dict[str, Any]:
    """The subject-level values (CHEMOEND, CHEMOPERIODEND, RESP_AC, MWC90, OS/LC times…),
    computed on the derived copy of the subject as of the data cut-off (clarification 23:
    it caps every censoring date and decides evaluability); every declared subject output is
    present (None when it cannot be derived)."""
    return subject_level_record(subject, params, keep=keep, cutoff=cutoff)[0]


def subject_level_record(
    subject: SubjectData, params: StudyParameters, *, keep: Iterable[str] = (),
    cutoff: date | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(values, reasons for missing) of the subject level: a value that is empty because it
    cannot be evaluated yet carries its reason (clarification 22: MWC90/MWC120 "NOT
    EVALUABLE"), exported in `<NAME>_MISSING`."""
    derived = derive_all(subject, params, keep=keep)
    values: dict[str, Any] = {}
    for derivation in DERIVATIONS:
        if not derivation.subject_outputs or derivation.function is None:
            continue
        values.update({name: None for name in derivation.subject_outputs})
        for value in derivation.function(derived, params):
            if value.form is None:
                values[value.item] = value.value
    # the two derivations that depend on the cut-off, recomputed with it
    summary = wound.mwc_summary(derived, params, cutoff)
    values.update(summary.as_values())
    values.update(followup.survival_values(derived, params, cutoff))
    values.update(course.course_values(derived, params, cutoff))
    return values, summary.reasons()


__all__ = ["DERIVATIONS", "DERIVATIONS_BY_ID", "DERIVE_RANGE", "Where", "apply", "derive_all",
           "subject_level", "subject_level_record"]
