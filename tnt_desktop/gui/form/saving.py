"""The form screen's save: what the screen holds as the entry session's diff
(services/entry_session.py), the session's questions shown as dialogs (a reason for change, a
reason per soft warning), and what a saved, refused, conflicting or cancelled save shows.

A part of `FormView` (gui/form/view.py); its texts keep the view's translation context.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QDialog

from tnt_desktop.errors import TntError
from tnt_desktop.gui.errors import show_error
from tnt_desktop.gui.form.dialogs import OverrideDialog, ReasonForChangeDialog
from tnt_desktop.services.entry_session import (
    Answer,
    Confirm,
    EntryState,
    EntryStep,
    GiveReason,
    Refusal,
)
from tnt_desktop.services.form_entries import ChangeReason, FormEntry
from tnt_desktop.study.model import Finding, Severity

translate = QCoreApplication.translate  # the texts keep the view's context, "FormView"


class FormSaving:
    """Mixin of `FormView`: see the module docstring."""

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

    def save(self, complete: bool = False) -> bool:
        """Save (and with `complete`, mark complete); True when saved. Asks for a reason for
        change and for override reasons when the services need them, then retries."""
        if not self.can_enter:
            if self.role_can_enter and self.read_only is not None:
                self._state = translate("FormView", "Not saved: the form is read-only.")
                self.state_label.setText(self._state)
            return False
        self._preview_timer.stop()
        self._commit_focus()
        entry = self._entry(complete)
        if not (entry.values or entry.missing or entry.rows or complete):
            self._set_banner("")
            self._state = translate("FormView", "Nothing to save")
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
            self._state = translate("FormView", "Saved (version {n})").format(n=version)
            self._update_state()
            self.saved.emit()
            return True
        if step.state is EntryState.ABANDONED:
            if self._asked is EntryState.NEEDS_REASON:
                return self._not_saved(
                    translate("FormView", "Not saved: a reason for change is needed."))
            return self._not_saved(translate("FormView", "Not saved: the warnings need a reason."))
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
        return self._not_saved(translate("FormView", "Not saved."))

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
        self._set_banner(translate("FormView", "Not saved: {n} error(s) to correct — see the "
                                               "fields marked in red.").format(n=count),
                         "H")  # fmt: skip
        target = self._editor_for(findings)
        if target is not None:
            target.setFocus()
            self.scroll_area.ensureWidgetVisible(target, 40, 60)
