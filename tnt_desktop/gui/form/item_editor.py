"""The base of every item editor (`ItemEditor`) and what all of them share: colours, the
reason-for-missing menu, unit and choice texts, key handling. The editors themselves are in
`gui/form/item_widgets.py` (text, numbers, dates, derived values, `make_editor`) and
`gui/form/choice_editors.py` (radio buttons, combo boxes, multi-select); see `item_widgets` for the
whole picture.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QToolTip,
    QWidget,
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
RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
CHOICE_WIDTH = 360  # px: the widest a choice text, combo or list may be (a form fits 1280 px)


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


def look_read_only(widget: QWidget, read_only: bool) -> None:
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


def wrap_to_width(text: str, metrics: QFontMetrics, width: int, max_lines: int = 4) -> str:
    """Break a text into lines that fit `width` (between words, or between CJK characters,
    which have no spaces to break at)."""
    tokens: list[str] = []
    for word in text.split(" "):
        if any(ord(ch) > 0x2E80 for ch in word):
            tokens.extend(word)  # one token per character
        else:
            tokens.append(word)
    lines, line = [], ""
    for token in tokens:
        cjk = len(token) == 1 and ord(token) > 0x2E80
        joiner = "" if (cjk or not line or (line and ord(line[-1]) > 0x2E80)) else " "
        candidate = f"{line}{joiner}{token}"
        if line and metrics.horizontalAdvance(candidate) > width:
            lines.append(line)
            line = token
        else:
            line = candidate
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += " …"
    return "\n".join(lines)


def key_text(event: QKeyEvent) -> str:
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
            if key in RETURN_KEYS and not mods & Qt.KeyboardModifier.ShiftModifier:
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
