"""Treatment cross-checks X-25 … X-35."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.core.test_checks_support import P, assert_names, record, run, subject
from tnt_desktop.study.model import Severity

pytestmark = pytest.mark.req("REQ-DQ-01")

RT_END = date(2025, 3, 7)
D1 = date(2025, 3, 14)


def ct(cycle=1, **values):
    return record(f"SE.C{cycle}", "CT", CYGIVEN="Y", **values)


def test_x25_c1_after_rt():
    rt = record("SE.RT", "RT", RTENDAT=RT_END)
    assert run("X-25", subject(rt, ct(CYD1DAT=RT_END + timedelta(days=1)))) == []
    [f] = run("X-25", subject(rt, ct(CYD1DAT=RT_END)))
    assert f.severity is Severity.HARD and f.event == "SE.C1"
    assert_names(f, RT_END)
    assert run("X-25", subject(ct(CYD1DAT=RT_END))) == []


@pytest.mark.parametrize(("offset", "fires"), [(-1, True), (0, False), (6, False), (7, True)])
def test_x26_administration_rows_within_d1_to_d1_plus_6(offset, fires):
    given = D1 + timedelta(days=offset)
    rows = {"IFOADM": [{"EXSTDAT": D1}, {"EXSTDAT": given}]}
    findings = run("X-26", subject(ct(2, CYD1DAT=D1, rows=rows)))
    assert bool(findings) is fires
    for f in findings:
        assert (f.row, f.event, f.items[0]) == (1, "SE.C2", "CT.IFOADM.EXSTDAT")
        assert_names(f, given, D1, D1 + timedelta(days=6), "C2")


@pytest.mark.parametrize(
    ("actual", "severity"),
    [("75.0", None), ("82.5", None), ("83.0", Severity.SOFT), ("93.7", Severity.SOFT),
     ("94.0", Severity.HARD)],
)
def test_x27_actual_dose_above_planned(actual, severity):
    findings = run("X-27", subject(ct(DOXPLM2=Decimal("75.0"), DOXACTM2=Decimal(actual))))
    assert [f.severity for f in findings] == ([severity] if severity else [])
    for f in findings:
        assert f.dv_category == "CHEMO_DOSE"
        assert_names(f, actual, "75", "mg/m²")


def test_x27_compares_with_the_reduced_plan_and_checks_ifosfamide():
    reduced = ct(DOXPLM2=Decimal("75.0"), DOXRED="Y", DOXREDPCT="20", DOXACTM2=Decimal("70.0"))
    [f] = run("X-27", subject(reduced))  # 70 / 60 = 116.7 %
    assert f.severity is Severity.SOFT
    assert_names(f, "116.7", "60", "20")
    ifo = ct(IFOPLM2=Decimal("10.00"), IFOACTM2=Decimal("13.00"))
    [f] = run("X-27", subject(ifo))
    assert f.severity is Severity.HARD and f.items[0] == "CT.IFOACTM2"
    assert_names(f, "13.00", "130", "g/m²")


def test_x27_cumulative_doxorubicin():
    [f] = run("X-27", subject(ct(3, DOXCUM=Decimal("310.0"))))
    assert f.severity is Severity.SOFT and f.items == ("CT.DOXCUM",)
    assert_names(f, "310.0", "300")
    [f] = run("X-27", subject(ct(3, DOXCUM=Decimal("460.0"))))
    assert f.severity is Severity.HARD
    assert run("X-27", subject(ct(3, DOXCUM=Decimal("225.0")))) == []


def test_x28_toxicity_delay_needs_an_ae_with_the_action():
    cycle = ct(2, CYDLYRSN="HAEM_TOX")
    [f] = run("X-28", subject(cycle))
    assert f.severity is Severity.CROSS
    assert_names(f, "HAEM_TOX", "C2")
    ae = record("SE.LOG", "AE", rows={"AE": [{"AESPID": "1", "AEACN": "DELAYED"}]})
    assert run("X-28", subject(cycle, ae)) == []
    assert run("X-28", subject(ct(2, CYDLYRSN="LOGISTIC"))) == []
    [f] = run("X-28", subject(ct(2, IFORED="Y", IFOREDRSN="RENAL_TOX")))
    assert "CT.IFOREDRSN" in f.items


def test_x29_pathology_and_surgery():
    surgdat = date(2025, 6, 1)
    surg = record("SE.SURG", "SURG", SURGYN="Y", SURGDAT=surgdat)
    path = record("SE.PATH", "PATH", PATHDAT=date(2025, 6, 10))
    assert run("X-29", subject(surg, path)) == []
    [f] = run("X-29", subject(surg, record("SE.PATH", "PATH", PATHDAT=date(2025, 5, 30))))
    assert f.severity is Severity.HARD
    assert_names(f, "2025-05-30", surgdat)
    [f] = run("X-29", subject(record("SE.SURG", "SURG", SURGYN="N"), path))
    assert f.severity is Severity.HARD and f.items == ("SURG.SURGYN",)
    # surgery without pathology: a query once the report is overdue (today is passed in)
    assert run("X-29", subject(surg), today=surgdat + timedelta(days=30)) == []
    [f] = run("X-29", subject(surg), today=surgdat + timedelta(days=31))
    assert f.severity is Severity.SOFT
    assert_names(f, surgdat, 31, 30)


def test_x30_reported_score_differs_from_derived():
    path = record("SE.PATH", "PATH", EORTCSC="C", EORTCDER="D", PCTVIAB=Decimal("12.0"))
    [f] = run("X-30", subject(path))
    assert f.severity is Severity.SOFT and f.event == "SE.PATH"
    assert_names(f, "C", "D", "12.0")
    same = record("SE.PATH", "PATH", EORTCSC="D", EORTCDER="D", PCTVIAB=Decimal("12.0"))
    assert run("X-30", subject(same)) == []
    assert run("X-30", subject(record("SE.PATH", "PATH", EORTCSC="D"))) == []


def test_x31_and_x32():
    [f] = run("X-31", subject(record("SE.PATH", "PATH", RSTAT="R2")))
    assert_names(f, "R2")
    assert run("X-31", subject(record("SE.PATH", "PATH", RSTAT="R1"))) == []
    amp = record("SE.SURG", "SURG", SURGTYPE="AMPUTATION", LIMBSPFL="Y", RECON="FREE_FLAP")
    assert sorted(f.items[1] for f in run("X-32", subject(amp))) == ["SURG.LIMBSPFL",
                                                                     "SURG.RECON"]
    ok = record("SE.SURG", "SURG", SURGTYPE="AMPUTATION", LIMBSPFL="N", RECON="PRIMARY_CLOSURE")
    assert run("X-32", subject(ok)) == []


def _wnd(*wc_rows):
    return record("SE.WND", "WND", repeat=2, rows={"WC": list(wc_rows)})


def _ae(*ae_rows):
    return record("SE.LOG", "AE", rows={"AE": list(ae_rows)})


def test_x33_wound_complications_and_aes_link_both_ways():
    wc = {"WCAESPID": "3", "WCREADM": "N"}
    wound_ae = {"AESPID": "3", "AECAT": "WOUND"}
    assert run("X-33", subject(_wnd(wc), _ae(wound_ae))) == []
    f, other = run("X-33", subject(_wnd(wc), _ae({"AESPID": "4", "AECAT": "WOUND"})))
    assert f.severity is Severity.HARD and (f.row, f.repeat) == (0, 2)
    assert_names(f, "3")
    assert other.severity is Severity.SOFT and other.event == "SE.LOG"
    assert_names(other, "4")
    [f] = run("X-33", subject(_wnd({"WCTYPE": "SEROMA"}), _ae()))
    assert f.severity is Severity.HARD and f.items == ("WND.WC.WCAESPID",)
    [f] = run("X-33", subject(_ae(wound_ae)))
    assert f.severity is Severity.SOFT and f.event == "SE.LOG"
    assert_names(f, "3", "WOUND")


def test_x34_readmission_needs_hospitalisation_on_the_ae():
    wc = {"WCAESPID": "3", "WCREADM": "Y"}
    [f] = run("X-34", subject(_wnd(wc), _ae({"AESPID": "3", "AESHOSP": "N"})))
    assert_names(f, "3", "AESHOSP")
    assert run("X-34", subject(_wnd(wc), _ae({"AESPID": "3", "AESHOSP": "Y"}))) == []


def test_x35_secondary_operation_is_recorded():
    [f] = run("X-35", subject(_wnd({"WCREOP": "Y", "WCREOPDAT": date(2025, 7, 1)})))
    assert f.items == ("WND.WC.WCREOPPROC",)
    assert_names(f, "WCREOPPROC")
    done = {"WCREOP": "Y", "WCREOPDAT": date(2025, 7, 1), "WCREOPPROC": "DEBRIDEMENT",
            "WCSTDAT": date(2025, 6, 20)}
    assert run("X-35", subject(_wnd(done))) == []


def test_params_are_read_not_hard_coded():
    loose = P.with_changes(overdose_query_pct=Decimal("120"), overdose_hard_pct=Decimal("130"))
    data = subject(ct(DOXPLM2=Decimal("75.0"), DOXACTM2=Decimal("88.0")))  # 117.3 %
    assert run("X-27", data, loose) == []
