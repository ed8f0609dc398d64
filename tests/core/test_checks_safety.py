"""Safety, follow-up and disposition checks X-40 … X-46."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.core.test_checks_support import assert_names, record, run, subject
from tnt_desktop.study.model import Severity
from tnt_desktop.study.subject import PartialDate

pytestmark = pytest.mark.req("REQ-DQ-01")

DEATH = date(2025, 9, 12)


def ae(*rows):
    return record("SE.LOG", "AE", rows={"AE": [dict(r) for r in rows]})


def dth(**values):
    values.setdefault("DTHDAT", DEATH)
    return record("SE.DTH", "DTH", **values)


FATAL = {"AESPID": "7", "AETOXGR": "5", "AEOUT": "FATAL", "AESER": "Y", "AESDTH": "Y",
         "AEENDAT": DEATH}


# --- X-40 ---------------------------------------------------------------------------------------


def test_x40_consistent_fatal_ae_with_death_form_is_silent():
    assert run("X-40", subject(ae(FATAL), dth())) == []
    assert run("X-40", subject(ae(FATAL), dth(DTHDAT=PartialDate(2025, 9)))) == []


@pytest.mark.parametrize(
    "changes",
    [{"AEOUT": "RECOVERED"}, {"AESDTH": "N"}, {"AETOXGR": "4"},
     {"AETOXGR": "5", "AEOUT": "FATAL", "AESER": "N", "AESDTH": None}],
)
def test_x40_grade_5_outcome_and_death_criterion_must_agree(changes):
    row = {**FATAL, **changes}
    row = {k: v for k, v in row.items() if v is not None}
    findings = [f for f in run("X-40", subject(ae(row), dth())) if "disagree" in f.message.en]
    [f] = findings
    assert f.severity is Severity.HARD and (f.event, f.row) == ("SE.LOG", 0)
    assert_names(f, "7", row["AETOXGR"], row["AEOUT"])


def test_x40_fatal_ae_needs_a_death_form_on_its_end_date():
    [f] = run("X-40", subject(ae(FATAL)))
    assert f.severity is Severity.SOFT and "DTH.DTHDAT" in f.items
    [f] = run("X-40", subject(ae(FATAL), dth(DTHDAT=date(2025, 9, 13))))
    assert f.severity is Severity.HARD
    assert_names(f, DEATH, "2025-09-13")


def test_x40_toxic_death_needs_a_linked_grade_5_ae():
    [f] = run("X-40", subject(ae(FATAL), dth(DTHCAUS="TREATMENT_TOXICITY")))
    assert f.items == ("DTH.DTHCAUS", "DTH.DTHAESPID")
    assert run("X-40", subject(ae(FATAL), dth(DTHCAUS="TREATMENT_TOXICITY",
                                              DTHAESPID="7"))) == []
    [f] = run("X-40", subject(ae(FATAL), dth(DTHCAUS="SURGICAL_COMPLICATION", DTHAESPID="8")))
    assert_names(f, "8", "SURGICAL_COMPLICATION")
    assert run("X-40", subject(dth(DTHCAUS="STS_PROGRESSION"))) == []


# --- X-41 ---------------------------------------------------------------------------------------


def test_x41_sae_report_date_and_end_after_onset():
    [f] = run("X-41", subject(ae({"AESPID": "2", "AESER": "Y"})))
    assert f.items == ("AE.AE.AESAEDAT",) and f.severity is Severity.HARD
    row = {"AESPID": "2", "AESER": "N", "AESTDAT": date(2025, 5, 2), "AEENDAT": date(2025, 5, 1)}
    [f] = run("X-41", subject(ae(row)))
    assert_names(f, "2025-05-01", "2025-05-02")
    assert run("X-41", subject(ae({"AESPID": "2", "AESER": "Y",
                                   "AESAEDAT": date(2025, 5, 2)}))) == []


# --- X-42 ---------------------------------------------------------------------------------------


def test_x42_late_toxicity_needs_a_late_rt_ae():
    ltox = record("SE.FU", "LTOX", repeat=2, LTFIB=2, LTJOINT=0)
    [f] = run("X-42", subject(ltox))
    assert f.severity is Severity.CROSS and f.repeat == 2
    assert_names(f, "2", "LATE_RT")
    assert run("X-42", subject(ltox, ae({"AECAT": "LATE_RT", "AETOXGR": "2"}))) == []
    assert len(run("X-42", subject(ltox, ae({"AECAT": "LATE_RT", "AETOXGR": "1"})))) == 1
    assert len(run("X-42", subject(ltox, ae({"AECAT": "RT_ACUTE", "AETOXGR": "2"})))) == 1


# --- X-43 ---------------------------------------------------------------------------------------


def test_x43_recurrence_and_metastasis_dates():
    surg = record("SE.SURG", "SURG", SURGYN="Y", SURGDAT=date(2025, 6, 1))
    fu = record("SE.FU", "FU", repeat=1, FUDAT=date(2025, 9, 1), LRYN="Y",
                LRDAT=date(2025, 5, 20))
    [f] = run("X-43", subject(surg, fu))
    assert f.severity is Severity.HARD and f.items == ("FU.LRDAT", "SURG.SURGDAT")
    assert_names(f, "2025-05-20", "2025-06-01")
    fine = record("SE.FU", "FU", repeat=1, FUDAT=date(2025, 9, 1), LRYN="Y",
                  LRDAT=date(2025, 8, 20))
    assert run("X-43", subject(surg, fine)) == []
    [f] = run("X-43", subject(surg, record("SE.FU", "FU", FUDAT=date(2025, 9, 1), DMYN="Y")))
    assert f.items == ("FU.DMDAT",)
    late = record("SE.FU", "FU", FUDAT=date(2025, 9, 1), DMYN="Y", DMDAT=date(2025, 9, 2))
    [f] = run("X-43", subject(surg, late))
    assert_names(f, "2025-09-02", "2025-09-01")


# --- X-44 ---------------------------------------------------------------------------------------


def test_x44_dead_needs_death_form_and_no_alive_visit_after_death():
    dead = record("SE.FU", "FU", repeat=2, FUDAT=date(2025, 9, 20), SSSTAT="DEAD")
    [f] = run("X-44", subject(dead))
    assert f.severity is Severity.HARD and f.repeat == 2
    assert_names(f, "DEAD", "2025-09-20")
    assert run("X-44", subject(dead, dth())) == []
    alive = record("SE.FU", "FU", repeat=3, FUDAT=date(2025, 10, 1), SSSTAT="ALIVE")
    [f] = run("X-44", subject(alive, dth()))
    assert_names(f, "2025-10-01", DEATH)
    before = record("SE.FU", "FU", repeat=1, FUDAT=date(2025, 9, 1), SSSTAT="ALIVE")
    assert run("X-44", subject(before, dth())) == []
    # a partial date of death: only a visit certainly after it is refused
    assert run("X-44", subject(record("SE.FU", "FU", FUDAT=date(2025, 9, 25), SSSTAT="ALIVE"),
                               dth(DTHDAT=PartialDate(2025, 9)))) == []


# --- X-45 ---------------------------------------------------------------------------------------


def test_x45_end_of_study_reasons_and_last_contact():
    surgdat = date(2025, 6, 1)
    surg = record("SE.SURG", "SURG", SURGYN="Y", SURGDAT=surgdat)
    eos = record("SE.EOS", "EOS", EOSSTAT="COMPLETED_24M_FU", LASTCONT=date(2027, 6, 1))
    fu24 = record("SE.FU", "FU", repeat=8, FUDAT=date(2027, 5, 25), SSSTAT="ALIVE")
    assert run("X-45", subject(surg, eos, fu24)) == []
    fu21 = record("SE.FU", "FU", repeat=7, FUDAT=date(2027, 3, 1), SSSTAT="ALIVE")
    [f] = run("X-45", subject(surg, eos, fu21))
    assert f.severity is Severity.HARD
    assert_names(f, "COMPLETED_24M_FU", 24)
    [f] = run("X-45", subject(record("SE.EOS", "EOS", EOSSTAT="DEATH")))
    assert_names(f, "DEATH")
    early = record("SE.EOS", "EOS", EOSSTAT="LOST_TO_FOLLOW_UP", LASTCONT=date(2027, 5, 1))
    [f] = run("X-45", subject(surg, early, fu24))
    assert_names(f, "2027-05-01", "2027-05-25")


# --- X-46 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("weight", "fires"), [("66.0", True), ("65.9", False), ("54.0", True),
                                               ("54.1", False)])
def test_x46_weight_change_from_baseline(weight, fires):
    dm = record("SE.SCR", "DM", WEIGHT=Decimal("60.0"), BSA=Decimal("1.70"))
    ct = record("SE.C2", "CT", CYGIVEN="Y", CYWEIGHT=Decimal(weight), CYBSA=Decimal("1.78"))
    findings = run("X-46", subject(dm, ct))
    assert bool(findings) is fires
    for f in findings:
        assert f.severity is Severity.SOFT and f.event == "SE.C2"
        assert_names(f, weight, "60.0", "10", "1.78", "1.70")
