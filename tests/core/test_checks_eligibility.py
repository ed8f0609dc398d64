"""Eligibility cross-checks X-10 … X-24."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.core.test_checks_support import P, assert_names, record, run, subject
from tnt_desktop.study.model import Severity
from tnt_desktop.study.subject import PartialDate

pytestmark = pytest.mark.req("REQ-DQ-01")

CONSENT = date(2025, 2, 1)


def ie(**values):
    return record("SE.SCR", "IE", RFICDAT=CONSENT, **values)


def mh(**values):
    return record("SE.SCR", "MH", **values)


def tubl(**values):
    return record("SE.SCR", "TUBL", **values)


def dm(**values):
    return record("SE.SCR", "DM", **values)


# --- exclusions forced by the source data: fire when the EXC item is N, silent when Y ----------

FORCING = [
    ("X-17", mh(NYHA="III"), "EXC02", ("MH.NYHA", "NYHA class III")),
    ("X-17", mh(NYHA="IV"), "EXC02", ("MH.NYHA", "NYHA class IV")),
    ("X-17", mh(HTNUNC="Y"), "EXC02", ("MH.HTNUNC", "uncontrolled hypertension")),
    ("X-19", tubl(HISTTYPE="ERMS"), "EXC04", ("TUBL.HISTTYPE", "ERMS")),
    ("X-19", tubl(HISTTYPE="EWS"), "EXC04", ("TUBL.HISTTYPE", "EWS")),
    ("X-20", mh(PRIORRT="Y"), "EXC06", ("MH.PRIORRT", "PRIORRT")),
    ("X-21", tubl(AJCC_N="N1"), "EXC07", ("TUBL.AJCC_N", "cN1")),
    ("X-21", tubl(AJCC_M="M1"), "EXC07", ("TUBL.AJCC_M", "cM1")),
    ("X-21", tubl(CHESTRES="METASTASIS"), "EXC07", ("TUBL.CHESTRES", "chest staging")),
    ("X-22", mh(PRIORCT="Y"), "EXC09", ("MH.PRIORCT", "PRIORCT")),
    ("X-23", mh(UNPLEXC="Y", UNPLGROSS="N"), "EXC01", ("MH.UNPLEXC", "UNPLGROSS = N")),
]


@pytest.mark.parametrize(("check_id", "source", "exc", "expect"), FORCING)
def test_source_data_force_the_exclusion(check_id, source, exc, expect):
    ref, words = expect
    [f] = run(check_id, subject(ie(**{exc: "N"}), source))
    assert f.severity is Severity.HARD and f.event == "SE.SCR"
    assert ref in f.items and f"IE.{exc}" in f.items
    assert words in f.message.en
    assert_names(f, exc)
    assert run(check_id, subject(ie(**{exc: "Y"}), source)) == []


@pytest.mark.parametrize(
    ("check_id", "source"),
    [("X-17", mh(NYHA="II", HTNUNC="N")), ("X-19", tubl(HISTTYPE="UPS")),
     ("X-19", tubl(HISTTYPE="PRMS")), ("X-20", mh(PRIORRT="N")),
     ("X-21", tubl(AJCC_N="NX", AJCC_M="M0", CHESTRES="INDETERMINATE")),
     ("X-22", mh(PRIORCT="N")), ("X-23", mh(UNPLEXC="Y", UNPLGROSS="Y"))],
)
def test_no_exclusion_needed_is_silent(check_id, source):
    assert run(check_id, subject(ie(EXC01="N", EXC02="N", EXC04="N", EXC06="N", EXC07="N",
                                    EXC09="N"), source)) == []


def test_x17_coded_reason_must_agree():
    [f] = run("X-17", subject(ie(EXC02="Y", EXC02G="N"), mh(NYHA="IV")))
    assert "IE.EXC02G" in f.items
    assert run("X-17", subject(ie(EXC02="Y", EXC02G="Y"), mh(NYHA="IV"))) == []


def test_missing_inputs_are_silent():
    for check_id in ("X-17", "X-19", "X-20", "X-21", "X-22", "X-23"):
        assert run(check_id, subject(ie(), mh(NYHA="IV", PRIORRT="Y"), tubl(AJCC_M="M1"))) == []
        assert run(check_id, subject()) == []


# --- X-18 --------------------------------------------------------------------------------------


def test_x18_recent_other_malignancy_needs_exc03():
    source = mh(PRIORMAL="Y", PRIORMALDAT=PartialDate(2022, 5))
    [f] = run("X-18", subject(ie(EXC03="N"), source))
    assert f.severity is Severity.SOFT and "IE.EXC03" in f.items
    assert_names(f, "2022-05", "EXC03", 5)
    assert run("X-18", subject(ie(EXC03="Y"), source)) == []


def test_x18_cervical_cis_or_early_bcc_is_exempt():
    source = mh(PRIORMAL="Y", PRIORMALDAT=PartialDate(2022, 5), PRIORMALEXEMPT="Y")
    assert run("X-18", subject(ie(EXC03="N"), source)) == []
    source = mh(PRIORMAL="Y", PRIORMALDAT=PartialDate(2022, 5), PRIORMALEXEMPT="N")
    assert len(run("X-18", subject(ie(EXC03="N"), source))) == 1


def test_x18_malignancy_older_than_the_window_is_silent():
    old = mh(PRIORMAL="Y", PRIORMALDAT=PartialDate(2019, 12))  # consent 2025-02-01: > 5 years
    assert run("X-18", subject(ie(EXC03="N"), old)) == []
    boundary = mh(PRIORMAL="Y", PRIORMALDAT=date(2020, 2, 1))
    assert len(run("X-18", subject(ie(EXC03="N"), boundary))) == 1
    assert run("X-18", subject(ie(EXC03="N"), boundary), P.with_changes(
        prior_malignancy_years=3)) == []


# --- in both directions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "size", "severity"),
    [("Y", "4.9", Severity.HARD), ("Y", "5.0", None), ("N", "5.0", Severity.SOFT),
     ("N", "4.9", None)],
)
def test_x11_size_criterion(answer, size, severity):
    findings = run("X-11", subject(ie(INC01C=answer), tubl(TUMAXD=Decimal(size))))
    assert [f.severity for f in findings] == ([severity] if severity else [])
    for f in findings:
        assert_names(f, "INC01C", "≥5 cm", size, answer)


@pytest.mark.parametrize(("answer", "ecog", "fires"),
                         [("Y", 2, False), ("Y", 3, True), ("N", 3, False), ("N", 1, True)])
def test_x13_ecog_criterion_both_directions(answer, ecog, fires):
    findings = run("X-13", subject(ie(INC02=answer), dm(ECOG=ecog)))
    assert bool(findings) is fires
    for f in findings:
        assert f.severity is Severity.HARD
        assert_names(f, "INC02", answer, ecog)


@pytest.mark.parametrize(
    ("answer", "age", "fires"),
    [("Y", 18, False), ("Y", 75, False), ("Y", 17, True), ("Y", 76, True), ("N", 76, False),
     ("N", 40, True)],
)
def test_x14_age_criterion_both_directions(answer, age, fires):
    findings = run("X-14", subject(ie(INC03=answer), dm(AGE=age)))
    assert bool(findings) is fires
    for f in findings:
        assert f.severity is Severity.HARD
        assert_names(f, "INC03", answer, age)


# --- X-24 ----------------------------------------------------------------


def test_x10_high_grade_means_g2_or_g3():
    assert run("X-10", subject(ie(INC01B="Y"), tubl(FNGRADE="G2"))) == []
    [f] = run("X-10", subject(ie(INC01B="Y"), tubl(FNGRADE="G1")))
    assert_names(f, "G1", "G2/G3")
    assert run("X-10", subject(ie(INC01B="Y"), tubl(FNGRADE="G2")),
               P.with_changes(high_grades=("G3",))) != []


def test_x12_depth_and_any_inclusion_factor():
    [f] = run("X-12", subject(ie(INC01D="Y"), tubl(TUDEPTH="SUPERFICIAL")))
    assert_names(f, "SUPERFICIAL")
    data = subject(ie(INC01="Y"), tubl(TUDEPTH="SUPERFICIAL", FNGRADE="G1", TUMAXD=Decimal("3.0")))
    [f] = run("X-12", data)
    assert_names(f, "G1", "3.0", "SUPERFICIAL")
    data = subject(ie(INC01="Y"), tubl(TUDEPTH="SUPERFICIAL", FNGRADE="G1", TUMAXD=Decimal("5.0")))
    assert run("X-12", data) == []


def test_x15_histology_needs_biopsy_data():
    [f] = run("X-15", subject(ie(INC04="Y"), tubl(HISTTYPE="UPS")))
    assert f.severity is Severity.HARD and "TUBL.BXDAT" in f.items
    assert_names(f, "BXDAT")
    assert run("X-15", subject(ie(INC04="Y"), tubl(HISTTYPE="UPS", BXDAT=date(2025, 1, 5)))) == []


def test_x16_organ_function_thresholds():
    rows = [
        {"LBTESTCD": "NEUT", "LBORRES": Decimal("1.2")},
        {"LBTESTCD": "PLAT", "LBORRES": Decimal("150")},
        {"LBTESTCD": "ALT", "LBORRES": Decimal("130"), "LBORNRHI": Decimal("50")},
        {"LBTESTCD": "CREAT", "LBORRES": Decimal("100"), "LBORNRHI": Decimal("100")},
    ]
    lb = record("SE.SCR", "LB", rows={"LB": rows}, LVEF=45, CRCL=Decimal("70"))
    findings = run("X-16", subject(ie(INC06="Y"), lb))
    neut, alt, lvef = sorted(findings, key=lambda f: (f.row is None, f.row or 0))
    assert [(f.row, f.items[-1]) for f in (neut, alt, lvef)] == [
        (0, "LB.LB.LBORRES"), (2, "LB.LB.LBORNRHI"), (None, "LB.LVEF")]
    assert_names(neut, "NEUT", "1.2", "1.5")
    assert_names(alt, "ALT", "130", "2.5", "125")
    assert_names(lvef, "45", "50")
    assert run("X-16", subject(ie(INC06="N"), lb)) == []


def test_x24_subsite_limb_and_fnclcc_grade():
    [f] = run("X-24", subject(tubl(TULIMB="UPPER", TUSUBSITE="THIGH_POSTERIOR")))
    assert_names(f, "THIGH_POSTERIOR", "UPPER", "LOWER")
    assert run("X-24", subject(tubl(TULIMB="LOWER", TUSUBSITE="THIGH_POSTERIOR"))) == []
    [f] = run("X-24", subject(tubl(FNSCORE=6, FNGRADE="G2")))
    assert_names(f, "G2", "6", "G3")
    assert run("X-24", subject(tubl(FNSCORE=5, FNGRADE="G2"))) == []
