"""One editor widget per item type, generated from the study definition (no hand-built CRF).

`make_editor(item, study, lang)` picks the widget from the item alone: text (one line, or several
for long texts), integer and float (validated, with decimals and the unit beside them), date
(YYYY-MM-DD with a calendar; YYYY / YYYY-MM only for partial dates), time (HH:MM), boolean (Yes /
No radio buttons; Y and N keys), codelists (radio buttons up to five codes, else a searchable
combo box matching code or label), multi-select (a checkable list) and derived values (read-only).
`compact=True` gives the narrow variant used inside repeating-group tables.

Every editor speaks canonical text (study.values): `value_text()` is what goes into
`FormEntry.values`, `set_value_text()` shows a stored value. An R or C item can record a reason for
missing instead of a value (the button beside it, or Shift+F10 / the menu key on the field).
Keys: Return emits `advance` (the form moves on), F1 shows the help, F4 or Alt+Down opens the
calendar of a date. The widgets never parse or validate beyond what a validator does while
typing: validation is the services' job (the form shows their findings).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QDate, QPoint, Qt
from PySide6.QtGui import QKeyEvent, QPalette, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from tnt_desktop.gui.form.choice_editors import (
    ComboEditor,
    MultiEditor,
    MultiMenuEditor,
    RadioEditor,
)
from tnt_desktop.gui.form.item_editor import (
    HARD_COLOUR,
    LONG_TEXT,
    MAX_RADIO_CODES,
    RETURN_KEYS,
    SOFT_COLOUR,
    ItemEditor,
    code_choices,
    display_text,
    look_read_only,
    unit_text,
)
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import DataType, Item

_DIGITS = re.compile(r"\d+")


class LineEditor(ItemEditor):
    """QLineEdit with a validator per type; dates get a calendar button (F4 / Alt+Down)."""

    def _build(self) -> QWidget:
        item, dt = self.item, self.item.data_type
        self.edit = QLineEdit()
        self.edit.setObjectName("value")
        pattern, width = None, 110
        if dt is DataType.INTEGER:
            pattern, width = r"[+-]?\d{0,12}", 90
        elif dt is DataType.FLOAT:
            places = r"\d*" if item.decimals is None else rf"\d{{0,{item.decimals}}}"
            pattern = r"[+-]?\d{0,12}" + (rf"(\.{places})?" if item.decimals != 0 else "")
            width = 100
        elif dt in (DataType.DATE, DataType.PARTIAL_DATE):
            pattern, width = r"\d{0,8}|\d{4}-\d{0,2}(-\d{0,2})?", 110
        elif dt is DataType.TIME:
            pattern, width = r"\d{0,4}|\d{1,2}:\d{0,2}(:\d{0,2})?", 70
        elif dt is DataType.DATETIME:
            width = 170
        else:
            if item.length:
                self.edit.setMaxLength(item.length)
            width = 0
        if pattern is not None:
            self.edit.setValidator(QRegularExpressionValidator(pattern, self.edit))
        if self.compact:
            self.edit.setMinimumWidth(40)
        elif width:
            self.edit.setFixedWidth(width)
        elif not self.compact:
            self._stretch = True
            self.edit.setMinimumWidth(220 if (item.length or 60) > 30 else 140)
            self.edit.setMaximumWidth(520)
            self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.edit.textEdited.connect(self._user_changed)
        self.edit.editingFinished.connect(self._commit)
        self._calendar_button: QToolButton | None = None
        self._calendar_menu: QMenu | None = None
        if dt not in (DataType.DATE, DataType.PARTIAL_DATE):
            return self.edit
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.edit)
        self._calendar_button = QToolButton(box)
        self._calendar_button.setObjectName("calendarButton")
        self._calendar_button.setText("▦")
        self._calendar_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keyboard: F4 / Alt+Down
        self._calendar_button.clicked.connect(self.open_calendar)
        row.addWidget(self._calendar_button)
        return box

    def _focus_widget(self) -> QWidget:
        return self.edit

    def _get(self) -> str:
        return self.edit.text()

    def _set(self, text: str) -> None:
        self.edit.setText(text)

    def _set_editable(self, editable: bool) -> None:
        self.edit.setReadOnly(not editable)
        look_read_only(self.edit, not editable)
        if self._calendar_button is not None:
            self._calendar_button.setVisible(editable)

    def _retranslate(self) -> None:
        dt = self.item.data_type
        translate = QCoreApplication.translate
        placeholder = {
            DataType.DATE: translate("ItemEditor", "YYYY-MM-DD"),
            DataType.PARTIAL_DATE: translate("ItemEditor", "YYYY, YYYY-MM or YYYY-MM-DD"),
            DataType.TIME: translate("ItemEditor", "HH:MM"),
            DataType.DATETIME: translate("ItemEditor", "YYYY-MM-DDTHH:MM"),
        }.get(dt, "")
        if self.compact and dt is DataType.PARTIAL_DATE:
            placeholder = QCoreApplication.translate("ItemEditor", "YYYY[-MM[-DD]]")
        self.edit.setPlaceholderText(placeholder)
        if self._calendar_button is not None:
            self._calendar_button.setToolTip(
                QCoreApplication.translate("ItemEditor", "Choose from a calendar (F4)"))

    def _key(self, event: QKeyEvent) -> bool:
        alt = event.modifiers() & Qt.KeyboardModifier.AltModifier
        down = event.key() == Qt.Key.Key_Down and bool(alt)
        if self._calendar_button is not None and (event.key() == Qt.Key.Key_F4 or down):
            self.open_calendar()
            return True
        return False

    def _commit(self) -> None:
        """Accept compact typing: 20250203 → 2025-02-03, 202502 → 2025-02, 0830 → 08:30."""
        text, dt = self.edit.text().strip(), self.item.data_type
        new = text
        if _DIGITS.fullmatch(text):
            if dt in (DataType.DATE, DataType.PARTIAL_DATE) and len(text) == 8:
                new = f"{text[:4]}-{text[4:6]}-{text[6:]}"
            elif dt is DataType.PARTIAL_DATE and len(text) == 6:
                new = f"{text[:4]}-{text[4:]}"
            elif dt is DataType.TIME and len(text) in (3, 4):
                new = f"{text[:-2].zfill(2)}:{text[-2:]}"
        if new != self.edit.text():
            self.edit.setText(new)
            self._user_changed()

    def open_calendar(self) -> None:
        if self._calendar_button is None or not self._editable:
            return
        if self._calendar_menu is None:  # built on first use: calendars are costly to create
            self._calendar_menu = QMenu(self)
            self.calendar = QCalendarWidget(self._calendar_menu)
            self.calendar.setObjectName("calendar")
            self.calendar.setGridVisible(True)
            action = QWidgetAction(self._calendar_menu)
            action.setDefaultWidget(self.calendar)
            self._calendar_menu.addAction(action)
            self.calendar.activated.connect(self._date_chosen)
            self.calendar.clicked.connect(self._date_chosen)
        current = QDate.fromString(self.edit.text().strip(), "yyyy-MM-dd")
        self.calendar.setSelectedDate(current if current.isValid() else QDate.currentDate())
        self._calendar_menu.popup(self.edit.mapToGlobal(QPoint(0, self.edit.height())))
        self.calendar.setFocus()

    def _date_chosen(self, day: QDate) -> None:
        self.edit.setText(day.toString("yyyy-MM-dd"))
        if self._calendar_menu is not None:
            self._calendar_menu.close()
        self.edit.setFocus()
        self._user_changed()


class TextAreaEditor(ItemEditor):
    """Multi-line text (long free texts); Return moves on, Shift+Return starts a new line."""

    _stretch = True

    def _build(self) -> QWidget:
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("value")
        self.edit.setTabChangesFocus(True)
        line = self.edit.fontMetrics().lineSpacing()
        self.edit.setFixedHeight(line * 3 + 12)
        self.edit.setMinimumWidth(300)
        self.edit.setMaximumWidth(640)
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.edit.textChanged.connect(self._text_changed)
        return self.edit

    def _text_changed(self) -> None:
        limit = self.item.length
        if limit and len(self.edit.toPlainText()) > limit:
            cursor = self.edit.textCursor()
            self.edit.setPlainText(self.edit.toPlainText()[:limit])
            cursor.setPosition(limit)
            self.edit.setTextCursor(cursor)
        self._user_changed()

    def _key(self, event: QKeyEvent) -> bool:
        if event.key() in RETURN_KEYS and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.edit.insertPlainText("\n")
            return True
        return False

    def _get(self) -> str:
        return self.edit.toPlainText()

    def _set(self, text: str) -> None:
        self.edit.setPlainText(text)

    def _set_editable(self, editable: bool) -> None:
        self.edit.setReadOnly(not editable)
        look_read_only(self.edit, not editable)


# ---- coded values: radio buttons, combo boxes, multi-select -------------------------------------


class DerivedEditor(ItemEditor):
    """A value the system calculates: read-only, decoded, never in the Tab chain."""

    def __init__(self, item: Item, study: Study, lang: str, *, compact: bool = False,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        self._stretch = item.multiple or compact
        super().__init__(item, study, lang, compact=compact, parent=parent)

    def _build(self) -> QWidget:
        self._text = ""
        self.label = QLabel()
        self.label.setObjectName("derivedValue")
        self.label.setFrameShape(QLabel.Shape.StyledPanel)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.label.setMinimumWidth(90 if self.compact else 110)
        if self._stretch:
            self.label.setWordWrap(True)
            self.label.setMaximumWidth(640)
        palette = QPalette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.AlternateBase))
        self.label.setPalette(palette)
        self.label.setAutoFillBackground(True)
        self.label.setContentsMargins(4, 1, 4, 1)
        return self.label

    def _get(self) -> str:
        return self._text

    def _set(self, text: str) -> None:
        self._text = text
        shown = display_text(self.study, self.item, text, self.lang)
        if self.item.multiple:
            shown = shown.replace("; ", "\n")
        self.label.setText(shown or "—")

    def _retranslate(self) -> None:
        self._set(self._text)
        self.label.setToolTip(QCoreApplication.translate("ItemEditor", "Calculated by the system"))

    def _set_editable(self, editable: bool) -> None:
        pass

    def set_editable(self, editable: bool) -> None:
        super().set_editable(False)


def make_editor(item: Item, study: Study, lang: str, *, compact: bool = False,
                parent: QWidget | None = None) -> ItemEditor:  # fmt: skip
    """The editor an item's definition calls for (see the module docstring)."""
    if item.is_derived and not item.editable_derived:
        kind: type[ItemEditor] = DerivedEditor
    elif item.multiple:
        kind = MultiMenuEditor if compact else MultiEditor
    elif item.codelist or item.data_type is DataType.BOOLEAN:
        few = len(code_choices(study, item)) <= MAX_RADIO_CODES
        kind = RadioEditor if few and not compact else ComboEditor
    elif item.data_type is DataType.TEXT and item.length and item.length >= LONG_TEXT and (
            not compact):  # fmt: skip
        kind = TextAreaEditor
    else:
        kind = LineEditor
    editor = kind(item, study, lang, compact=compact, parent=parent)
    if kind is DerivedEditor or item.locked:
        editor.set_editable(False)
    return editor


__all__ = [  # the editors' public face: other screens import from here
    "HARD_COLOUR",
    "SOFT_COLOUR",
    "ComboEditor",
    "DerivedEditor",
    "ItemEditor",
    "LineEditor",
    "MultiEditor",
    "MultiMenuEditor",
    "RadioEditor",
    "TextAreaEditor",
    "make_editor",
    "unit_text",
]
