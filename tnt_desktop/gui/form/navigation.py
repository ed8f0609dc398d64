"""The form screen's keyboard: Return and Tab go field by field then to Save (never to the
"?" buttons), F1 shows help, the focused field and its label stay in view.

A part of `FormView` (gui/form/view.py).
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QPushButton, QToolTip, QWidget

from tnt_desktop.gui.form.fields import Field
from tnt_desktop.gui.form.item_editor import RETURN_KEYS
from tnt_desktop.gui.form.item_widgets import ItemEditor


class FormNavigation:
    """Mixin of `FormView`: see the module docstring."""

    def _all_editors(self) -> list[ItemEditor]:
        editors = [f.editor for f in self.fields.values()]
        for table in self.tables.values():
            for row in table.rows:
                editors.extend(row.editors.values())
        return editors

    def _stops(self) -> list[ItemEditor | QPushButton]:
        stops: list[ItemEditor | QPushButton] = []
        for group in self.form.groups:
            if group.repeating:
                stops.extend(self.tables[group.name].stops())
            else:
                stops.extend(f.editor for f in self.fields.values() if f.group is group)
        if self.can_enter:
            stops.append(self.save_button)
        return stops

    def _usable(self, stop: ItemEditor | QPushButton) -> bool:
        if isinstance(stop, QPushButton):
            return stop.isVisibleTo(self) and stop.isEnabled()
        return (stop.is_editable() and stop.isVisibleTo(self)
                and stop.focus_target().isVisibleTo(self))  # fmt: skip

    def _advance_from(self, stop: object) -> None:
        for table in self.tables.values():
            if stop is table.add_button:
                table._add_clicked()
                return
        stops = self._stops()
        try:
            index = stops.index(stop)  # type: ignore[arg-type]
        except ValueError:
            return
        for candidate in stops[index + 1:]:
            if self._usable(candidate):
                candidate.setFocus()
                return

    def setFocus(self, reason: Qt.FocusReason = Qt.FocusReason.OtherFocusReason) -> None:
        """The caret goes to the first field the user can edit."""
        for stop in self._stops():
            if isinstance(stop, ItemEditor) and self._usable(stop):
                stop.setFocus(reason)
                return
        super().setFocus(reason)

    def _update_tab_order(self) -> None:
        """Tab follows the form: field by field, section by section, then Save (the "?" buttons
        are for the mouse; F1 shows the same help)."""
        chain: list[QWidget] = []
        for group in self.form.groups:
            if group.repeating:
                chain.extend(self.tables[group.name].focus_widgets())
                continue
            for field_ in self.fields.values():
                if field_.group is not group:
                    continue
                chain.extend(field_.editor.focus_widgets())
        if self.can_enter:
            chain += [self.save_button, self.complete_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _show_help(self, field_: Field) -> None:
        anchor = field_.help_button or field_.label
        QToolTip.showText(anchor.mapToGlobal(QPoint(0, anchor.height())),
                          self.context.text(field_.item.help), anchor)  # fmt: skip

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Keep the focused field and its label in view (a wrapped label may be taller than
        its field; the label comes last so it is never the one scrolled away)."""
        if new is None or not self.content.isAncestorOf(new):
            return
        self.scroll_area.ensureWidgetVisible(new, 20, 40)
        label = self._label_of(new)
        if label is not None:
            self.scroll_area.ensureWidgetVisible(label, 0, 6)

    def _label_of(self, widget: QWidget) -> QLabel | None:
        for field_ in self.fields.values():
            if field_.editor.isAncestorOf(widget):
                return field_.label
        for table in self.tables.values():
            for row in table.rows:
                if row.page is None or not row.page.isAncestorOf(widget):
                    continue
                for name, editor in row.editors.items():
                    if editor.isAncestorOf(widget):
                        return row.page.labels[name]
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and watched in (self.save_button,
                                                                self.complete_button):  # fmt: skip
            assert isinstance(event, QKeyEvent)
            if event.key() in RETURN_KEYS:
                watched.click()  # type: ignore[attr-defined]
                return True
        return super().eventFilter(watched, event)
