"""The subject list: rows read off the GUI thread, search and filters, Enter opens a subject, and
5,000 rows go into the model in chunks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from tests.core.conftest import enrol_one, screen_eligible
from tnt_desktop.gui.subject_list_view import CHUNK_ROWS, SubjectListView
from tnt_desktop.gui.subject_table import KEY_ROLE, OVERDUE_BACKGROUND, Column
from tnt_desktop.services import subjects
from tnt_desktop.services.subject_list import subject_rows


@pytest.fixture
def coordinator(trial):
    return trial.user("coordinator")


def make_view(qtbot, context) -> SubjectListView:
    view = SubjectListView(context)
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    return view


def refreshed(qtbot, view: SubjectListView) -> None:
    with qtbot.waitSignal(view.loaded, timeout=15000):
        view.refresh()


def shown_keys(view: SubjectListView) -> list[str]:
    proxy = view.proxy
    return [proxy.index(row, 0).data(KEY_ROLE) for row in range(proxy.rowCount())]


def test_rows_appear_with_status_and_counts(qtbot, coordinator, context_for):
    subject_id = enrol_one(coordinator)
    screening = subjects.screen_subject(coordinator)
    failed = screen_eligible(coordinator, INC02="N")
    subjects.screen_fail(coordinator, failed, "INCL_NOT_MET")
    view = make_view(qtbot, context_for(coordinator))
    refreshed(qtbot, view)
    assert shown_keys(view) == [subject_id, screening, failed]
    model = view.model
    texts = {model.index(r, Column.SCREENING).data(): [
        model.index(r, c).data() for c in Column] for r in range(model.rowCount())}  # fmt: skip
    assert texts["SCR-0001"][Column.SUBJECT_ID] == "TNT-01-001"
    assert texts["SCR-0001"][Column.STAGE] == "Enrolled"
    assert texts["SCR-0002"][Column.STAGE] == "Screening"
    assert texts[failed][Column.STAGE] == "Screen failed"
    assert texts["SCR-0001"][Column.ENROLLED]  # the enrolment date
    assert "3 subjects" in view.count_label.text()
    assert not view.loading and not view.busy.isVisible()


def test_search_status_filter_and_overdue_only(qtbot, coordinator, context_for):
    enrol_one(coordinator)
    enrol_one(coordinator)
    screening = subjects.screen_subject(coordinator)
    view = make_view(qtbot, context_for(coordinator))
    refreshed(qtbot, view)
    assert view.proxy.rowCount() == 3

    qtbot.keyClicks(view.search, "tnt-01-002")
    assert shown_keys(view) == ["TNT-01-002"]
    view.search.clear()
    qtbot.keyClicks(view.search, "0003")  # the screening number
    assert shown_keys(view) == [screening]
    view.search.clear()
    assert view.proxy.rowCount() == 3

    view.stage_filter.setCurrentIndex(view.stage_filter.findData("SCREENING"))
    assert shown_keys(view) == [screening]
    view.stage_filter.setCurrentIndex(0)  # all
    assert view.proxy.rowCount() == 3

    # the enrolled subjects entered through the fixtures (enrolment 2025-02-10) have their
    # RT start long overdue; the screening subject has nothing overdue
    view.overdue_only.setChecked(True)
    assert set(shown_keys(view)) == {"TNT-01-001", "TNT-01-002"}
    overdue_row = view.proxy.index(0, Column.NEXT_VISIT)
    assert overdue_row.data(Qt.ItemDataRole.BackgroundRole) == OVERDUE_BACKGROUND
    assert "Overdue" in overdue_row.data()
    view.overdue_only.setChecked(False)
    assert view.proxy.rowCount() == 3


def test_sorting_by_a_column(qtbot, coordinator, context_for):
    enrol_one(coordinator)
    subjects.screen_subject(coordinator)
    view = make_view(qtbot, context_for(coordinator))
    refreshed(qtbot, view)
    view.table.sortByColumn(Column.SCREENING, Qt.SortOrder.DescendingOrder)
    assert shown_keys(view) == ["SCR-0002", "TNT-01-001"]
    view.table.sortByColumn(Column.SUBJECT_ID, Qt.SortOrder.AscendingOrder)
    assert shown_keys(view) == ["TNT-01-001", "SCR-0002"]  # no ID sorts last


def test_enter_and_double_click_emit_subject_activated(qtbot, coordinator, context_for):
    enrol_one(coordinator)
    screening = subjects.screen_subject(coordinator)
    view = make_view(qtbot, context_for(coordinator))
    refreshed(qtbot, view)
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(1, 0))
    with qtbot.waitSignal(view.subjectActivated) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert blocker.args == [screening]

    # Return in the search box opens the only match
    qtbot.keyClicks(view.search, "TNT-01-001")
    with qtbot.waitSignal(view.subjectActivated) as blocker:
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert blocker.args == ["TNT-01-001"]

    view.search.clear()
    index = view.proxy.index(0, Column.STAGE)
    rect = view.table.visualRect(index)
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(view.subjectActivated) as blocker:
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton,
                          pos=rect.center())  # fmt: skip
    assert blocker.args == ["TNT-01-001"]


def test_five_thousand_rows_fill_in_chunks(qtbot, coordinator, context_for):
    enrol_one(coordinator)
    template = subject_rows(coordinator)[0]
    rows = [replace(template, key=f"TNT-99-{n:04d}", subject_id=f"TNT-99-{n:04d}",
                    screening_number=f"SCR-{n:05d}") for n in range(5000)]  # fmt: skip
    view = make_view(qtbot, context_for(coordinator))
    inserts: list[int] = []
    view.model.rowsInserted.connect(lambda _parent, first, last: inserts.append(last - first + 1))
    with qtbot.waitSignal(view.loaded, timeout=30000):
        view.load_rows(rows)
        assert view.model.rowCount() == 0  # nothing inserted synchronously
    assert view.model.rowCount() == 5000
    assert inserts == [CHUNK_ROWS] * (5000 // CHUNK_ROWS)
    assert "5000 subjects" in view.count_label.text()
    qtbot.keyClicks(view.search, "TNT-99-4999")
    assert shown_keys(view) == ["TNT-99-4999"]


def test_a_later_refresh_replaces_the_rows(qtbot, coordinator, context_for):
    view = make_view(qtbot, context_for(coordinator))
    refreshed(qtbot, view)
    assert view.model.rowCount() == 0
    assert "0 subjects" in view.count_label.text()
    subjects.screen_subject(coordinator)
    refreshed(qtbot, view)
    assert shown_keys(view) == ["SCR-0001"]
