"""Derivations refuse out-of-range inputs (issue 13): a value that fails its range check yields
no derived value, and a finding on the derived item says why, until the input is corrected or
(soft range) its finding is confirmed. One guard for every derivation (derive_all), not per
item: BSA and BMI on F02, the dosing BSA and the doses of a CT cycle that read it, and in the
services' preview and save."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.core.conftest import enrol_one
from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.form_entries import FormEntry, OverrideRequired, ValidationFailed
from tnt_desktop.services.form_entry import preview_form, save_form
from tnt_desktop.study.derivations import DERIVE_RANGE, derive_all
from tnt_desktop.study.model import Severity
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.subject import FormRecord, SubjectData

D = Decimal
SOFT_WEIGHT = "SOFT-RANGE|SE.SCR#1|DM.WEIGHT|"


def subject(height: str = "170.0", weight: str = "70.0", cycle_weight: str = "70.0"):
    day = date(2025, 3, 10)
    return SubjectData("S", [
        FormRecord("SE.SCR", "DM", values={"HEIGHT": D(height), "WEIGHT": D(weight)}),
        FormRecord("SE.C1", "CT", values={"CYGIVEN": "Y", "CYD1DAT": day,
                                          "CYWEIGHT": D(cycle_weight), "DOXRED": "N",
                                          "IFORED": "N"},
                   rows={"DOXADM": [{"EXSTDAT": day, "EXDOSE": D("45.5")}],
                         "IFOADM": [{"EXSTDAT": day, "EXDOSE": D("4.55")}]}),
    ])  # fmt: skip


def values(result: SubjectData, form: str) -> dict:
    return result.form(form).values


def test_in_range_inputs_derive_as_before():
    notes = []
    result = derive_all(subject(), P, notes=notes)
    assert (values(result, "DM")["BSA"], values(result, "DM")["BMI"]) == (D("1.82"), D("24.2"))
    assert values(result, "CT")["CYBSA"] == D("1.82") and notes == []


def test_a_hard_out_of_range_input_yields_no_derived_value_and_says_why():
    notes = []
    result = derive_all(subject(weight="500.0"), P, notes=notes)
    dm = values(result, "DM")
    assert "BSA" not in dm and "BMI" not in dm  # not 4.89 and 169
    about = {n.items[0]: n for n in notes if n.check_id == DERIVE_RANGE}
    assert {"DM.BSA", "DM.BMI"} <= set(about)
    bsa = about["DM.BSA"]
    assert bsa.severity is Severity.HARD and (bsa.event, bsa.repeat) == ("SE.SCR", 1)
    assert "500" in bsa.message.en and "25–250" in bsa.message.en and bsa.message.zh
    # the cycle does not read DM.WEIGHT: its BSA stands
    assert values(result, "CT")["CYBSA"] == D("1.82")


def test_a_blocked_derived_value_blocks_what_is_derived_from_it():
    """Height 300 cm: no dosing BSA for the cycle, so no dose per m² either — said on each."""
    notes = []
    result = derive_all(subject(height="300.0"), P, notes=notes)
    ct = values(result, "CT")
    assert "CYBSA" not in ct and "DOXACTM2" not in ct and "DOXPLMG" not in ct
    refs = {n.items[0] for n in notes}
    assert {"CT.CYBSA", "CT.DOXACTM2"} <= refs
    assert all("300" in n.message.en for n in notes)


def test_soft_values_count_as_confirmed_unless_named_unconfirmed():
    stored = derive_all(subject(weight="160.0"), P)  # saved data: confirmed when saved
    assert values(stored, "DM")["BSA"] == D("2.75")
    notes = []
    where = ("SE.SCR", 1, "DM", None, None, "WEIGHT")
    preview = derive_all(subject(weight="160.0"), P, unconfirmed=[where], notes=notes)
    assert "BSA" not in values(preview, "DM")
    assert {n.severity for n in notes} == {Severity.SOFT}
    assert "not confirmed" in notes[0].message.en


def test_the_input_is_never_modified():
    data = subject(weight="500.0")
    derive_all(data, P, notes=[])
    assert values(data, "DM") == {"HEIGHT": D("170.0"), "WEIGHT": D("500.0")}


# ---- through the services -------------------------------------------------------------------
@pytest.fixture
def enrolled(coordinator) -> str:
    return enrol_one(coordinator)


def _bsa(preview) -> object:
    return preview.record.values.get("BSA")


def test_preview_and_save_refuse_to_derive_from_500_kg(coordinator, enrolled):
    entry = FormEntry(enrolled, "SE.SCR", "DM", values={"WEIGHT": "500"},
                      reason="TRANSCRIPTION_ERROR")  # fmt: skip
    preview = preview_form(coordinator, entry)
    assert _bsa(preview) is None and preview.record.values.get("BMI") is None
    notes = [f for f in preview.findings if f.check_id == DERIVE_RANGE]
    assert {f.items[0] for f in notes} >= {"DM.BSA", "DM.BMI"}
    with pytest.raises(ValidationFailed) as info:
        save_form(coordinator, entry)
    assert {f.check_id for f in info.value.findings} >= {"RANGE", DERIVE_RANGE}


def test_a_soft_value_derives_once_confirmed(coordinator, enrolled):
    """160 kg is outside the expected 40–150 kg: on a form in progress it is saved and asks
    nothing yet (issue 16) — and nothing is derived from it, saying why, until the form is
    completed and the weight confirmed."""
    entry = FormEntry(enrolled, "SE.SCR", "DM", values={"WEIGHT": "160"},
                      reason="TRANSCRIPTION_ERROR")  # fmt: skip
    preview = preview_form(coordinator, entry)
    assert _bsa(preview) is None
    notes = [f for f in preview.findings if f.check_id == DERIVE_RANGE]
    assert {f.items[0] for f in notes} >= {"DM.BSA", "DM.BMI"}
    assert {f.severity for f in notes} == {Severity.SOFT}
    result = save_form(coordinator, entry)  # in progress: saved, not confirmed
    assert {f.items[0] for f in result.findings if f.check_id == DERIVE_RANGE} >= {
        "DM.BSA", "DM.BMI"}
    stored = preview_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM"))
    assert _bsa(stored) is None and stored.record.values.get("BMI") is None
    with coordinator.transaction(write=False) as session:
        loaded = load_subject(session, coordinator.study, find_subject(session, enrolled))
        dm = loaded.form("SE.SCR", 1, "DM")
        assert dm.stored[("", 0, "BSA")].value is None  # the stored 1.82 was cleared

    complete = FormEntry(enrolled, "SE.SCR", "DM", complete=True)
    with pytest.raises(OverrideRequired) as info:
        save_form(coordinator, complete)
    assert [key for key, _f in info.value.findings] == [SOFT_WEIGHT]  # no question about BSA
    complete.overrides[SOFT_WEIGHT] = "weighed twice on the ward scale"
    assert _bsa(preview_form(coordinator, complete)) == D("2.75")  # confirmed in the entry
    result = save_form(coordinator, complete)
    assert result.derived_changed >= 2
    again = preview_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM"))
    assert _bsa(again) == D("2.75")
    assert not [f for f in again.findings if f.check_id == DERIVE_RANGE]


def test_an_unconfirmed_soft_value_on_another_form_holds_back_what_is_derived_from_it(
        coordinator, enrolled):  # fmt: skip
    """DM.HEIGHT 205 (expected 140–200), saved in progress: the CT cycle's dosing BSA, which
    reads it, is not derived either — a preview of the cycle says why."""
    save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values={"HEIGHT": "205"},
                                     reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    cycle = FormEntry(enrolled, "SE.C1", "CT", values={"CYGIVEN": "Y", "CYWEIGHT": "70.0",
                                                       "CYD1DAT": "2025-03-10"})  # fmt: skip
    preview = preview_form(coordinator, cycle)
    assert preview.record.values.get("CYBSA") is None
    notes = [f for f in preview.findings if f.check_id == DERIVE_RANGE]
    assert "CT.CYBSA" in {f.items[0] for f in notes}
    assert any("205" in f.message.en and "not confirmed" in f.message.en for f in notes)
