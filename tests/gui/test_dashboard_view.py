"""The dashboard shows what the Dashboard service says; its charts paint; a double-click on a
visit or a problem form opens the subject."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from tests.core.conftest import enrol_one, screen_eligible
from tnt_desktop.gui.dashboard_charts import EnrolmentChart, StageChart, nice_step
from tnt_desktop.gui.dashboard_view import DashboardView
from tnt_desktop.gui.subject_table import KEY_ROLE
from tnt_desktop.services import subjects
from tnt_desktop.services.dashboard import MonthCount, dashboard
from tnt_desktop.services.form_entries import FormEntry, OverrideRequired
from tnt_desktop.services.form_entry import save_form

TODAY = date(2025, 3, 1)



@pytest.fixture
def coordinator(trial):
    return trial.user("coordinator")


def make_view(qtbot, context) -> DashboardView:
    context.today = lambda: TODAY
    view = DashboardView(context)
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=15000):
        view.refresh()
    return view


def column(model, col: int) -> list[str]:
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_numbers_match_the_dashboard_service(qtbot, coordinator, context_for):
    first = enrol_one(coordinator)
    enrol_one(coordinator)
    subjects.screen_subject(coordinator)
    failed = screen_eligible(coordinator, INC02="N")
    subjects.screen_fail(coordinator, failed, "INCL_NOT_MET")
    # an unusual height, confirmed with a reason, leaves a form with warnings
    entry = FormEntry(first, "SE.SCR", "DM", values={"HEIGHT": "205.0"},
                      reason="SOURCE_CORRECTED", complete=True)  # asked on completion
    with pytest.raises(OverrideRequired) as asked:
        save_form(coordinator, entry, today=TODAY)
    entry.overrides = {key: "Checked against the source" for key, _f in asked.value.findings}
    save_form(coordinator, entry, today=TODAY)
    view = make_view(qtbot, context_for(coordinator))
    board = dashboard(coordinator, TODAY)
    numbers = view.numbers()
    assert numbers["screened"] == str(board.screened) == "4"
    assert numbers["enrolled"].startswith(f"{board.enrolled} of {board.target}")
    assert board.target == 51 and "2 of 51 (4%)" == numbers["enrolled"]
    assert numbers["backup"] == "never" and numbers["export"] == "never"

    alerts = list(board.overdue) + list(board.due_soon)
    assert view.visits_model.rowCount() == len(alerts) > 0
    assert column(view.visits_model, 0) == [a.subject_key for a in alerts]
    overdue = len(board.overdue)
    assert column(view.visits_model, 3)[:overdue] == ["Overdue"] * overdue
    assert view.problems_model.rowCount() == len(board.problem_forms) == 1
    assert [view.problems_model.index(0, c).data() for c in range(4)] == [
        first, "Warnings", "Screening", board.problem_forms[0].form_label.en]
    assert view.enrolment_chart.months == board.enrolment_by_month
    assert view.enrolment_chart.target == 51
    bars = {stage: count for stage, _label, count in view.stage_chart.bars}
    assert bars == board.by_stage
    assert bars["ENROLLED"] + bars["ON_RT"] == 2 and bars["SCREEN_FAILED"] == 1
    labels = [label for _s, label, _c in view.stage_chart.bars]
    assert "Screen failed" in labels and "On radiotherapy" in labels


def test_charts_paint_without_error(qtbot, coordinator, context_for):
    enrol_one(coordinator)
    view = make_view(qtbot, context_for(coordinator))
    for widget in (view.enrolment_chart, view.stage_chart, view):
        image = widget.grab().toImage()
        assert not image.isNull() and image.width() > 100
    # painted pixels: the chart is not blank
    image = view.enrolment_chart.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}  # fmt: skip
    assert len(colours) > 3


def test_charts_paint_empty_and_crowded(qtbot):
    chart = EnrolmentChart()
    qtbot.addWidget(chart)
    chart.resize(400, 240)
    chart.set_data([], 51)
    assert not chart.grab().toImage().isNull()
    months, total = [], 0
    for i in range(40):  # 40 months: labels are thinned, nothing overlaps or fails
        total += i % 3
        months.append(MonthCount(f"{2023 + i // 12:04d}-{i % 12 + 1:02d}", i % 3, total))
    chart.set_data(months, 51)
    assert not chart.grab().toImage().isNull()
    stages = StageChart()
    qtbot.addWidget(stages)
    stages.resize(200, 120)  # smaller than the rows want
    stages.set_data([("SCREENING", "Screening", 0), ("ENROLLED", "A very long stage label", 7)])
    assert not stages.grab().toImage().isNull()
    assert [nice_step(v) for v in (5, 51, 60, 120, 1000)] == [1, 20, 20, 50, 200]


def test_double_click_on_a_visit_opens_the_subject(qtbot, coordinator, context_for):
    subject_id = enrol_one(coordinator)
    view = make_view(qtbot, context_for(coordinator))
    table = view.visits_table
    row = column(view.visits_model, 0).index(subject_id)
    index = view.visits_model.index(row, 1)
    assert index.data(KEY_ROLE) == subject_id
    rect = table.visualRect(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(view.subjectActivated) as blocker:
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [subject_id]
    table.setFocus()
    with qtbot.waitSignal(view.subjectActivated) as blocker:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert blocker.args == [subject_id]
