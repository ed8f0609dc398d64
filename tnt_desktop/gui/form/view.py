"""One form instance as a screen, generated from the study definition (no hand-built CRF page).

Non-repeating groups are sections with a label, a required marker, help (tooltip, a "?" button,
F1) and one editor per item (gui/form/item_widgets.py); repeating groups are editable tables
(gui/form/row_table.py). While the user types, show-if conditions are applied at once and, 300 ms
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

`FormView` owns the form's state (the snapshot, the entry session, locks, show-if and the live
preview); its parts live beside it, each a mixin owning one concern: `layout.FormLayout`
(widgets and texts), `findings.FormFindings`, `saving.FormSaving` (the entry session's
questions) and `navigation.FormNavigation` (keyboard); `review.FormReview` adds queries, SDV
marks and signatures around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QApplication, QGroupBox, QWidget

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.form.fields import Field, _OtherForms, _typed
from tnt_desktop.gui.form.findings import FormFindings
from tnt_desktop.gui.form.item_widgets import ItemEditor
from tnt_desktop.gui.form.layout import FormLayout
from tnt_desktop.gui.form.navigation import FormNavigation
from tnt_desktop.gui.form.review import FormReview
from tnt_desktop.gui.form.row_table import RowTable
from tnt_desktop.gui.form.saving import FormSaving
from tnt_desktop.gui.workflow_actions import (
    DATABASE_LOCKED,
    SUBJECT_LOCKED,
    WorkflowActions,
    lock_state,
    read_only_kind,
)
from tnt_desktop.logs import get_logger
from tnt_desktop.services.casebook import FormSnapshot, form_values
from tnt_desktop.services.entry_session import EntrySession, EntryState
from tnt_desktop.services.permissions import Permission, allowed
from tnt_desktop.study.model import Finding, Item
from tnt_desktop.study.validation import is_applicable
from tnt_desktop.study.values import format_value

log = get_logger("gui.form")
PREVIEW_DELAY_MS = 300


class FormView(FormLayout, FormFindings, FormSaving, FormNavigation, QWidget):
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
        self._others = _OtherForms(self._load_other_form)
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
        self.review = FormReview(self)  # queries, SDV ticks, signatures (gui/form/review.py)
        self.review.panel.set_closed(self.read_only in (DATABASE_LOCKED, SUBJECT_LOCKED))
        self._retranslate_own()
        self._update_tab_order()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        QTimer.singleShot(0, self._first_preview)

    # ---- building -----------------------------------------------------------------------------
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
    # ---- the entry ----------------------------------------------------------------------------
    # ---- saving -------------------------------------------------------------------------------
    # ---- keyboard -----------------------------------------------------------------------------
    # ---- for tests and the shell ---------------------------------------------------------------
    def field(self, name: str) -> ItemEditor:
        return self.fields[name].editor

    def table(self, group: str) -> RowTable:
        return self.tables[group]
