"""Review in the form view (issue 6): queries, SDV ticks and e-signatures around the generated
form, without changing how the form itself is built.

`FormReview(view)` adds to a `FormView`: the signature strip and an SDV line under the banners,
the query panel under the form (a splitter: the form stays the larger part), and beside each
item its marks (gui/sdv_view.ItemMarks: query badge, critical "◆", the monitor's SDV tick). It
follows the caret so that "Raise query…" proposes the item being looked at. `refresh()` reads
the queries, SDV marks and signatures again (the view calls it after every reload).
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from PySide6.QtCore import QObject, Qt, SignalInstance
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from tnt_desktop.errors import TntError
from tnt_desktop.gui.errors import show_error
from tnt_desktop.gui.form.query_panel import QueryPanel, Target, target_label
from tnt_desktop.gui.sdv_view import CRITICAL_COLOUR, CRITICAL_MARK, ItemMarks
from tnt_desktop.gui.signature_dialog import SignatureStrip
from tnt_desktop.gui.workflow_actions import ask_reason
from tnt_desktop.services import sdv
from tnt_desktop.services.permissions import Permission, allowed
from tnt_desktop.study.sdv_plan import is_critical


class ReviewedForm(Protocol):
    """What the review needs of the form view (gui/form/view.FormView, a QWidget): named here so
    that this module does not import the view that builds it."""

    context: Any
    app: Any
    snapshot: Any
    form: Any
    event_oid: str
    repeat: int
    fields: dict[str, Any]
    tables: dict[str, Any]
    lock_banner: QWidget
    scroll_area: QScrollArea
    content: QWidget
    workflowChanged: SignalInstance

    def layout(self) -> QVBoxLayout: ...

    def _safe_reload(self) -> None: ...


class FormReview(QObject):
    def __init__(self, view: ReviewedForm) -> None:
        parent = cast(QWidget, view)
        super().__init__(parent)
        self.view = view
        self.context = view.context
        self.app = view.app
        self.can_verify = allowed(self.app.role, Permission.VERIFY)
        key = view.snapshot.subject_key
        form = view.form
        root = view.layout()
        # the signature strip and the SDV line under the banners
        self.signatures = SignatureStrip(view.context, key, view.event_oid, view.repeat, form,
                                         parent)  # fmt: skip
        self.signatures.signed.connect(self._signed)
        self.sdv_line = QLabel(parent)
        self.sdv_line.setObjectName("formSdvLine")
        self.sdv_line.setWordWrap(True)
        at = root.indexOf(view.lock_banner) + 1
        root.insertWidget(at, self.signatures)
        root.insertWidget(at + 1, self.sdv_line)
        # the query panel under the form
        self.panel = QueryPanel(view.context, key, view.event_oid, view.repeat, form, parent)
        self.panel.changed.connect(self._queries_changed)
        self.panel.targetActivated.connect(self.show_target)
        index = root.indexOf(view.scroll_area)
        root.removeWidget(view.scroll_area)
        self.splitter = QSplitter(Qt.Orientation.Vertical, parent)
        self.splitter.setObjectName("reviewSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(view.scroll_area)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([700, 120])  # the form keeps most of a 800 px screen
        root.insertWidget(index, self.splitter, 1)
        # marks beside the main items: every item for the monitor (the SDV tick), the critical
        # items for everyone (◆); others get theirs when a query concerns them (refresh)
        self.marks: dict[str, ItemMarks] = {}
        for name in view.fields:
            if self.can_verify or is_critical(form.code, name):
                self._add_marks(name)
        self.sdv_states: dict[tuple[str, int, str], sdv.SdvItem] = {}
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.refresh()

    def _add_marks(self, name: str) -> ItemMarks:
        field_ = self.view.fields[name]
        marks = ItemMarks(is_critical(self.view.form.code, name), self.can_verify,
                          field_.label.parent())  # fmt: skip
        marks.badge.clicked.connect(lambda _=False, n=name: self.show_target(("", 0, n)))
        marks.sdvToggled.connect(lambda on, n=name: self.toggle_sdv(n, on))
        assert field_.grid is not None
        field_.grid.addWidget(marks, field_.grid_row - 1, 3, Qt.AlignmentFlag.AlignTop)
        field_.widgets.append(marks)
        marks.setVisible(field_.applicable)
        self.marks[name] = marks
        return marks

    # ---- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        view = self.view
        self.signatures.load(view.snapshot.status)
        self._update_targets()
        self.panel.load()
        counts = self.panel.counts_by_target()
        for group, _row, name in counts:
            if not group and name in self.view.fields and name not in self.marks:
                self._add_marks(name)
        for name, marks in self.marks.items():
            marks.badge.set_counts(*counts.get(("", 0, name), (0, 0)))
        try:
            states = sdv.form_sdv(self.app, view.snapshot.subject_key, view.event_oid,
                                  view.repeat, view.form.code)  # fmt: skip
        except TntError:
            states = []
        self.sdv_states = {(s.group_name, s.row_key, s.item_name): s for s in states}
        for name, marks in self.marks.items():
            state = self.sdv_states.get(("", 0, name))
            marks.set_sdv(state)
            # derived values and assigned identifiers are verified through their sources
            derived = view.fields[name].item.is_derived
            if marks.tick is not None:
                marks.tick.setVisible(state is not None or not derived)
        self._sdv_line(states)

    def _sdv_line(self, states: list[sdv.SdvItem]) -> None:
        critical = [s for s in states if s.critical]
        stale = sum(s.stale for s in states)
        has_critical = any(is_critical(self.view.form.code, item.name)
                           for _g, item in self.view.form.items())  # fmt: skip
        if not states and not has_critical:
            self.sdv_line.setVisible(False)
            return
        parts = []
        if has_critical:
            parts.append(f"<span style='color:{CRITICAL_COLOUR}'>{CRITICAL_MARK}</span> "
                         + self.tr("critical item (100 % SDV)"))
        parts.append(self.tr("SDV: critical {cv} / {ct} · all items {v} / {t}").format(
            cv=sum(s.verified for s in critical), ct=len(critical),
            v=sum(s.verified for s in states), t=len(states)))  # fmt: skip
        if stale:
            stale_text = self.tr("{n} mark(s) stale: the value changed since").format(n=stale)
            parts.append(f"<span style='color:#9a6700'>{stale_text}</span>")
        self.sdv_line.setText("   ·   ".join(parts))
        self.sdv_line.setVisible(True)

    def _update_targets(self) -> None:
        view = self.view
        targets: list[tuple[str, Target]] = []
        numbers: dict[tuple[str, int], int] = {}
        for group in view.form.groups:
            if group.repeating:
                table = view.tables[group.name]
                for index, row in enumerate(table.rows):
                    if row.key is None:
                        continue
                    numbers[(group.name, row.key)] = index + 1
                    for item in table.items:
                        label = target_label(view.form, self.context, group.name, row.key,
                                             item.name, index + 1)  # fmt: skip
                        targets.append((label, (group.name, row.key, item.name)))
            else:
                for item in group.items:
                    field_ = view.fields.get(item.name)
                    if field_ is None:
                        continue
                    label = target_label(view.form, self.context, "", 0, item.name)
                    targets.append((label, ("", 0, item.name)))
        self.panel.targets = targets
        self.panel.row_numbers = numbers

    def retranslate(self) -> None:
        self.panel.retranslate()
        self.signatures.retranslate()
        self._update_targets()
        self._sdv_line(list(self.sdv_states.values()))

    # ---- following the caret ---------------------------------------------------------------------
    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        view = self.view
        if new is None or not view.content.isAncestorOf(new):
            return
        for name, field_ in view.fields.items():
            if field_.editor is new or field_.editor.isAncestorOf(new):
                self.panel.focused = ("", 0, name)
                return
        for group, table in view.tables.items():
            for row in table.rows:
                for name, editor in row.editors.items():
                    if editor is new or editor.isAncestorOf(new):
                        self.panel.focused = (group, row.key, name) if row.key else None
                        return

    def show_target(self, target: Target) -> None:
        group, _row, name = target
        self.panel.select_target(target)
        if not group and name in self.view.fields:
            field_ = self.view.fields[name]
            self.panel.focused = target
            self.view.scroll_area.ensureWidgetVisible(field_.editor, 20, 40)

    # ---- steps -----------------------------------------------------------------------------------
    def toggle_sdv(self, name: str, on: bool) -> bool:
        view = self.view
        where = (view.snapshot.subject_key, view.event_oid, view.repeat, view.form.code)
        marks = self.marks[name]
        try:
            if on:
                sdv.mark_sdv(self.app, *where, [("", 0, name)])
            else:
                reason = ask_reason(view, self.tr("Remove SDV mark"),
                                    self.tr("Why is the verification of this item "
                                                     "withdrawn?"))  # fmt: skip
                if reason is None:
                    marks.set_sdv(marks.state)
                    return False
                sdv.unmark_sdv(self.app, *where, [("", 0, name)], reason)
        except TntError as exc:
            show_error(view, exc)
            self.refresh()
            return False
        self.refresh()
        view.workflowChanged.emit()
        return True

    def _queries_changed(self) -> None:
        self.refresh()
        self.view.workflowChanged.emit()

    def _signed(self) -> None:
        self.view._safe_reload()
        self.view.workflowChanged.emit()

    def response_reason(self) -> str | None:
        return self.panel.response_reason()

    def response_used(self) -> None:
        self.panel.responding = None
