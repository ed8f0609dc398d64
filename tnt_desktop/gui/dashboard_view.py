"""The dashboard: enrolment against the target (a QPainter chart), subjects by stage (horizontal
bars), visits due in the next 14 days and overdue, forms with errors or warnings, last backup and
last export. Everything comes from one `services.dashboard.dashboard` call, read off the GUI
thread; the charts are plain widgets that paint what they are given (no web view, no QtCharts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.dashboard_charts import EnrolmentChart, StageChart
from tnt_desktop.gui.errors import error_text, show_error
from tnt_desktop.gui.subject_table import (
    KEY_ROLE,
    OVERDUE_BACKGROUND,
    OVERDUE_TEXT,
    SubjectTable,
    fit_columns,
    format_window,
    local_time,
)
from tnt_desktop.services.dashboard import (
    DUE_HORIZON_DAYS,
    Dashboard,
    dashboard,
)
from tnt_desktop.services.sdv import SdvProgress, sdv_progress
from tnt_desktop.study.model import Text
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.schedule import (
    STAGE_LABELS,
    VISIT_STATE_LABELS,
    Stage,
    VisitState,
    follow_up_label,
    wound_label,
)


class RowsModel(QAbstractTableModel):
    """A small read-only table: rows of text, a subject key per row, optional highlight."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.keys: list[str] = []
        self.highlight: list[bool] = []

    def set_rows(self, rows: list[list[str]], keys: list[str],
                 highlight: list[bool] | None = None) -> None:  # fmt: skip
        self.beginResetModel()
        self.rows, self.keys = rows, keys
        self.highlight = highlight or [False] * len(rows)
        self.endResetModel()

    def set_headers(self, headers: list[str]) -> None:
        self.headers = headers
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, len(headers) - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.headers)):  # fmt: skip
            return self.headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.rows[index.row()][index.column()]
        if role == KEY_ROLE:
            return self.keys[index.row()]
        if self.highlight[index.row()]:
            if role == Qt.ItemDataRole.BackgroundRole:
                return OVERDUE_BACKGROUND
            if role == Qt.ItemDataRole.ForegroundRole:
                return OVERDUE_TEXT
        return None


def _table(model: RowsModel, name: str, parent: QWidget) -> SubjectTable:
    table = SubjectTable(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    table.horizontalHeader().setStretchLastSection(True)
    return table


@dataclass(frozen=True)
class BoardRows:
    """The texts of the two tables, in one language (built off the GUI thread)."""

    lang: str
    visits: list[list[str]]
    visit_keys: list[str]
    overdue: list[bool]
    problems: list[list[str]]
    problem_keys: list[str]
    errors: list[bool]


def board_rows(board: Dashboard, lang: str, words: dict[str, str],
               params: StudyParameters) -> BoardRows:  # fmt: skip
    """Pure: no widget, no Qt call (it runs in the worker thread)."""
    state_text = {state: label.get(lang) for state, label in VISIT_STATE_LABELS.items()}
    alerts = list(board.overdue) + list(board.due_soon)
    visits = []
    for alert in alerts:
        visit = alert.visit
        state = state_text[visit.state]
        if visit.state is VisitState.UPCOMING and visit.window_start is not None:
            state = words["opens"].format(date=visit.window_start.isoformat())
        visits.append([alert.subject_key, visit.label.get(lang),
                       format_window(visit.window_start, visit.window_end), state])
    labels: dict[tuple[str, int], str] = {}
    problems = []
    for p in board.problem_forms:
        key = (p.event, p.repeat)
        if key not in labels:
            labels[key] = _event_label(p.event, p.repeat, p.event_label, lang, params)
        problem = words["both"] if p.has_errors and p.has_warnings else (
            words["errors"] if p.has_errors else words["warnings"])  # fmt: skip
        problems.append([p.subject_key, problem, labels[key], p.form_label.get(lang),
                         local_time(p.updated_utc)])
    return BoardRows(lang, visits, [a.subject_key for a in alerts],
                     [a.visit.state is VisitState.OVERDUE for a in alerts], problems,
                     [p.subject_key for p in board.problem_forms],
                     [p.has_errors for p in board.problem_forms])  # fmt: skip


def _export_due(session: Any, today: Any) -> bool | None:
    """Is the sponsor export due (None when the role may not read it)? Worker thread."""
    from tnt_desktop.services.export_settings import export_due
    from tnt_desktop.services.permissions import Permission, allowed

    if not (allowed(session.role, Permission.EXPORT)
            or allowed(session.role, Permission.VIEW_DATA)):  # fmt: skip
        return None
    try:
        return bool(export_due(session, today))
    except TntError:
        return None


def _event_label(event: str, repeat: int, label: Text, lang: str,
                 params: StudyParameters) -> str:  # fmt: skip
    """The schedule's name of a repeating visit ("Follow-up 6 months"), else the event's."""
    if event == "SE.FU" and 0 < repeat <= len(params.fu_months):
        return follow_up_label(params.fu_months[repeat - 1]).get(lang)
    if event == "SE.WND" and 0 < repeat <= len(params.wound_days):
        return wound_label(params.wound_days[repeat - 1]).get(lang)
    if event == "SE.UNS":
        return f"{label.get(lang)} {repeat}"
    return label.get(lang)


class DashboardView(QWidget):
    """The dashboard screen (see the module docstring)."""

    subjectActivated = Signal(str)
    loaded = Signal()

    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardView")
        self.context = context
        self.board: Dashboard | None = None
        self.rows: BoardRows | None = None
        self.export_due: bool | None = None  # None: not known (or not for this role)
        self.sdv: SdvProgress | None = None  # critical items verified (issue 6)
        # tasks stay referenced until they are done and a later refresh drops them: dropping
        # one earlier would delete its QObject (and runnable) while it runs or delivers
        self._tasks: list[Any] = []
        self._reading = False
        self._generation = 0
        self._build()
        self.retranslate()

    # ---- building -------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(10, 8, 10, 8)
        root.setSpacing(8)
        summary = QHBoxLayout()
        summary.setSpacing(10)
        self.cards: dict[str, tuple[QLabel, QLabel]] = {}
        for name in ("screened", "enrolled", "queries", "sdv", "backup", "export"):
            frame = QFrame(self)
            frame.setObjectName(f"card_{name}")
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            layout = QVBoxLayout(frame)
            layout.setContentsMargins(10, 6, 10, 6)
            layout.setSpacing(2)
            caption = QLabel(frame)
            value = QLabel(frame)
            value.setObjectName(f"value_{name}")
            font = QFont(value.font())
            font.setPointSizeF(font.pointSizeF() * (1.6 if name in ("screened", "enrolled")
                                                    else 1.1))  # fmt: skip
            font.setBold(True)
            value.setFont(font)
            layout.addWidget(caption)
            layout.addWidget(value)
            summary.addWidget(frame, 1)
            self.cards[name] = (caption, value)
        self.busy = QProgressBar(self)
        self.busy.setObjectName("dashboardBusy")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(100)
        self.busy.setTextVisible(False)
        self.busy.hide()
        summary.addWidget(self.busy)
        root.addLayout(summary)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.enrolment_title = self._heading()
        self.stage_title = self._heading()
        self.visits_title = self._heading()
        self.problems_title = self._heading()
        self.enrolment_chart = EnrolmentChart(self)
        self.stage_chart = StageChart(self)
        self.visits_model = RowsModel(self)
        self.problems_model = RowsModel(self)
        self.visits_table = _table(self.visits_model, "visitsTable", self)
        self.problems_table = _table(self.problems_model, "problemsTable", self)
        for table in (self.visits_table, self.problems_table):
            table.activatedKey.connect(self.subjectActivated)
        grid.addWidget(self.enrolment_title, 0, 0)
        grid.addWidget(self.stage_title, 0, 1)
        grid.addWidget(self.enrolment_chart, 1, 0)
        grid.addWidget(self.stage_chart, 1, 1)
        grid.addWidget(self.visits_title, 2, 0)
        grid.addWidget(self.problems_title, 2, 1)
        grid.addWidget(self.visits_table, 3, 0)
        grid.addWidget(self.problems_table, 3, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(3, 4)
        root.addLayout(grid, 1)
        self.message = QLabel(self)
        self.message.setObjectName("dashboardMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        root.addWidget(self.message)

    def _heading(self) -> QLabel:
        label = QLabel(self)
        font = QFont(label.font())
        font.setBold(True)
        label.setFont(font)
        return label

    def retranslate(self) -> None:
        captions = {"screened": self.tr("Screened"), "enrolled": self.tr("Enrolled"),
                    "backup": self.tr("Last backup"), "export": self.tr("Last export"),
                    "queries": self.tr("Queries"), "sdv": self.tr("Critical items verified")}
        for name, (caption, _value) in self.cards.items():
            caption.setText(captions[name])
        self.enrolment_title.setText(self.tr("Enrolment against the target"))
        self.stage_title.setText(self.tr("Subjects by current stage"))
        self.problems_title.setText(self.tr("Forms with errors or warnings"))
        self.visits_model.set_headers([self.tr("Subject"), self.tr("Visit"), self.tr("Window"),
                                       self.tr("Status")])  # fmt: skip
        self.problems_model.set_headers([self.tr("Subject"), self.tr("Problem"), self.tr("Visit"),
                                         self.tr("Form"), self.tr("Last saved")])
        self._show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ---- loading --------------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._reading

    def refresh(self) -> None:
        """Read the dashboard again, off the GUI thread."""
        self._generation += 1
        generation = self._generation
        session, today = self.context.session, self.context.today()
        self.busy.show()

        lang, words, params = self.context.lang, self._words(), session.params

        def work(progress: Callable[[int, int], None]) -> tuple[Any, ...]:
            board = dashboard(session, today)
            # the table texts too: thousands of rows are formatted here, not on the GUI thread
            return (board, board_rows(board, lang, words, params), _export_due(session, today),
                    sdv_progress(session))  # fmt: skip

        self._reading = True
        self._tasks = [task for task in self._tasks if not getattr(task, "done", False)]
        self._tasks.append(self.context.run(
            None, self.tr("Loading the dashboard…"), work,
            lambda result: self._read(generation, *result),
            lambda exc: self._failed(generation, exc)))  # fmt: skip

    def _read(self, generation: int, board: Dashboard, rows: BoardRows,
              export_due: bool | None = None, sdv: SdvProgress | None = None) -> None:  # fmt: skip
        if generation != self._generation or not isValid(self):
            return  # a later refresh is under way, or the screen is gone
        self._reading = False
        self.export_due = export_due
        self.sdv = sdv
        self.busy.hide()
        self.message.hide()
        self.show_board(board, rows)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation or not isValid(self):
            return  # a later refresh is under way, or the screen is gone
        self._reading = False
        self.busy.hide()
        if not isinstance(exc, TntError):
            show_error(self, exc)
        else:
            self.message.setText(error_text(exc))
            self.message.show()
        self.loaded.emit()

    def show_board(self, board: Dashboard, rows: BoardRows | None = None) -> None:
        self.board, self.rows = board, rows
        self._show()
        self.loaded.emit()

    # ---- showing --------------------------------------------------------------------------------
    def _show(self) -> None:
        board = self.board
        text = self.context.text
        self.visits_title.setText(self.tr("Visits due in the next {n} days and overdue").format(
            n=DUE_HORIZON_DAYS))
        if board is None:
            for _caption, value in self.cards.values():
                value.setText("…")
            return
        self.cards["screened"][1].setText(str(board.screened))
        percent = round(100 * board.enrolled / board.target) if board.target else 0
        self.cards["enrolled"][1].setText(self.tr("{n} of {target} ({percent}%)").format(
            n=board.enrolled, target=board.target, percent=percent))  # fmt: skip
        self.cards["queries"][1].setText(self.tr("{open} open · {answered} answered").format(
            open=board.queries.open, answered=board.queries.answered))  # fmt: skip
        sdv = self.sdv
        self.cards["sdv"][1].setText(
            "…" if sdv is None else f"{sdv.critical_verified} / {sdv.critical_total}")
        self.cards["sdv"][1].setToolTip("" if sdv is None else self.tr(
            "Critical items (100 % SDV plan) verified against source; all items: {v} / {t}")
            .format(v=sdv.verified, t=sdv.total))  # fmt: skip
        self.cards["backup"][1].setText(self._when(board.last_backup_utc))
        self.cards["export"][1].setText(self._when(board.last_export_utc))
        caption, value = self.cards["export"]
        caption.setText(self.tr("Last export — due") if self.export_due
                        else self.tr("Last export"))  # fmt: skip
        palette = value.palette()
        palette.setColor(value.foregroundRole(), OVERDUE_TEXT if self.export_due
                         else self.cards["backup"][1].palette().color(value.foregroundRole()))
        value.setPalette(palette)
        self.enrolment_chart.set_data(board.enrolment_by_month, board.target)
        # "Enrolled" as a stage is the wait before treatment: said so, so that "Enrolled 0"
        # does not contradict "18 of 51 enrolled" beside it (issue 16)
        waiting = self.tr("Enrolled, treatment not started")
        self.stage_chart.set_data([(stage, waiting if stage == Stage.ENROLLED
                                    else text(STAGE_LABELS[stage]), count)
                                   for stage, count in board.by_stage.items()])  # fmt: skip
        rows = self.rows
        if rows is None or rows.lang != self.context.lang:  # a language change
            rows = self.rows = board_rows(board, self.context.lang, self._words(),
                                          self.context.session.params)  # fmt: skip
        self.visits_model.set_rows(rows.visits, rows.visit_keys, rows.overdue)
        self.problems_model.set_rows(rows.problems, rows.problem_keys, rows.errors)
        fit_columns(self.visits_table, rows.visits, cap=220)
        fit_columns(self.problems_table, rows.problems, cap=220)

    def _words(self) -> dict[str, str]:
        """The few translated words the table rows use (read on the GUI thread)."""
        return {"opens": self.tr("Opens {date}"), "errors": self.tr("Errors"),
                "warnings": self.tr("Warnings"), "both": self.tr("Errors and warnings")}

    def _when(self, value: datetime | None) -> str:
        return local_time(value) if value is not None else self.tr("never")

    def numbers(self) -> dict[str, str]:
        """What the summary cards show (for tests)."""
        return {name: value.text() for name, (_caption, value) in self.cards.items()}
