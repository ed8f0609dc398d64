"""A repeating item group (RT fractions, chemotherapy administrations, MH/AE/CM logs, wound
events…) as an editable table: one row per record, one compact editor per cell, Add row /
Remove row. Each row keeps the stored row key it came from (`RowEntry.key`, None for a new row),
so the services update that row and audit it under its own key.

Columns come in entry order and a counter item numbers new rows by itself; a wide group (AE,
wound complications…) shows a summary table and the selected row's items in a detail panel
below it (gui/form/row_detail.py). The rows' values, the diff to save and the findings on the
cells are gui/form/row_values.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.gui.form.item_editor import (
    RETURN_KEYS,
    display_text,
    missing_reason_label,
    wrap_to_width,
)
from tnt_desktop.gui.form.item_widgets import (
    HARD_COLOUR,
    SOFT_COLOUR,
    ItemEditor,
    make_editor,
    unit_text,
)
from tnt_desktop.gui.form.row_detail import (
    DetailPage,
    counter_item,
    entry_order,
    label_text,
    summary_columns,
    uses_detail,
)
from tnt_desktop.gui.form.row_values import RowValues
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import DataType, Form, Item, ItemGroup, Req

SUMMARY_ROWS = 5  # rows of a wide group's summary table shown before it scrolls


@dataclass
class TableRow:
    key: int | None  # stored row key; None until the row is saved
    editors: dict[str, ItemEditor]
    baseline: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # as loaded
    page: DetailPage | None = None  # the row-detail panel's page (wide groups only)


def column_width(item: Item) -> int:
    dt = item.data_type
    if item.is_derived and not item.editable_derived:
        return 150 if dt is DataType.TEXT and not item.name.endswith("SPID") else 110
    if item.multiple or item.codelist:
        return 200
    return {
        DataType.DATE: 140, DataType.PARTIAL_DATE: 140, DataType.TIME: 80,
        DataType.INTEGER: 90, DataType.FLOAT: 100, DataType.BOOLEAN: 90,
        DataType.DATETIME: 170,
    }.get(dt, 150 if (item.length or 0) <= 30 else 260)  # fmt: skip


class RowTable(RowValues, QWidget):
    """Editable table of one repeating group."""

    changed = Signal()  # a cell changed, or a row was added or removed
    structureChanged = Signal()  # rows added or removed (the form renews its tab order)
    advanceFrom = Signal(object)  # Return in a cell (the ItemEditor) or on Add row (the button)

    def __init__(self, form: Form, group: ItemGroup, study: Study, lang: str, *,
                 editable: bool, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.form, self.group, self.study, self.lang = form, group, study, lang
        self.editable = editable
        self.setObjectName(f"table_{group.name}")
        self.rows: list[TableRow] = []
        self.items = entry_order(group.items)
        self.counter = counter_item(self.items)  # numbers a new row by itself
        self.detail = uses_detail(self.items)
        self.columns = summary_columns(self.items) if self.detail else list(self.items)
        self._applicable: Callable[[Item, Mapping[str, Any]], bool] = lambda item, row: True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.table = QTableWidget(0, len(self.columns), self)
        self.table.setObjectName("rows")
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setTabKeyNavigation(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, item in enumerate(self.columns):
            width = column_width(item)
            self.table.setColumnWidth(column, min(width, 220) if self.detail else width)
            self.table.setHorizontalHeaderItem(column, QTableWidgetItem())
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        layout.addWidget(self.table)
        self.detail_stack: QStackedWidget | None = None
        if self.detail:
            header.setStretchLastSection(True)
            self.detail_stack = QStackedWidget(self)
            self.detail_stack.setObjectName("rowDetails")
            self.detail_stack.setFrameShape(QStackedWidget.Shape.StyledPanel)
            layout.addWidget(self.detail_stack)
            self.table.currentCellChanged.connect(lambda r, *_: self.show_row(r))
        self.finding_labels: dict[str, QLabel] = {}
        for severity, colour in (("H", HARD_COLOUR), ("S", SOFT_COLOUR)):
            label = QLabel(self)
            label.setObjectName("rowErrors" if severity == "H" else "rowWarnings")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setVisible(False)
            palette = label.palette()
            palette.setColor(label.foregroundRole(), colour)
            label.setPalette(palette)
            layout.addWidget(label)
            self.finding_labels[severity] = label
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addRow")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._add_clicked)
        self.add_button.installEventFilter(self)
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("removeRow")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_current_row)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.add_button.setVisible(editable)
        self.remove_button.setVisible(editable)
        self._row_height = 30
        self.retranslate(lang)
        self._fit()

    # ---- building -----------------------------------------------------------------------------
    def set_applicability(self, test: Callable[[Item, Mapping[str, Any]], bool]) -> None:
        """How to decide whether a conditional item applies to a row (the form's lookup)."""
        self._applicable = test

    def load(self, rows: list[tuple[int | None, dict[str, str], dict[str, str]]]) -> None:
        """Replace every row with stored rows: (row key, canonical values, missing reasons)."""
        self.table.setRowCount(0)
        self.rows = []
        for key, values, missing in rows:
            self._append(key, values, missing)
        self._after_structure()

    def _append(self, key: int | None, values: Mapping[str, str],
                missing: Mapping[str, str]) -> TableRow:  # fmt: skip
        index = self.table.rowCount()
        self.table.insertRow(index)
        editors: dict[str, ItemEditor] = {}
        row = TableRow(key, editors)
        if self.detail_stack is not None:
            row.page = DetailPage()
        for item in self.items:
            editor = make_editor(item, self.study, self.lang, compact=not self.detail)
            editor.setObjectName(f"{self.group.name}_{item.name}")
            value, reason = values.get(item.name, ""), missing.get(item.name)
            editor.set_value(value, reason)
            row.baseline[item.name] = (value, reason)
            if not self.editable:
                editor.set_editable(False)
            editor.changed.connect(self._cell_changed)
            editor.advance.connect(lambda e=editor: self.advanceFrom.emit(e))
            for widget in editor.focus_widgets():
                widget.installEventFilter(self)
            editors[item.name] = editor
            if row.page is not None:
                row.page.add(item, editor)
        for column, item in enumerate(self.columns):
            if row.page is not None:
                self.table.setItem(index, column, QTableWidgetItem())
            else:
                editor = editors[item.name]
                self.table.setCellWidget(index, column, editor)
                self._row_height = max(self._row_height, editor.sizeHint().height() + 4)
        if row.page is not None and self.detail_stack is not None:
            self.detail_stack.addWidget(row.page)
        self.rows.append(row)
        if row.page is not None:
            self._label_page(row)
            self._summarise(index)
        return row

    def _label_page(self, row: TableRow) -> None:
        if row.page is None:
            return
        for item in self.items:
            unit = unit_text(self.study, item, self.lang) if item.unit else ""
            row.page.labels[item.name].setText(label_text(item, self.lang, unit))

    def _summarise(self, index: int) -> None:
        """The summary table's cells of one row (wide groups)."""
        row = self.rows[index]
        for column, item in enumerate(self.columns):
            cell = self.table.item(index, column)
            if cell is None:
                continue
            editor = row.editors[item.name]
            reason = editor.missing_reason()
            text = (missing_reason_label(reason) if reason else
                    display_text(self.study, item, editor.value_text(), self.lang))  # fmt: skip
            cell.setText(text)
            cell.setToolTip(text)

    def show_row(self, index: int) -> None:
        """Show one row's items in the detail panel (wide groups)."""
        if self.detail_stack is None or not 0 <= index < len(self.rows):
            return
        page = self.rows[index].page
        if page is not None and self.detail_stack.currentWidget() is not page:
            self.detail_stack.setCurrentWidget(page)
        if self.table.currentRow() != index:
            self.table.selectRow(index)
        cell = self.table.item(index, 0)
        if cell is not None:
            self.table.scrollToItem(cell)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        metrics = self.table.horizontalHeader().fontMetrics()
        for column, item in enumerate(self.columns):
            text = item.label.get(lang)
            unit = unit_text(self.study, item, lang) if item.unit else ""
            if unit:
                text += f" ({unit})"
            if item.req is Req.REQUIRED:
                text += " *"
            width = self.table.columnWidth(column) - 12
            header = self.table.horizontalHeaderItem(column)
            header.setText(wrap_to_width(text, metrics, width))
            tip = item.help.get(lang) if item.help else ""
            header.setToolTip(f"{item.name}: {item.label.get(lang)}" + (f"\n{tip}" if tip else ""))
        for index, row in enumerate(self.rows):
            for editor in row.editors.values():
                editor.retranslate(lang)
            if row.page is not None:
                self._label_page(row)
                self._summarise(index)
        self.add_button.setText(self.tr("&Add row"))
        self.add_button.setToolTip(self.tr("Add a row (Return); Tab moves on past the table"))
        self.remove_button.setText(self.tr("Remove row"))
        self.remove_button.setToolTip(self.tr("Remove the row holding the cursor (Ctrl+Delete)"))
        self._fit()

    def _fit(self) -> None:
        """Show every row (the form scrolls, not the table); a horizontal scroll bar only when
        the columns are wider than the form."""
        self.table.verticalHeader().setDefaultSectionSize(self._row_height)
        header = self.table.horizontalHeader()
        shown = max(self.table.rowCount(), 1)
        if self.detail and shown > SUMMARY_ROWS:  # the detail panel stays near its row
            shown = SUMMARY_ROWS
            self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        height = header.sizeHint().height() + self._row_height * shown
        height += 2 * self.table.frameWidth()
        total = sum(self.table.columnWidth(c) for c in range(self.table.columnCount()))
        if total + self.table.verticalHeader().sizeHint().width() > self.table.width():
            height += self.table.horizontalScrollBar().sizeHint().height()
        self.table.setFixedHeight(height)
        full = self.group.max_rows is not None and len(self.rows) >= self.group.max_rows
        self.add_button.setEnabled(self.editable and not full)
        self.remove_button.setEnabled(self.editable and bool(self.rows))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _after_structure(self) -> None:
        for index in range(len(self.rows)):
            self.table.setVerticalHeaderItem(index, QTableWidgetItem(str(index + 1)))
        if self.detail_stack is not None:
            self.detail_stack.setVisible(bool(self.rows))
            if self.rows and not 0 <= self.table.currentRow() < len(self.rows):
                self.show_row(0)
        self._fit()
        self.structureChanged.emit()

    # ---- editing ------------------------------------------------------------------------------
    def add_row(self) -> TableRow | None:
        if not self.editable or not self.add_button.isEnabled():
            return None
        defaults = {i.name: i.default for i in self.items if i.default is not None}
        if self.counter is not None:  # the next number, as the paper log would have it
            numbers = [int(t) for r in self.rows
                       if (t := r.editors[self.counter.name].value_text()).lstrip("-").isdigit()]
            defaults[self.counter.name] = str(max(numbers, default=0) + 1)
        row = self._append(None, defaults, {})
        for name in defaults:
            row.baseline[name] = ("", None)  # a default is a value to save
        self._after_structure()
        self.changed.emit()
        return row

    def _add_clicked(self) -> None:
        row = self.add_row()
        if row is not None:
            self.show_row(len(self.rows) - 1)
            first = self.first_editor(len(self.rows) - 1)
            if first is not None:
                self.table.scrollToTop()
                first.setFocus()

    def remove_row(self, index: int) -> None:
        if not self.editable or not 0 <= index < len(self.rows):
            return
        self.table.removeRow(index)
        page = self.rows[index].page
        if page is not None and self.detail_stack is not None:
            self.detail_stack.removeWidget(page)
            page.deleteLater()
        del self.rows[index]
        self._after_structure()
        self.changed.emit()
        if self.rows:
            target = self.first_editor(min(index, len(self.rows) - 1))
            if target is not None:
                target.setFocus()
        else:
            self.add_button.setFocus()

    def current_row(self) -> int:
        focus = self.focusWidget()
        for index, row in enumerate(self.rows):
            for editor in row.editors.values():
                if focus is not None and (focus is editor or editor.isAncestorOf(focus)):
                    return index
        return self.table.currentRow()

    def remove_current_row(self) -> None:
        index = self.current_row()
        if index < 0 and self.rows:
            index = len(self.rows) - 1
        self.remove_row(index)

    def _cell_changed(self) -> None:
        if self.detail:
            for index in range(len(self.rows)):
                self._summarise(index)
        self.changed.emit()

    def first_editor(self, index: int) -> ItemEditor | None:
        """The first cell to type in (past a row number that numbered itself)."""
        row = self.rows[index]
        for item in self.items:
            editor = row.editors[item.name]
            if item is self.counter and editor.value_text():
                continue
            if editor.is_editable() and editor.isVisibleTo(self):
                return editor
        return None

    def editor(self, index: int, name: str) -> ItemEditor:
        return self.rows[index].editors[name]

    def stops(self) -> list[ItemEditor | QPushButton]:
        """Where Return moves through this table: each row's cells, then Add row."""
        found: list[ItemEditor | QPushButton] = []
        for row in self.rows:
            found.extend(row.editors[item.name] for item in self.items)
        found.append(self.add_button)
        return found

    def focus_widgets(self) -> list[QWidget]:
        """Every focusable widget, row by row, for the form's tab order."""
        widgets: list[QWidget] = []
        for row in self.rows:
            for item in self.items:
                widgets.extend(row.editors[item.name].focus_widgets())
        return [*widgets, self.add_button, self.remove_button]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusIn:
            for index, row in enumerate(self.rows):
                for item in self.items:
                    editor = row.editors[item.name]
                    if not editor.isAncestorOf(watched):  # type: ignore[arg-type]
                        continue
                    if self.detail:
                        self.show_row(index)
                    else:
                        column = self.columns.index(item)
                        self.table.setCurrentCell(index, column)
                        self.table.scrollTo(self.table.model().index(index, column))
                    break
        elif kind == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if watched is self.add_button and event.key() in RETURN_KEYS:
                self.advanceFrom.emit(self.add_button)
                return True
            if (event.key() == Qt.Key.Key_Delete
                    and event.modifiers() & Qt.KeyboardModifier.ControlModifier):  # fmt: skip
                self.remove_current_row()
                return True
        return super().eventFilter(watched, event)

    # ---- values -------------------------------------------------------------------------------
