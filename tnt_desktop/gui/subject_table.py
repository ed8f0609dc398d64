"""The subject list's table: its columns, the model that holds and sorts the rows (in Python,
milliseconds for 5,000 rows), the proxy that only filters (search, stage, overdue only), and the
table view itself, which the dashboard's lists reuse. The screen around it is
gui/subject_list_view.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import QTableView, QWidget

from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.workflow_actions import (
    FROZEN_COLOUR,
    LOCK_COLOUR,
    frozen_icon,
    lock_icon,
    state_text,
)
from tnt_desktop.services.subject_list import SubjectRow
from tnt_desktop.study.schedule import VISIT_STATE_LABELS, Stage, VisitState

SIZE_SAMPLE_ROWS = 200
KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # the subject key of a row
OVERDUE_BACKGROUND = QColor("#fbe3e1")
OVERDUE_TEXT = QColor("#b3261e")
ENDED_TEXT = QColor("#6b6b6b")
_ENDED = frozenset({Stage.SCREEN_FAILED, Stage.COMPLETED, Stage.WITHDRAWN, Stage.DIED})


class Column(IntEnum):
    SCREENING = 0
    SUBJECT_ID = 1
    STAGE = 2
    DATA_STATE = 3  # open / frozen / locked (issue 6)
    NEXT_VISIT = 4
    WINDOW = 5
    OVERDUE = 6
    MISSING = 7
    PROBLEMS = 8
    QUERIES = 9  # open / answered queries (issue 6)
    ENROLLED = 10
    UPDATED = 11


_COLUMN_COUNT = len(Column)
_STAGE_ORDER = {stage.value: i for i, stage in enumerate(Stage)}
_NUMERIC = (Column.OVERDUE, Column.MISSING, Column.PROBLEMS)
_DATA_STATE_ORDER = {"OPEN": 0, "FROZEN": 1, "LOCKED": 2}


def format_window(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return ""
    if end is None:
        return f"≥ {start.isoformat()}"  # type: ignore[union-attr]
    if start is None:
        return f"≤ {end.isoformat()}"
    return f"{start.isoformat()} – {end.isoformat()}"


def local_time(value: datetime | None) -> str:
    """A stored UTC time as local time, to the minute."""
    if value is None:
        return ""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone().strftime("%Y-%m-%d %H:%M")


def fit_columns(table: QTableView, rows: Sequence[Sequence[str]], cap: int = 260) -> None:
    """Size the columns to their header and to the texts of a sample of rows, measured here:
    resizeColumnsToContents asks the model for every role of hundreds of rows (a stall of
    100 ms and more on big tables)."""
    header = table.horizontalHeader()
    model = table.model()
    metrics = table.fontMetrics()
    bold = QFont(header.font())
    bold.setBold(True)
    header_metrics = QFontMetrics(bold)
    for column in range(model.columnCount()):
        width = max((metrics.horizontalAdvance(row[column]) for row in rows[:SIZE_SAMPLE_ROWS]),
                    default=0)  # fmt: skip
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        width = max(width, header_metrics.horizontalAdvance(title) + 14)
        header.resizeSection(column, min(max(width + 16, 60), cap))


def _last(value: Any) -> tuple[bool, Any]:
    """A sort key that puts empty values last in ascending order."""
    return (value is None or value == "", value if value is not None else "")


class SubjectTableModel(QAbstractTableModel):
    """The rows of `services.subject_list.subject_rows`; text in the context's language."""

    def __init__(self, context: GuiContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.rows: list[SubjectRow] = []
        self._headers: list[str] = []
        self._state_icons = {"FROZEN": frozen_icon(), "LOCKED": lock_icon()}
        self.retranslate()

    # ---- filling --------------------------------------------------------------------------------
    def clear(self) -> None:
        self.beginResetModel()
        self.rows = []
        self.endResetModel()

    def append_rows(self, rows: Sequence[SubjectRow]) -> None:
        if not rows:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def row_at(self, row: int) -> SubjectRow:
        return self.rows[row]

    def retranslate(self) -> None:
        self._headers = [self.tr("Screening no."), self.tr("Subject ID"), self.tr("Status"),
                         self.tr("Data"), self.tr("Next due visit"), self.tr("Window"),
                         self.tr("Overdue"),
                         self.tr("Missing forms"), self.tr("Open problems"), self.tr("Queries"),
                         self.tr("Enrolled"),
                         self.tr("Last update")]  # fmt: skip
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.rows) - 1, len(Column) - 1))  # fmt: skip

    # ---- the model interface --------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _COLUMN_COUNT

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            if section == Column.WINDOW:
                return self.tr("Window of the next due visit, computed from the actual dates")
            if section == Column.MISSING:
                return self.tr("Forms of visits done, due or overdue that are not complete")
            if section == Column.PROBLEMS:
                return self.tr("Forms with errors or warnings")
            if section == Column.QUERIES:
                return self.tr("Queries waiting for the site's answer, and answered queries "
                               "waiting for the monitor")  # fmt: skip
            if section == Column.DATA_STATE:
                return self.tr("Open, frozen (no data entry; queries still possible) or locked "
                               "(no change at all)")  # fmt: skip
        return super().headerData(section, orientation, role)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == KEY_ROLE:
            return row.key
        if role == Qt.ItemDataRole.DecorationRole and column == Column.DATA_STATE:
            return self._state_icons.get(row.data_state)
        if role == Qt.ItemDataRole.BackgroundRole:
            return OVERDUE_BACKGROUND if row.overdue else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.overdue and column in (Column.NEXT_VISIT, Column.WINDOW, Column.OVERDUE):
                return OVERDUE_TEXT
            if column == Column.QUERIES and row.open_queries:
                return OVERDUE_TEXT
            if column == Column.DATA_STATE and row.data_state != "OPEN":
                return FROZEN_COLOUR if row.data_state == "FROZEN" else LOCK_COLOUR
            if row.stage in _ENDED:
                return ENDED_TEXT
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        return None

    def _text(self, row: SubjectRow, column: int) -> str:
        if column == Column.SCREENING:
            return row.screening_number
        if column == Column.SUBJECT_ID:
            return row.subject_id or ""
        if column == Column.STAGE:
            return self.context.text(row.stage_label)
        if column == Column.DATA_STATE:
            return state_text(row.data_state, self.context.lang)
        if column == Column.NEXT_VISIT:
            visit = row.next_visit
            if visit is None:
                return ""
            text = self.context.text(visit.label)
            if visit.state is VisitState.OVERDUE:
                text += " · " + self.context.text(VISIT_STATE_LABELS[VisitState.OVERDUE])
            return text
        if column == Column.WINDOW:
            window = row.next_window
            return "" if window is None else format_window(*window)
        if column == Column.OVERDUE:
            return str(row.overdue_count) if row.overdue_count else ""
        if column == Column.MISSING:
            return str(row.missing_forms) if row.missing_forms else ""
        if column == Column.PROBLEMS:
            return str(row.open_problems) if row.open_problems else ""
        if column == Column.QUERIES:
            return self._queries_text(row)
        if column == Column.ENROLLED:
            return row.enrolment_date.isoformat() if row.enrolment_date else ""
        if column == Column.UPDATED:
            return local_time(row.last_update)
        return ""

    def _queries_text(self, row: SubjectRow) -> str:
        parts = []
        if row.open_queries:
            parts.append(self.tr("{n} open").format(n=row.open_queries))
        if row.answered_queries:
            parts.append(self.tr("{n} answered").format(n=row.answered_queries))
        return " · ".join(parts)

    def _tooltip(self, row: SubjectRow, column: int) -> str | None:
        if column in (Column.NEXT_VISIT, Column.WINDOW) and row.next_visit is not None:
            visit = row.next_visit
            parts = [self.context.text(visit.label),
                     self.context.text(VISIT_STATE_LABELS[visit.state])]  # fmt: skip
            if visit.target is not None:
                parts.append(self.tr("target {date}").format(date=visit.target.isoformat()))
            return " · ".join(parts)
        return None

    # ---- sorting in Python (see the module docstring) -------------------------------------------
    def sort_key(self, column: int) -> Callable[[SubjectRow], Any]:
        lang_text = self.context.text
        keys: dict[int, Callable[[SubjectRow], Any]] = {
            Column.SCREENING: lambda r: r.screening_number,
            Column.SUBJECT_ID: lambda r: _last(r.subject_id),
            Column.STAGE: lambda r: _STAGE_ORDER.get(r.stage, len(_STAGE_ORDER)),
            Column.DATA_STATE: lambda r: _DATA_STATE_ORDER.get(r.data_state, 3),
            Column.NEXT_VISIT: lambda r: _last(None if r.next_visit is None
                                               else lang_text(r.next_visit.label)),
            Column.WINDOW: lambda r: _last(None if r.next_visit is None
                                           else r.next_visit.window_start
                                           or r.next_visit.window_end),
            Column.OVERDUE: lambda r: r.overdue_count,
            Column.MISSING: lambda r: r.missing_forms,
            Column.PROBLEMS: lambda r: r.open_problems,
            Column.QUERIES: lambda r: (r.open_queries, r.answered_queries),
            Column.ENROLLED: lambda r: _last(r.enrolment_date),
            Column.UPDATED: lambda r: _last(r.last_update),
        }  # fmt: skip
        return keys[column]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column) or not self.rows:
            return
        self.layoutAboutToBeChanged.emit()
        old = {id(row): i for i, row in enumerate(self.rows)}
        key = self.sort_key(column)
        # screening order breaks ties, so that equal rows keep a stable, meaningful order
        self.rows.sort(key=lambda r: r.screening_number)
        self.rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        position = {old[id(row)]: i for i, row in enumerate(self.rows)}
        before = self.persistentIndexList()
        after = [self.index(position[index.row()], index.column()) for index in before]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()


class SubjectFilterProxy(QSortFilterProxyModel):
    """Search (subject ID or screening number), stage and "overdue only"; sorting is delegated
    to the source model."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._search = ""
        self._stage: str | None = None
        self._overdue_only = False
        self.setDynamicSortFilter(False)

    def set_filters(self, search: str | None = None, stage: str | bool | None = False,
                    overdue_only: bool | None = None) -> None:  # fmt: skip
        """Change any of the filters (stage=False leaves the stage filter as it is)."""
        self.beginFilterChange()
        if search is not None:
            self._search = search.strip().casefold()
        if stage is not False:
            self._stage = stage or None  # type: ignore[assignment]
        if overdue_only is not None:
            self._overdue_only = overdue_only
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:  # fmt: skip
        model = self.sourceModel()
        assert isinstance(model, SubjectTableModel)
        row = model.rows[source_row]
        if self._overdue_only and not row.overdue:
            return False
        if self._stage is not None and row.stage != self._stage:
            return False
        if self._search:
            text = self._search
            return text in row.screening_number.casefold() or (
                row.subject_id is not None and text in row.subject_id.casefold())
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, SubjectTableModel):
            model.sort(column, order)

    def exact_rows(self) -> list[int]:
        """Proxy rows the search names exactly — a whole key or its number ("017" names
        TNT-01-017, not SCR-0017): study IDs first, then screening numbers."""
        text = self._search
        if not text:
            return []
        model = self.sourceModel()
        assert isinstance(model, SubjectTableModel)
        by_id, by_screening = [], []
        for index in range(self.rowCount()):
            row = model.rows[self.mapToSource(self.index(index, 0)).row()]
            subject_id = (row.subject_id or "").casefold()
            if subject_id and text in (subject_id, subject_id.rsplit("-", 1)[-1]):
                by_id.append(index)
            screening = row.screening_number.casefold()
            if text in (screening, screening.rsplit("-", 1)[-1]):
                by_screening.append(index)
        return by_id + [i for i in by_screening if i not in by_id]


class SubjectTable(QTableView):
    """The table: Enter (or a double-click) opens the current subject."""

    activatedKey = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("subjectTable")
        self.doubleClicked.connect(self._open)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._open(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    def _open(self, index: QModelIndex) -> None:
        key = index.data(KEY_ROLE)
        if key:
            self.activatedKey.emit(str(key))
