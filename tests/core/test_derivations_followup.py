"""D-FU-FUMON, D-MSTS-MSTSVER, D-15, D-17 EOTDAT, D-18 OS / LC, D-19 study day."""

from datetime import date
from decimal import Decimal

import pytest

from tnt_desktop.study.derivations import derive_all, subject_level
from tnt_desktop.study.derivations.followup import (
    eot_date,
    impute_death_date,
    lc_times,
    months_between,
    msts_percent,
    msts_total,
    os_times,
    study_day,
    time_to_event,
)
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.subject import FormRecord, PartialDate, SubjectData

RT_START = date(2025, 3, 3)


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2025, 3, 3), 1), (date(2025, 3, 4), 2), (date(2025, 3, 2), -1),
     (date(2025, 2, 24), -7), (date(2025, 4, 2), 31)],
)  # fmt: skip
def test_study_day_has_no_day_zero(day, expected):
    assert study_day(day, RT_START) == expected


def test_msts():
    assert msts_total([5, 4, 3, 5, 5, 5]) == 27
    assert msts_percent(27) == Decimal("90.0")
    assert msts_percent(msts_total([5, 5, 5, 5, 5, 4])) == Decimal("96.7")  # 29/30 = 96.67
    assert msts_total([5, 4, None, 5, 5, 5]) is None
    assert msts_percent(None) is None


def test_months_between():
    surgery = date(2025, 6, 1)
    assert months_between(surgery, date(2025, 9, 1)) == Decimal("3.0")  # 92 / 30.4375 = 3.02
    assert months_between(surgery, date(2026, 6, 1)) == Decimal("12.0")  # 365 / 30.4375
    assert months_between(surgery, date(2025, 11, 15)) == Decimal("5.5")  # 167 / 30.4375 = 5.49


def test_death_date_imputation():
    assert impute_death_date(PartialDate(2026, 3), date(2026, 2, 10)) == date(2026, 3, 1)
    assert impute_death_date(PartialDate(2026, 3), date(2026, 3, 5)) == date(2026, 3, 6)
    assert impute_death_date(PartialDate(2026), None) == date(2026, 7, 1)
    assert impute_death_date(PartialDate(2026), date(2026, 8, 31)) == date(2026, 9, 1)
    assert impute_death_date(PartialDate(2026, 3, 14), date(2026, 3, 20)) == date(2026, 3, 14)
    assert impute_death_date(None, date(2026, 3, 20)) is None


def test_time_to_event_censoring():
    origin = date(2025, 6, 1)
    event = time_to_event(origin, date(2026, 3, 1), None, 24)
    assert (event.days, event.censored) == (273, 0)
    alive = time_to_event(origin, None, date(2026, 1, 1), 24)
    assert (alive.days, alive.censored) == (214, 1)
    horizon = time_to_event(origin, None, date(2028, 1, 1), 24)  # censored at 1 Jun 2027
    assert (horizon.end, horizon.days, horizon.censored) == (date(2027, 6, 1), 730, 1)
    # the exported day counts have no horizon (clarification 22): never capped at 730
    uncapped = time_to_event(origin, date(2027, 8, 1), None)
    assert (uncapped.days, uncapped.censored) == (791, 0)
    late = time_to_event(origin, date(2027, 8, 1), None, 24)  # event after the horizon
    assert (late.end, late.censored) == (date(2027, 6, 1), 1)
    cut = time_to_event(origin, date(2026, 3, 1), date(2026, 3, 1), 24, cutoff=date(2026, 1, 1))
    assert (cut.end, cut.censored) == (date(2026, 1, 1), 1)
    assert time_to_event(None, date(2026, 3, 1), None, 24) is None


def treated_subject() -> SubjectData:
    rt_rows = [{"FXGIVEN": "Y", "FXDAT": date(2025, 3, d), "FXDOSE": Decimal("5.00")}
               for d in range(3, 8)]
    return SubjectData("S", [
        FormRecord("SE.SCR", "DM", values={"ENRDAT": date(2025, 2, 20)}),
        FormRecord("SE.SCR", "TUBL", values={"TULIMB": "LOWER"}),
        FormRecord("SE.RT", "RT", rows={"FX": rt_rows}),
        FormRecord("SE.C1", "CT", values={"CYGIVEN": "Y", "CYD1DAT": date(2025, 3, 14)},
                   rows={"DOXADM": [{"EXSTDAT": date(2025, 3, 16), "EXDOSE": Decimal("45.0")}],
                         "IFOADM": [{"EXSTDAT": date(2025, 3, 17), "EXDOSE": Decimal("4.5")}]}),
        FormRecord("SE.SURG", "SURG", values={"SURGYN": "Y", "SURGDAT": date(2025, 6, 1)}),
        FormRecord("SE.FU", "FU", repeat=1, values={
            "FUDAT": date(2025, 9, 1), "FUMODE": "CLINIC_VISIT", "SSSTAT": "ALIVE",
            "LRYN": "N"}),
        FormRecord("SE.FU", "MSTS", repeat=1, values={
            "MSTSDAT": date(2025, 9, 1), **{f"MSTS{n}": 5 for n in range(1, 7)}}),
        FormRecord("SE.FU", "FU", repeat=2, values={
            "FUDAT": date(2025, 12, 1), "FUMODE": "TELEPHONE", "SSSTAT": "ALIVE",
            "LRYN": "Y", "LRDAT": date(2025, 11, 20)}),
        FormRecord("SE.EOS", "EOS", values={"LASTCONT": date(2026, 2, 10)}),
        FormRecord("SE.DTH", "DTH", values={"DTHDAT": PartialDate(2026, 3)}),
    ])


def test_eot_date():
    subject = treated_subject()
    assert eot_date(subject) == date(2025, 6, 1)  # surgery after RT end and CHEMOEND
    subject.form("SURG").values.update(SURGYN="N")
    del subject.form("SURG").values["SURGDAT"]
    assert eot_date(subject) == date(2025, 3, 17)  # CHEMOEND
    assert eot_date(SubjectData("S")) is None


def test_derive_all_follow_up_items():
    derived = derive_all(treated_subject(), P)
    assert [r.values["FUMON"] for r in derived.forms("FU")] == [Decimal("3.0"), Decimal("6.0")]
    msts = derived.form("MSTS").values
    assert (msts["MSTSVER"], msts["MSTSTOT"], msts["MSTSPCT"]) == ("LOWER", 30, Decimal("100.0"))
    assert derived.form("EOS").values["EOTDAT"] == date(2025, 6, 1)


def test_fumon_without_surgery_uses_eotdat():
    subject = treated_subject()
    subject.form("SURG").values.update(SURGYN="N")
    del subject.form("SURG").values["SURGDAT"]
    fu = derive_all(subject, P).forms("FU")[0].values  # 17 Mar → 1 Sep 2025: 168 days = 5.5
    assert fu["FUMON"] == Decimal("5.5")


def test_os_and_lc_times():
    subject = treated_subject()
    os_ = os_times(subject, P)
    # death 2026-03 imputed to 1 Mar 2026 (last known alive 10 Feb 2026)
    assert (os_["TC"].days, os_["TC"].censored) == (273, 0)  # from surgery 1 Jun 2025
    assert (os_["ENR"].days, os_["ENR"].censored) == (374, 0)  # from 20 Feb 2025
    lc = lc_times(subject, P)
    assert (lc["TC"].end, lc["TC"].days, lc["TC"].censored) == (date(2025, 11, 20), 172, 0)
    values = subject_level(subject, P)
    assert values["DTHDATIMP"] == date(2026, 3, 1)
    assert (values["OSTCDAYS"], values["OSTCCNSR"], values["LCENRCNSR"]) == (273, 0, 0)
    assert values["RFSTDAT"] == RT_START


def test_times_from_treatment_completion_wait_for_the_end_of_treatment():
    during = treated_subject()  # RT and chemotherapy given, surgery not yet documented
    during.records = [r for r in during.records if r.form not in ("SURG", "PATH", "DTH")]
    assert os_times(during, P)["TC"] is None and lc_times(during, P)["TC"] is None
    assert os_times(during, P)["ENR"] is not None  # from enrolment there is a time
    values = subject_level(during, P)
    assert values["OSTCDAYS"] is None and values["OSENRDAYS"] >= 0

    # an event or a censoring date before the origin gives no time, never a negative one
    assert time_to_event(date(2026, 1, 1), date(2025, 12, 1), None, 24) is None
    assert time_to_event(date(2026, 1, 1), None, date(2025, 12, 1), 24) is None


def test_lc_censored_at_last_primary_site_assessment():
    subject = treated_subject()
    subject.records = [r for r in subject.records if r.form not in ("DTH",)]
    fu2 = subject.forms("FU")[1].values
    fu2.update(LRYN="N", LOCIMGDAT=date(2025, 11, 25))
    del fu2["LRDAT"]
    lc = lc_times(subject, P)["TC"]
    assert (lc.end, lc.censored) == (date(2025, 11, 25), 1)
    os_ = os_times(subject, P)["TC"]
    assert (os_.end, os_.censored) == (date(2026, 2, 10), 1)  # LASTCONT


def test_r2_resection_is_a_local_failure_at_surgery():
    subject = treated_subject()
    subject.add(FormRecord("SE.PATH", "PATH", values={"RSTAT": "R2"}))
    lc = lc_times(subject, P)["TC"]
    assert (lc.end, lc.days, lc.censored) == (date(2025, 6, 1), 0, 0)


def test_day_counts_are_not_capped_and_the_cutoff_censors():
    """Clarifications 21–23: a death after 24 months is an event with its full day count; the
    data cut-off censors everything after it; OS from enrolment exists for every enrolled
    subject, the times from treatment completion only for the treated."""
    subject = treated_subject()
    dth = subject.form("DTH")
    dth.values["DTHDAT"] = date(2027, 9, 1)  # > 24 months after surgery on 1 Jun 2025
    values = subject_level(subject, P)
    full = (date(2027, 9, 1) - date(2025, 6, 1)).days
    assert (values["OSTCDAYS"], values["OSTCCNSR"]) == (full, 0)
    cut = subject_level(subject, P, cutoff=date(2026, 1, 1))
    assert (cut["OSTCDAYS"], cut["OSTCCNSR"]) == ((date(2026, 1, 1) - date(2025, 6, 1)).days, 1)
    assert cut["LASTALIVE"] <= date(2026, 1, 1)
    untreated = treated_subject()
    untreated.records = [r for r in untreated.records if r.form not in ("RT", "SURG", "PATH")]
    values = subject_level(untreated, P)
    assert values["OSENRDAYS"] is not None
    assert values["OSTCDAYS"] is None and values["LCENRDAYS"] is None
