"""Editors for coded items: radio buttons (booleans and short codelists), a searchable combo box
(long codelists), and multi-select as a checkable list or a menu (see `item_widgets.py`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.gui.form.item_editor import (
    CHOICE_WIDTH,
    RETURN_KEYS,
    ItemEditor,
    code_choices,
    display_text,
    key_text,
    label_widths,
    wrap_to_width,
)
from tnt_desktop.study.model import DataType
from tnt_desktop.study.values import MULTI_SEPARATOR


class RadioEditor(ItemEditor):
    """Up to five codes (and booleans) as radio buttons. Keys: a code's own character (Y/N, 0–4),
    else 1…n for the n-th choice; Delete clears."""

    def _build(self) -> QWidget:
        self.choices = code_choices(self.study, self.item)
        box = QWidget()
        box.setObjectName("choices")
        # one line when every choice fits in both languages (the layout survives a switch);
        # else one choice per line, long texts wrapped to CHOICE_WIDTH (issue 16: a form fits
        # 1280 px without scrolling sideways)
        widths = label_widths(box, self.choices)
        long = max(sum(w + 40 for w in widths[lang]) for lang in ("en", "zh")) > CHOICE_WIDTH
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
        metrics = self.buttons[0].fontMetrics() if self.buttons else None
        for button, (_code, label) in zip(self.buttons, self.choices, strict=True):
            text = label.get(self.lang)
            if metrics is not None and metrics.horizontalAdvance(text) > CHOICE_WIDTH - 30:
                button.setToolTip(text)
                text = wrap_to_width(text, metrics, CHOICE_WIDTH - 30, max_lines=6)
            button.setText(text)

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
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Right: 1,
                Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))  # fmt: skip
        if step is not None and not event.modifiers() & Qt.KeyboardModifier.AltModifier:
            # arrows choose, as in every radio group (issue 16), not merely move the focus
            focused = next((i for i, b in enumerate(self.buttons) if b.hasFocus()), None)
            current = self.group.checkedId()
            start = current if current >= 0 else (focused if focused is not None else -step)
            index = max(0, min(len(self.buttons) - 1, start + step))
            if current < 0 and focused is not None:
                index = focused  # the first arrow on an empty group chooses the focused one
            button = self.buttons[index]
            if not button.isChecked():
                button.setChecked(True)
                self._user_changed()
            button.setFocus()
            return True
        typed = key_text(event)
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
            combo.setMinimumWidth(min(max(widest + 48, 220), CHOICE_WIDTH))
            combo.view().setMinimumWidth(min(widest + 48, 900))  # the list shows whole texts
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
            typed = key_text(event)
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
        if event.key() in RETURN_KEYS and popup is not None and popup.isVisible():
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
        self.list.setMinimumWidth(260)
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
