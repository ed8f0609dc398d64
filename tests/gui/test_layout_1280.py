"""Issue 16 acceptance: every form F01–F16 fits a 1280 × 800 screen in both languages.

One enrolled subject; the real main window at 1280 × 800 with the casebook beside the form;
each form is opened once per language (an empty repeating group gets one row, so a row-detail
panel is checked too). For every editor that can hold the focus: its label lies wholly inside
the scroll area's visible viewport while the editor has the focus, and the editor, its "?" and
its review marks (critical ◆, the monitor's SDV tick) end inside the visible width — no item
needs sideways scrolling. The form's scroll area never scrolls sideways at all.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QWidget

from tests.core.conftest import enrol_one

SIZE = (1280, 800)
FORMS = ("IE", "DM", "MH", "TUBL", "TUPRE", "RT", "CT", "SURG", "PATH", "WND", "AE", "FU",
         "LTOX", "MSTS", "DTH", "EOS", "DV", "LB", "CM")  # F01–F16 with their parts b and c


def _rect_in(widget: QWidget, viewport: QWidget) -> QRect:
    return QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())


def _check_visible(problems: list[str], where: str, widget: QWidget, viewport: QWidget) -> None:
    rect = _rect_in(widget, viewport)
    if not viewport.rect().contains(rect):
        problems.append(f"{where}: {widget.objectName()} at {rect.getRect()} outside "
                        f"{viewport.rect().getRect()}")  # fmt: skip


def _check_width(problems: list[str], where: str, widget: QWidget, viewport: QWidget) -> None:
    rect = _rect_in(widget, viewport)
    if rect.left() < 0 or rect.right() > viewport.width():
        problems.append(f"{where}: {widget.objectName()} spans x {rect.left()}–{rect.right()}, "
                        f"visible width {viewport.width()}")  # fmt: skip


def _settle(qtbot) -> None:
    QApplication.processEvents()
    qtbot.wait(5)


def _where(app, key: str, code: str) -> tuple[str, int]:
    """The first event and repeat that collects a form (LTOX: not at the first follow-up)."""
    from tnt_desktop.errors import NotFound
    from tnt_desktop.services.casebook import form_values

    for event in app.study.events_with_form(code):
        for repeat in range(1, 12):
            try:
                form_values(app, key, event.oid, repeat, code)
            except NotFound:
                continue
            return event.oid, repeat
    raise AssertionError(f"{code} is collected nowhere")


def _check_form(qtbot, window, where: tuple[str, int], code: str, problems: list[str]) -> None:
    window.open_form(where[0], where[1], code)
    view = window.form_view
    assert view is not None and view.form.code == code
    for table in view.tables.values():
        if not table.rows and table.editable:
            table.add_row()
            table.show_row(0)
    _settle(qtbot)
    area = view.scroll_area
    viewport = area.viewport()
    assert area.horizontalScrollBar().maximum() == 0, code
    if view.content.minimumSizeHint().width() > viewport.width():
        problems.append(f"{code}: needs {view.content.minimumSizeHint().width()} px, "
                        f"has {viewport.width()}")  # fmt: skip
    lang = view.context.lang
    for name, field_ in view.fields.items():
        if not field_.editor.isVisibleTo(view):
            continue
        where = f"{lang} {code}.{name}"
        for widget in field_.widgets:  # label, editor, "?", review marks
            if widget.isVisibleTo(view):
                _check_width(problems, where, widget, viewport)
        target = field_.editor.focus_target()
        if not (field_.editor.is_editable() and target.isVisibleTo(view)):
            continue
        target.setFocus()
        _settle(qtbot)
        _check_visible(problems, where + " (label)", field_.label, viewport)
    for table in view.tables.values():
        for row in table.rows:
            if row.page is None:
                continue  # a narrow grid scrolls inside its own frame
            for item_name, editor in row.editors.items():
                if not editor.isVisibleTo(view):
                    continue
                where = f"{lang} {code}.{table.group.name}.{item_name}"
                _check_width(problems, where, editor, viewport)
                target = editor.focus_target()
                if editor.is_editable() and target.isVisibleTo(view):
                    target.setFocus()
                    _settle(qtbot)
                    _check_visible(problems, where + " (label)", row.page.labels[item_name],
                                   viewport)  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_form_fits_1280_by_800(qtbot, trial, context_for, lang):
    from tnt_desktop.gui.main_window import MainWindow

    coordinator = trial.user("coordinator")
    key = enrol_one(coordinator)
    window = MainWindow(context_for(coordinator, lang))
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    window.open_subject(key)
    _settle(qtbot)
    problems: list[str] = []
    for code in FORMS:
        _check_form(qtbot, window, _where(coordinator, key, code), code, problems)
    window.form_view.has_unsaved_changes = lambda: False  # the added rows are not to be saved
    assert not problems, "\n".join(problems[:40])


def test_the_monitors_sdv_ticks_are_inside_the_visible_width(qtbot, trial, context_for):
    from tnt_desktop.gui.main_window import MainWindow

    key = enrol_one(trial.user("coordinator"))
    monitor = trial.user("monitor")
    window = MainWindow(context_for(monitor, "en"))
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    window.open_subject(key)
    problems: list[str] = []
    for code in ("IE", "DM", "TUBL", "PATH"):
        window.open_form(*_where(monitor, key, code), code)
        view = window.form_view
        _settle(qtbot)
        assert view.review.marks, code  # the monitor has a tick beside every item
        for name, marks in view.review.marks.items():
            if marks.isVisibleTo(view):
                _check_width(problems, f"{code}.{name}", marks, view.scroll_area.viewport())
    assert not problems, "\n".join(problems[:40])
