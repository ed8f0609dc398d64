"""The casebook's tree of events and forms: each event with its planned window and each form
with its status as text, colour and icon (`FormState`), the tree's selection kept across a
refresh, and the per-form menu (verify, lock, …). A part of `CasebookView`
(gui/casebook_view.py); its texts keep the view's translation context."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
)

from tnt_desktop.gui.form.item_widgets import HARD_COLOUR, SOFT_COLOUR
from tnt_desktop.gui.subject_table import (
    OVERDUE_BACKGROUND,
    OVERDUE_TEXT,
    format_window,
    local_time,
)
from tnt_desktop.gui.workflow_actions import (
    LOCK_COLOUR,
)
from tnt_desktop.services.casebook import Casebook, CasebookEvent, CasebookForm
from tnt_desktop.services.workflow import FormStatus, status_label
from tnt_desktop.study.schedule import VISIT_STATE_LABELS, VisitState

EVENT_ROLE = Qt.ItemDataRole.UserRole + 1  # (event OID, repeat)


FORM_ROLE = Qt.ItemDataRole.UserRole + 2  # form code (form items only)


OK_COLOUR = QColor("#1e7b34")


PROGRESS_COLOUR = QColor("#1f5fae")


IDLE_COLOUR = QColor("#8a8a8a")


INACTIVE_TEXT = QColor("#6b6b6b")


_EXPANDED_STATES = (VisitState.DONE, VisitState.IN_PROGRESS, VisitState.DUE, VisitState.OVERDUE)


def compact_window(start: date | None, end: date | None) -> str:
    """A window for the narrow tree: month and day ("11-14 – 12-12"); the year is in the
    visit's "Done" date and in the tooltip (the whole window)."""
    if start is not None and end is not None:
        return f"{start:%m-%d} – {end:%m-%d}"
    return format_window(start, end)


def _dot(colour: QColor, filled: bool, size: int = 12) -> QIcon:
    """A round status mark: hollow for "not started", filled otherwise."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(colour, 1.6))
    painter.setBrush(QBrush(colour) if filled else Qt.BrushStyle.NoBrush)
    painter.drawEllipse(2, 2, size - 4, size - 4)
    painter.end()
    return QIcon(pixmap)


class FormState(StrEnum):
    """How a form's status is shown (text, colour and icon)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    WARNINGS = "warnings"
    ERRORS = "errors"
    OTHER = "other"  # verified, signed, locked (later releases)

    @classmethod
    def of(cls, form: CasebookForm) -> FormState:
        if form.has_errors:
            return cls.ERRORS
        if form.has_warnings:
            return cls.WARNINGS
        return {FormStatus.NOT_STARTED.value: cls.NOT_STARTED,
                FormStatus.IN_PROGRESS.value: cls.IN_PROGRESS,
                FormStatus.COMPLETE.value: cls.COMPLETE}.get(form.status, cls.OTHER)  # fmt: skip


STATE_COLOURS: dict[FormState, QColor] = {
    FormState.NOT_STARTED: IDLE_COLOUR, FormState.IN_PROGRESS: PROGRESS_COLOUR,
    FormState.COMPLETE: OK_COLOUR, FormState.WARNINGS: SOFT_COLOUR,
    FormState.ERRORS: HARD_COLOUR, FormState.OTHER: OK_COLOUR,
}  # fmt: skip


class CasebookTree(QTreeWidget):
    """Enter opens the current form (or folds an event); Left/Right fold as usual."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self.itemActivated.emit(self.currentItem(), 0)
            event.accept()
            return
        super().keyPressEvent(event)


translate = QCoreApplication.translate  # the texts keep the context "CasebookView"


class CasebookTreeMixin:
    """Mixin of `CasebookView`: see the module docstring."""

    def _fill_tree(self, casebook: Casebook) -> None:
        tree = self.tree
        current = self._current_key()
        expanded = self._expanded_keys() if tree.topLevelItemCount() else None
        tree.setUpdatesEnabled(False)
        tree.clear()
        select: QTreeWidgetItem | None = None
        next_key = casebook.next_visit.key if casebook.next_visit is not None else None
        for event in casebook.events:
            item = self._event_item(event)
            tree.addTopLevelItem(item)
            for form in event.forms:
                child = self._form_item(event, form)
                item.addChild(child)
                if current == (event.event, event.repeat, form.form):
                    select = child
            key = (event.event, event.repeat)
            if expanded is not None:
                item.setExpanded(key in expanded)
            else:
                item.setExpanded(event.visit.state in _EXPANDED_STATES or not event.scheduled)
            if current == (event.event, event.repeat, None):
                select = item
            if select is None and current is None and key == next_key and item.childCount():
                item.setExpanded(True)
                select = next((item.child(i) for i in range(item.childCount())
                               if item.child(i).data(0, FORM_ROLE) and not self._started(
                                   event, item.child(i).data(0, FORM_ROLE))),
                              item.child(0))  # fmt: skip
        if select is None and tree.topLevelItemCount():
            select = tree.topLevelItem(0)
        tree.setUpdatesEnabled(True)
        if select is not None:
            tree.setCurrentItem(select)
            tree.scrollToItem(select, QAbstractItemView.ScrollHint.PositionAtCenter)

    @staticmethod
    def _started(event: CasebookEvent, code: str) -> bool:
        return any(f.form == code and f.started for f in event.forms)

    def _event_item(self, event: CasebookEvent) -> QTreeWidgetItem:
        visit = event.visit
        text = self.context.text
        item = QTreeWidgetItem([text(visit.label), compact_window(visit.window_start,
                                                                  visit.window_end), ""])
        state = text(VISIT_STATE_LABELS[visit.state])
        if visit.state in (VisitState.DONE, VisitState.IN_PROGRESS) and visit.actual is not None:
            state = f"{state} {visit.actual.isoformat()}"
        elif visit.state is VisitState.DONE and visit.note is not None:
            state = f"{state} — {text(visit.note)}"
        if not event.scheduled:
            state = ""
        item.setText(2, state)
        item.setData(0, EVENT_ROLE, (event.event, event.repeat))
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        tips = [text(visit.label)]
        if visit.target is not None:
            tips.append(translate("CasebookView", "Target date: {date}").format(
                date=visit.target.isoformat()))
        window = format_window(visit.window_start, visit.window_end)
        if window:
            tips.append(translate("CasebookView", "Window: {window}").format(window=window))
        if visit.note is not None:
            tips.append(text(visit.note))
        for column in range(3):
            item.setToolTip(column, "\n".join(tips))
        if visit.state is VisitState.OVERDUE:
            for column in range(3):
                item.setBackground(column, OVERDUE_BACKGROUND)
                item.setForeground(column, OVERDUE_TEXT)
        elif visit.state is VisitState.DUE:
            item.setForeground(2, PROGRESS_COLOUR)
        elif visit.state in (VisitState.NOT_APPLICABLE, VisitState.UNKNOWN):
            for column in range(3):
                item.setForeground(column, INACTIVE_TEXT)
        return item

    def _form_item(self, event: CasebookEvent, form: CasebookForm) -> QTreeWidgetItem:
        state = FormState.of(form)
        item = QTreeWidgetItem([self.context.text(form.label), "", self._form_text(form, state)
                                + self.review.form_suffix(event.event, event.repeat, form.form)])
        item.setData(0, EVENT_ROLE, (event.event, event.repeat))
        item.setData(0, FORM_ROLE, form.form)
        item.setIcon(2, self._icons[state])
        item.setForeground(2, STATE_COLOURS[state])
        if form.status == FormStatus.LOCKED.value and state is FormState.OTHER:
            item.setIcon(2, self._lock_icon)
            item.setForeground(2, LOCK_COLOUR)
        tip = f"{self.context.text(form.label)} — {self._form_text(form, state)}"
        if form.updated_utc is not None:
            tip += "\n" + translate("CasebookView", "Last saved {when}").format(
                when=local_time(form.updated_utc))
        if queries := self.review.form_tip(event.event, event.repeat, form.form):
            tip += "\n" + queries
        item.setToolTip(0, tip)
        item.setToolTip(2, tip)
        return item

    def _form_text(self, form: CasebookForm, state: FormState) -> str:
        labels = {
            FormStatus.NOT_STARTED.value: translate("CasebookView", "Not started"),
            FormStatus.IN_PROGRESS.value: translate("CasebookView", "In progress"),
            FormStatus.COMPLETE.value: translate("CasebookView", "Complete"),
        }
        base = labels.get(form.status) or status_label(form.status, self.context.lang)
        if state == FormState.ERRORS:
            return translate("CasebookView", "{status}, errors").format(status=base)
        if state == FormState.WARNINGS:
            return translate("CasebookView", "{status}, warnings").format(status=base)
        return base

    def _current_key(self) -> tuple[str, int, str | None] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        event, repeat = item.data(0, EVENT_ROLE)
        return (event, repeat, item.data(0, FORM_ROLE))

    def _expanded_keys(self) -> set[tuple[str, int]]:
        keys = set()
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.isExpanded():
                keys.add(tuple(item.data(0, EVENT_ROLE)))
        return keys

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        """One click on a form opens it (the placeholder asks to choose one)."""
        if item.data(0, FORM_ROLE):
            self._activated(item, column)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        code = item.data(0, FORM_ROLE)
        if not code:
            item.setExpanded(not item.isExpanded())
            return
        event, repeat = item.data(0, EVENT_ROLE)
        self.formActivated.emit(event, int(repeat), code)

    def select_form(self, event: str, repeat: int, code: str) -> bool:
        """Make a form the current item (for the keyboard and for tests)."""
        for i in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(i)
            for j in range(parent.childCount()):
                child = parent.child(j)
                if tuple(child.data(0, EVENT_ROLE)) == (event, repeat) and (
                        child.data(0, FORM_ROLE) == code):  # fmt: skip
                    parent.setExpanded(True)
                    self.tree.setCurrentItem(child)
                    return True
        return False

    def event_rows(self) -> list[tuple[str, int, str]]:
        """(event OID, repeat, status text) of every event, in the order shown."""
        rows = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            event, repeat = item.data(0, EVENT_ROLE)
            rows.append((event, repeat, item.text(2)))
        return rows

    def form_menu_for(self, item: QTreeWidgetItem | None) -> QMenu | None:
        """The workflow steps of a form item the role may take (None: none, or not a form)."""
        if item is None or self.casebook is None or not item.data(0, FORM_ROLE):
            return None
        event, repeat = item.data(0, EVENT_ROLE)
        code = item.data(0, FORM_ROLE)
        status = next((f.status for e in self.casebook.events
                       if (e.event, e.repeat) == (event, repeat)
                       for f in e.forms if f.form == code), FormStatus.NOT_STARTED.value)
        return self.workflow.form_menu(self.tree, self.casebook.subject_key, event, int(repeat),
                                       code, status, self.state_bar.state,
                                       self.state_bar.db_locked)  # fmt: skip

    def _tree_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos) or self.tree.currentItem()
        menu = self.form_menu_for(item)
        if menu is not None:
            menu.exec(self.tree.viewport().mapToGlobal(pos))
            menu.deleteLater()
