"""Labs (LBORRESU, LBNRIND, LBCTCGR, CrCl), AEREL and the surgery derivations."""

from datetime import date, time
from decimal import Decimal

import pytest

from tnt_desktop.study.derivations import derive_all
from tnt_desktop.study.derivations.ae import ae_related
from tnt_desktop.study.derivations.labs import (
    crcl_cockcroft_gault,
    ctcae_grade,
    normal_range_indicator,
)
from tnt_desktop.study.derivations.surgery import length_of_stay, limb_sparing, surgery_duration
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.subject import FormRecord, SubjectData

D = Decimal


@pytest.mark.parametrize(
    ("result", "low", "high", "expected"),
    [("1.2", "2.0", "7.5", "LOW"), ("2.0", "2.0", "7.5", "NORMAL"), ("7.6", "2.0", "7.5", "HIGH"),
     ("5.0", None, "7.5", "NORMAL"), ("5.0", None, None, None), (None, "2.0", "7.5", None)],
)  # fmt: skip
def test_normal_range_indicator(result, low, high, expected):
    def dec(x):
        return None if x is None else D(x)

    assert normal_range_indicator(dec(result), dec(low), dec(high)) == expected


@pytest.mark.parametrize(
    ("test", "result", "low", "high", "grade"),
    [
        ("NEUT", "2.5", "2.0", "7.5", 0),
        ("NEUT", "1.8", "2.0", "7.5", 1),  # < LLN, ≥ 1.5
        ("NEUT", "1.5", "2.0", "7.5", 1),
        ("NEUT", "1.2", "2.0", "7.5", 2),  # < 1.5
        ("NEUT", "0.9", None, None, 3),  # determined without LLN
        ("NEUT", "0.4", "2.0", "7.5", 4),
        ("NEUT", "1.8", None, None, None),  # grade 0 or 1 depends on LLN
        ("PLAT", "60", "125", "350", 2),
        ("HGB", "95", "130", "175", 2),
        ("HGB", "75", "130", "175", 3),
        ("ALT", "40", "7", "40", 0),
        ("ALT", "100", "7", "40", 1),  # 2.5 × ULN
        ("ALT", "130", "7", "40", 2),  # 3.25 × ULN
        ("ALT", "130", "7", None, None),
        ("CREAT", "160", "57", "100", 2),  # 1.6 × ULN
        ("CREAT", "700", "57", "100", 4),  # 7 × ULN
        ("BILI", "25", "3", "21", 1),
        ("UPROT", "1.2", "0", "0.15", 2),
        ("HBA1C", "9.0", "4.0", "6.0", None),  # not graded by value
    ],
)
def test_ctcae_grade(test, result, low, high, grade):
    def dec(x):
        return None if x is None else D(x)

    assert ctcae_grade(test, dec(result), dec(low), dec(high)) == grade


def test_crcl():
    # (140 − 50) × 70 × 1.23 / 80 = 96.8625; × 1.04 → 81.9
    assert crcl_cockcroft_gault(50, D("70.0"), "M", D("80")) == D("96.9")
    assert crcl_cockcroft_gault(50, D("70.0"), "F", D("80")) == D("81.9")
    assert crcl_cockcroft_gault(50, D("70.0"), None, D("80")) is None


def test_derive_all_labs():
    lab = FormRecord("SE.SCR", "LB", values={"LBDAT": date(2025, 2, 12)}, rows={"LB": [
        {"LBTESTCD": "CREAT", "LBORRES": D("80"), "LBORNRLO": D("57"), "LBORNRHI": D("111")},
        {"LBTESTCD": "NEUT", "LBORRES": D("1.2"), "LBORNRLO": D("2.0"), "LBORNRHI": D("7.5")},
    ]})
    dm = FormRecord("SE.SCR", "DM", values={"BRTHDAT": date(1975, 2, 12), "SEX": "M",
                                            "WEIGHT": D("70.0")})
    derived = derive_all(SubjectData("S", [dm, lab]), P).form("LB")
    assert derived.values["CRCL"] == D("96.9")  # aged 50 on the sample date
    creat, neut = derived.rows["LB"]
    assert (creat["LBORRESU"], creat["LBNRIND"], creat["LBCTCGR"]) == ("umol/L", "NORMAL", 0)
    assert (neut["LBORRESU"], neut["LBNRIND"], neut["LBCTCGR"]) == ("10^9/L", "LOW", 2)


def test_crcl_uses_the_cycle_weight():
    lab = FormRecord("SE.C2", "LB", values={"LBDAT": date(2025, 2, 12)}, rows={"LB": [
        {"LBTESTCD": "CREAT", "LBORRES": D("80")}]})
    ct = FormRecord("SE.C2", "CT", values={"CYGIVEN": "Y", "CYWEIGHT": D("60.0")})
    dm = FormRecord("SE.SCR", "DM", values={"BRTHDAT": date(1975, 1, 1), "SEX": "F",
                                            "WEIGHT": D("70.0")})
    derived = derive_all(SubjectData("S", [dm, ct, lab]), P).form("LB", "SE.C2")
    assert derived.values["CRCL"] == D("70.2")  # aged 50: 90 × 60 × 1.04 / 80 = 70.2


@pytest.mark.parametrize(
    ("relationships", "expected"),
    [
        (("UNRELATED", "UNLIKELY", "UNRELATED", "UNRELATED"), "N"),
        (("UNRELATED", "POSSIBLE", "UNRELATED", "UNRELATED"), "Y"),
        (("DEFINITE", None, None, None), "Y"),
        (("UNRELATED", None, "UNLIKELY", "UNRELATED"), None),
    ],
)
def test_ae_related(relationships, expected):
    assert ae_related(*relationships) == expected


def test_derive_all_aerel_rows():
    rows = [{"AERELRT": "PROBABLE", "AERELDOX": "UNRELATED", "AERELIFO": "UNRELATED",
             "AERELSURG": "UNRELATED"},
            {"AERELRT": "UNLIKELY", "AERELDOX": "UNRELATED", "AERELIFO": "UNRELATED",
             "AERELSURG": "UNRELATED"}]
    record = FormRecord("SE.LOG", "AE", rows={"AE": rows})
    derived = derive_all(SubjectData("S", [record]), P).form("AE").rows["AE"]
    assert [row["AEREL"] for row in derived] == ["Y", "N"]


def test_surgery_helpers():
    assert surgery_duration(time(8, 0), time(11, 30)) == 210
    assert surgery_duration(time(23, 30), time(1, 15)) == 105  # past midnight
    assert surgery_duration(None, time(1, 15)) is None
    assert limb_sparing("AMPUTATION") == "N"
    assert limb_sparing("WIDE_EXCISION_LIMB_SPARING") == "Y"
    assert limb_sparing(None) is None
    assert length_of_stay(date(2025, 6, 1), date(2025, 6, 9)) == 8


def test_derive_all_surgery():
    record = FormRecord("SE.SURG", "SURG", values={
        "SURGYN": "Y", "SURGDAT": date(2025, 6, 1), "SURGSTTM": time(9, 15),
        "SURGENTM": time(12, 0), "SURGTYPE": "AMPUTATION", "DISCHDAT": date(2025, 6, 12)})
    values = derive_all(SubjectData("S", [record]), P).form("SURG").values
    assert (values["SURGDUR"], values["LIMBSPFL"], values["SURGLOS"]) == (165, "N", 11)
