"""The form screen's findings: hard errors in red and soft warnings in amber under the field
(or in the row) they name, the banner above the form, and the words that name an item or a row
in the save dialogs.

A part of `FormView` (gui/form/view.py); its texts keep the view's translation context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel

from tnt_desktop.gui.form.fields import Field
from tnt_desktop.gui.form.item_widgets import HARD_COLOUR, SOFT_COLOUR, ItemEditor
from tnt_desktop.gui.form.row_table import RowTable
from tnt_desktop.gui.wording import describe_finding, finding_tooltip, shows_details
from tnt_desktop.services.form_entries import finding_key
from tnt_desktop.study.model import Finding, Severity

translate = QCoreApplication.translate  # the texts keep the view's context, "FormView"


class FormFindings:
    """Mixin of `FormView`: see the module docstring."""

    def _row_key(self, finding: Finding) -> int | None:
        if finding.row is None or not finding.items:
            return None
        table = self._table_for(finding)
        if table is None or not 0 <= finding.row < len(table.rows):
            return None
        return table.rows[finding.row].key

    def _table_for(self, finding: Finding) -> RowTable | None:
        parts = finding.items[0].split(".") if finding.items else []
        if len(parts) < 2 or parts[0] != self.form.code:
            return None
        if len(parts) == 3 and parts[1] in self.tables:
            return self.tables[parts[1]]
        for table in self.tables.values():
            if any(i.name == parts[-1] for i in table.items) and finding.row is not None and (
                    finding.row < len(table.rows)):  # fmt: skip
                return table
        return None

    def _describe(self, finding: Finding) -> str:
        """The finding in clinical words (labels, visit names); the data manager also gets the
        check ID and the variable names on a details line (issue 16)."""
        return describe_finding(self.context, finding, self.form.code)

    def _show_findings(self) -> None:
        """Put every finding under the field (or table) it names; the rest above the form."""
        findings = list(self._findings)
        shown = {(f.check_id, f.items, f.row) for f in findings}
        for finding in self._failed:  # what the refused save asked for, while still missing
            if (finding.check_id, finding.items, finding.row) not in shown and (
                    self._still_failing(finding)):  # fmt: skip
                findings.append(finding)
        per_field: dict[str, list[tuple[str, str]]] = {}
        per_table: dict[str, list[tuple[int | None, str, str, str]]] = {}
        general: dict[str, list[str]] = {"H": [], "S": []}
        tips: dict[str, list[str]] = {}  # check ID and variables, for who works with them
        for finding in findings:
            severity = "H" if finding.severity is Severity.HARD else "S"
            message = self._describe(finding)
            if severity == "S":
                confirmed = self._confirmed.get(finding_key(finding, self._row_key(finding)))
                if confirmed:
                    message = translate("FormView", "{message} — confirmed: {reason}").format(
                        message=message, reason=confirmed)  # fmt: skip
            placed = False
            for ref in finding.items:
                parts = ref.split(".")
                if parts[0] != self.form.code:
                    continue
                name = parts[-1]
                if finding.row is not None:
                    table = self._table_for(finding)
                    if table is not None:
                        per_table.setdefault(table.group.name, []).append(
                            (finding.row, name, severity, message))
                        placed = True
                        break
                elif name in self.fields and self.fields[name].applicable:
                    per_field.setdefault(name, []).append((severity, message))
                    tips.setdefault(name, []).append(finding_tooltip(self.context, finding))
                    placed = True
                    break
            if not placed:
                general[severity].append(message)
        for name, field_ in self.fields.items():
            entries = per_field.get(name, [])
            worst = "H" if any(s == "H" for s, _ in entries) else ("S" if entries else None)
            field_.editor.mark(worst)
            if entries or field_.messages is not None:
                label = self._messages_of(field_)
                label.setText("\n".join(m for _s, m in entries))
                if shows_details(self.context):
                    label.setToolTip("\n".join(tips.get(name, [])))
                palette = label.palette()
                palette.setColor(QPalette.ColorRole.WindowText,
                                 HARD_COLOUR if worst == "H" else SOFT_COLOUR)  # fmt: skip
                label.setPalette(palette)
                label.setVisible(bool(entries) and field_.applicable)
        for name, table in self.tables.items():
            table.show_findings(per_table.get(name, []))
        for severity, label in self.form_messages.items():
            label.setText("\n".join(general[severity]))
            label.setVisible(bool(general[severity]))

    def _still_failing(self, finding: Finding) -> bool:
        if finding.check_id != "REQUIRED" or not finding.items:
            return False
        name = finding.items[0].split(".")[-1]
        field_ = self.fields.get(name)
        if field_ is None:
            return finding.row is not None
        return field_.applicable and not field_.editor.value_text() and not (
            field_.editor.missing_reason())  # fmt: skip

    def _messages_of(self, field_: Field) -> QLabel:
        if field_.messages is None:
            box = self.group_boxes[field_.group.name]
            field_.messages = self._message_label(box, "H")
            field_.messages.setObjectName(f"messages_{field_.item.name}")
            assert field_.grid is not None
            field_.grid.addWidget(field_.messages, field_.grid_row, 2)
        return field_.messages

    def message_text(self, name: str) -> str:
        """The findings shown under a main item (for tests and for people reading code)."""
        field_ = self.fields[name]
        if field_.messages is None or not field_.messages.isVisibleTo(self):
            return ""
        return field_.messages.text()

    def _editor_for(self, findings: Iterable[Finding]) -> ItemEditor | None:
        for finding in findings:
            for ref in finding.items:
                parts = ref.split(".")
                if parts[0] != self.form.code:
                    continue
                if finding.row is not None:
                    table = self._table_for(finding)
                    if table is not None and parts[-1] in table.rows[finding.row].editors:
                        return table.editor(finding.row, parts[-1])
                field_ = self.fields.get(parts[-1])
                if field_ is not None and field_.applicable:
                    return field_.editor
        return None

    def _set_banner(self, text: str, severity: str = "H") -> None:
        palette = self.banner.palette()
        palette.setColor(QPalette.ColorRole.WindowText,
                         HARD_COLOUR if severity == "H" else SOFT_COLOUR)  # fmt: skip
        self.banner.setPalette(palette)
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def _describe_ref(self, ref: str) -> str:
        """"CT.EXDOSE[3]" → "Dose given, row 2" for the reason-for-change dialog."""
        match = re.fullmatch(r"([^.]+)\.([^\[]+)(?:\[(\d+)\])?", ref)
        if match is None:
            return ref
        name, key = match.group(2), match.group(3)
        item = self.form.item(name.split(".")[-1])
        text = self.context.text(item.label) if item is not None else name
        if key is not None:
            for table in self.tables.values():
                keys = [row.key for row in table.rows]
                if int(key) in keys and any(i.name == name for i in table.items):
                    number = keys.index(int(key)) + 1
                    text = translate("FormView", "{item}, row {n}").format(item=text, n=number)
                    break
            else:
                text = translate("FormView", "{item}, removed row").format(item=text)
        return text
