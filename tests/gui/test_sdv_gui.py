"""Source data verification in the GUI (issue 6): the monitor ticks an item in the form view
(read back through services.sdv), unticking asks for a reason, a changed value shows its mark as
stale, critical items carry the 100 % SDV marker for everyone, the tick is not offered to the
site, and the casebook and dashboard show the critical-item progress."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from tests.core.conftest import enrol_one
from tests.gui.test_form_view import open_form
from tnt_desktop.gui.workflow_actions import ReasonDialog
from tnt_desktop.services import sdv
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form


@pytest.fixture
def team(trial):
    return {role: trial.user(role) for role in ("coordinator", "monitor")}


@pytest.fixture
def subject(team) -> str:
    return enrol_one(team["coordinator"])


def states(app, subject: str, form: str) -> dict[str, tuple[bool, bool]]:
    return {s.item_name: (s.verified, s.stale)
            for s in sdv.form_sdv(app, subject, "SE.SCR", 1, form)}  # fmt: skip


@pytest.mark.req("REQ-DQ-03")
def test_monitor_ticks_and_unticks_an_item_and_sees_a_stale_mark(
        qtbot, team, subject, context_for, monkeypatch):  # fmt: skip
    monitor = team["monitor"]
    view = open_form(qtbot, context_for(monitor), subject, "SE.SCR", "DM")
    tick = view.review.marks["WEIGHT"].tick
    assert tick.isVisibleTo(view) and tick.isEnabled() and not tick.isChecked()
    tick.click()
    assert states(monitor, subject, "DM")["WEIGHT"] == (True, False)
    assert view.review.marks["WEIGHT"].tick.isChecked()
    assert "critical 0 / 0 · all items 1 / " in view.review.sdv_line.text()

    # the site changes the value: the mark is shown as stale, no longer verified
    save_form(team["coordinator"], FormEntry(subject, "SE.SCR", "DM", values={"WEIGHT": "72.0"},
                                             reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    view.reload()
    marks = view.review.marks["WEIGHT"]
    assert marks.stale and not marks.tick.isChecked() and marks.tick.text() == "SDV: changed"
    assert "1 mark(s) stale" in view.review.sdv_line.text()
    marks.tick.click()  # verified again
    assert states(monitor, subject, "DM")["WEIGHT"] == (True, False)

    # unticking needs a reason; cancelling keeps the mark
    monkeypatch.setattr(ReasonDialog, "exec", lambda d: int(QDialog.DialogCode.Rejected))
    view.review.marks["WEIGHT"].tick.click()
    assert states(monitor, subject, "DM")["WEIGHT"] == (True, False)
    assert view.review.marks["WEIGHT"].tick.isChecked()

    def give_reason(dialog: ReasonDialog) -> int:
        dialog.set_reason("ticked the wrong item")
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(ReasonDialog, "exec", give_reason)
    view.review.marks["WEIGHT"].tick.click()
    assert states(monitor, subject, "DM")["WEIGHT"] == (False, False)
    assert not view.review.marks["WEIGHT"].tick.isChecked()


@pytest.mark.req("REQ-DQ-03")
def test_critical_items_are_marked_and_the_site_has_no_tick(qtbot, team, subject, context_for):
    site = open_form(qtbot, context_for(team["coordinator"]), subject, "SE.SCR", "IE")
    marks = site.review.marks
    assert marks["RFICDAT"].critical.isVisibleTo(site)  # eligibility: 100 % SDV
    assert marks["RFICDAT"].critical.text() == "◆"
    assert "ICPIPL" not in marks or not marks["ICPIPL"].critical.isVisibleTo(site)  # not in
    # the plan: the site gets no strip there unless a query concerns the item
    assert all(m.tick is None for m in marks.values())  # the site never ticks

    view = open_form(qtbot, context_for(team["monitor"]), subject, "SE.SCR", "IE")
    view.review.marks["RFICDAT"].tick.click()
    progress = sdv.sdv_progress(team["monitor"], subject)
    assert progress.critical_verified == 1 and progress.critical_total > 1
    assert f"critical 1 / {progress.critical_total}" in view.review.sdv_line.text()


@pytest.mark.req("REQ-DQ-03")
def test_casebook_and_dashboard_show_the_critical_progress(qtbot, team, subject, context_for):
    from tests.gui.test_casebook_view import make_view as make_casebook
    from tests.gui.test_dashboard_view import make_view as make_dashboard

    monitor = team["monitor"]
    sdv.mark_sdv(monitor, subject, "SE.SCR", 1, "IE", [("", 0, "RFICDAT"), ("", 0, "SCRDAT")])
    progress = sdv.sdv_progress(monitor, subject)
    casebook = make_casebook(qtbot, context_for(monitor), subject)
    assert f"critical items 2 / {progress.critical_total}" in (
        casebook.review.progress_label.text())  # fmt: skip
    board = make_dashboard(qtbot, context_for(monitor))
    assert board.numbers()["sdv"] == f"2 / {progress.critical_total}"
