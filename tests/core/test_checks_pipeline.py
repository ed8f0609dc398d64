"""Checks after the derivations, as the save pipeline runs them: a per-protocol subject is clean,
and deviations introduced in the raw data surface through the derived values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from tests.core.test_checks_support import P, record, subject
from tnt_desktop.study.checks import run_checks
from tnt_desktop.study.derivations import derive_all

pytestmark = pytest.mark.req("REQ-DQ-01")

TODAY = date(2025, 9, 1)
RT_DAY1 = date(2025, 2, 17)


def _cycle(n, d1):
    dox = [{"EXSTDAT": d1 + timedelta(days=i), "EXDOSE": D("45.5"), "EXROUTE": "IV"}
           for i in range(3)]
    ifo = [{"EXSTDAT": d1 + timedelta(days=i), "EXDOSE": D("4.55")} for i in range(4)]
    return record(f"SE.C{n}", "CT", CYGIVEN="Y", CYD1DAT=d1, CYWEIGHT=D("70.0"), CYECOG=1,
                  DOXRED="N", IFORED="N", MESNA="Y", GCSF="Y",
                  rows={"DOXADM": dox, "IFOADM": ifo})


def _fractions(last_day=4):
    days = [0, 1, 2, 3, last_day]
    return [{"FXNUM": i + 1, "FXDAT": RT_DAY1 + timedelta(days=n), "FXGIVEN": "Y",
             "FXDOSE": D("5.00")} for i, n in enumerate(days)]


def per_protocol(surgdat=date(2025, 5, 11), last_fraction=4, eortcsc="C"):
    return subject(
        record("SE.SCR", "IE", RFICDAT=date(2025, 2, 3), SCRDAT=date(2025, 2, 3), ICPIPL="Y",
               ICXFER="Y", INC01="Y", INC01A="Y", INC01B="Y", INC01C="Y", INC01D="Y",
               INC01MDT=date(2025, 1, 28), INC02="Y", INC03="Y", INC04="Y", INC05="Y",
               INC06="Y", **{f"EXC0{i}": "N" for i in range(1, 10)}),
        record("SE.SCR", "DM", ENRDAT=date(2025, 2, 10), BRTHDAT=date(1970, 5, 5), SEX="M",
               ECOGDAT=date(2025, 2, 5), ECOG=1, VSDAT=date(2025, 2, 5), HEIGHT=D("170.0"),
               WEIGHT=D("70.0")),
        record("SE.SCR", "MH", NYHA="I", HTNUNC="N", UNPLEXC="N", PRIORRT="N", PRIORCT="N",
               PRIORMAL="N", DIABETES="N"),
        record("SE.SCR", "TUBL", TULIMB="LOWER", TUSUBSITE="THIGH_ANTERIOR", TUDEPTH="DEEP",
               IMGDAT=date(2025, 2, 1), TUMAXD=D("8.0"), CHESTDAT=date(2025, 2, 1),
               CHESTRES="NO_METASTASIS", BXDAT=date(2025, 1, 20), HISTTYPE="UPS", FNDIFF="3",
               FNMIT="2", FNNEC="1", FNGRADE="G3", AJCC_N="N0", AJCC_M="M0"),
        record("SE.SCR", "LB", LBDAT=date(2025, 2, 5), EGDAT=date(2025, 2, 5), LVEF=60,
               rows={"LB": [{"LBTESTCD": "NEUT", "LBORRES": D("4.0")},
                            {"LBTESTCD": "PLAT", "LBORRES": D("200")},
                            {"LBTESTCD": "CREAT", "LBORRES": D("80"), "LBORNRHI": D("110")}]}),
        record("SE.RT", "RT", RTPLDOSE=D("25.0"), RTPLFX=5,
               rows={"FX": _fractions(last_fraction)}),
        _cycle(1, date(2025, 2, 28)), _cycle(2, date(2025, 3, 21)), _cycle(3, date(2025, 4, 11)),
        record("SE.SURG", "SURG", SURGYN="Y", SURGDAT=surgdat,
               SURGTYPE="WIDE_EXCISION_LIMB_SPARING", RECON="PRIMARY_CLOSURE"),
        record("SE.PATH", "PATH", PATHDAT=surgdat + timedelta(days=14), PCTVIAB=D("5.0"),
               EORTCSC=eortcsc, RSTAT="R0"),
        record("SE.WND", "WND", 1, WNDDAT=surgdat + timedelta(days=14),
               WNDSTAT="HEALING_NO_COMPLICATION"),
        record("SE.FU", "FU", 1, FUDAT=date(2025, 8, 11), SSSTAT="ALIVE", LRYN="N", DMYN="N"),
    )


def checks(data):
    return run_checks(derive_all(data, P), P, today=TODAY)


def test_a_per_protocol_subject_raises_nothing():
    assert checks(per_protocol()) == []


def test_rt_spread_over_nine_days_is_an_rt_deviation():
    found = checks(per_protocol(last_fraction=8))
    tim01 = [f for f in found if f.check_id == "TIM-01"]
    assert [f.dv_category for f in tim01] == ["RT_DOSE_SCHEDULE"]
    assert "9 days exceeds 7 days" in tim01[0].message.en


def test_late_surgery_is_a_surgery_timing_deviation():
    late = per_protocol(surgdat=date(2025, 5, 1) + timedelta(days=22))
    [f] = [f for f in checks(late) if f.check_id == "TIM-05"]
    assert f.dv_category == "SURGERY_TIMING"
    assert "2025-05-01" in f.message.en and "C3D1 + 20" in f.message.en


def test_reported_score_against_derived_score():
    [f] = [f for f in checks(per_protocol(eortcsc="D")) if f.check_id == "X-30"]
    assert "D" in f.message.en and "5.0" in f.message.en


def test_checks_do_not_modify_the_subject():
    data = derive_all(per_protocol(last_fraction=8), P)
    before = [replace(r, values=dict(r.values)) for r in data.records]
    run_checks(data, P, today=TODAY)
    assert [r.values for r in data.records] == [r.values for r in before]
