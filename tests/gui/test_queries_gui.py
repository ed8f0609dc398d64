"""Queries in the GUI (issue 6): raised, answered, closed and re-opened through the form view's
query panel by the roles allowed (state read back through services.queries), other roles have
no such step, the item's marker appears and disappears, an answer offers "Query response" for
the data correction, and the subject list, dashboard and casebook show the counts."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from tests.core.conftest import enrol_one
from tests.gui.test_form_view import enter, open_form
from tnt_desktop.gui.form.dialogs import ReasonForChangeDialog
from tnt_desktop.gui.form.query_panel import QueryTextDialog
from tnt_desktop.services import queries
from tnt_desktop.services.form_entries import ChangeReason


@pytest.fixture
def team(trial):
    return {role: trial.user(role)
            for role in ("coordinator", "investigator", "monitor", "datamanager")}  # fmt: skip


@pytest.fixture
def subject(team) -> str:
    return enrol_one(team["coordinator"])  # with F02 (DM) saved


def answer_dialog(monkeypatch, text: str, target=None, seen: list | None = None) -> None:
    """The next query dialogs: type `text` (and pick `target`), then OK."""

    def exec_(dialog: QueryTextDialog) -> int:
        if seen is not None:
            seen.append(dialog)
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        if dialog.required:
            assert not ok.isEnabled()  # no text yet: OK refused
        if target is not None:
            dialog.set_target(target)
        dialog.set_text(text)
        assert ok.isEnabled()
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(QueryTextDialog, "exec", exec_)


def status(app, subject: str) -> list[tuple[str | None, str]]:
    return [(q.item_name, q.status) for q in queries.list_queries(app, subject)]


def paints(widget, colour: str) -> bool:
    """The widget, rendered, shows `colour` (its background from app.qss)."""
    image = widget.grab().toImage()
    return any(image.pixelColor(x, y).name() == colour
               for x in range(image.width()) for y in range(image.height()))  # fmt: skip


def visible_steps(view) -> set[str]:
    return {name for name, b in view.review.panel.buttons.items() if b.isVisibleTo(view)}


@pytest.mark.req("REQ-DQ-01", "REQ-AT-01")
def test_a_query_through_its_life_cycle_in_the_panel(qtbot, team, subject, context_for,
                                                     monkeypatch):  # fmt: skip
    monitor = open_form(qtbot, context_for(team["monitor"]), subject, "SE.SCR", "DM")
    assert visible_steps(monitor) == {"raise", "close", "reopen"}
    badge = monitor.review.marks["WEIGHT"].badge
    assert not badge.isVisibleTo(monitor)
    monitor.field("WEIGHT").setFocus()  # the caret's item is proposed
    qtbot.waitUntil(lambda: monitor.review.panel.focused == ("", 0, "WEIGHT"))
    seen: list = []
    answer_dialog(monkeypatch, "Weight 70 kg? Source says 75 kg.", seen=seen)
    assert monitor.review.panel.raise_query()
    assert seen[0].target() == ("", 0, "WEIGHT")
    assert status(team["monitor"], subject) == [("WEIGHT", "OPEN")]
    assert badge.isVisibleTo(monitor) and badge.text() == "? 1"
    assert paints(badge, "#b3261e")  # red while it waits for the site (app.qss, no CSS in Python)
    assert "Weight 70 kg?" in monitor.review.panel.thread_view.toPlainText()

    site = open_form(qtbot, context_for(team["coordinator"]), subject, "SE.SCR", "DM")
    assert visible_steps(site) == {"answer"}
    assert site.review.marks["WEIGHT"].badge.isVisibleTo(site)
    panel = site.review.panel
    assert panel.select_target(("", 0, "WEIGHT"))
    answer_dialog(monkeypatch, "Corrected to 75 kg.")
    assert panel.answer_query()
    assert status(team["monitor"], subject) == [("WEIGHT", "ANSWERED")]
    assert paints(site.review.marks["WEIGHT"].badge, "#1f5fae")  # blue once every one is answered
    thread = panel.thread_view.toPlainText()
    assert "Corrected to 75 kg." in thread and "coordinator" in thread

    # the correction: the reason for change offers the query, prefilled
    asked: list = []

    def reason_exec(dialog: ReasonForChangeDialog) -> int:
        asked.append((dialog.reason(), dialog.reason_text()))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(ReasonForChangeDialog, "exec", reason_exec)
    enter(qtbot, site.field("WEIGHT"), "75.0")
    assert site.save()
    query_id = queries.list_queries(team["monitor"], subject)[0].id
    assert asked and asked[0][0] == ChangeReason.QUERY_RESPONSE.value
    assert asked[0][1].startswith(f"Query #{query_id}: Weight 70 kg?")

    monitor.review.refresh()
    panel = monitor.review.panel
    assert panel.select(query_id)
    answer_dialog(monkeypatch, "Thanks.")
    assert panel.close_query()
    assert status(team["monitor"], subject) == [("WEIGHT", "CLOSED")]
    assert not monitor.review.marks["WEIGHT"].badge.isVisibleTo(monitor)  # nothing waiting
    answer_dialog(monkeypatch, "Unit still unclear.")
    assert panel.reopen_query()
    assert status(team["monitor"], subject) == [("WEIGHT", "OPEN")]
    assert monitor.review.marks["WEIGHT"].badge.isVisibleTo(monitor)
    steps = [s.kind for s in queries.list_queries(team["monitor"], subject)[0].steps]
    assert steps == ["RAISE", "ANSWER", "CLOSE", "REOPEN"]


@pytest.mark.req("REQ-DQ-01")
def test_data_manager_raises_on_the_form_and_other_roles_have_no_steps(
        qtbot, team, subject, context_for, monkeypatch):  # fmt: skip
    manager = open_form(qtbot, context_for(team["datamanager"]), subject, "SE.SCR", "DM")
    assert visible_steps(manager) == {"raise", "close", "reopen"}
    answer_dialog(monkeypatch, "Form incomplete?", target=("", 0, None))
    assert manager.review.panel.raise_query()
    assert status(team["monitor"], subject) == [(None, "OPEN")]
    assert "1 open" in manager.review.panel.heading.text()
    investigator = open_form(qtbot, context_for(team["investigator"]), subject, "SE.SCR", "DM")
    assert visible_steps(investigator) == {"answer"}
    assert not any(m.badge.isVisibleTo(investigator) for m in investigator.review.marks.values())


@pytest.mark.req("REQ-DQ-01")
def test_subject_list_dashboard_and_casebook_show_the_counts(qtbot, team, subject, context_for):
    from tests.gui.test_casebook_view import make_view as make_casebook
    from tests.gui.test_dashboard_view import make_view as make_dashboard
    from tests.gui.test_subject_list_view import make_view as make_list
    from tests.gui.test_subject_list_view import refreshed
    from tests.gui.test_workflow_gui import form_item
    from tnt_desktop.gui.subject_table import Column

    monitor = team["monitor"]
    first = queries.raise_query(monitor, subject, "SE.SCR", 1, "DM", "a?", item_name="SEX")
    queries.raise_query(monitor, subject, "SE.SCR", 1, "DM", "b?", item_name="ECOG")
    queries.raise_query(monitor, subject, "SE.SCR", 1, "DM", "c?")
    queries.answer_query(team["coordinator"], first, "yes")

    view = make_list(qtbot, context_for(team["coordinator"]))
    refreshed(qtbot, view)
    assert view.model.rowCount() == 1
    assert view.model.index(0, Column.QUERIES).data() == "2 open · 1 answered"

    board = make_dashboard(qtbot, context_for(monitor))
    assert board.numbers()["queries"] == "2 open · 1 answered"

    casebook = make_casebook(qtbot, context_for(monitor), subject)
    assert "Queries: 2 open · 1 answered" in casebook.review.progress_label.text()
    dm = form_item(casebook, "SE.SCR", 1, "DM")
    assert dm.text(2).endswith(" · ?2") and "2 open query(ies)" in dm.toolTip(2)


@pytest.mark.req("REQ-DQ-04", "REQ-DQ-01")
def test_a_locked_subject_takes_no_query_step_a_frozen_one_does(qtbot, team, subject,
                                                                 context_for):  # fmt: skip
    from tnt_desktop.services import workflow

    qid = queries.raise_query(team["monitor"], subject, "SE.SCR", 1, "DM", "weight?",
                              item_name="WEIGHT")  # fmt: skip
    dm = team["datamanager"]
    workflow.freeze_subject(dm, subject)
    monitor = open_form(qtbot, context_for(team["monitor"]), subject, "SE.SCR", "DM")
    monitor.review.panel.select(qid)
    assert monitor.review.panel.buttons["raise"].isEnabled()  # frozen: queries still possible
    assert monitor.review.panel.buttons["close"].isEnabled()
    workflow.lock_subject(dm, subject)
    locked = open_form(qtbot, context_for(team["monitor"]), subject, "SE.SCR", "DM")
    locked.review.panel.select(qid)
    assert not any(b.isEnabled() for b in locked.review.panel.buttons.values())
    site = open_form(qtbot, context_for(team["coordinator"]), subject, "SE.SCR", "DM")
    site.review.panel.select(qid)
    assert not site.review.panel.buttons["answer"].isEnabled()


def test_an_automatic_query_says_so_on_its_own_line(qtbot, team, subject, context_for):
    """Issue 16: the thread header read "openRaised automatically"; the status and the note
    that a confirmed warning raised the query are separate."""
    from tnt_desktop.services.form_entries import FormEntry
    from tnt_desktop.services.form_entry import save_form

    site = team["coordinator"]
    save_form(site, FormEntry(subject, "SE.SCR", "DM", values={"HEIGHT": "210"},
                              reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    key = "SOFT-RANGE|SE.SCR#1|DM.HEIGHT|"
    save_form(site, FormEntry(subject, "SE.SCR", "DM", complete=True,
                              overrides={key: "very tall, measured twice"}))  # fmt: skip
    [auto] = queries.list_queries(site, subject)
    view = open_form(qtbot, context_for(team["monitor"]), subject, "SE.SCR", "DM")
    assert view.review.panel.select(auto.id)
    thread = view.review.panel.thread_view.toPlainText()
    assert "openRaised" not in thread
    assert "\nRaised automatically: a warning was confirmed (SOFT-RANGE)" in thread
