"""The subject list: the screening log and the enrolled subjects, one row each, with stage, next
due visit and its window, overdue visits, missing forms and open problems.

Built for thousands of subjects. The rows are read off the GUI thread (`services.subject_list.
subject_rows` through `GuiContext.run`) and handed to the model in chunks of `CHUNK_ROWS`, one
chunk per event-loop turn, so that no single step keeps the GUI busy for long. Sorting happens
in the source model (gui/subject_table.py) with Python's sort (milliseconds for 5,000 rows)
rather than row-by-row comparisons through the proxy; the proxy only filters (search, stage,
overdue only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import error_text
from tnt_desktop.gui.subject_table import (
    KEY_ROLE,
    SIZE_SAMPLE_ROWS,
    Column,
    SubjectFilterProxy,
    SubjectTable,
    SubjectTableModel,
    fit_columns,
)
from tnt_desktop.gui.workflow_actions import (
    WorkflowActions,
)
from tnt_desktop.services.subject_list import SubjectRow, subject_rows
from tnt_desktop.study.schedule import STAGE_LABELS, Stage

CHUNK_ROWS = 500
class SubjectListView(QWidget):
    """The subject list screen (see the module docstring)."""

    subjectActivated = Signal(str)
    loaded = Signal()  # every row of the last refresh is in the model

    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("subjectListView")
        self.context = context
        self.model = SubjectTableModel(context, self)
        self.proxy = SubjectFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._pending: list[SubjectRow] = []
        # tasks stay referenced until they are done and a later refresh drops them: dropping
        # one earlier would delete its QObject (and runnable) while it runs or delivers
        self._tasks: list[Any] = []
        self._reading = False
        self._generation = 0  # a refresh started later wins over a late result
        self._restore_key: str | None = None
        self._columns_sized = False
        self._chunk_timer = QTimer(self)
        self._chunk_timer.setInterval(0)
        self._chunk_timer.timeout.connect(self._insert_chunk)
        self._build()
        self.retranslate()

    # ---- building -------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(8, 8, 8, 8)
        bar = QHBoxLayout()
        self.search_label = QLabel(self)
        self.search = QLineEdit(self)
        self.search.setObjectName("subjectSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.search_label.setBuddy(self.search)
        self.search.textChanged.connect(lambda text: self.proxy.set_filters(search=text))
        self.search.returnPressed.connect(self._search_return)
        self.search.installEventFilter(self)
        self.stage_label = QLabel(self)
        self.stage_filter = QComboBox(self)
        self.stage_filter.setObjectName("stageFilter")
        self.stage_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.stage_label.setBuddy(self.stage_filter)
        self.stage_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_filters(stage=self.stage_filter.currentData() or None))
        self.overdue_only = QCheckBox(self)
        self.overdue_only.setObjectName("overdueOnly")
        self.overdue_only.toggled.connect(lambda on: self.proxy.set_filters(overdue_only=on))
        for widget in (self.search_label, self.search, self.stage_label, self.stage_filter,
                       self.overdue_only):  # fmt: skip
            bar.addWidget(widget)
        bar.addStretch(1)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("subjectCount")
        bar.addWidget(self.count_label)
        self.busy = QProgressBar(self)
        self.busy.setObjectName("subjectListBusy")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.busy.hide()
        bar.addWidget(self.busy)
        root.addLayout(bar)

        self.table = SubjectTable(self)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # no sort until a header is clicked: the rows stay in screening order
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.activatedKey.connect(self.subjectActivated)
        root.addWidget(self.table, 1)
        # the data manager freezes / locks a subject from its row's context menu (issue 6)
        self.workflow = WorkflowActions(self.context, self)
        self.workflow.changed.connect(lambda _key: self.refresh())
        if self.workflow.can_lock:
            self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            self.table.customContextMenuRequested.connect(self._context_menu)

        self.message = QLabel(self)
        self.message.setObjectName("subjectListMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        root.addWidget(self.message)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):  # fmt: skip
            signal.connect(self._update_count)

    def retranslate(self) -> None:
        self.search_label.setText(self.tr("&Search:"))
        self.search.setPlaceholderText(self.tr("Subject ID or screening number"))
        self.stage_label.setText(self.tr("S&tatus:"))
        current = self.stage_filter.currentData()
        self.stage_filter.blockSignals(True)
        self.stage_filter.clear()
        self.stage_filter.addItem(self.tr("All"), None)
        for stage in Stage:
            self.stage_filter.addItem(self.context.text(STAGE_LABELS[stage]), stage.value)
        found = self.stage_filter.findData(current)
        self.stage_filter.setCurrentIndex(max(found, 0))
        self.stage_filter.blockSignals(False)
        self.overdue_only.setText(self.tr("&Overdue only"))
        self.model.retranslate()
        self._update_count()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ---- loading --------------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._reading or bool(self._pending)

    def refresh(self) -> None:
        """Read the rows again, off the GUI thread; they arrive in chunks."""
        self._generation += 1
        generation = self._generation
        session, today = self.context.session, self.context.today()
        self.busy.show()
        self.message.hide()
        # The table keeps showing the rows it has but does not repaint until the new ones
        # arrive: each repaint asks the Python model ~2,000 questions, and while the worker
        # runs Python each of them waits its turn for the GIL (a one-second stall, not 5 ms).
        self.table.setUpdatesEnabled(False)

        def work(progress: Callable[[int, int], None]) -> list[SubjectRow]:
            return subject_rows(session, today)

        # parent None: no modal progress dialog every time the list is shown; the busy bar in
        # the view is the progress indicator
        self._reading = True
        self._tasks = [task for task in self._tasks if not getattr(task, "done", False)]
        self._tasks.append(self.context.run(
            None, self.tr("Loading subjects…"), work,
            lambda rows: self._rows_read(generation, rows),
            lambda exc: self._read_failed(generation, exc)))  # fmt: skip

    def _rows_read(self, generation: int, rows: list[SubjectRow]) -> None:
        if generation != self._generation or not isValid(self):
            return  # a later refresh is under way, or the screen is gone
        self._reading = False
        self.table.setUpdatesEnabled(True)
        self.load_rows(rows)

    def _read_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation or not isValid(self):
            return  # a later refresh is under way, or the screen is gone
        self._reading = False
        self.table.setUpdatesEnabled(True)
        self.busy.hide()
        if not isinstance(exc, TntError):
            from tnt_desktop.gui.errors import show_error

            show_error(self, exc)
            return
        self.message.setText(error_text(exc))
        self.message.show()

    def load_rows(self, rows: Sequence[SubjectRow]) -> None:
        """Replace the rows: cleared now, filled chunk by chunk from the event loop."""
        self._chunk_timer.stop()
        self._restore_key = self.current_key() or self._restore_key
        self.model.clear()
        self._pending = list(rows)
        self._pending.reverse()  # popped from the end: O(1) per chunk
        self.busy.show()
        self._chunk_timer.start()

    def _insert_chunk(self) -> None:
        pending = self._pending
        chunk = [pending.pop() for _ in range(min(CHUNK_ROWS, len(pending)))]
        self.model.append_rows(chunk)
        if not self._columns_sized and self.model.rows:
            self._size_columns()
        if pending:
            return
        self._chunk_timer.stop()
        header = self.table.horizontalHeader()
        if header.sortIndicatorSection() >= 0:
            self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.busy.hide()
        self._restore_selection()
        self.loaded.emit()

    def _size_columns(self) -> None:
        """Once, from the first rows (see `fit_columns`)."""
        self._columns_sized = True
        sample = self.model.rows[:SIZE_SAMPLE_ROWS]
        fit_columns(self.table, [[self.model._text(row, column) for column in Column]
                                 for row in sample])  # fmt: skip

    def _restore_selection(self) -> None:
        key, self._restore_key = self._restore_key, None
        if key and self.select_key(key):
            return
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    def _update_count(self, *_args: object) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        if total == shown:
            self.count_label.setText(self.tr("{n} subjects").format(n=total))
        else:
            self.count_label.setText(self.tr("{shown} of {n} subjects").format(shown=shown,
                                                                                n=total))

    # ---- keyboard and selection -----------------------------------------------------------------
    def _search_return(self) -> None:
        """Return in the search box opens the only match or the one the search names exactly
        (issue 16: "017" opens TNT-01-017, not SCR-0017), else moves to the table."""
        exact = self.proxy.exact_rows()
        if self.proxy.rowCount() == 1 or len(exact) == 1:
            self.table._open(self.proxy.index(exact[0] if exact else 0, 0))
            return
        if exact:  # several exact matches: the cursor starts on the first
            self.table.setFocus()
            self.table.setCurrentIndex(self.proxy.index(exact[0], 0))
            return
        self.table.setFocus()
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down:
                self.table.setFocus()
                if self.proxy.rowCount():
                    self.table.setCurrentIndex(self.proxy.index(0, 0))
                return True
        return super().eventFilter(watched, event)

    def subject_menu(self) -> QMenu | None:
        """Freeze / lock steps for the current row (data manager only)."""
        index = self.table.currentIndex()
        if not index.isValid() or not self.workflow.can_lock:
            return None
        from tnt_desktop.services.workflow import is_database_locked

        row = self.model.row_at(self.proxy.mapToSource(index).row())
        try:
            db_locked = is_database_locked(self.context.session)
        except TntError:
            db_locked = False
        return self.workflow.subject_menu(self, row.key, row.data_state, db_locked)

    def _context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.setCurrentIndex(index)
        menu = self.subject_menu()
        if menu is not None:
            menu.exec(self.table.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def current_key(self) -> str | None:
        index = self.table.currentIndex()
        return index.data(KEY_ROLE) if index.isValid() else None

    def select_key(self, key: str) -> bool:
        """Make a subject the current row (found in the model's list, not through 5,000
        index/data calls)."""
        for row, subject in enumerate(self.model.rows):
            if subject.key == key or subject.screening_number == key:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                if not index.isValid():
                    return False  # filtered out
                self.table.setCurrentIndex(index)
                self.table.scrollTo(index)
                return True
        return False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.table.setFocus()
