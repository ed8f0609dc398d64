"""Adverse events (form AE in SE.LOG, rows AE): D-AE-AEREL."""

from __future__ import annotations

from tnt_desktop.study.derivations._common import NO, YES, row_out
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import SubjectData

AE = "AE"
RELATIONSHIP_ITEMS = ("AERELRT", "AERELDOX", "AERELIFO", "AERELSURG")
RELATED = ("POSSIBLE", "PROBABLE", "DEFINITE")
NOT_RELATED = ("UNRELATED", "UNLIKELY")


def ae_related(*relationships: str | None) -> str | None:
    """AEREL: Y if any attribution is POSSIBLE or higher; N when every attribution is answered
    and none is; None while one is unanswered and none is related."""
    if any(rel in RELATED for rel in relationships):
        return YES
    if relationships and all(rel in NOT_RELATED for rel in relationships):
        return NO
    return None


def _derive(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [
        row_out(record, AE, index, "AEREL",
                ae_related(*(row.get(name) for name in RELATIONSHIP_ITEMS)))
        for record in subject.forms("AE")
        for index, row in enumerate(record.group_rows(AE))
    ]


D_AE_AEREL = Derivation(
    id="D-AE-AEREL",
    label=T("Related to any study treatment", "与任一研究治疗相关"),
    outputs=("AE.AE.AEREL",),
    inputs=tuple(f"AE.AE.{name}" for name in RELATIONSHIP_ITEMS),
    method=T(
        "Y if any of AERELRT, AERELDOX, AERELIFO, AERELSURG is POSSIBLE, PROBABLE or DEFINITE; "
        "N if all are UNRELATED or UNLIKELY.",
        "AERELRT、AERELDOX、AERELIFO、AERELSURG 任一为 POSSIBLE、PROBABLE 或 DEFINITE 时为 Y；"
        "全部为 UNRELATED 或 UNLIKELY 时为 N。",
    ),
    function=_derive,
)

DERIVATIONS = (D_AE_AEREL,)
