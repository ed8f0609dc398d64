"""The casebook of one subject: a header (study ID / screening number, status, stage), the
screening → eligibility → enrolment panel, and a tree of the events in schedule order, each with
its planned window (computed from the actual dates by `services.casebook`) and its forms with
their status as text, colour and icon. A click on a form (or Enter) opens it. The tree's
columns keep their widths (measured once from the font, never from the rows) and long names are
elided in the middle, so "Wound check day 14" and "… day 30" stay distinct.

Eligibility comes from `services.subjects.screening_verdict`: the study's own derivation (D-05)
on the stored data, read the way `subjects.enrol` reads it, so the verdict shown is the one
enrolment applies. Enrol and Screen failure call `services.subjects`; a role without
ENTER_DATA sees the verdict but no buttons.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from PySide6.QtCore import QEvent, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import error_text, show_error
from tnt_desktop.gui.form_dialogs import OverrideDialog, ReasonForChangeDialog
from tnt_desktop.gui.item_widgets import HARD_COLOUR, SOFT_COLOUR
from tnt_desktop.gui.sdv_view import ReviewSummary
from tnt_desktop.gui.subject_list_view import (
    OVERDUE_BACKGROUND,
    OVERDUE_TEXT,
    format_window,
    local_time,
)
from tnt_desktop.gui.wording import describe_finding
from tnt_desktop.gui.workflow_actions import (
    LOCK_COLOUR,
    SubjectStateBar,
    WorkflowActions,
    lock_icon,
)
from tnt_desktop.services import entry_session, subjects
from tnt_desktop.services.casebook import Casebook, CasebookEvent, CasebookForm
from tnt_desktop.services.entry_session import Answer, Confirm, EntryState, EntryStep, GiveReason
from tnt_desktop.services.form_entry import FormStatus
from tnt_desktop.services.permissions import Permission, allowed
from tnt_desktop.services.subjects import SubjectStatus
from tnt_desktop.services.workflow import status_label
from tnt_desktop.study.derivations.eligibility import INCLUSION, EligibilityVerdict
from tnt_desktop.study.model import Finding
from tnt_desktop.study.schedule import STAGE_LABELS, VISIT_STATE_LABELS, VisitState

EVENT_ROLE = Qt.ItemDataRole.UserRole + 1  # (event OID, repeat)
FORM_ROLE = Qt.ItemDataRole.UserRole + 2  # form code (form items only)
OK_COLOUR = QColor("#1e7b34")
PROGRESS_COLOUR = QColor("#1f5fae")
IDLE_COLOUR = QColor("#8a8a8a")
INACTIVE_TEXT = QColor("#6b6b6b")
_EXPANDED_STATES = (VisitState.DONE, VisitState.IN_PROGRESS, VisitState.DUE, VisitState.OVERDUE)


def compact_window(start: date | None, end: date | None) -> str:
    """A window for the narrow tree: month and day ("11-14 – 12-12"); the year is in the
    visit's "Done" date and in the tooltip (the whole window)."""
    if start is not None and end is not None:
        return f"{start:%m-%d} – {end:%m-%d}"
    return format_window(start, end)


def _dot(colour: QColor, filled: bool, size: int = 12) -> QIcon:
    """A round status mark: hollow for "not started", filled otherwise."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(colour, 1.6))
    painter.setBrush(QBrush(colour) if filled else Qt.BrushStyle.NoBrush)
    painter.drawEllipse(2, 2, size - 4, size - 4)
    painter.end()
    return QIcon(pixmap)


class FormState(StrEnum):
    """How a form's status is shown (text, colour and icon)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    WARNINGS = "warnings"
    ERRORS = "errors"
    OTHER = "other"  # verified, signed, locked (later releases)

    @classmethod
    def of(cls, form: CasebookForm) -> FormState:
        if form.has_errors:
            return cls.ERRORS
        if form.has_warnings:
            return cls.WARNINGS
        return {FormStatus.NOT_STARTED.value: cls.NOT_STARTED,
                FormStatus.IN_PROGRESS.value: cls.IN_PROGRESS,
                FormStatus.COMPLETE.value: cls.COMPLETE}.get(form.status, cls.OTHER)  # fmt: skip


STATE_COLOURS: dict[FormState, QColor] = {
    FormState.NOT_STARTED: IDLE_COLOUR, FormState.IN_PROGRESS: PROGRESS_COLOUR,
    FormState.COMPLETE: OK_COLOUR, FormState.WARNINGS: SOFT_COLOUR,
    FormState.ERRORS: HARD_COLOUR, FormState.OTHER: OK_COLOUR,
}  # fmt: skip


class CasebookTree(QTreeWidget):
    """Enter opens the current form (or folds an event); Left/Right fold as usual."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self.itemActivated.emit(self.currentItem(), 0)
            event.accept()
            return
        super().keyPressEvent(event)


class CasebookView(QWidget):
    """The casebook screen (see the module docstring)."""

    formActivated = Signal(str, int, str)  # event OID, repeat, form code
    subjectChanged = Signal()  # enrolled or screen failed
    workflowChanged = Signal()  # a form verified / locked, the subject frozen / locked

    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("casebookView")
        self.context = context
        self.session = context.session
        self.can_enter = allowed(self.session.role, Permission.ENTER_DATA)
        self.subject_key: str | None = None
        self.casebook: Casebook | None = None
        self.verdict: EligibilityVerdict | None = None
        self.ie_values: dict[str, str] = {}
        self._notice = ""
        self._icons = {state: _dot(colour, state != FormState.NOT_STARTED)
                       for state, colour in STATE_COLOURS.items()}  # fmt: skip
        self._lock_icon = lock_icon()
        self.workflow = WorkflowActions(context, self)
        self.workflow.changed.connect(self._workflow_changed)
        self._build()
        self.retranslate()

    # ---- building -------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(8, 8, 4, 8)
        root.setSpacing(6)
        self.title = QLabel(self)
        self.title.setObjectName("casebookTitle")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        root.addWidget(self.title)
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("casebookSubtitle")
        self.subtitle.setWordWrap(True)
        root.addWidget(self.subtitle)
        self.next_label = QLabel(self)
        self.next_label.setObjectName("casebookNext")
        self.next_label.setWordWrap(True)
        root.addWidget(self.next_label)
        self.state_bar = SubjectStateBar(self.workflow, self)
        root.addWidget(self.state_bar)
        self.review = ReviewSummary(self.context, self)  # SDV progress, queries, signatures
        root.addWidget(self.review)

        self.eligibility_box = QFrame(self)
        self.eligibility_box.setObjectName("eligibilityBox")
        self.eligibility_box.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(self.eligibility_box)
        box.setContentsMargins(8, 6, 8, 6)
        self.verdict_label = QLabel(self.eligibility_box)
        self.verdict_label.setObjectName("eligibilityVerdict")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(self.verdict_label)
        buttons = QHBoxLayout()
        self.enrol_button = QPushButton(self.eligibility_box)
        self.enrol_button.setObjectName("enrolButton")
        self.enrol_button.clicked.connect(self.enrol)
        self.fail_button = QPushButton(self.eligibility_box)
        self.fail_button.setObjectName("screenFailButton")
        self.fail_button.clicked.connect(self.screen_failure)
        for button in (self.enrol_button, self.fail_button):
            button.setVisible(self.can_enter)
            buttons.addWidget(button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        root.addWidget(self.eligibility_box)
        self.notice_label = QLabel(self)
        self.notice_label.setObjectName("casebookNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self._colour(self.notice_label, OK_COLOUR)
        self.notice_label.hide()
        root.addWidget(self.notice_label)

        self.tree = CasebookTree(self)
        self.tree.setObjectName("casebookTree")
        self.tree.setColumnCount(3)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setIconSize(QSize(12, 12))
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        self._size_columns()
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        root.addWidget(self.tree, 1)
        self.message = QLabel(self)
        self.message.setObjectName("casebookMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        root.addWidget(self.message)
        self.tree.setIndentation(14)
        self.setMinimumWidth(340)  # names elide in the middle; the splitter gives more

    def _size_columns(self) -> None:
        """Stable widths: the widest window and status texts the tree can show, from the font
        (a save must not make the columns jump)."""
        metrics = self.tree.fontMetrics()
        window = metrics.horizontalAdvance("12-28 – 01-03") + 16
        status = max(metrics.horizontalAdvance(t) for t in (
            "Complete, warnings", "Done 2024-08-05", "已完成，有警告 · ?1",
            "已完成 2024-08-05")) + 30  # fmt: skip
        self.tree.setColumnWidth(1, window)
        self.tree.setColumnWidth(2, status)

    @staticmethod
    def _colour(label: QLabel, colour: QColor) -> None:
        palette = label.palette()
        palette.setColor(label.foregroundRole(), colour)
        label.setPalette(palette)

    def retranslate(self) -> None:
        self.tree.setHeaderLabels([self.tr("Visit / form"), self.tr("Window"),
                                   self.tr("Status")])  # fmt: skip
        self.enrol_button.setText(self.tr("&Enrol"))
        self.fail_button.setText(self.tr("Screen &failure…"))
        self.enrol_button.setToolTip(self.tr("Assign the next study ID (eligible subjects only)"))
        self.fail_button.setToolTip(self.tr("Record why this person is not enrolled"))
        self.state_bar.retranslate()
        self.review.retranslate()
        self._show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ---- loading --------------------------------------------------------------------------------
    def open_subject(self, key: str) -> None:
        self.subject_key = key
        self._notice = ""
        self.casebook = None
        self.tree.clear()
        self.refresh()
        self.tree.setFocus()

    def refresh(self) -> None:
        """Read the casebook again (after a save, enrolment or screen failure)."""
        if self.subject_key is None:
            self._show()
            return
        from tnt_desktop.services.casebook import open_casebook

        try:
            casebook = open_casebook(self.session, self.subject_key, today=self.context.today())
            verdict, values = self._eligibility(casebook)
        except TntError as exc:
            self.message.setText(error_text(exc))
            self.message.show()
            return
        self.message.hide()
        self.casebook, self.verdict, self.ie_values = casebook, verdict, values
        self.subject_key = casebook.subject_key
        self.state_bar.load(casebook.subject_key)
        self.review.load(casebook.subject_key)
        self._show()

    def _eligibility(self, casebook: Casebook) -> tuple[EligibilityVerdict | None, dict[str, str]]:
        """D-05 as enrolment will judge it (screening and screen-failed subjects only)."""
        shown = subjects.screening_verdict(self.session, casebook.subject_key)
        return (None, {}) if shown is None else (shown.verdict, shown.ie_values)

    # ---- showing --------------------------------------------------------------------------------
    def _show(self) -> None:
        casebook = self.casebook
        if casebook is None:
            self.title.setText(self.tr("No subject open"))
            self.subtitle.clear()
            self.next_label.clear()
            self.eligibility_box.hide()
            self.notice_label.hide()
            return
        text = self.context.text
        self.title.setText(casebook.subject_id or casebook.screening_number)
        parts = []
        if casebook.subject_id:
            parts.append(self.tr("Screening no. {number}").format(
                number=casebook.screening_number))  # fmt: skip
        parts.append(self.tr("Status: {status}").format(
            status=self._status_text(casebook.status)))  # fmt: skip
        if casebook.stage != casebook.status:
            parts.append(self.tr("Stage: {stage}").format(stage=text(casebook.stage_label)))
        self.subtitle.setText(" · ".join(parts))
        self.next_label.setText(self._next_text(casebook))
        self._show_eligibility()
        self.notice_label.setText(self._notice)
        self.notice_label.setVisible(bool(self._notice))
        self._fill_tree(casebook)

    def _status_text(self, status: str) -> str:
        """SubjectStatus values are also Stage values: the study's labels serve both."""
        label = STAGE_LABELS.get(status)
        return self.context.text(label) if label is not None else status

    def _next_text(self, casebook: Casebook) -> str:
        visit = casebook.next_visit
        if visit is None:
            return ""
        window = format_window(visit.window_start, visit.window_end)
        state = self.context.text(VISIT_STATE_LABELS[visit.state])
        label = self.context.text(visit.label)
        if window:
            return self.tr("Next visit: {visit}, window {window} ({state})").format(
                visit=label, window=window, state=state)  # fmt: skip
        return self.tr("Next visit: {visit} ({state})").format(visit=label, state=state)

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
            text = self.tr("Screen failure: {reason}").format(reason=decoded or "—")
            if self.ie_values.get("SFREASSP"):
                text += f" — {self.ie_values['SFREASSP']}"
            colour = INACTIVE_TEXT
        elif verdict.eligible is True:
            text = self.tr("Eligible: every inclusion criterion is met and no exclusion "
                           "criterion applies.")  # fmt: skip
            colour = OK_COLOUR
        elif verdict.eligible is False:
            text = self.tr("Not eligible. Criteria not satisfied:") + "\n" + self._criteria(
                verdict.failing)  # fmt: skip
            colour = HARD_COLOUR
        else:
            text = self.tr("Eligibility not yet known: {n} criteria unanswered in F01 "
                           "(Inclusion/exclusion):").format(n=len(verdict.unanswered))
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
            self.verdict_label.setText(text + "\n" + self.tr(
                "Mark F01 (Inclusion/exclusion) complete before enrolling."))  # fmt: skip

    @staticmethod
    def _f01_done(casebook: Casebook) -> bool:
        """Enrolment needs F01 complete (or signed, verified, locked), not merely eligible."""
        status = next((f.status for e in casebook.events if e.event == "SE.SCR"
                       for f in e.forms if f.form == "IE"), FormStatus.NOT_STARTED.value)
        return status not in (FormStatus.NOT_STARTED.value, FormStatus.IN_PROGRESS.value)

    def _fill_tree(self, casebook: Casebook) -> None:
        tree = self.tree
        current = self._current_key()
        expanded = self._expanded_keys() if tree.topLevelItemCount() else None
        tree.setUpdatesEnabled(False)
        tree.clear()
        select: QTreeWidgetItem | None = None
        next_key = casebook.next_visit.key if casebook.next_visit is not None else None
        for event in casebook.events:
            item = self._event_item(event)
            tree.addTopLevelItem(item)
            for form in event.forms:
                child = self._form_item(event, form)
                item.addChild(child)
                if current == (event.event, event.repeat, form.form):
                    select = child
            key = (event.event, event.repeat)
            if expanded is not None:
                item.setExpanded(key in expanded)
            else:
                item.setExpanded(event.visit.state in _EXPANDED_STATES or not event.scheduled)
            if current == (event.event, event.repeat, None):
                select = item
            if select is None and current is None and key == next_key and item.childCount():
                item.setExpanded(True)
                select = next((item.child(i) for i in range(item.childCount())
                               if item.child(i).data(0, FORM_ROLE) and not self._started(
                                   event, item.child(i).data(0, FORM_ROLE))),
                              item.child(0))  # fmt: skip
        if select is None and tree.topLevelItemCount():
            select = tree.topLevelItem(0)
        tree.setUpdatesEnabled(True)
        if select is not None:
            tree.setCurrentItem(select)
            tree.scrollToItem(select, QAbstractItemView.ScrollHint.PositionAtCenter)

    @staticmethod
    def _started(event: CasebookEvent, code: str) -> bool:
        return any(f.form == code and f.started for f in event.forms)

    def _event_item(self, event: CasebookEvent) -> QTreeWidgetItem:
        visit = event.visit
        text = self.context.text
        item = QTreeWidgetItem([text(visit.label), compact_window(visit.window_start,
                                                                  visit.window_end), ""])
        state = text(VISIT_STATE_LABELS[visit.state])
        if visit.state in (VisitState.DONE, VisitState.IN_PROGRESS) and visit.actual is not None:
            state = f"{state} {visit.actual.isoformat()}"
        elif visit.state is VisitState.DONE and visit.note is not None:
            state = f"{state} — {text(visit.note)}"
        if not event.scheduled:
            state = ""
        item.setText(2, state)
        item.setData(0, EVENT_ROLE, (event.event, event.repeat))
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        tips = [text(visit.label)]
        if visit.target is not None:
            tips.append(self.tr("Target date: {date}").format(date=visit.target.isoformat()))
        window = format_window(visit.window_start, visit.window_end)
        if window:
            tips.append(self.tr("Window: {window}").format(window=window))
        if visit.note is not None:
            tips.append(text(visit.note))
        for column in range(3):
            item.setToolTip(column, "\n".join(tips))
        if visit.state is VisitState.OVERDUE:
            for column in range(3):
                item.setBackground(column, OVERDUE_BACKGROUND)
                item.setForeground(column, OVERDUE_TEXT)
        elif visit.state is VisitState.DUE:
            item.setForeground(2, PROGRESS_COLOUR)
        elif visit.state in (VisitState.NOT_APPLICABLE, VisitState.UNKNOWN):
            for column in range(3):
                item.setForeground(column, INACTIVE_TEXT)
        return item

    def _form_item(self, event: CasebookEvent, form: CasebookForm) -> QTreeWidgetItem:
        state = FormState.of(form)
        item = QTreeWidgetItem([self.context.text(form.label), "", self._form_text(form, state)
                                + self.review.form_suffix(event.event, event.repeat, form.form)])
        item.setData(0, EVENT_ROLE, (event.event, event.repeat))
        item.setData(0, FORM_ROLE, form.form)
        item.setIcon(2, self._icons[state])
        item.setForeground(2, STATE_COLOURS[state])
        if form.status == FormStatus.LOCKED.value and state is FormState.OTHER:
            item.setIcon(2, self._lock_icon)
            item.setForeground(2, LOCK_COLOUR)
        tip = f"{self.context.text(form.label)} — {self._form_text(form, state)}"
        if form.updated_utc is not None:
            tip += "\n" + self.tr("Last saved {when}").format(when=local_time(form.updated_utc))
        if queries := self.review.form_tip(event.event, event.repeat, form.form):
            tip += "\n" + queries
        item.setToolTip(0, tip)
        item.setToolTip(2, tip)
        return item

    def _form_text(self, form: CasebookForm, state: FormState) -> str:
        labels = {
            FormStatus.NOT_STARTED.value: self.tr("Not started"),
            FormStatus.IN_PROGRESS.value: self.tr("In progress"),
            FormStatus.COMPLETE.value: self.tr("Complete"),
        }
        base = labels.get(form.status) or status_label(form.status, self.context.lang)
        if state == FormState.ERRORS:
            return self.tr("{status}, errors").format(status=base)
        if state == FormState.WARNINGS:
            return self.tr("{status}, warnings").format(status=base)
        return base

    # ---- tree state -----------------------------------------------------------------------------
    def _current_key(self) -> tuple[str, int, str | None] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        event, repeat = item.data(0, EVENT_ROLE)
        return (event, repeat, item.data(0, FORM_ROLE))

    def _expanded_keys(self) -> set[tuple[str, int]]:
        keys = set()
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.isExpanded():
                keys.add(tuple(item.data(0, EVENT_ROLE)))
        return keys

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        """One click on a form opens it (the placeholder asks to choose one)."""
        if item.data(0, FORM_ROLE):
            self._activated(item, column)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        code = item.data(0, FORM_ROLE)
        if not code:
            item.setExpanded(not item.isExpanded())
            return
        event, repeat = item.data(0, EVENT_ROLE)
        self.formActivated.emit(event, int(repeat), code)

    def select_form(self, event: str, repeat: int, code: str) -> bool:
        """Make a form the current item (for the keyboard and for tests)."""
        for i in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(i)
            for j in range(parent.childCount()):
                child = parent.child(j)
                if tuple(child.data(0, EVENT_ROLE)) == (event, repeat) and (
                        child.data(0, FORM_ROLE) == code):  # fmt: skip
                    parent.setExpanded(True)
                    self.tree.setCurrentItem(child)
                    return True
        return False

    def event_rows(self) -> list[tuple[str, int, str]]:
        """(event OID, repeat, status text) of every event, in the order shown."""
        rows = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            event, repeat = item.data(0, EVENT_ROLE)
            rows.append((event, repeat, item.text(2)))
        return rows

    # ---- form status, freeze and lock (issue 6) -------------------------------------------------
    def form_menu_for(self, item: QTreeWidgetItem | None) -> QMenu | None:
        """The workflow steps of a form item the role may take (None: none, or not a form)."""
        if item is None or self.casebook is None or not item.data(0, FORM_ROLE):
            return None
        event, repeat = item.data(0, EVENT_ROLE)
        code = item.data(0, FORM_ROLE)
        status = next((f.status for e in self.casebook.events
                       if (e.event, e.repeat) == (event, repeat)
                       for f in e.forms if f.form == code), FormStatus.NOT_STARTED.value)
        return self.workflow.form_menu(self.tree, self.casebook.subject_key, event, int(repeat),
                                       code, status, self.state_bar.state,
                                       self.state_bar.db_locked)  # fmt: skip

    def _tree_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos) or self.tree.currentItem()
        menu = self.form_menu_for(item)
        if menu is not None:
            menu.exec(self.tree.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def _workflow_changed(self, _key: str) -> None:
        self.refresh()
        self.workflowChanged.emit()

    # ---- enrolment and screen failure -----------------------------------------------------------
    def enrol(self) -> None:
        casebook = self.casebook
        if casebook is None or not self.can_enter or self.verdict is None or (
                self.verdict.eligible is not True) or not self._f01_done(casebook):  # fmt: skip
            return
        answer = QMessageBox.question(
            self, self.tr("Enrol subject"),
            self.tr("Enrol {number} and assign the next study ID? This cannot be undone.")
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
        self._notice = self.tr("Enrolled: study ID {id} assigned to {number}.").format(
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
            self._notice = self.tr("{number} recorded as a screen failure.").format(
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

