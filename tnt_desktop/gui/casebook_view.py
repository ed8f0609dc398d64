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

The view owns the header and the refresh; the tree lives in gui/casebook_tree.py and the
eligibility panel with enrolment and screen failure in gui/casebook_enrolment.py (mixins: their
texts keep the "CasebookView" translation context).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.casebook_enrolment import CasebookEnrolment
from tnt_desktop.gui.casebook_tree import (
    OK_COLOUR,
    STATE_COLOURS,
    CasebookTree,
    CasebookTreeMixin,
    FormState,
    _dot,
)
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import error_text
from tnt_desktop.gui.sdv_view import ReviewSummary
from tnt_desktop.gui.subject_table import (
    format_window,
)
from tnt_desktop.gui.workflow_actions import (
    SubjectStateBar,
    WorkflowActions,
    lock_icon,
)
from tnt_desktop.services.casebook import Casebook
from tnt_desktop.services.permissions import Permission, allowed
from tnt_desktop.study.derivations.eligibility import EligibilityVerdict
from tnt_desktop.study.schedule import STAGE_LABELS, VISIT_STATE_LABELS


class CasebookView(CasebookTreeMixin, CasebookEnrolment, QWidget):
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

    # ---- tree state -----------------------------------------------------------------------------
    # ---- form status, freeze and lock (issue 6) -------------------------------------------------
    def _workflow_changed(self, _key: str) -> None:
        self.refresh()
        self.workflowChanged.emit()

    # ---- enrolment and screen failure -----------------------------------------------------------
