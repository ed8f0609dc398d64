"""One form instance as a screen, generated from the study definition (no hand-built CRF page).

Non-repeating groups are sections with a label, a required marker, help (tooltip, a "?" button,
F1) and one editor per item (gui/item_widgets.py); repeating groups are editable tables
(gui/row_table.py). While the user types, show-if conditions are applied at once and, 300 ms
after typing stops, `preview_form` (read-only) refreshes the derived values and the findings:
hard errors in red and soft warnings in amber under the field they name.

Saving sends only what changed since the form was loaded, with the version it was loaded at,
through the entry session (services/entry_session.py), which asks what a save needs: a reason
for change (saved values changed), a justification per soft warning; this view only shows the
questions as dialogs and passes the answers. Hard errors stop the save, show under their fields
and put the caret on the first. A version conflict reloads the form. The GUI calls services only.

Keyboard: Return or Tab moves to the next field (never to the "?" buttons), Shift+F10 records a
reason for missing, F1 shows help, F4 opens a date's calendar; after the last field Return
reaches Save. A role without ENTER_DATA sees every value read-only and no save buttons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import show_error
from tnt_desktop.gui.form_dialogs import OverrideDialog, ReasonForChangeDialog
from tnt_desktop.gui.form_review import FormReview
from tnt_desktop.gui.item_editor import RETURN_KEYS
from tnt_desktop.gui.item_widgets import (
    HARD_COLOUR,
    SOFT_COLOUR,
    ItemEditor,
    make_editor,
)
from tnt_desktop.gui.row_table import RowTable
from tnt_desktop.gui.wording import describe_finding, finding_tooltip, shows_details
from tnt_desktop.gui.workflow_actions import (
    DATABASE_LOCKED,
    SUBJECT_LOCKED,
    FormWorkflowBar,
    LockBanner,
    WorkflowActions,
    lock_state,
    read_only_kind,
)
from tnt_desktop.logs import get_logger
from tnt_desktop.services.casebook import FormSnapshot, form_values
from tnt_desktop.services.entry_session import (
    Answer,
    Confirm,
    EntrySession,
    EntryState,
    EntryStep,
    GiveReason,
    Refusal,
)
from tnt_desktop.services.form_entry import ChangeReason, FormEntry, finding_key
from tnt_desktop.services.permissions import Permission, allowed
from tnt_desktop.services.workflow import FORM_STATUS_LABELS, FormStatus
from tnt_desktop.study.model import Finding, Item, ItemGroup, Req, Severity
from tnt_desktop.study.validation import is_applicable
from tnt_desktop.study.values import ValueError_, format_value, parse_value

log = get_logger("gui.form")
PREVIEW_DELAY_MS = 300
LABEL_WIDTH = 260  # px; with CHOICE_WIDTH editors a form fits a 1280 px screen (issue 16)


@dataclass
class Field:
    """One non-repeating item on the screen."""

    item: Item
    group: ItemGroup
    editor: ItemEditor
    label: QLabel
    help_button: QToolButton | None
    messages: QLabel | None = None  # created on the first finding
    baseline: tuple[str, str | None] = ("", None)  # (value, reason) as loaded
    touched: bool = False  # the user edited it (matters for editable derived items)
    applicable: bool = True
    widgets: list[QWidget] = field(default_factory=list)
    grid: QGridLayout | None = None  # where the messages go: (grid_row, column 2)
    grid_row: int = 0


def _typed(item: Item, text: str | None) -> Any:
    if not text:
        return None
    try:
        return parse_value(item, text)
    except (ValueError_, ValueError, ArithmeticError):
        return None


class _OtherForms:
    """Values of other forms for conditions written `FORM.NAME` (first instance, read once)."""

    def __init__(self, view: FormView) -> None:
        self.view = view
        self.cache: dict[str, dict[str, Any]] = {}

    def value(self, ref: str) -> Any:
        code, name = ref.split(".", 1)
        if code not in self.cache:
            self.cache[code] = self.view._load_other_form(code)
        return self.cache[code].get(name)


class FormView(QWidget):
    """The screen of one form instance (see the module docstring)."""

    saved = Signal()
    workflowChanged = Signal()  # verified, locked or unlocked from this view
    editsChanged = Signal()  # typed, loaded or discarded: has_unsaved_changes() may differ

    def __init__(self, context: GuiContext, subject_key: str, event: str, repeat: int,
                 form_code: str, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("formView")
        self.context = context
        self.app = context.session
        self.study = self.app.study
        self.subject_key, self.event_oid, self.repeat = subject_key, event, repeat
        self.form = self.study.form(form_code)
        self.event_def = self.study.event(event)
        self.role_can_enter = allowed(self.app.role, Permission.ENTER_DATA)
        self.snapshot: FormSnapshot = form_values(self.app, subject_key, event, repeat, form_code,
                                                  today=context.today())  # fmt: skip
        # a locked form, a frozen or locked subject, a locked database: read-only (issue 6)
        self.subject_state, self.db_locked = lock_state(self.app, self.snapshot.subject_key)
        self.read_only = read_only_kind(self.subject_state, self.db_locked, self.snapshot.status)
        self.can_enter = self.role_can_enter and self.read_only is None
        self.workflow = WorkflowActions(context, self)
        self.workflow.changed.connect(self._workflow_changed)
        self.fields: dict[str, Field] = {}
        self.tables: dict[str, RowTable] = {}
        self.group_boxes: dict[str, QGroupBox] = {}
        self._others = _OtherForms(self)
        self._derived_now: dict[str, Any] = {}  # typed derived values of the last preview
        self._values_now: dict[str, Any] | None = None  # main values during apply_conditions
        self._findings: list[Finding] = [f.finding for f in self.snapshot.findings]
        self._confirmed: dict[str, str] = {
            f.key: f.override_reason for f in self.snapshot.findings if f.override_reason}
        self._failed: list[Finding] = []  # hard findings of the last refused save
        self._asked: EntryState | None = None  # the last question of the entry session
        self._dirty = False
        self._loading = False
        self._state = ""
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self._build()
        self._load(self.snapshot)
        self.review = FormReview(self)  # queries, SDV ticks, signatures (gui/form_review.py)
        self.review.panel.set_closed(self.read_only in (DATABASE_LOCKED, SUBJECT_LOCKED))
        self._retranslate_own()
        self._update_tab_order()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        QTimer.singleShot(0, self._first_preview)

    # ---- building -----------------------------------------------------------------------------
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

    # ---- loading ------------------------------------------------------------------------------
    def _load(self, snapshot: FormSnapshot) -> None:
        self._loading = True
        try:
            self.snapshot = snapshot
            self.entry_session = EntrySession.open(
                self.app, snapshot.subject_key, self.event_oid, self.repeat, self.form.code,
                today=self.context.today(), snapshot=snapshot)  # fmt: skip
            new_form = snapshot.version == 0 and not snapshot.values
            for name, field_ in self.fields.items():
                item = field_.item
                value, reason = snapshot.values.get(name, ""), snapshot.missing.get(name)
                field_.baseline = (value, reason)
                field_.touched = False
                shown = value
                if not value and not reason and item.default is not None and (
                        new_form or item.locked) and self.can_enter:  # fmt: skip
                    shown = item.default  # a default is a value to save with the form
                field_.editor.set_value(shown, reason)
            for name, table in self.tables.items():
                rows = snapshot.rows.get(name, [])
                table.load([(r.key, r.values, r.missing) for r in rows])
                table.mark_loaded()
            self._derived_now = {}
            self._dirty = False
        finally:
            self._loading = False
        self.apply_conditions()
        self._update_info()
        self._update_state()
        self.editsChanged.emit()

    def discard(self) -> None:
        """Drop every unsaved edit: the form shows what is stored again (read anew), and there
        is nothing left to save."""
        self._preview_timer.stop()
        self._failed = []
        self._set_banner("")
        self._state = ""
        self._safe_reload()

    def reload(self) -> None:
        """Read the stored form again (after a save or a conflict)."""
        snapshot = form_values(self.app, self.subject_key, self.event_oid, self.repeat,
                               self.form.code, today=self.context.today())  # fmt: skip
        self._findings = [f.finding for f in snapshot.findings]
        self._confirmed = {f.key: f.override_reason for f in snapshot.findings
                           if f.override_reason}  # fmt: skip
        self._load(snapshot)
        self._refresh_lock()
        self._update_tab_order()
        self._show_findings()
        self.review.refresh()

    def _load_other_form(self, code: str) -> dict[str, Any]:
        """Typed values of another form's first instance (for `FORM.NAME` conditions)."""
        other = self.study.form(code)
        for event in self.study.events_with_form(code):
            try:
                snapshot = form_values(self.app, self.subject_key, event.oid, 1, code,
                                       today=self.context.today())  # fmt: skip
            except TntError:
                continue
            if snapshot.version or snapshot.values:
                return {item.name: _typed(item, snapshot.values.get(item.name))
                        for group, item in other.items() if not group.repeating}  # fmt: skip
        return {}

    # ---- texts --------------------------------------------------------------------------------
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
                field_.help_button.setAccessibleName(self.tr("Help: {label}").format(
                    label=text(field_.item.label)))  # fmt: skip
        self.save_button.setText(self.tr("Save"))
        self.save_button.setToolTip(self.tr("Save the form (Ctrl+S)"))
        self.complete_button.setText(self.tr("Mark complete"))
        self.complete_button.setToolTip(
            self.tr("Save and mark the form complete: every required answer must be given"))
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
            tip += "\n" + self.tr("Calculated by the system")
        field_.label.setToolTip(tip)

    def _update_info(self) -> None:
        text = self.context.text
        event = text(self.event_def.label)
        if self.event_def.repeating:
            event = f"{event} {self.repeat}"
        status = {
            "NOT_STARTED": self.tr("not started"),
            "IN_PROGRESS": self.tr("in progress"),
            "COMPLETE": self.tr("complete"),
        }.get(self.snapshot.status) or self._status_text(self.snapshot.status)
        parts = [self.tr("Subject {key}").format(key=self.snapshot.subject_key), event,
                 self.tr("Status: {status}").format(status=status)]  # fmt: skip
        if self.snapshot.version:
            parts.append(self.tr("version {n}").format(n=self.snapshot.version))
        if not self.role_can_enter:
            parts.append(self.tr("read-only for your role"))
        if self.snapshot.hidden:
            parts.append(self.tr("identifying items are not shown to your role"))
        self.info.setText("  ·  ".join(parts))

    def _update_state(self) -> None:
        if not self.can_enter:
            self.state_label.setText("")
            return
        if self.has_unsaved_changes():
            self.state_label.setText("● " + self.tr("Unsaved changes"))
        else:
            self.state_label.setText(self._state)

    def _status_text(self, status: str) -> str:
        try:
            return FORM_STATUS_LABELS[FormStatus(status)].get(self.context.lang)
        except ValueError:
            return status

    # ---- form status, freeze and lock (issue 6) -----------------------------------------------
    def _show_lock(self) -> None:
        self.lock_banner.show_kind(self.read_only, self.snapshot.subject_key)
        self.workflow_bar.update_state(self.snapshot.status, self.subject_state, self.db_locked)
        if hasattr(self, "review"):  # a locked subject or database takes no query step either
            self.review.panel.set_closed(self.read_only in (DATABASE_LOCKED, SUBJECT_LOCKED))

    def _refresh_lock(self) -> None:
        """Read the subject's state and the database lock again; a form that became read-only
        (locked or frozen by someone else) stops accepting input."""
        try:
            self.subject_state, self.db_locked = lock_state(self.app, self.snapshot.subject_key)
        except TntError as exc:
            log.warning("lock state not read: %s", type(exc).__name__)
            return
        self.read_only = read_only_kind(self.subject_state, self.db_locked, self.snapshot.status)
        if self.read_only is not None and self.can_enter:
            self._make_read_only()
        self._show_lock()
        self._update_info()

    def _make_read_only(self) -> None:
        self.can_enter = False
        self._preview_timer.stop()
        for field_ in self.fields.values():
            field_.editor.set_editable(False)
        for table in self.tables.values():
            table.editable = False
            table.add_button.setVisible(False)
            table.remove_button.setVisible(False)
            for row in table.rows:
                for editor in row.editors.values():
                    editor.set_editable(False)
        self.save_button.setEnabled(False)
        self.complete_button.setEnabled(False)
        self._update_state()

    def _workflow_changed(self, _key: str) -> None:
        self._safe_reload()
        self.workflowChanged.emit()

    # ---- changes, conditions, preview ---------------------------------------------------------
    def _field_changed(self, field_: Field) -> None:
        if self._loading:
            return
        field_.touched = True
        self._changed()

    def _table_changed(self) -> None:
        if not self._loading:
            self._changed()

    def _changed(self) -> None:
        self._dirty = True
        self.apply_conditions()
        self._update_state()
        self._preview_timer.start()
        self.editsChanged.emit()

    def _main_values(self) -> dict[str, Any]:
        """Typed values of the main items as they stand (derived: from the last preview)."""
        values: dict[str, Any] = {}
        for name, field_ in self.fields.items():
            item = field_.item
            if item.is_derived and name in self._derived_now:
                values[name] = self._derived_now[name]
            elif field_.applicable:
                values[name] = _typed(item, field_.editor.value_text())
        for group in self.form.groups:  # withheld identifiers still count, as stored
            for item in group.items:
                if not group.repeating and item.name not in values:
                    values[item.name] = _typed(item, self.snapshot.values.get(item.name))
        return values

    def _applicable(self, item: Item, row: Mapping[str, str] | None = None,
                    values: Mapping[str, Any] | None = None) -> bool:  # fmt: skip
        if item.condition is None:
            return True
        main = values if values is not None else (self._values_now or self._main_values())
        typed_row = None
        if row is not None:
            group = self.form.group_of(item.name)
            typed_row = {}
            for name, text in row.items():
                other = self.form.item(name, group.name if group else None)
                typed_row[name] = _typed(other, text) if other is not None else None
        try:
            return is_applicable(item, self.form, main, self._others, typed_row)  # type: ignore[arg-type]
        except Exception:  # a condition that cannot be evaluated shows the item
            log.warning("condition of %s could not be evaluated", item.name)
            return True

    def apply_conditions(self) -> None:
        """Show-if, live: an item whose condition is false is hidden and sends no value.
        Evaluated in form order, so an item hidden earlier counts as unanswered later on."""
        values = self._main_values()
        for field_ in self.fields.values():
            item = field_.item
            if item.condition is None:
                continue
            on = self._applicable(item, values=values)
            if not on:
                values[item.name] = None
            if on != field_.applicable:
                field_.applicable = on
                for widget in field_.widgets:
                    widget.setVisible(on)
                if field_.messages is not None:
                    field_.messages.setVisible(on and bool(field_.messages.text()))
                self._update_label(field_)
        self._values_now = values  # the rows' conditions read the same main values
        try:
            for table in self.tables.values():
                table.apply_conditions()
        finally:
            self._values_now = None
        for group in self.form.groups:  # a section whose every item is hidden is hidden too
            if not group.repeating:
                mine = [f for f in self.fields.values() if f.group is group]
                self.group_boxes[group.name].setVisible(any(f.applicable for f in mine))

    def _first_preview(self) -> None:
        """The snapshot already holds the stored derived values and findings; a preview is
        needed at once only when pre-filled defaults would change them."""
        entry = self._entry(False, start=False)
        if self.can_enter and (entry.values or entry.rows):
            self.refresh_preview()

    def refresh_preview(self) -> None:
        """Derived values and findings as a save would see them (read-only service call)."""
        self._preview_timer.stop()
        try:
            preview = self.entry_session.preview(self._entry(False, start=False))
        except Exception as exc:  # e.g. the session locked meanwhile: keep what is shown
            log.info("preview skipped: %s", type(exc).__name__)
            return
        record = preview.record
        self._derived_now = {}
        for name, field_ in self.fields.items():
            item = field_.item
            if not item.is_derived:
                continue
            value = record.values.get(name)
            self._derived_now[name] = value
            text = format_value(item, value) if value is not None else ""
            if item.editable_derived:
                if not field_.touched:
                    field_.editor.set_value(text)
            else:
                field_.editor.set_value(text)
        for name, table in self.tables.items():
            derived = [i for i in table.items if i.is_derived]
            for index, row in enumerate(record.rows.get(name, [])):
                for item in derived:
                    value = row.get(item.name)
                    text = format_value(item, value) if value is not None else ""
                    table.set_derived(index, item.name, text)
        self._findings = list(preview.findings)
        self.apply_conditions()
        self._show_findings()
        self._update_state()

    # ---- findings -----------------------------------------------------------------------------
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
                    message = self.tr("{message} — confirmed: {reason}").format(
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

    # ---- the entry ----------------------------------------------------------------------------
    def _entry(self, complete: bool, *, start: bool = True) -> FormEntry:
        """What the screen holds, as the entry session's diff against the loaded form; `start`
        False only computes it (the conversation of a save in progress is left alone)."""
        values: dict[str, str] = {}
        missing: dict[str, str] = {}
        for name, field_ in self.fields.items():
            item = field_.item
            if item.is_derived and not (item.editable_derived and field_.touched):
                continue
            editor = field_.editor
            value = editor.value_text() if field_.applicable else ""
            reason = editor.missing_reason() if field_.applicable else None
            values[name] = value
            missing[name] = reason or ""
        rows = {}
        for name, table in self.tables.items():
            entries = table.entries()
            if entries is not None:
                rows[name] = entries
        # the entry session holds what was loaded and keeps only what differs from it
        self.entry_session.today = self.context.today()
        if not start:
            return self.entry_session.diff(values, missing, rows, complete=complete)
        return self.entry_session.change(values, missing, rows, complete=complete)

    def has_unsaved_changes(self) -> bool:
        if not self.can_enter or not self._dirty:
            return False
        entry = self._entry(False, start=False)
        return bool(entry.values or entry.missing or entry.rows)

    # ---- saving -------------------------------------------------------------------------------
    def save(self, complete: bool = False) -> bool:
        """Save (and with `complete`, mark complete); True when saved. Asks for a reason for
        change and for override reasons when the services need them, then retries."""
        if not self.can_enter:
            if self.role_can_enter and self.read_only is not None:
                self._state = self.tr("Not saved: the form is read-only.")
                self.state_label.setText(self._state)
            return False
        self._preview_timer.stop()
        self._commit_focus()
        entry = self._entry(complete)
        if not (entry.values or entry.missing or entry.rows or complete):
            self._set_banner("")
            self._state = self.tr("Nothing to save")
            self._update_state()
            return True
        session = self.entry_session
        step = session.run(self._answer)
        if step.state is EntryState.SAVED:
            self._failed = []
            if session.entry.reason == ChangeReason.QUERY_RESPONSE:
                self.review.response_used()
            self._safe_reload()
            self._set_banner("")
            # the version the header shows: the form as read back (derived values too)
            version = max(self.snapshot.version, step.result.version)
            self._state = self.tr("Saved (version {n})").format(n=version)
            self._update_state()
            self.saved.emit()
            return True
        if step.state is EntryState.ABANDONED:
            if self._asked is EntryState.NEEDS_REASON:
                return self._not_saved(self.tr("Not saved: a reason for change is needed."))
            return self._not_saved(self.tr("Not saved: the warnings need a reason."))
        if step.refusal is Refusal.INVALID:
            self._refused([f.finding for f in step.findings])
            return False
        if step.error is not None:
            show_error(self, step.error)
        if step.refusal is Refusal.CONFLICT:
            self._safe_reload()
            return False
        if step.refusal is Refusal.LOCKED:  # locked or frozen since the form was opened
            self._refresh_lock()
        return self._not_saved(self.tr("Not saved."))

    def _answer(self, step: EntryStep) -> Answer | None:
        """The person's answer to the entry session's question (None: they cancelled)."""
        self._asked = step.state
        if step.state is EntryState.NEEDS_REASON:
            dialog = ReasonForChangeDialog(list(step.items), self.context.lang,
                                           self._describe_ref, self)  # fmt: skip
            answered = self.review.response_reason()  # answered a query in the panel
            if answered:
                dialog.set_reason(ChangeReason.QUERY_RESPONSE, answered)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return GiveReason(dialog.reason(), dialog.reason_text())
        dialog = OverrideDialog([(f.key, f.finding) for f in step.findings], self.context.lang,
                                self._describe, self)  # fmt: skip
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return Confirm(dialog.overrides())

    def _commit_focus(self) -> None:
        """Finish the field being typed in (a date typed 20250203, a combo text)."""
        focus = QApplication.focusWidget()
        for editor in self._all_editors():
            if focus is not None and editor.isAncestorOf(focus):
                editor._commit()
                break

    def _safe_reload(self) -> None:
        try:
            self.reload()
        except TntError as exc:
            show_error(self, exc)

    def _not_saved(self, message: str) -> bool:
        self._set_banner(message, "S")
        self._state = ""
        self._update_state()
        return False

    def _refused(self, findings: list[Finding]) -> None:
        self._failed = [f for f in findings if f.severity is Severity.HARD]
        ids = {(f.check_id, f.items, f.row) for f in self._findings}
        self._findings += [f for f in findings if (f.check_id, f.items, f.row) not in ids]
        self._show_findings()
        count = len(findings)
        self._set_banner(self.tr("Not saved: {n} error(s) to correct — see the fields marked in "
                                 "red.").format(n=count), "H")  # fmt: skip
        target = self._editor_for(findings)
        if target is not None:
            target.setFocus()
            self.scroll_area.ensureWidgetVisible(target, 40, 60)

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
                    text = self.tr("{item}, row {n}").format(item=text, n=number)
                    break
            else:
                text = self.tr("{item}, removed row").format(item=text)
        return text

    # ---- keyboard -----------------------------------------------------------------------------
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

    # ---- for tests and the shell ---------------------------------------------------------------
    def field(self, name: str) -> ItemEditor:
        return self.fields[name].editor

    def table(self, group: str) -> RowTable:
        return self.tables[group]
