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
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QDate, QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCalendarWidget,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import MISSING_REASONS, DataType, Item, Text
from tnt_desktop.study.values import MULTI_SEPARATOR

MAX_RADIO_CODES = 5  # more codes than this: a searchable combo box
LONG_TEXT = 200  # texts this long (or longer) get a multi-line editor
BOOLEAN_LABELS = {"Y": Text("Yes", "是"), "N": Text("No", "否")}  # the CRF's own wording
HARD_COLOUR = QColor("#b3261e")
SOFT_COLOUR = QColor("#8a5300")
_HARD_BACKGROUND = QColor("#fdecea")
_SOFT_BACKGROUND = QColor("#fff3dc")
_RETURN = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def missing_reason_label(reason: str) -> str:
    return {
        "NOT DONE": QCoreApplication.translate("ItemEditor", "Not done"),
        "UNKNOWN": QCoreApplication.translate("ItemEditor", "Unknown"),
        "NOT APPLICABLE": QCoreApplication.translate("ItemEditor", "Not applicable"),
    }.get(reason, reason)


def unit_text(study: Study, item: Item, lang: str) -> str:
    unit = study.units.get(item.unit or "")
    return unit.symbol.get(lang) if unit is not None else (item.unit or "")


def code_choices(study: Study, item: Item) -> list[tuple[str, Text]]:
    """(code, label) of a coded or boolean item, in codelist order."""
    if item.codelist:
        return [(c.code, c.label) for c in study.codelist(item.codelist).items]
    if item.data_type is DataType.BOOLEAN:
        return list(BOOLEAN_LABELS.items())
    return []


def display_text(study: Study, item: Item, text: str, lang: str) -> str:
    """A canonical value as people read it: codes decoded, Y/N as Yes/No."""
    if not text:
        return ""
    choices = dict(code_choices(study, item))
    if not choices:
        return text
    codes = text.split(MULTI_SEPARATOR) if item.multiple else [text]
    return "; ".join(choices[c].get(lang) if c in choices else c for c in codes)


def _look_read_only(widget: QWidget, read_only: bool) -> None:
    """A field that cannot be typed in does not look like one that can."""
    palette = QPalette()
    if read_only:
        palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.AlternateBase))
    widget.setPalette(palette)


_WIDTHS: dict[tuple[str, tuple[tuple[str, Text], ...]], dict[str, list[int]]] = {}


def label_widths(widget: QWidget, choices: Sequence[tuple[str, Text]]) -> dict[str, list[int]]:
    """The pixel width of each choice's label in both languages, measured once per font and
    codelist (a form's many Y/N lists would otherwise measure the same labels again and again)."""
    key = (widget.font().key(), tuple(choices))
    found = _WIDTHS.get(key)
    if found is None:
        metrics = widget.fontMetrics()
        found = _WIDTHS[key] = {
            lang: [metrics.horizontalAdvance(label.get(lang)) for _, label in choices]
            for lang in ("en", "zh")
        }
    return found


def _key_text(event: QKeyEvent) -> str:
    return event.text().strip().upper()


class ItemEditor(QWidget):
    """Base of every editor: value as canonical text, reason for missing, keys, findings."""

    _stretch = False  # the input takes the width of the field (long texts, lists)

    changed = Signal()  # the user changed the value or the reason for missing
    advance = Signal()  # Return: the form moves the caret to the next field

    def __init__(self, item: Item, study: Study, lang: str, *, compact: bool = False,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.item, self.study, self.lang, self.compact = item, study, lang, compact
        self.setObjectName(f"item_{item.name}")
        self._editable = True
        self._missing: str | None = None
        self._silent = False
        self._menu: QMenu | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        if compact:
            self._stretch = True  # fill the table cell
        self.input = self._build()
        layout.addWidget(self.input, 1 if self._stretch else 0)
        self._reason_button: QPushButton | None = None  # made when a reason is first set
        self.unit_label: QLabel | None = None
        if item.unit and not compact:
            self.unit_label = QLabel(unit_text(study, item, lang), self)
            self.unit_label.setObjectName("unit")
            layout.addWidget(self.unit_label)
        self.missing_button: QToolButton | None = None
        if item.allows_missing_reason and not compact:
            self.missing_button = QToolButton(self)
            self.missing_button.setObjectName("missingButton")
            self.missing_button.setText("∅")
            self.missing_button.setAutoRaise(True)
            self.missing_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keyboard: Shift+F10
            self.missing_button.clicked.connect(
                lambda: self.open_missing_menu(self.missing_button))
            layout.addWidget(self.missing_button, 0, Qt.AlignmentFlag.AlignTop)
        if not self._stretch:
            layout.addStretch(1)
        for widget in self._key_widgets():
            widget.installEventFilter(self)
        self._silent = True
        self._retranslate()
        self._silent = False
        self._retranslate_base()

    @property
    def reason_button(self) -> QPushButton:
        """Shown instead of the input while a reason for missing is set; pressing it goes back
        to entering a value."""
        if self._reason_button is None:
            button = QPushButton(self)
            button.setObjectName("missingReason")
            button.setVisible(False)
            button.setEnabled(self._editable)
            button.clicked.connect(self._clear_reason_clicked)
            button.installEventFilter(self)
            layout = self.layout()
            assert isinstance(layout, QHBoxLayout)
            layout.insertWidget(1, button)
            QWidget.setTabOrder(self._key_widgets()[-1], button)  # right after the input
            self._reason_button = button
        return self._reason_button

    # ---- what subclasses provide -------------------------------------------------------------
    def _build(self) -> QWidget:
        raise NotImplementedError

    def _get(self) -> str:
        raise NotImplementedError

    def _set(self, text: str) -> None:
        raise NotImplementedError

    def _set_editable(self, editable: bool) -> None:
        self.input.setEnabled(editable)

    def _focus_widget(self) -> QWidget:
        return self.input

    def _key_widgets(self) -> list[QWidget]:
        return [self._focus_widget()]

    def _key(self, event: QKeyEvent) -> bool:
        """Type-specific keys; True when handled."""
        return False

    def _retranslate(self) -> None:
        pass

    def _commit(self) -> None:
        """Finish what is being typed (normalise a date, resolve a combo text)."""

    # ---- public -------------------------------------------------------------------------------
    def value_text(self) -> str:
        """The canonical text to save ("" when empty or when a reason for missing is set)."""
        return "" if self._missing else self._get().strip()

    def missing_reason(self) -> str | None:
        return self._missing

    def set_value(self, text: str | None, missing: str | None = None) -> None:
        """Show a stored value (or reason for missing) without counting it as a user change."""
        self._silent = True
        try:
            self._set(text or "")
            self._apply_missing(missing if self.item.allows_missing_reason else None)
        finally:
            self._silent = False

    def set_missing_reason(self, reason: str | None) -> None:
        """Record (or clear, with None) a reason for missing, as the user would."""
        self._apply_missing(reason)
        if reason:
            self._silent = True
            self._set("")
            self._silent = False
        self._user_changed()

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self._set_editable(editable)
        if self._reason_button is not None:
            self._reason_button.setEnabled(editable)
        if self.missing_button is not None:
            self.missing_button.setVisible(editable and not self._missing)

    def is_editable(self) -> bool:
        return self._editable

    def focus_target(self) -> QWidget:
        return self.reason_button if self._missing else self._focus_widget()

    def focus_widgets(self) -> list[QWidget]:
        """Every widget of this editor that may hold the keyboard focus."""
        extra = [self._reason_button] if self._reason_button is not None else []
        return [*self._key_widgets(), *extra]

    def set_applicable(self, applicable: bool) -> None:
        """Hide the input (and reason) of a cell whose show-if condition is false."""
        self.setProperty("applicable", applicable)
        self.input.setVisible(applicable and not self._missing)
        if self._reason_button is not None:
            self._reason_button.setVisible(applicable and bool(self._missing))

    def setFocus(self, reason: Qt.FocusReason = Qt.FocusReason.OtherFocusReason) -> None:
        self.focus_target().setFocus(reason)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self._silent = True
        try:
            self._retranslate()
        finally:
            self._silent = False
        if self.unit_label is not None:
            self.unit_label.setText(unit_text(self.study, self.item, lang))
        self._retranslate_base()

    def mark(self, severity: str | None) -> None:
        """Tint the editor for a hard ("H") or soft ("S") finding; None removes the tint."""
        self.setProperty("finding", severity or "")
        if severity is None:
            self.setAutoFillBackground(False)
            self.setPalette(QPalette())
            return
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window,
                         _HARD_BACKGROUND if severity == "H" else _SOFT_BACKGROUND)  # fmt: skip
        self.setPalette(palette)
        self.setAutoFillBackground(True)

    def show_help(self, anchor: QWidget | None = None) -> None:
        text = self.item.help.get(self.lang) if self.item.help else ""
        if text:
            target = anchor or self.focus_target()
            QToolTip.showText(target.mapToGlobal(QPoint(0, target.height())), text, target)

    def open_missing_menu(self, anchor: QWidget | None = None) -> None:
        if not (self.item.allows_missing_reason and self._editable):
            return
        menu = QMenu(self)
        self._add_missing_actions(menu)
        target = anchor or self.focus_target()
        menu.exec(target.mapToGlobal(QPoint(0, target.height())))

    # ---- internals ----------------------------------------------------------------------------
    def _retranslate_base(self) -> None:
        hint = self.item.help.get(self.lang) if self.item.help else ""
        if self.item.allows_missing_reason:
            keys = QCoreApplication.translate("ItemEditor",
                                              "Shift+F10: record a reason for missing")
            hint = f"{hint}\n{keys}" if hint else keys
        self._focus_widget().setToolTip(hint)
        if self.missing_button is not None:
            self.missing_button.setToolTip(QCoreApplication.translate(
                "ItemEditor", "Record a reason for missing (not done, unknown, not applicable) "
                "instead of a value"))  # fmt: skip
        if self._reason_button is not None:
            self._reason_button.setText(f"{missing_reason_label(self._missing or '')}  ✕")
            self._reason_button.setToolTip(QCoreApplication.translate(
                "ItemEditor", "Reason for missing; press to enter a value instead"))

    def _add_missing_actions(self, menu: QMenu) -> None:
        for reason in MISSING_REASONS:
            action = menu.addAction(missing_reason_label(reason))
            action.setCheckable(True)
            action.setChecked(self._missing == reason)
            action.triggered.connect(lambda _=False, r=reason: self.set_missing_reason(r))
        if self._missing:
            menu.addSeparator()
            menu.addAction(QCoreApplication.translate("ItemEditor", "Enter a value instead"),
                           lambda: (self.set_missing_reason(None), self.setFocus()))  # fmt: skip

    def _apply_missing(self, reason: str | None) -> None:
        if (reason or None) == self._missing:
            return
        had_focus = any(w.hasFocus() for w in self.focus_widgets())
        self._missing = reason or None
        self.input.setVisible(not self._missing)
        if self._missing or self._reason_button is not None:
            self.reason_button.setVisible(bool(self._missing))
        if self.missing_button is not None:
            self.missing_button.setVisible(self._editable and not self._missing)
        self._retranslate_base()
        if had_focus:
            self.focus_target().setFocus()

    def _clear_reason_clicked(self) -> None:
        if self._editable:
            self.set_missing_reason(None)
            self.setFocus()

    def _user_changed(self, *_args: object) -> None:
        if not self._silent:
            self.changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key, mods = event.key(), event.modifiers()
            if key == Qt.Key.Key_F1:
                self.show_help()
                return True
            if (key == Qt.Key.Key_F10 and mods & Qt.KeyboardModifier.ShiftModifier) or (
                    key == Qt.Key.Key_Menu):  # fmt: skip
                self.open_missing_menu()
                return True
            if watched is not self._reason_button and self._editable and self._key(event):
                return True
            if key in _RETURN and not mods & Qt.KeyboardModifier.ShiftModifier:
                self._commit()
                self.advance.emit()
                return True
        elif kind == QEvent.Type.ContextMenu and self.item.allows_missing_reason and self._editable:
            text_box = isinstance(watched, QLineEdit | QPlainTextEdit)
            menu = watched.createStandardContextMenu() if text_box else QMenu(self)
            menu.addSeparator()
            self._add_missing_actions(menu)
            menu.exec(event.globalPos())  # type: ignore[attr-defined]
            menu.deleteLater()
            return True
        return super().eventFilter(watched, event)


# ---- one-line text, numbers, dates, times -------------------------------------------------------
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
        _look_read_only(self.edit, not editable)
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
        if event.key() in _RETURN and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.edit.insertPlainText("\n")
            return True
        return False

    def _get(self) -> str:
        return self.edit.toPlainText()

    def _set(self, text: str) -> None:
        self.edit.setPlainText(text)

    def _set_editable(self, editable: bool) -> None:
        self.edit.setReadOnly(not editable)
        _look_read_only(self.edit, not editable)


# ---- coded values: radio buttons, combo boxes, multi-select -------------------------------------
class RadioEditor(ItemEditor):
    """Up to five codes (and booleans) as radio buttons. Keys: a code's own character (Y/N, 0–4),
    else 1…n for the n-th choice; Delete clears."""

    def _build(self) -> QWidget:
        self.choices = code_choices(self.study, self.item)
        box = QWidget()
        box.setObjectName("choices")
        # one line when every choice fits in both languages (the layout survives a switch)
        widths = label_widths(box, self.choices)
        long = max(sum(w + 40 for w in widths[lang]) for lang in ("en", "zh")) > 560
        layout: QHBoxLayout | QVBoxLayout = QVBoxLayout(box) if long else QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2 if long else 14)
        self.group = QButtonGroup(box)
        self.buttons: list[QRadioButton] = []
        for index, (code, _label) in enumerate(self.choices):
            button = QRadioButton(box)
            button.setObjectName(f"choice_{code}")
            self.group.addButton(button, index)
            self.buttons.append(button)
            layout.addWidget(button)
        if not long:
            layout.addStretch(1)
        self.group.buttonClicked.connect(self._user_changed)
        return box

    def _retranslate(self) -> None:
        for button, (_code, label) in zip(self.buttons, self.choices, strict=True):
            button.setText(label.get(self.lang))

    def _key_widgets(self) -> list[QWidget]:
        return list(self.buttons)

    def _focus_widget(self) -> QWidget:
        checked = self.group.checkedButton()
        return checked if checked is not None else self.buttons[0]

    def _key(self, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if self._get():
                self._set("")
                self._user_changed()
            return True
        typed = _key_text(event)
        if not typed:
            return False
        codes = [code.upper() for code, _ in self.choices]
        aliases = {"是": "Y", "否": "N"} if self.item.data_type is DataType.BOOLEAN else {}
        typed = aliases.get(typed, typed)
        index = codes.index(typed) if typed in codes else None
        if index is None and typed.isdigit() and 1 <= int(typed) <= len(codes):
            index = int(typed) - 1
        if index is None:
            return False
        button = self.buttons[index]
        if not button.isChecked():
            button.setChecked(True)
            self._user_changed()
        button.setFocus()
        return True

    def _get(self) -> str:
        index = self.group.checkedId()
        return self.choices[index][0] if index >= 0 else ""

    def _set(self, text: str) -> None:
        codes = [code for code, _ in self.choices]
        self.group.setExclusive(False)
        for button, code in zip(self.buttons, codes, strict=True):
            button.setChecked(code == text)
        self.group.setExclusive(True)

    def _set_editable(self, editable: bool) -> None:
        for button in self.buttons:
            button.setEnabled(editable)


class ComboEditor(ItemEditor):
    """A codelist (or, compact, a boolean) as a combo box; long lists are searchable: typing
    matches code or label anywhere, and the text resolves to a code when it leaves the field."""

    _MATCH = Qt.ItemDataRole.UserRole + 1

    def _build(self) -> QWidget:
        self.choices = code_choices(self.study, self.item)
        self.searchable = self.item.data_type is not DataType.BOOLEAN or bool(self.item.codelist)
        combo = QComboBox()
        combo.setObjectName("value")
        combo.setEditable(self.searchable)
        combo.setMaxVisibleItems(15)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8 if self.compact else 24)
        if not self.compact:  # wide enough for the longest choice in either language
            widths = label_widths(combo, self.choices)
            widest = max((w for lang in ("en", "zh") for w in widths[lang]), default=0)
            combo.setMinimumWidth(min(max(widest + 48, 220), 560))
        if not self.searchable:
            combo.addItem("", "")
        for code, _label in self.choices:
            combo.addItem("", code)
        if self.searchable:
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            completer = QCompleter(combo.model(), combo)
            completer.setCompletionRole(self._MATCH)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            combo.setCompleter(completer)
            combo.lineEdit().textEdited.connect(self._user_changed)
            combo.lineEdit().editingFinished.connect(self._commit)
            combo.setCurrentIndex(-1)
        combo.activated.connect(self._user_changed)
        self.combo = combo
        return combo

    def _retranslate(self) -> None:
        current = self._get()
        offset = 0 if self.searchable else 1
        for index, (code, label) in enumerate(self.choices):
            text = label.get(self.lang)
            self.combo.setItemText(index + offset, text)
            self.combo.setItemData(index + offset, f"{code} {text}", self._MATCH)
        self._set(current)

    def _find(self, text: str) -> int:
        """Index of the code or label a typed text names (exact, else a unique partial match)."""
        wanted = text.strip().casefold()
        if not wanted:
            return -1
        offset = 0 if self.searchable else 1
        for index, (code, label) in enumerate(self.choices):
            if wanted in (code.casefold(), label.get(self.lang).casefold()):
                return index + offset
        partial = [i for i, (code, label) in enumerate(self.choices)
                   if wanted in f"{code} {label.get(self.lang)}".casefold()]  # fmt: skip
        return partial[0] + offset if len(partial) == 1 else -1

    def _commit(self) -> None:
        if not self.searchable:
            return
        text = self.combo.currentText()
        index = self._find(text)
        if index >= 0 and (index != self.combo.currentIndex()
                           or self.combo.itemText(index) != text):  # fmt: skip
            self.combo.setCurrentIndex(index)
            self.combo.lineEdit().setCursorPosition(0)
            self._user_changed()
        elif not text.strip() and self.combo.currentIndex() != -1:
            self.combo.setCurrentIndex(-1)
            self._user_changed()

    def _key(self, event: QKeyEvent) -> bool:
        if not self.searchable:
            typed = _key_text(event)
            typed = {"是": "Y", "否": "N"}.get(typed, typed)
            exact = [i for i, (code, _) in enumerate(self.choices) if code.upper() == typed]
            index = exact[0] + 1 if exact else -1
            if index > 0:
                if index != self.combo.currentIndex():
                    self.combo.setCurrentIndex(index)
                    self._user_changed()
                return True
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                if self.combo.currentIndex() > 0:
                    self.combo.setCurrentIndex(0)
                    self._user_changed()
                return True
            return False
        popup = self.combo.completer().popup() if self.combo.completer() else None
        if event.key() in _RETURN and popup is not None and popup.isVisible():
            return False  # let the completer take the highlighted choice first
        return False

    def _get(self) -> str:
        index = self.combo.currentIndex()
        offset = 0 if self.searchable else 1
        text = self.combo.currentText()
        if index >= offset and (not self.searchable or self.combo.itemText(index) == text):
            return self.choices[index - offset][0]
        if not self.searchable:
            return ""
        found = self._find(text)
        return self.choices[found][0] if found >= 0 else text.strip()

    def _set(self, text: str) -> None:
        codes = [code for code, _ in self.choices]
        offset = 0 if self.searchable else 1
        if text in codes:
            self.combo.setCurrentIndex(codes.index(text) + offset)
        elif self.searchable:
            self.combo.setCurrentIndex(-1)
            self.combo.setEditText(text)
        else:
            self.combo.setCurrentIndex(0)
        self._show_start()

    def _show_start(self) -> None:
        if self.searchable and not self.combo.hasFocus():
            self.combo.lineEdit().setCursorPosition(0)  # a long label reads from its start

    def _set_editable(self, editable: bool) -> None:
        self.combo.setEnabled(editable)


class MultiEditor(ItemEditor):
    """Multi-select codelist as a checkable list (Space toggles the current line)."""

    _stretch = True

    def _build(self) -> QWidget:
        self.choices = code_choices(self.study, self.item)
        self.list = QListWidget()
        self.list.setObjectName("value")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for code, _label in self.choices:
            entry = QListWidgetItem()
            entry.setData(Qt.ItemDataRole.UserRole, code)
            entry.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                           | Qt.ItemFlag.ItemIsSelectable)  # fmt: skip
            entry.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(entry)
        self.list.itemChanged.connect(self._user_changed)
        for index, (_code, label) in enumerate(self.choices):
            self.list.item(index).setText(label.get(self.lang))
        rows = min(len(self.choices), 8)
        frame = 2 * self.list.frameWidth() + 4
        self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows + frame)
        self.list.setMinimumWidth(300)
        self.list.setMaximumWidth(560)
        return self.list

    def _retranslate(self) -> None:
        for index, (_code, label) in enumerate(self.choices):
            self.list.item(index).setText(label.get(self.lang))

    def _key(self, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key.Key_Space and self.list.currentItem() is not None:
            entry = self.list.currentItem()
            checked = entry.checkState() == Qt.CheckState.Checked
            entry.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
            return True
        return False

    def _get(self) -> str:
        return MULTI_SEPARATOR.join(
            self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        )  # fmt: skip

    def _set(self, text: str) -> None:
        chosen = set(filter(None, text.split(MULTI_SEPARATOR)))
        for index in range(self.list.count()):
            entry = self.list.item(index)
            on = entry.data(Qt.ItemDataRole.UserRole) in chosen
            entry.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _set_editable(self, editable: bool) -> None:
        self.list.setEnabled(editable)


class MultiMenuEditor(ItemEditor):
    """Compact multi-select (inside a table): a button listing the choices; Space opens the
    menu of checkable choices."""

    def _build(self) -> QWidget:
        self.choices = code_choices(self.study, self.item)
        self._chosen: list[str] = []
        self.button = QToolButton()
        self.button.setObjectName("value")
        self.button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.menu = QMenu(self.button)
        self.actions_by_code = {}
        for code, _label in self.choices:
            action = self.menu.addAction("")
            action.setCheckable(True)
            action.toggled.connect(self._toggled)
            self.actions_by_code[code] = action
        self.button.setMenu(self.menu)
        return self.button

    def _toggled(self) -> None:
        self._refresh()
        self._user_changed()

    def _refresh(self) -> None:
        self._chosen = [c for c, _ in self.choices if self.actions_by_code[c].isChecked()]
        self.button.setText(display_text(self.study, self.item, self._get(), self.lang) or "…")

    def _retranslate(self) -> None:
        for code, label in self.choices:
            self.actions_by_code[code].setText(label.get(self.lang))
        self._refresh()

    def _get(self) -> str:
        return MULTI_SEPARATOR.join(self._chosen)

    def _set(self, text: str) -> None:
        chosen = set(filter(None, text.split(MULTI_SEPARATOR)))
        for code, action in self.actions_by_code.items():
            action.blockSignals(True)
            action.setChecked(code in chosen)
            action.blockSignals(False)
        self._refresh()


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
