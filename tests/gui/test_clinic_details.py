"""Issue 16, the smaller things a clinic notices: exact-match-first search, arrow keys choose
in Yes/No radios, the lock message when locked by Ctrl+L, Tab through a fraction row in entry
order with self-numbering rows, and a demo password without look-alike characters."""

from __future__ import annotations

import dataclasses
import secrets

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.core.conftest import enrol_one
from tnt_desktop.services import subjects
from tnt_desktop.services.subject_list import subject_rows


def test_search_017_opens_the_study_id_not_the_screening_number(qtbot, trial, context_for):
    from tnt_desktop.gui.subject_list_view import SubjectListView

    coordinator = trial.user("coordinator")
    subjects.screen_subject(coordinator)
    real = subject_rows(coordinator)[0]
    rows = [dataclasses.replace(real, key="SCR-0017", screening_number="SCR-0017",
                                subject_id=None),
            dataclasses.replace(real, key="TNT-01-017", screening_number="SCR-0031",
                                subject_id="TNT-01-017"),
            dataclasses.replace(real, key="TNT-01-020", screening_number="SCR-0170",
                                subject_id="TNT-01-020")]  # fmt: skip
    view = SubjectListView(context_for(coordinator))
    qtbot.addWidget(view)
    view.load_rows(rows)
    qtbot.waitUntil(lambda: not view.loading)
    opened: list[str] = []
    view.subjectActivated.connect(opened.append)
    view.search.setText("017")
    assert view.proxy.rowCount() == 3  # every row containing 017 is listed …
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert opened == ["TNT-01-017"]  # … and Return opens the one it names exactly
    view.search.setText("0017")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert opened[-1] == "SCR-0017"


def test_arrow_keys_choose_in_a_yes_no_group(qtbot, trial, context_for):
    from tests.gui.test_form_view import open_form

    coordinator = trial.user("coordinator")
    key = enrol_one(coordinator, with_dm=False)
    view = open_form(qtbot, context_for(coordinator), key, "SE.SCR", "DM")
    editor = view.field("SEX")
    editor.setFocus()
    assert editor.value_text() == ""
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    assert editor.value_text() == "M"  # the first arrow chooses the focused choice
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    assert editor.value_text() == "F" and editor.buttons[1].hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Left)
    assert editor.value_text() == "M"


def test_ctrl_l_lock_does_not_speak_of_inactivity(qtbot, trial, context_for):
    from tests.core.conftest import PASSWORD
    from tnt_desktop.gui.main_window import MainWindow

    coordinator = trial.user("coordinator")
    window = MainWindow(context_for(coordinator))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.act_lock.trigger()
    title = window.idle.overlay.title
    assert "inactivity" not in title.text() and title.text().startswith("Screen locked")
    assert title.wordWrap()
    window.resize(800, 600)  # a narrow window: the message wraps and is shown whole
    QApplication.processEvents()
    assert title.height() >= title.heightForWidth(title.width()) > title.fontMetrics().height()
    window.idle.overlay.password.setText(PASSWORD)
    window.idle._unlock()
    window.idle.lock_now()  # the idle timer's way
    assert "inactivity" in title.text()
    window.idle.overlay.password.setText(PASSWORD)
    window.idle._unlock()


def test_fraction_rows_number_themselves_and_tab_runs_along_the_row(qtbot, trial, context_for):
    from tests.gui.test_form_view import open_form

    coordinator = trial.user("coordinator")
    key = enrol_one(coordinator)
    view = open_form(qtbot, context_for(coordinator), key, "SE.RT", "RT")
    table = view.table("FX")
    assert [i.name for i in table.items][:3] == ["FXNUM", "FXGIVEN", "FXDAT"]
    qtbot.mouseClick(table.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(table.add_button, Qt.MouseButton.LeftButton)
    assert [table.editor(i, "FXNUM").value_text() for i in range(2)] == ["1", "2"]
    # the caret starts past the number, on "Fraction delivered"
    assert table.editor(1, "FXGIVEN").isAncestorOf(QApplication.focusWidget())
    given = table.editor(0, "FXGIVEN")
    given.setFocus()
    qtbot.keyClicks(given.focus_target(), "Y")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert table.editor(0, "FXDAT").isAncestorOf(QApplication.focusWidget())


def test_the_demo_password_has_no_look_alike_characters():
    from tnt_desktop.gui.app import demo_password

    for _ in range(200):
        password = demo_password(secrets.choice)
        assert not set(password[5:]) & set("lI1O0o"), password
        assert password.startswith("Demo-") and len(password) == 19


def test_the_casebook_grows_with_the_window_and_keeps_the_width_it_is_given(
        qtbot, trial, context_for):  # fmt: skip
    from tnt_desktop.config import load_preferences
    from tnt_desktop.gui.main_window import MainWindow

    coordinator = trial.user("coordinator")
    key = enrol_one(coordinator)
    widths = {}
    for size in ((1280, 800), (1920, 1080)):
        window = MainWindow(context_for(coordinator))
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        window.open_subject(key)
        widths[size[0]] = window.casebook_page.sizes()[0]
        window.close()
    assert 440 <= widths[1280] < widths[1920] <= 620
    window = MainWindow(context_for(coordinator))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.open_subject(key)
    window.casebook_page.moveSplitter(380, 1)  # the user drags the handle
    window._remember_casebook_width()
    assert 360 <= load_preferences().casebook_width <= 400
    remembered = load_preferences().casebook_width
    again = MainWindow(context_for(coordinator))
    qtbot.addWidget(again)
    again.resize(1280, 800)
    again.show()
    again.open_subject(key)
    assert abs(again.casebook_page.sizes()[0] - remembered) <= 2
    # the tree's columns keep their widths when the casebook is read again (after a save)
    tree = again.casebook.tree
    before = [tree.columnWidth(c) for c in (1, 2)]
    again.casebook.refresh()
    assert [tree.columnWidth(c) for c in (1, 2)] == before


def test_one_click_on_a_form_opens_it_and_a_new_screening_opens_f01(qtbot, trial, context_for):
    from tnt_desktop.gui.main_window import MainWindow

    coordinator = trial.user("coordinator")
    key = enrol_one(coordinator)
    window = MainWindow(context_for(coordinator))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.open_subject(key)
    tree = window.casebook.tree
    assert window.casebook.select_form("SE.SCR", 1, "DM")
    item = tree.currentItem()
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.form_view is not None and window.form_view.form.code == "DM"
    window.new_screening()
    assert window.form_view is not None and window.form_view.form.code == "IE"
    assert window.casebook.casebook.subject_id is None  # the new person, in screening
