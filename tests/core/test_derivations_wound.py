"""D-WND-WNDPOD and D-14 wound complications (row and subject level)."""

from datetime import date, timedelta

import pytest

from tnt_desktop.study.derivations import derive_all, subject_level
from tnt_desktop.study.derivations.wound import MwcSummary, is_major, major_within, mwc_summary
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.subject import FormRecord, SubjectData

SURGERY = date(2025, 6, 1)


def day(pod: int) -> date:
    return SURGERY + timedelta(days=pod)


def wc(pod: int, major: bool = True, **extra) -> dict:
    flags = {name: "N" for name in ("WCREOP", "WCINVPR", "WCREADM", "WCPACK")}
    if major:
        flags["WCINVPR"] = "Y"  # e.g. seroma aspiration
    return {"WCTYPE": "SEROMA", "WCSTDAT": day(pod), **flags, **extra}


def subject(rows: list[dict], checks: tuple[int, ...] = (14, 30, 60, 90, 120)) -> SubjectData:
    records = [FormRecord("SE.SURG", "SURG", values={"SURGYN": "Y", "SURGDAT": SURGERY})]
    for repeat, pod in enumerate(checks, start=1):
        records.append(FormRecord("SE.WND", "WND", repeat=repeat,
                                  values={"WNDDAT": day(pod)},
                                  rows={"WC": rows if repeat == 1 else []}))
    return SubjectData("S", records)


@pytest.mark.parametrize(
    ("pod", "maj90", "maj120"),
    [(90, "Y", "Y"), (91, "N", "Y"), (120, "N", "Y"), (121, "N", "N")],
)
def test_mwc_flags_by_onset_day(pod, maj90, maj120):
    data = subject([wc(pod)])
    row = derive_all(data, P).form("WND").rows["WC"][0]
    assert (row["WCPOD"], row["WCMAJ90"], row["WCMAJ120"]) == (pod, maj90, maj120)
    summary = mwc_summary(data, P)
    assert (summary.mwc90, summary.mwc120) == (maj90, maj120)
    assert summary.any_wc90 == ("Y" if pod <= 90 else "N")
    assert summary.first_mwc == (day(pod) if maj120 == "Y" else None)
    assert summary.evaluable == "Y" and summary.incomplete_followup == "N"


def test_minor_complication_counts_for_anywc90_only():
    summary = mwc_summary(subject([wc(30, major=False)]), P)
    assert (summary.any_wc90, summary.mwc90, summary.mwc120) == ("Y", "N", "N")


def test_first_mwc_date_and_packing_duration():
    rows = [wc(100), wc(40, WCPACK="Y", WCPACKSTDAT=day(40), WCPACKENDAT=day(75))]
    data = subject(rows)
    derived = derive_all(data, P).form("WND").rows["WC"]
    assert derived[1]["WCPACKDUR"] == 35
    assert "WCPACKDUR" not in derived[0]
    assert mwc_summary(data, P).first_mwc == day(40)


def test_no_surgery_is_not_evaluable():
    data = SubjectData("S", [FormRecord("SE.SURG", "SURG", values={"SURGYN": "N"})])
    assert mwc_summary(data, P) == MwcSummary(evaluable="N")


@pytest.mark.parametrize("eos", [
    {"EOSDAT": date(2026, 1, 5), "EOSSTAT": "CONSENT_WITHDRAWN"},
    {"EOSSTAT": "DEATH"},
    {"EOTSTAT": "CONSENT_WITHDRAWN"},
])  # fmt: skip
def test_no_surgery_date_at_end_of_study_or_withdrawal_is_not_evaluable(eos):
    """Clarification 19: WCEVAL = N for every subject with no SURGDAT at end of study."""
    ended = SubjectData("S", [FormRecord("SE.EOS", "EOS", values=dict(eos))])
    assert mwc_summary(ended, P) == MwcSummary(evaluable="N")
    assert subject_level(ended, P)["WCEVAL"] == "N"
    surgery_pending = SubjectData("S", [FormRecord("SE.SURG", "SURG", values={"SURGYN": "Y"})])
    assert mwc_summary(surgery_pending, P) == MwcSummary()  # still on study: not decided yet
    assert mwc_summary(SubjectData("S", []), P) == MwcSummary()


def test_incomplete_follow_up():
    short = subject([], checks=(14, 40))  # last observed on day 40, no complication
    assert mwc_summary(short, P).incomplete_followup == "Y"
    # clarification 22: not evaluable is not "no" — empty, with its reason
    assert mwc_summary(short, P).mwc90 is None
    assert mwc_summary(short, P).reasons() == {"MWC90": "NOT EVALUABLE",
                                               "MWC120": "NOT EVALUABLE"}
    died = subject([wc(20)], checks=(14,))  # an MWC on day 20: MWC90 known
    assert mwc_summary(died, P).incomplete_followup == "N"


def test_unanswered_criteria():
    row = {"WCSTDAT": day(30), "WCREOP": "N"}
    assert is_major(row) is None
    assert major_within(None, 150, 120) is False  # too late to count whatever the answers
    summary = mwc_summary(subject([row]), P)
    assert (summary.any_wc90, summary.mwc90) == ("Y", None)


def test_wndpod_and_subject_level():
    data = subject([wc(60)])
    assert [r.values["WNDPOD"] for r in derive_all(data, P).forms("WND")] == [14, 30, 60, 90, 120]
    values = subject_level(data, P)
    assert (values["WCEVAL"], values["ANYWC90"], values["MWC90"], values["MWC120"]) == (
        "Y", "Y", "Y", "Y")
    assert values["MWCDAT"] == day(60)


def test_the_cutoff_decides_evaluability():
    """Clarification 22/23: operated fewer than 90 (120) days before the cut-off and no MWC in
    the window → empty and NOT EVALUABLE; an MWC that occurred stays Y; onsets after the
    cut-off do not count."""
    none = subject([])  # checks up to day 120, no complication
    assert (mwc_summary(none, P).mwc90, mwc_summary(none, P).mwc120) == ("N", "N")
    at100 = mwc_summary(none, P, cutoff=day(100))
    assert (at100.mwc90, at100.mwc120) == ("N", None)
    assert at100.reasons() == {"MWC120": "NOT EVALUABLE"}
    at60 = mwc_summary(none, P, cutoff=day(60))
    assert (at60.mwc90, at60.mwc120, at60.incomplete_followup) == (None, None, "Y")
    early = subject([wc(20)])
    at30 = mwc_summary(early, P, cutoff=day(30))
    assert (at30.mwc90, at30.mwc120, at30.reasons()) == ("Y", "Y", {})
    after = mwc_summary(subject([wc(50)]), P, cutoff=day(40))  # onset after the cut-off
    assert (after.mwc90, after.first_mwc) == (None, None)
    values = subject_level(none, P, cutoff=day(100))
    assert (values["MWC90"], values["MWC120"]) == ("N", None)
