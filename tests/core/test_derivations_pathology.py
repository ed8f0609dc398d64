"""D-PATH-PCTSUM, D-12 EORTCDER and D-13 RESP_AC / EORTCFIN."""

from datetime import date
from decimal import Decimal

import pytest

from tnt_desktop.study.derivations import derive_all, subject_level
from tnt_desktop.study.derivations.pathology import (
    eortc_class,
    final_eortc_score,
    pct_sum,
    resp_ac,
)
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.subject import FormRecord, SubjectData

pytestmark = pytest.mark.req("REQ-VAL-01")


@pytest.mark.parametrize(
    ("pct", "expected"),
    [("0", "A"), ("0.0", "A"), ("0.5", "B"), ("1.0", "C"), ("9.9", "C"), ("10.0", "D"),
     ("49.9", "D"), ("50.0", "E"), ("100", "E")],
)  # fmt: skip
def test_eortc_class(pct, expected):
    assert eortc_class(Decimal(pct)) == expected


def test_eortc_class_limits():
    assert eortc_class(None) is None
    with pytest.raises(ValueError):
        eortc_class(Decimal("100.1"))


def test_pct_sum():
    assert pct_sum(Decimal("5.0"), Decimal("60.0"), Decimal("30.0")) == Decimal("95.0")
    assert pct_sum(Decimal("5.0"), Decimal("60.0"), Decimal("30.0"), Decimal("5.5")) == Decimal(
        "100.5")
    assert pct_sum(Decimal("5.0"), None, Decimal("30.0")) is None


def treated(*records: FormRecord) -> SubjectData:
    rt = FormRecord("SE.RT", "RT", rows={"FX": [{"FXGIVEN": "Y", "FXDAT": date(2025, 3, 3)}]})
    return SubjectData("S", [rt, *records])


def operated(path: dict | None = None, missing: dict | None = None) -> SubjectData:
    records = [FormRecord("SE.SURG", "SURG", values={"SURGYN": "Y",
                                                     "SURGDAT": date(2025, 6, 1)})]
    if path is not None:
        records.append(FormRecord("SE.PATH", "PATH", values=path, missing=missing or {}))
    return treated(*records)


@pytest.mark.parametrize(
    ("score", "expected"), [("A", "Y"), ("B", "Y"), ("C", "Y"), ("D", "N"), ("E", "N")]
)
def test_resp_ac_by_site_score(score, expected):
    assert resp_ac(operated({"EORTCSC": score}), P) == expected


def test_reviewer_score_overrides_the_site_score():
    downgraded = operated({"EORTCSC": "B", "CENTREV": "Y", "CENTREVSC": "D"})
    assert final_eortc_score(downgraded) == "D"
    assert resp_ac(downgraded, P) == "N"
    upgraded = operated({"EORTCSC": "D", "CENTREV": "Y", "CENTREVSC": "C"})
    assert resp_ac(upgraded, P) == "Y"


def test_subject_without_surgery_is_a_non_responder():
    subject = treated(FormRecord("SE.SURG", "SURG", values={
        "SURGYN": "N", "SURGNRSN": "DISTANT_METASTASIS"}))
    assert resp_ac(subject, P) == "N"


def test_non_evaluable_pathology_is_a_non_responder():
    assert resp_ac(operated({"PCTVIAB": Decimal("5.0")}, {"EORTCSC": "NOT DONE"}), P) == "N"


def test_pending_and_untreated_subjects_have_no_flag():
    assert resp_ac(operated(), P) is None  # surgery done, report pending
    assert resp_ac(treated(), P) is None  # still on treatment
    untreated = SubjectData("S", [FormRecord("SE.PATH", "PATH", values={"EORTCSC": "A"})])
    assert resp_ac(untreated, P) is None  # outside the treated population


def test_end_of_study_or_death_without_a_score():
    ended = operated()
    ended.add(FormRecord("SE.EOS", "EOS", values={"EOSSTAT": "DEATH"}))
    assert resp_ac(ended, P) == "N"
    died = treated(FormRecord("SE.DTH", "DTH", values={}))
    assert resp_ac(died, P) == "N"


def test_derive_all_and_subject_level():
    subject = operated({"PCTVIAB": Decimal("0.5"), "PCTNECR": Decimal("70.0"),
                        "PCTFIB": Decimal("29.5"), "EORTCSC": "B"})
    path = derive_all(subject, P).form("PATH").values
    assert (path["PCTSUM"], path["EORTCDER"]) == (Decimal("100.0"), "B")
    values = subject_level(subject, P)
    assert (values["EORTCFIN"], values["RESP_AC"], values["PCRFL"], values["TRTFL"]) == (
        "B", "Y", "N", "Y")
