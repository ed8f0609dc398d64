"""A repeating group's values: what applies per row (show-if), the rows to send as the entry
session's diff against what was loaded (`RowEntry`, keyed by the stored row), derived values
from the preview, and the findings tinted on their cells. A part of `RowTable`
(gui/form/row_table.py); its texts keep the table's translation context."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from tnt_desktop.services.form_entries import RowEntry
from tnt_desktop.study.model import Item

translate = QCoreApplication.translate  # the texts keep the context "RowTable"


class RowValues:
    """Mixin of `RowTable`: see the module docstring."""

    def row_values(self, index: int) -> dict[str, str]:
        return {name: editor.value_text() for name, editor in self.rows[index].editors.items()}

    def apply_conditions(self) -> None:
        """Hide (and lock) the cells whose condition does not hold for their row."""
        for index, row in enumerate(self.rows):
            values = self.row_values(index)
            for item in self.items:
                if item.condition is None:
                    continue
                editor = row.editors[item.name]
                on = self._applicable(item, values)
                editor.set_applicable(on)
                if row.page is not None:  # the detail panel hides the whole line
                    editor.setVisible(on)
                    row.page.labels[item.name].setVisible(on)
                if self.editable and not item.is_derived and not item.locked:
                    editor.set_editable(on)

    def is_applicable(self, index: int, name: str) -> bool:
        value = self.rows[index].editors[name].property("applicable")
        return value is None or bool(value)

    def current_cells(self, index: int) -> dict[str, tuple[str, str | None]]:
        """(value, reason) per item as it would be saved: a cell that does not apply is empty."""
        cells = {}
        for name, editor in self.rows[index].editors.items():
            if not self.is_applicable(index, name):
                cells[name] = ("", None)
            else:
                cells[name] = (editor.value_text(), editor.missing_reason())
        return cells

    def is_changed(self) -> bool:
        return self.entries() is not None

    def entries(self) -> list[RowEntry] | None:
        """The rows to send (`FormEntry.rows[group]`), or None when nothing changed."""
        entries: list[RowEntry] = []
        loaded = self._loaded_keys
        changed = [row.key for row in self.rows] != loaded
        for index, row in enumerate(self.rows):
            entry = RowEntry(key=row.key)
            cells = self.current_cells(index)
            for item in self.items:
                if item.is_derived and not item.editable_derived:
                    continue
                value, reason = cells[item.name]
                old_value, old_reason = row.baseline.get(item.name, ("", None))
                if not _same(item, value, old_value):
                    entry.values[item.name] = value
                if (reason or None) != (old_reason or None):
                    entry.missing[item.name] = reason or ""
            if entry.values or entry.missing or row.key is None:
                changed = True
            entries.append(entry)
        return entries if changed else None

    @property
    def _loaded_keys(self) -> list[int | None]:
        return getattr(self, "_keys_at_load", [])

    def mark_loaded(self) -> None:
        """Remember the current rows as the saved state (after load)."""
        self._keys_at_load = [row.key for row in self.rows]

    def set_derived(self, index: int, name: str, text: str) -> None:
        if 0 <= index < len(self.rows) and name in self.rows[index].editors:
            editor = self.rows[index].editors[name]
            editor.set_value(text)
            self.rows[index].baseline[name] = (text, None)

    def show_findings(self, findings: list[tuple[int | None, str, str, str]]) -> None:
        """(row index or None, item name or "", severity "H"/"S", message): tint the cells and
        list the messages under the table."""
        for row in self.rows:
            for editor in row.editors.values():
                editor.mark(None)
                editor.setToolTip("")
        lines: dict[str, list[str]] = {"H": [], "S": []}
        for index, name, severity, message in findings:
            valid = index is not None and 0 <= index < len(self.rows)
            if valid and name in self.rows[index].editors:
                editor = self.rows[index].editors[name]
                editor.mark(severity)
                editor.setToolTip(message)
            where = translate("RowTable", "Row {n}: ").format(n=index + 1) if valid else ""
            lines["H" if severity == "H" else "S"].append(f"{where}{message}")
        for severity, label in self.finding_labels.items():
            label.setText("\n".join(lines[severity]))
            label.setVisible(bool(lines[severity]))


def _same(item: Item, a: str, b: str) -> bool:
    """Equal as values (170 and 170.0 are the same weight)."""
    if a == b:
        return True
    if not a or not b:
        return False
    from tnt_desktop.study.values import ValueError_, format_value, parse_value

    try:
        return format_value(item, parse_value(item, a)) == format_value(item, parse_value(item, b))
    except (ValueError_, ValueError, ArithmeticError):
        return False
