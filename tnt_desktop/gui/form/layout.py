"""The form screen's layout and texts: the title, banners, sections (a label, a "?" and an
editor per item), the tables of repeating groups and the save bar, built once from the study
definition, and every text they show (again after a language switch).

A part of `FormView` (gui/form/view.py); its texts keep the view's translation context.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.gui.form.fields import Field
from tnt_desktop.gui.form.item_widgets import HARD_COLOUR, SOFT_COLOUR, make_editor
from tnt_desktop.gui.form.row_table import RowTable
from tnt_desktop.gui.workflow_actions import FormWorkflowBar, LockBanner
from tnt_desktop.services.workflow import FORM_STATUS_LABELS, FormStatus
from tnt_desktop.study.model import ItemGroup, Req

LABEL_WIDTH = 260  # px; with CHOICE_WIDTH editors a form fits a 1280 px screen (issue 16)

translate = QCoreApplication.translate  # the texts keep the view's context, "FormView"


class FormLayout:
    """Mixin of `FormView`: see the module docstring."""

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(8, 8, 8, 8)
        root.setSpacing(6)
        self.title = QLabel(self)
        self.title.setObjectName("formTitle")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        root.addWidget(self.title)
        self.info = QLabel(self)
        self.info.setObjectName("formInfo")
        self.info.setWordWrap(True)
        root.addWidget(self.info)
        self.banner = QLabel(self)
        self.banner.setObjectName("formBanner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        root.addWidget(self.banner)
        self.lock_banner = LockBanner(self)
        root.addWidget(self.lock_banner)
        self.form_messages = {sev: self._message_label(self, sev) for sev in ("H", "S")}
        for label in self.form_messages.values():
            label.setObjectName("formErrors" if label.property("severity") == "hard"
                                else "formWarnings")  # fmt: skip
            root.addWidget(label)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("formScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        # never sideways: labels stay in view; long texts wrap, wide tables scroll themselves
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.content = QWidget()
        self.content.setObjectName("formContent")
        body = QVBoxLayout(self.content)
        body.setContentsMargins(0, 0, 8, 0)
        body.setSpacing(10)
        hidden = set(self.snapshot.hidden)
        for group in self.form.groups:
            box = QGroupBox(self.content)
            box.setObjectName(f"group_{group.name}")
            self.group_boxes[group.name] = box
            if group.repeating:
                self._build_table(box, group)
            else:
                self._build_section(box, group, hidden)
            body.addWidget(box)
        body.addStretch(1)
        self.scroll_area.setWidget(self.content)
        root.addWidget(self.scroll_area, 1)

        bar = QHBoxLayout()
        self.state_label = QLabel(self)
        self.state_label.setObjectName("formState")
        bar.addWidget(self.state_label, 1)
        self.workflow_bar = FormWorkflowBar(self.workflow, self.snapshot.subject_key,
                                            self.event_oid, self.repeat, self.form.code, self)
        bar.addWidget(self.workflow_bar)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveButton")
        self.complete_button = QPushButton(self)
        self.complete_button.setObjectName("completeButton")
        for button in (self.save_button, self.complete_button):
            button.setAutoDefault(False)
            button.installEventFilter(self)
            button.setVisible(self.role_can_enter)
            button.setEnabled(self.can_enter)
            bar.addWidget(button)
        self.save_button.clicked.connect(lambda: self.save(False))
        self.complete_button.clicked.connect(lambda: self.save(True))
        root.addLayout(bar)

    def _message_label(self, parent: QWidget, severity: str) -> QLabel:
        label = QLabel(parent)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setVisible(False)
        palette = label.palette()
        palette.setColor(QPalette.ColorRole.WindowText,
                         HARD_COLOUR if severity == "H" else SOFT_COLOUR)  # fmt: skip
        label.setPalette(palette)
        label.setProperty("severity", "hard" if severity == "H" else "soft")
        return label

    def _build_section(self, box: QGroupBox, group: ItemGroup, hidden: set[str]) -> None:
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(2, 1)
        row = 0
        for item in group.items:
            if item.name in hidden:
                continue
            label = QLabel(box)
            label.setObjectName(f"label_{item.name}")
            label.setWordWrap(True)
            label.setFixedWidth(LABEL_WIDTH)  # the same column in every section
            label.setContentsMargins(14 if item.condition else 0, 3, 0, 0)  # a follow-up
            # question sits under the one it depends on; the top margin levels the text
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            help_button = None
            if item.help is not None:
                help_button = QToolButton(box)
                help_button.setObjectName(f"help_{item.name}")
                help_button.setText("?")
                help_button.setAutoRaise(True)
                help_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab skips it; F1 helps
            editor = make_editor(item, self.study, self.context.lang, parent=box)
            if not self.can_enter:
                editor.set_editable(False)
            label.setBuddy(editor.focus_target())
            field_ = Field(item, group, editor, label, help_button)
            if help_button is not None:
                help_button.clicked.connect(lambda _=False, f=field_: self._show_help(f))
            editor.changed.connect(lambda f=field_: self._field_changed(f))
            editor.advance.connect(lambda e=editor: self._advance_from(e))
            grid.addWidget(label, row, 0)
            if help_button is not None:
                grid.addWidget(help_button, row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(editor, row, 2, Qt.AlignmentFlag.AlignTop)
            field_.widgets = [label, editor] + ([help_button] if help_button else [])
            field_.grid, field_.grid_row = grid, row + 1
            self.fields[item.name] = field_
            row += 2
        if row == 0:
            box.setVisible(False)

    def _build_table(self, box: QGroupBox, group: ItemGroup) -> None:
        layout = QVBoxLayout(box)
        table = RowTable(self.form, group, self.study, self.context.lang,
                         editable=self.can_enter, parent=box)  # fmt: skip
        table.set_applicability(lambda item, row: self._applicable(item, row))
        table.changed.connect(self._table_changed)
        table.structureChanged.connect(self._update_tab_order)
        table.advanceFrom.connect(self._advance_from)
        layout.addWidget(table)
        self.tables[group.name] = table

    def retranslate(self) -> None:
        """Every text again in the current language (the shell calls it after a switch)."""
        lang = self.context.lang
        for field_ in self.fields.values():
            field_.editor.retranslate(lang)
        for table in self.tables.values():
            table.retranslate(lang)
        self._retranslate_own()

    def _retranslate_own(self) -> None:
        """The texts this view owns (the editors are built in the current language)."""
        text = self.context.text
        self.title.setText(f"{self.form.number}  {text(self.form.label)}")
        self.title.setToolTip(text(self.form.help) if self.form.help else "")
        for group in self.form.groups:
            self.group_boxes[group.name].setTitle(text(group.label))
        for field_ in self.fields.values():
            self._update_label(field_)
            if field_.help_button is not None:
                field_.help_button.setToolTip(text(field_.item.help))
                field_.help_button.setAccessibleName(translate("FormView", "Help: {label}").format(
                    label=text(field_.item.label)))  # fmt: skip
        self.save_button.setText(translate("FormView", "Save"))
        self.save_button.setToolTip(translate("FormView", "Save the form (Ctrl+S)"))
        self.complete_button.setText(translate("FormView", "Mark complete"))
        self.complete_button.setToolTip(
            translate("FormView",
                      "Save and mark the form complete: every required answer must be given"))
        self.workflow_bar.retranslate()
        if hasattr(self, "review"):
            self.review.retranslate()
        self._show_lock()
        self._update_info()
        self._update_state()
        self._show_findings()

    def _update_label(self, field_: Field) -> None:
        item = field_.item
        required = item.req is Req.REQUIRED or (item.req is Req.CONDITIONAL and field_.applicable)
        text = self.context.text(item.label) + (" *" if required else "")
        field_.label.setText(text)
        tip = f"{item.name}"
        if item.help is not None:
            tip += f"\n{self.context.text(item.help)}"
        if item.is_derived:
            tip += "\n" + translate("FormView", "Calculated by the system")
        field_.label.setToolTip(tip)

    def _update_info(self) -> None:
        text = self.context.text
        event = text(self.event_def.label)
        if self.event_def.repeating:
            event = f"{event} {self.repeat}"
        status = {
            "NOT_STARTED": translate("FormView", "not started"),
            "IN_PROGRESS": translate("FormView", "in progress"),
            "COMPLETE": translate("FormView", "complete"),
        }.get(self.snapshot.status) or self._status_text(self.snapshot.status)
        parts = [translate("FormView", "Subject {key}").format(key=self.snapshot.subject_key),
                 event,
                 translate("FormView", "Status: {status}").format(status=status)]  # fmt: skip
        if self.snapshot.version:
            parts.append(translate("FormView", "version {n}").format(n=self.snapshot.version))
        if not self.role_can_enter:
            parts.append(translate("FormView", "read-only for your role"))
        if self.snapshot.hidden:
            parts.append(translate("FormView", "identifying items are not shown to your role"))
        self.info.setText("  ·  ".join(parts))

    def _update_state(self) -> None:
        if not self.can_enter:
            self.state_label.setText("")
            return
        if self.has_unsaved_changes():
            self.state_label.setText("● " + translate("FormView", "Unsaved changes"))
        else:
            self.state_label.setText(self._state)

    def _status_text(self, status: str) -> str:
        try:
            return FORM_STATUS_LABELS[FormStatus(status)].get(self.context.lang)
        except ValueError:
            return status
