"""Study-wide date checks X-01 (nothing before consent) and X-02 (nothing in the future or after
the death)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.core.test_checks_support import TODAY, assert_names, record, run, subject
from tnt_desktop.study.model import Severity
from tnt_desktop.study.subject import PartialDate

pytestmark = pytest.mark.req("REQ-DQ-01")

CONSENT = date(2025, 2, 1)
RT_DAY1 = date(2025, 2, 20)
BEFORE = CONSENT - timedelta(days=3)


def ie(**values):
    return record("SE.SCR", "IE", RFICDAT=CONSENT, **values)


def rt():
    return record("SE.RT", "RT", RTSTDAT=RT_DAY1)


def test_x01_study_dates_before_consent_are_refused():
    ae = record("SE.LOG", "AE", rows={"AE": [{"AESPID": "1", "AESTDAT": BEFORE}]})
    findings = run("X-01", subject(ie(SCRDAT=BEFORE), ae))
    assert sorted((f.items[0], f.row) for f in findings) == [("AE.AE.AESTDAT", 0),
                                                             ("IE.SCRDAT", None)]
    for f in findings:
        assert f.severity is Severity.HARD
        assert_names(f, BEFORE, CONSENT)


def test_x01_history_and_standard_of_care_diagnostics_are_exempt():
    data = subject(
        ie(INC01MDT=BEFORE),
        record("SE.SCR", "DM", BRTHDAT=date(1970, 1, 1)),
        record("SE.SCR", "MH", UNPLDAT=date(2024, 11, 1), PRIORMALDAT=PartialDate(2021),
               rows={"MH": [{"MHSTDAT": PartialDate(2010, 4)}]}),
        record("SE.SCR", "TUBL", BXDAT=date(2025, 1, 10), IMGDAT=RT_DAY1 - timedelta(days=28),
               CHESTDAT=RT_DAY1 - timedelta(days=28)),
        record("SE.SCR", "LB", LBDAT=RT_DAY1 - timedelta(days=14)),
        record("SE.LOG", "CM", rows={"CM": [{"CMSTDAT": PartialDate(2020)}]}),
        rt(),
    )
    assert run("X-01", data) == []


def test_x01_pre_consent_diagnostics_outside_their_window_are_refused():
    old = RT_DAY1 - timedelta(days=29)
    [f] = run("X-01", subject(ie(), record("SE.SCR", "TUBL", IMGDAT=old), rt()))
    assert f.items == ("TUBL.IMGDAT", "IE.RFICDAT")
    assert_names(f, old, CONSENT)
    # lab results of a later event are never exempt
    [f] = run("X-01", subject(ie(), record("SE.C1", "LB", LBDAT=BEFORE), rt()))
    assert f.event == "SE.C1"


def test_x01_partial_dates_only_when_certainly_before_consent():
    death = record("SE.DTH", "DTH", DTHDAT=PartialDate(2025, 2))
    assert run("X-01", subject(ie(), death)) == []
    early = record("SE.DTH", "DTH", DTHDAT=PartialDate(2025, 1))
    assert len(run("X-01", subject(ie(), early))) == 1
    assert run("X-01", subject(record("SE.SCR", "IE", SCRDAT=BEFORE))) == []  # no consent date


def test_x02_no_date_in_the_future():
    tomorrow = TODAY + timedelta(days=1)
    fu = record("SE.FU", "FU", repeat=3, FUDAT=tomorrow)
    [f] = run("X-02", subject(fu), today=TODAY)
    assert (f.severity, f.items, f.repeat) == (Severity.HARD, ("FU.FUDAT",), 3)
    assert_names(f, tomorrow, TODAY)
    assert run("X-02", subject(fu), today=tomorrow) == []
    # a partial date is in the future only when all of it is
    assert run("X-02", subject(record("SE.DTH", "DTH", DTHDAT=PartialDate(TODAY.year))),
               today=TODAY) == []


def test_x02_no_date_after_death():
    death = date(2025, 9, 12)
    dth = record("SE.DTH", "DTH", DTHDAT=death)
    after = death + timedelta(days=2)
    ae = record("SE.LOG", "AE", rows={"AE": [
        {"AESPID": "1", "AEENDAT": death, "AESAEDAT": after},
        {"AESPID": "2", "AESTDAT": after},
    ]})
    [f] = run("X-02", subject(dth, ae))
    assert (f.items, f.row) == (("AE.AE.AESTDAT", "DTH.DTHDAT"), 1)
    assert_names(f, after, death)
    closing = record("SE.EOS", "EOS", EOSDAT=after, LASTCONT=death)
    assert run("X-02", subject(dth, closing)) == []
    told = record("SE.FU", "FU", FUDAT=after, SSSTAT="DEAD")
    assert run("X-02", subject(dth, told)) == []
    alive = record("SE.FU", "FU", FUDAT=after, SSSTAT="ALIVE")
    assert len(run("X-02", subject(dth, alive))) == 1
    partial = record("SE.DTH", "DTH", DTHDAT=PartialDate(2025, 9))
    assert run("X-02", subject(partial, alive)) == []
