"""Derivations refuse out-of-range inputs, on screen (issue 13): while F02 holds a weight of
500 kg, BSA and BMI stay empty and say why under their fields; corrected, they come back."""

from __future__ import annotations

import pytest

from tests.core.conftest import DM_VALUES, enrol_one
from tests.gui.test_form_view import fill, open_form


@pytest.fixture
def coordinator(trial):
    return trial.user("coordinator")


def test_bsa_and_bmi_say_why_they_are_not_derived(qtbot, coordinator, context_for):
    subject_id = enrol_one(coordinator, with_dm=False)
    view = open_form(qtbot, context_for(coordinator), subject_id, "SE.SCR", "DM")
    fill(qtbot, view, {**DM_VALUES, "WEIGHT": "500.0"})
    view.refresh_preview()
    assert "outside the allowed range" in view.message_text("WEIGHT")
    for name in ("BSA", "BMI"):
        assert view.field(name).value_text() == ""
        assert "not derived" in view.message_text(name) and "500" in view.message_text(name)
    fill(qtbot, view, {"WEIGHT": "70.0"})
    view.refresh_preview()
    assert view.field("BSA").value_text() == "1.82" and view.message_text("BSA") == ""
    assert view.field("BMI").value_text() == "24.2"
