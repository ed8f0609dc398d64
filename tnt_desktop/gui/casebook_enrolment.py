"""The casebook's screening → eligibility → enrolment panel: the verdict of the study's own
derivation (`services.subjects.screening_verdict`), Enrol and Screen failure through the entry
session (`services.entry_session`), and the screen-failure dialog. A part of `CasebookView`
(gui/casebook_view.py); its texts keep the view's translation context."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.casebook_tree import INACTIVE_TEXT, OK_COLOUR
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import show_error
from tnt_desktop.gui.form.dialogs import OverrideDialog, ReasonForChangeDialog
from tnt_desktop.gui.form.item_widgets import HARD_COLOUR, SOFT_COLOUR
from tnt_desktop.gui.wording import describe_finding
from tnt_desktop.services import entry_session, subjects
from tnt_desktop.services.casebook import Casebook
from tnt_desktop.services.entry_session import Answer, Confirm, EntryState, EntryStep, GiveReason
from tnt_desktop.services.subjects import SubjectStatus
from tnt_desktop.services.workflow import FormStatus
from tnt_desktop.study.derivations.eligibility import INCLUSION, EligibilityVerdict
from tnt_desktop.study.model import Finding


class ScreenFailureDialog(QDialog):
    """The SFREAS reason (pre-filled from the failing criteria) and, for Other, the specify."""

    def __init__(self, context: GuiContext, verdict: EligibilityVerdict | None, number: str,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("screenFailureDialog")
        self.setWindowTitle(self.tr("Screen failure"))
        self.setMinimumWidth(480)
        study = context.session.study
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Record {number} as a screen failure. The subject will not be "
                               "enrolled; this cannot be undone.").format(number=number))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if verdict is not None and verdict.failing:
            codelist = study.codelist("IECRIT")
            failing = QLabel(self.tr("Criteria not satisfied:") + "\n" + "\n".join(
                f"• {codelist.decode(code, context.lang)}" for code in verdict.failing))
            failing.setWordWrap(True)
            failing.setObjectName("failingCriteria")
            layout.addWidget(failing)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.reason_combo = QComboBox(self)
        self.reason_combo.setObjectName("screenFailReason")
        for item in study.codelist("SFREAS").items:
            self.reason_combo.addItem(context.text(item.label), item.code)
        self.reason_combo.setCurrentIndex(self.reason_combo.findData(_prefill(verdict)))
        self.specify_edit = QLineEdit(self)
        self.specify_edit.setObjectName("screenFailSpecify")
        self.specify_edit.setMaxLength(200)
        self.specify_edit.setPlaceholderText(self.tr("No names, ID or phone numbers"))
        form.addRow(self.tr("&Reason:"), self.reason_combo)
        form.addRow(self.tr("&Specify (for Other):"), self.specify_edit)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Record screen failure"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason_combo.currentIndexChanged.connect(self._update)
        self.specify_edit.textChanged.connect(self._update)
        self._update()

    def _update(self, *_args: object) -> None:
        other = self.reason() == "OTHER"
        self.specify_edit.setEnabled(other)
        ok = self.reason() is not None and (not other or bool(self.specify_edit.text().strip()))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def reason(self) -> str | None:
        return self.reason_combo.currentData()

    def specify(self) -> str:
        """The specify text (only for Other: SFREASSP is asked only then)."""
        return self.specify_edit.text().strip() if self.reason() == "OTHER" else ""

    def set_reason(self, code: str, specify: str = "") -> None:
        self.reason_combo.setCurrentIndex(self.reason_combo.findData(code))
        self.specify_edit.setText(specify)


def _prefill(verdict: EligibilityVerdict | None) -> str | None:
    """INCL_NOT_MET when an inclusion criterion fails, else EXCL_MET when an exclusion does."""
    if verdict is None or not verdict.failing:
        return None
    if any(code in INCLUSION for code in verdict.failing):
        return "INCL_NOT_MET"
    return "EXCL_MET"


translate = QCoreApplication.translate  # the texts keep the context "CasebookView"


class CasebookEnrolment:
    """Mixin of `CasebookView`: see the module docstring."""

    def _eligibility(self, casebook: Casebook) -> tuple[EligibilityVerdict | None, dict[str, str]]:
        """D-05 as enrolment will judge it (screening and screen-failed subjects only)."""
        shown = subjects.screening_verdict(self.session, casebook.subject_key)
        return (None, {}) if shown is None else (shown.verdict, shown.ie_values)

    def _criteria(self, codes: tuple[str, ...]) -> str:
        codelist = self.session.study.codelist("IECRIT")
        return "\n".join(f"• {codelist.decode(code, self.context.lang)}" for code in codes)

    def _show_eligibility(self) -> None:
        casebook, verdict = self.casebook, self.verdict
        if casebook is None or verdict is None:
            self.eligibility_box.hide()
            return
        self.eligibility_box.show()
        screening = casebook.status == SubjectStatus.SCREENING
        if casebook.status == SubjectStatus.SCREEN_FAILED:
            reason = self.ie_values.get("SFREAS")
            decoded = (self.session.study.codelist("SFREAS").decode(reason, self.context.lang)
                       if reason else "")  # fmt: skip
            text = translate("CasebookView", "Screen failure: {reason}").format(
                reason=decoded or "—")
            if self.ie_values.get("SFREASSP"):
                text += f" — {self.ie_values['SFREASSP']}"
            colour = INACTIVE_TEXT
        elif verdict.eligible is True:
            text = translate("CasebookView", "Eligible: every inclusion criterion is met and "
                                             "no exclusion criterion applies.")  # fmt: skip
            colour = OK_COLOUR
        elif verdict.eligible is False:
            text = (translate("CasebookView", "Not eligible. Criteria not satisfied:") + "\n"
                    + self._criteria(verdict.failing))  # fmt: skip
            colour = HARD_COLOUR
        else:
            text = translate("CasebookView", "Eligibility not yet known: {n} criteria "
                                             "unanswered in F01 (Inclusion/exclusion):").format(
                n=len(verdict.unanswered))
            text += "\n" + self._criteria(tuple(verdict.unanswered[:5]))
            if len(verdict.unanswered) > 5:
                text += "\n• …"
            colour = SOFT_COLOUR
        self.verdict_label.setText(text)
        self._colour(self.verdict_label, colour)
        self.enrol_button.setVisible(self.can_enter and screening)
        self.fail_button.setVisible(self.can_enter and screening)
        f01_done = self._f01_done(casebook)
        self.enrol_button.setEnabled(screening and verdict.eligible is True and f01_done)
        if screening and verdict.eligible is True and not f01_done:
            self.verdict_label.setText(text + "\n" + translate("CasebookView",
                "Mark F01 (Inclusion/exclusion) complete before enrolling."))  # fmt: skip

    @staticmethod
    def _f01_done(casebook: Casebook) -> bool:
        """Enrolment needs F01 complete (or signed, verified, locked), not merely eligible."""
        status = next((f.status for e in casebook.events if e.event == "SE.SCR"
                       for f in e.forms if f.form == "IE"), FormStatus.NOT_STARTED.value)
        return status not in (FormStatus.NOT_STARTED.value, FormStatus.IN_PROGRESS.value)

    def enrol(self) -> None:
        casebook = self.casebook
        if casebook is None or not self.can_enter or self.verdict is None or (
                self.verdict.eligible is not True) or not self._f01_done(casebook):  # fmt: skip
            return
        answer = QMessageBox.question(
            self, translate("CasebookView", "Enrol subject"),
            translate("CasebookView",
                      "Enrol {number} and assign the next study ID? This cannot be undone.")
            .format(number=casebook.screening_number),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            step = entry_session.enrolment(self.session, casebook.screening_number).submit()
        except Exception as exc:
            show_error(self, exc)
            self.refresh()
            return
        if step.state is not EntryState.SAVED:
            show_error(self, step.error or TntError(step.messages[0]))
            self.refresh()
            return
        subject_id = step.result
        self.subject_key = subject_id
        self._notice = translate("CasebookView",
                                 "Enrolled: study ID {id} assigned to {number}.").format(
            id=subject_id, number=casebook.screening_number)  # fmt: skip
        self.refresh()
        self.subjectChanged.emit()

    def screen_failure(self) -> None:
        casebook = self.casebook
        if casebook is None or not self.can_enter or casebook.status != SubjectStatus.SCREENING:
            return
        dialog = ScreenFailureDialog(self.context, self.verdict, casebook.screening_number, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        session = entry_session.screen_failure(self.session, casebook.screening_number,
                                               dialog.reason(), dialog.specify())  # fmt: skip
        try:
            step = session.run(self._answer)
        except Exception as exc:
            show_error(self, exc)
            return
        if step.state is EntryState.REFUSED:
            show_error(self, step.error or TntError(step.messages[0]))
        elif step.state is EntryState.SAVED:
            self._notice = translate("CasebookView",
                                     "{number} recorded as a screen failure.").format(
                number=casebook.screening_number)  # fmt: skip
            self.refresh()
            self.subjectChanged.emit()

    def _answer(self, step: EntryStep) -> Answer | None:
        """The person's answer to the entry session's question (None: they cancelled)."""
        if step.state is EntryState.NEEDS_REASON:
            reason_dialog = ReasonForChangeDialog(list(step.items), self.context.lang, str, self)
            if reason_dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return GiveReason(reason_dialog.reason(), reason_dialog.reason_text())
        overrides_dialog = OverrideDialog([(f.key, f.finding) for f in step.findings],
                                          self.context.lang, self._describe, self)  # fmt: skip
        if overrides_dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return Confirm(overrides_dialog.overrides())

    def _describe(self, finding: Finding) -> str:
        return describe_finding(self.context, finding)
