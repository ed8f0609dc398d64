"""D-04 FNCLCC, D-06 AJCC T, D-07 AJCC stage, D-TUPRE-TUPCHG."""

from decimal import Decimal

import pytest

from tnt_desktop.study.derivations import derive_all
from tnt_desktop.study.derivations.tumour import (
    ajcc_stage,
    ajcc_t,
    fnclcc_grade,
    fnclcc_score,
    tumour_change_pct,
)
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.subject import FormRecord, SubjectData


@pytest.mark.parametrize(
    ("diff", "mit", "nec", "score", "grade"),
    [
        ("1", "1", "0", 2, "G1"),
        ("1", "1", "1", 3, "G1"),  # upper edge of G1
        ("2", "1", "1", 4, "G2"),  # lower edge of G2
        ("2", "2", "1", 5, "G2"),  # upper edge of G2
        ("3", "2", "1", 6, "G3"),  # lower edge of G3
        ("3", "3", "2", 8, "G3"),
        (2, 3, 0, 5, "G2"),  # ints work as well as codes
    ],
)
def test_fnclcc_score_and_grade_boundaries(diff, mit, nec, score, grade):
    assert fnclcc_score(diff, mit, nec) == score
    assert fnclcc_grade(score) == grade


def test_fnclcc_not_assessable():
    assert fnclcc_score("NOT_ASSESSABLE", "2", "1") is None
    assert fnclcc_score("2", None, "1") is None
    assert fnclcc_grade(None) == "GX"
    with pytest.raises(ValueError):
        fnclcc_grade(9)
    with pytest.raises(ValueError):
        fnclcc_score("4", "1", "0")


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("0.1", "T1"), ("5.0", "T1"), ("5.1", "T2"), ("10.0", "T2"), ("10.1", "T3"),
        ("15.0", "T3"), ("15.1", "T4"), ("40.0", "T4"), (None, "TX"),
    ],
)  # fmt: skip
def test_ajcc_t(size, expected):
    assert ajcc_t(None if size is None else Decimal(size)) == expected


@pytest.mark.parametrize(
    ("t", "n", "m", "grade", "stage"),
    [
        ("T1", "N0", "M0", "G1", "IA"),
        ("T1", "N0", "M0", "GX", "IA"),  # GX grouped with G1
        ("T1", "NX", "M0", "G1", "IA"),  # NX staged as N0
        ("T2", "N0", "M0", "G1", "IB"),
        ("T3", "N0", "M0", "GX", "IB"),
        ("T4", "NX", "M0", "G1", "IB"),
        ("T1", "N0", "M0", "G2", "II"),
        ("T1", "NX", "M0", "G3", "II"),
        ("T2", "N0", "M0", "G2", "IIIA"),
        ("T2", "N0", "M0", "G3", "IIIA"),
        ("T3", "N0", "M0", "G2", "IIIB"),
        ("T4", "NX", "M0", "G3", "IIIB"),
        ("T1", "N1", "M0", "G1", "IV"),  # any T, N1, M0, any G
        ("T4", "N1", "M0", "GX", "IV"),
        ("T2", "N0", "M1", "G2", "IV"),  # any T, any N, M1
        ("TX", "NX", "M1", None, "IV"),
        ("TX", "N0", "M0", "G2", None),  # cannot be grouped
        ("T2", "N0", None, "G2", None),
        ("T2", "N0", "M0", None, None),
    ],
)
def test_ajcc_stage_table(t, n, m, grade, stage):
    assert ajcc_stage(t, n, m, grade) == stage


def test_tumour_change():
    assert tumour_change_pct(Decimal("8.0"), Decimal("6.0")) == Decimal("-25.0")
    assert tumour_change_pct(Decimal("9.0"), Decimal("10.0")) == Decimal("11.1")  # 11.11
    assert tumour_change_pct(None, Decimal("6.0")) is None


def _subject(**tubl) -> SubjectData:
    return SubjectData("S", [
        FormRecord("SE.SCR", "TUBL", values=tubl),
        FormRecord("SE.PREOP", "TUPRE", values={"TUMAXD": Decimal("6.0")}),
    ])


def test_derive_all_tumour_items():
    subject = _subject(FNDIFF="3", FNMIT="2", FNNEC="1", FNGRADE="G3", TUMAXD=Decimal("8.0"),
                       AJCC_N="N0", AJCC_M="M0")
    derived = derive_all(subject, P)
    tubl = derived.form("TUBL").values
    assert (tubl["FNSCORE"], tubl["AJCC_T"], tubl["AJCC_STG"]) == (6, "T2", "IIIA")
    assert derived.form("TUPRE").values["TUPCHG"] == Decimal("-25.0")


def test_overridden_ajcc_t_is_kept_and_staged():
    subject = _subject(FNGRADE="G1", TUMAXD=Decimal("4.0"), AJCC_T="T3", AJCC_N="N0",
                       AJCC_M="M0")
    kept = derive_all(subject, P, keep=["TUBL.AJCC_T"]).form("TUBL").values
    assert (kept["AJCC_T"], kept["AJCC_STG"]) == ("T3", "IB")
    recomputed = derive_all(subject, P).form("TUBL").values
    assert (recomputed["AJCC_T"], recomputed["AJCC_STG"]) == ("T1", "IA")
