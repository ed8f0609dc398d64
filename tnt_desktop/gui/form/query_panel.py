"""Queries in the form view (issue 6; CRF_SPEC.md REQ-DQ-01, REQ-AT-01).

`QueryPanel` lists the queries of one form instance, each with its thread (who, role, local
time with UTC, text), and offers the steps the role may take: a monitor or data manager
(Permission.RAISE_QUERY) raises a query on the item that has the caret or on the whole form,
closes and re-opens; the site (Permission.ANSWER_QUERY) answers. Every step goes through
`services.queries`; a refused step shows the service's message. `QueryBadge` is the small
marker beside an item with open or answered queries. An answer given here is remembered so
that a data correction saved next offers "Query response" with "Query #N: …" prefilled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import show_error
from tnt_desktop.gui.styles import apply_style, repolish
from tnt_desktop.gui.wording import shows_details
from tnt_desktop.services import queries
from tnt_desktop.services.permissions import ROLE_LABELS, Permission, Role, allowed
from tnt_desktop.services.queries import (
    QUERY_STEP_LABELS,
    QueryStatus,
    QueryStepKind,
    QueryView,
    query_status_label,
)
from tnt_desktop.study.model import Form
from tnt_desktop.study.wording import clinical_text

OPEN_COLOUR = "#b3261e"
ANSWERED_COLOUR = "#1f5fae"
CLOSED_COLOUR = "#6b6b6b"
QUERY_ID_ROLE = Qt.ItemDataRole.UserRole + 1
Target = tuple[str, int, str | None]  # (group name, row key, item name); item None: the form


def utc_text(ts_utc: str | None) -> str:
    """A stored UTC time as "2026-01-02 16:04 (UTC 08:04)" — local time first, UTC beside."""
    if not ts_utc:
        return ""
    try:
        moment = datetime.fromisoformat(ts_utc.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return ts_utc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone()
    utc = moment.astimezone(UTC)
    same_day = local.date() == utc.date()
    return "{local} (UTC {utc})".format(
        local=local.strftime("%Y-%m-%d %H:%M"),
        utc=utc.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M"))  # fmt: skip


def role_text(role: str, lang: str) -> str:
    """A role in the user's language ("研究协调员"); an unknown one as stored."""
    try:
        return ROLE_LABELS[Role(role)].get(lang)
    except ValueError:
        return role


def status_colour(status: str) -> str:
    return {QueryStatus.OPEN.value: OPEN_COLOUR,
            QueryStatus.ANSWERED.value: ANSWERED_COLOUR}.get(status, CLOSED_COLOUR)  # fmt: skip


def target_label(form: Form, context: GuiContext, group: str, row: int, item: str | None,
                 row_number: int | None = None) -> str:  # fmt: skip
    """"Date of birth", "Dose given, row 2" or "Whole form"; the variable name in brackets
    only for the roles that work with it (gui/wording.py)."""
    if item is None:
        text = QCoreApplication.translate("QueryPanel", "Whole form")
        if group:
            named = next((g for g in form.groups if g.name == group), None)
            shown = context.text(named.label) if named is not None and not shows_details(
                context) else group  # fmt: skip
            text = QCoreApplication.translate("QueryPanel", "{group}, row {n}").format(
                group=shown, n=row_number or row)
        return text
    found = form.item(item, group or None)
    label = context.text(found.label) if found is not None else item
    text = f"{label} ({item})" if shows_details(context) else label
    if group:
        text = QCoreApplication.translate("QueryPanel", "{item}, row {n}").format(
            item=text, n=row_number or row)
    return text


class QueryBadge(QToolButton):
    """"? 2" beside an item: red while queries wait for the site, blue when all are answered."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queryBadge")
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setVisible(False)
        self.open = self.answered = 0

    def set_counts(self, open_: int, answered: int) -> None:
        if not (open_ or answered or self.open or self.answered):
            return  # nothing waiting, before or now: most items of most forms (no style work)
        self.open, self.answered = open_, answered
        count = open_ or answered
        self.setText(f"? {count}")
        if not self.styleSheet():
            apply_style(self)  # the badge's rules in app.qss, on the badge alone
        self.setProperty("queryState", "open" if open_ else "answered")
        repolish(self)
        parts = []
        if open_:
            parts.append(self.tr("{n} open query(ies)").format(n=open_))
        if answered:
            parts.append(self.tr("{n} answered query(ies)").format(n=answered))
        self.setToolTip(" · ".join(parts))
        self.setAccessibleName(self.toolTip())
        self.setVisible(bool(open_ or answered))


class QueryTextDialog(QDialog):
    """The text of a query step; raising also picks the target (an item or the whole form)."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None, *,
                 targets: list[tuple[str, Target]] | None = None, target: Target | None = None,
                 required: bool = True, text: str = "") -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("queryTextDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.required = required
        layout = QVBoxLayout(self)
        self.target_box: QComboBox | None = None
        if targets is not None:
            about = QLabel(self.tr("&On:"))
            self.target_box = QComboBox(self)
            self.target_box.setObjectName("queryTarget")
            for label, key in targets:
                self.target_box.addItem(label, key)
            if target is not None:
                index = next((i for i, (_l, k) in enumerate(targets) if k == target), 0)
                self.target_box.setCurrentIndex(index)
            about.setBuddy(self.target_box)
            layout.addWidget(about)
            layout.addWidget(self.target_box)
        label = QLabel(prompt)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("queryText")
        self.text.setTabChangesFocus(True)
        self.text.setPlainText(text)
        label.setBuddy(self.text)
        layout.addWidget(self.text)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.text.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        ok = not self.required or bool(self.value())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def value(self) -> str:
        return self.text.toPlainText().strip()

    def set_text(self, text: str) -> None:
        self.text.setPlainText(text)

    def target(self) -> Target | None:
        if self.target_box is None:
            return None
        data = self.target_box.currentData()
        return None if data is None else (data[0], int(data[1]), data[2])

    def set_target(self, target: Target) -> None:
        assert self.target_box is not None
        for index in range(self.target_box.count()):
            if tuple(self.target_box.itemData(index)) == tuple(target):
                self.target_box.setCurrentIndex(index)
                return
        raise KeyError(target)


class QueryPanel(QWidget):
    """The queries of one form instance, their threads and the role's steps."""

    changed = Signal()  # a step was taken: the view reads again
    targetActivated = Signal(object)  # Target: show that item

    def __init__(self, context: GuiContext, subject_key: str, event: str, repeat: int,
                 form: Form, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("queryPanel")
        self.context = context
        self.app = context.session
        self.subject_key, self.event_oid, self.repeat, self.form = subject_key, event, repeat, form
        self.can_raise = allowed(self.app.role, Permission.RAISE_QUERY)
        self.can_answer = allowed(self.app.role, Permission.ANSWER_QUERY)
        self.queries: list[QueryView] = []
        self.focused: Target | None = None  # the item with the caret (set by the form view)
        self.targets: list[tuple[str, Target]] = []  # what a query can be raised on
        self.row_numbers: dict[tuple[str, int], int] = {}  # (group, row key) → shown number
        self.responding: QueryView | None = None  # answered here: the next correction's reason
        self._build()
        self.retranslate()

    # ---- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 4, 0, 0)
        root.setSpacing(4)
        top = QHBoxLayout()
        self.heading = QLabel(self)
        self.heading.setObjectName("queryHeading")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        top.addWidget(self.heading, 1)
        self.closed = False  # a locked subject or database: no query step (set_closed)
        self.buttons: dict[str, QPushButton] = {}
        for name, slot, visible in (
            ("raise", self.raise_query, self.can_raise),
            ("answer", self.answer_query, self.can_answer),
            ("close", self.close_query, self.can_raise),
            ("reopen", self.reopen_query, self.can_raise),
        ):  # fmt: skip
            button = QPushButton(self)
            button.setObjectName(f"query_{name}")
            button.setAutoDefault(False)
            button.setVisible(visible)
            button.clicked.connect(lambda _=False, s=slot: s())
            top.addWidget(button)
            self.buttons[name] = button
        root.addLayout(top)
        body = QHBoxLayout()
        self.list = QTreeWidget(self)
        self.list.setObjectName("queryList")
        self.list.setColumnCount(3)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(lambda *_: self._show_thread())
        self.list.itemActivated.connect(lambda *_: self._activate())
        body.addWidget(self.list, 2)
        self.thread_view = QTextBrowser(self)
        self.thread_view.setObjectName("queryThread")
        self.thread_view.setOpenLinks(False)
        body.addWidget(self.thread_view, 3)
        root.addLayout(body, 1)

    def retranslate(self) -> None:
        self.buttons["raise"].setText(self.tr("Raise query…"))
        self.buttons["raise"].setToolTip(
            self.tr("Raise a query on the item with the caret, or on the whole form"))
        self.buttons["answer"].setText(self.tr("Answer…"))
        self.buttons["close"].setText(self.tr("Close query"))
        self.buttons["reopen"].setText(self.tr("Re-open…"))
        self.list.setHeaderLabels(["#", self.tr("Item"), self.tr("Status")])
        self._fill()

    # ---- loading ------------------------------------------------------------------------------
    def load(self) -> None:
        try:
            self.queries = queries.list_queries(self.app, self.subject_key, event=self.event_oid,
                                                repeat=self.repeat, form_code=self.form.code)
        except TntError as exc:
            self.queries = []
            self.thread_view.setPlainText(str(exc.message.get(self.context.lang)))
        self._fill()

    def _fill(self) -> None:
        current = self.current()
        self.list.clear()
        lang = self.context.lang
        for query in self.queries:
            label = target_label(self.form, self.context, query.group_name, query.row_key,
                                 query.item_name,
                                 self.row_numbers.get((query.group_name, query.row_key)))
            row = QTreeWidgetItem([f"#{query.id}", label, query_status_label(query.status, lang)])
            row.setData(0, QUERY_ID_ROLE, query.id)
            row.setForeground(2, self.palette().text() if query.status == "CLOSED" else
                              _brush(status_colour(query.status)))  # fmt: skip
            row.setToolTip(1, query.text if shows_details(self.context) else clinical_text(
                self.context.session.study, query.text or "", lang, self.form.code))
            self.list.addTopLevelItem(row)
            if current is not None and query.id == current.id:
                self.list.setCurrentItem(row)
        counts = queries.counts_of(self.queries)
        self.heading.setText(self.tr("Queries: {open} open · {answered} answered · {closed} "
                                     "closed").format(open=counts.open, answered=counts.answered,
                                                      closed=counts.closed))  # fmt: skip
        self._show_thread()

    def counts_by_target(self) -> dict[Target, tuple[int, int]]:
        """(group, row, item) → (open, answered) for the item markers."""
        result: dict[Target, tuple[int, int]] = {}
        for query in self.queries:
            key = (query.group_name, query.row_key, query.item_name)
            open_, answered = result.get(key, (0, 0))
            if query.status == QueryStatus.OPEN.value:
                open_ += 1
            elif query.status == QueryStatus.ANSWERED.value:
                answered += 1
            result[key] = (open_, answered)
        return result

    # ---- selection ------------------------------------------------------------------------------
    def current(self) -> QueryView | None:
        item = self.list.currentItem()
        if item is None:
            return None
        wanted = item.data(0, QUERY_ID_ROLE)
        return next((q for q in self.queries if q.id == wanted), None)

    def select(self, query_id: int) -> bool:
        for index in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(index)
            if item.data(0, QUERY_ID_ROLE) == query_id:
                self.list.setCurrentItem(item)
                return True
        return False

    def select_target(self, target: Target) -> bool:
        """Show the first unresolved (else the last) query of an item."""
        mine = [q for q in self.queries if (q.group_name, q.row_key, q.item_name) == target]
        if not mine:
            return False
        waiting = [q for q in mine if q.status != QueryStatus.CLOSED.value]
        return self.select((waiting or mine)[-1 if not waiting else 0].id)

    def _activate(self) -> None:
        query = self.current()
        if query is not None and query.item_name is not None:
            self.targetActivated.emit((query.group_name, query.row_key, query.item_name))

    def set_closed(self, closed: bool) -> None:
        """A locked subject or database: no query step at all (the lock banner says why; a
        frozen subject still takes queries)."""
        self.closed = closed
        self._show_thread()

    def _show_thread(self) -> None:
        query = self.current()
        status = query.status if query is not None else None
        open_ = not self.closed
        self.buttons["raise"].setEnabled(open_)
        self.buttons["answer"].setEnabled(open_ and status == QueryStatus.OPEN.value)
        self.buttons["close"].setEnabled(open_ and status in (QueryStatus.OPEN.value,
                                                              QueryStatus.ANSWERED.value))
        self.buttons["reopen"].setEnabled(open_ and status in (QueryStatus.ANSWERED.value,
                                                               QueryStatus.CLOSED.value))
        if query is None:
            self.thread_view.setHtml(escape(self.tr("Select a query to read its thread.")
                                       if self.queries else self.tr("No queries on this form.")))
            return
        lang = self.context.lang
        label = target_label(self.form, self.context, query.group_name, query.row_key,
                             query.item_name,
                             self.row_numbers.get((query.group_name, query.row_key)))
        parts = [f"<b>#{query.id} · {escape(label)}</b> — "
                 f"<span style='color:{status_colour(query.status)}'>"
                 f"{escape(query_status_label(query.status, lang))}</span>"]
        detail = shows_details(self.context)  # check IDs and variables: the data manager's
        if query.origin == queries.ORIGIN_AUTO:
            check = f" ({query.check_id})" if query.check_id and detail else ""
            parts.append("<p style='margin:4px 0'><i>"
                         f"{escape(self.tr('Raised automatically: a warning was confirmed'))}"
                         f"{escape(check)}</i></p>")  # its own line (issue 16)
        for step in query.steps:
            try:
                kind = QUERY_STEP_LABELS[QueryStepKind(step.kind)].get(lang)
            except ValueError:
                kind = step.kind
            who = (self.tr("system") if step.role == "SYSTEM"
                   else f"{step.username} ({role_text(step.role, lang)})")  # fmt: skip
            head = f"<b>{escape(kind)}</b> · {escape(who)} · {escape(utc_text(step.ts_utc))}"
            text = step.text or ""
            if not detail:  # item labels and visit names, not variable names (issue 16)
                text = clinical_text(self.context.session.study, text, lang, self.form.code)
            body = escape(text).replace("\n", "<br>")
            parts.append(f"<p style='margin:4px 0'>{head}<br>{body}</p>")
        self.thread_view.setHtml("".join(parts))

    # ---- the steps ----------------------------------------------------------------------------
    def _dialog(self, title: str, prompt: str, **kwargs) -> QueryTextDialog | None:
        dialog = QueryTextDialog(title, prompt, self, **kwargs)
        return dialog if dialog.exec() == QDialog.DialogCode.Accepted else None

    def _step(self, call) -> bool:
        try:
            call()
        except TntError as exc:
            show_error(self, exc)
            return False
        self.load()
        self.changed.emit()
        return True

    def raise_query(self) -> bool:
        targets = [(self.tr("Whole form"), ("", 0, None)), *self.targets]
        dialog = self._dialog(self.tr("Raise query"), self.tr("&Question to the site:"),
                              targets=targets, target=self.focused)  # fmt: skip
        if dialog is None:
            return False
        group, row, item = dialog.target() or ("", 0, None)
        text = dialog.value()
        ok = self._step(lambda: queries.raise_query(
            self.app, self.subject_key, self.event_oid, self.repeat, self.form.code, text,
            item_name=item, group_name=group, row_key=row))  # fmt: skip
        if ok:
            self.select_target((group, row, item))
        return ok

    def answer_query(self) -> bool:
        query = self.current()
        if query is None:
            return False
        dialog = self._dialog(
            self.tr("Answer query #{id}").format(id=query.id),
            self.tr("&Answer (if the data are wrong, correct them in the form and save; the "
                    "reason for change offers this query):"))  # fmt: skip
        if dialog is None:
            return False
        text = dialog.value()
        if self._step(lambda: queries.answer_query(self.app, query.id, text)):
            self.responding = query
            self.select(query.id)
            return True
        return False

    def close_query(self) -> bool:
        query = self.current()
        if query is None:
            return False
        dialog = self._dialog(self.tr("Close query #{id}").format(id=query.id),
                              self.tr("&Comment (optional):"), required=False)  # fmt: skip
        if dialog is None:
            return False
        text = dialog.value()
        ok = self._step(lambda: queries.close_query(self.app, query.id, text))
        if ok:
            self.select(query.id)
        return ok

    def reopen_query(self) -> bool:
        query = self.current()
        if query is None:
            return False
        dialog = self._dialog(self.tr("Re-open query #{id}").format(id=query.id),
                              self.tr("&Why is the query re-opened?"))  # fmt: skip
        if dialog is None:
            return False
        text = dialog.value()
        ok = self._step(lambda: queries.reopen_query(self.app, query.id, text))
        if ok:
            self.select(query.id)
        return ok

    def response_reason(self) -> str | None:
        """"Query #N: question" for the reason-for-change dialog, after answering here."""
        query = self.responding
        if query is None:
            return None
        question = query.text.splitlines()[0] if query.text else ""
        if len(question) > 200:
            question = question[:199] + "…"
        return f"Query #{query.id}: {question}"  # stored data: the same in every language


def _brush(colour: str):
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(colour))
