"""The two questions a save can ask: why saved data change (reason for change) and why a soft
warning is accepted as it is (override reason). Both only collect answers; the form view passes
them to `save_form` and retries."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.gui.form.item_widgets import SOFT_COLOUR
from tnt_desktop.services.form_entries import CHANGE_REASON_LABELS, ChangeReason
from tnt_desktop.study.model import Finding


def _coloured(label: QLabel, colour) -> QLabel:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), colour)
    label.setPalette(palette)
    return label


class ReasonForChangeDialog(QDialog):
    """Coded reason (keys 1–5) and free text; "Other" needs the text."""

    def __init__(self, items: list[str], lang: str, describe: Callable[[str], str],
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("reasonForChangeDialog")
        self.setWindowTitle(self.tr("Reason for change"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("These saved values change. Why?"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        changed = QLabel("\n".join(f"• {describe(ref)}" for ref in items[:12])
                         + ("\n…" if len(items) > 12 else ""))  # fmt: skip
        changed.setObjectName("changedItems")
        changed.setWordWrap(True)
        changed.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(changed)
        box = QGroupBox(self.tr("Reason"))
        box_layout = QVBoxLayout(box)
        self.group = QButtonGroup(self)
        self.codes = list(ChangeReason)
        for index, code in enumerate(self.codes):
            button = QRadioButton(f"&{index + 1}  {CHANGE_REASON_LABELS[code].get(lang)}")
            button.setObjectName(f"reason_{code.value}")
            self.group.addButton(button, index)
            box_layout.addWidget(button)
        layout.addWidget(box)
        self.text_label = QLabel(self.tr("&Explanation (required for Other):"))
        self.text = QLineEdit()
        self.text.setObjectName("reasonText")
        self.text.setMaxLength(500)
        self.text_label.setBuddy(self.text)
        layout.addWidget(self.text_label)
        layout.addWidget(self.text)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.group.idToggled.connect(self._update)
        self.text.textChanged.connect(self._update)
        self._update()

    def _update(self, *_args) -> None:
        reason = self.reason()
        ok = reason is not None and (reason != ChangeReason.OTHER or bool(self.reason_text()))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def reason(self) -> str | None:
        index = self.group.checkedId()
        return self.codes[index].value if index >= 0 else None

    def reason_text(self) -> str:
        return self.text.text().strip()

    def set_reason(self, code: str, text: str = "") -> None:
        self.group.button(self.codes.index(ChangeReason(code))).setChecked(True)
        self.text.setText(text)


class OverrideDialog(QDialog):
    """Each soft warning with a field for the reason it is accepted (all required)."""

    def __init__(self, findings: list[tuple[str, Finding]], lang: str,
                 describe: Callable[[Finding], str],
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("overrideDialog")
        self.setWindowTitle(self.tr("Confirm warnings"))
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "The values below are unusual. Check them against the source document. To save them "
            "as they are, give the reason for each (for example, what the source says)."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        body = QWidget()
        form = QFormLayout(body)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.edits: dict[str, QLineEdit] = {}
        for key, finding in findings:
            message = QLabel(describe(finding))
            message.setWordWrap(True)
            message.setObjectName("warning")
            _coloured(message, SOFT_COLOUR)
            edit = QLineEdit()
            edit.setObjectName("overrideReason")
            edit.setMaxLength(500)
            edit.setPlaceholderText(self.tr("Reason the value is correct"))
            edit.textChanged.connect(self._update)
            message.setBuddy(edit)
            form.addRow(message, edit)
            self.edits[key] = edit
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setMinimumHeight(min(420, 90 * len(findings) + 20))
        layout.addWidget(scroll)
        self.same = QPushButton(self.tr("Use the first reason for &all"))
        self.same.setObjectName("sameReason")
        self.same.setVisible(len(findings) > 1)
        self.same.setAutoDefault(False)
        self.same.clicked.connect(self._copy_first)
        layout.addWidget(self.same, 0, Qt.AlignmentFlag.AlignLeft)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def _copy_first(self) -> None:
        edits = list(self.edits.values())
        first = edits[0].text()
        for edit in edits[1:]:
            if not edit.text().strip():
                edit.setText(first)

    def _update(self, *_args) -> None:
        ok = all(edit.text().strip() for edit in self.edits.values())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def overrides(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.edits.items()}

    def set_reason(self, key: str, text: str) -> None:
        self.edits[key].setText(text)

    def set_all(self, text: str) -> None:
        for edit in self.edits.values():
            edit.setText(text)
