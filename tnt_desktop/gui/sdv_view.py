"""Source data verification in the GUI (issue 6; CRF_SPEC.md REQ-DQ-03).

`ItemMarks` is the small strip beside each item of a form: the query badge, the "◆" of a
critical item (100 % SDV plan, study.sdv_plan) and, for the monitor (Permission.VERIFY), the SDV
tick: ticking calls `sdv.mark_sdv`, unticking asks for a reason and calls `sdv.unmark_sdv`. A mark
whose value changed since reads "SDV: changed" in amber and counts as not verified until ticked
again. `ReviewSummary` is the casebook header line: critical items verified x / y, all items,
the subject's open and answered queries, and its signatures (a broken one in red).
Form-level verification ("Verify form") is the workflow bar's step, not repeated here.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.form.query_panel import QueryBadge, utc_text
from tnt_desktop.services import queries, sdv, signatures
from tnt_desktop.services.sdv import SdvItem, SdvProgress
from tnt_desktop.services.signatures import SignatureState

CRITICAL_COLOUR = "#7b1fa2"
STALE_COLOUR = "#9a6700"
VERIFIED_COLOUR = "#1e7b34"
CRITICAL_MARK = "◆"


def paint(widget: QWidget, colour: str | None, bold: bool = False) -> None:
    """Text colour and weight through the palette and the font, never a per-widget style
    sheet: a style sheet makes Qt style the widget through QStyleSheetStyle, and a form has a
    strip of marks beside every item (issue 4's form-render budget)."""
    palette = QPalette(widget.palette())
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        if colour is None:
            palette.setColor(role, widget.style().standardPalette().color(role))
        else:
            palette.setColor(role, QColor(colour))
    widget.setPalette(palette)
    font = widget.font()
    if font.bold() != bold:
        font.setBold(bold)
        widget.setFont(font)


def critical_tip() -> str:
    return QCoreApplication.translate("ItemMarks",
                                      "Critical item: 100 % source data verification")


def progress_text(progress: SdvProgress) -> str:
    """"Critical items verified 3 / 40 · all items 10 / 120"."""
    return QCoreApplication.translate(
        "ReviewSummary", "SDV: critical items {cv} / {ct} · all items {v} / {t}").format(
        cv=progress.critical_verified, ct=progress.critical_total, v=progress.verified,
        t=progress.total)  # fmt: skip


class ItemMarks(QWidget):
    """Query badge, critical mark and (monitor) SDV tick of one item."""

    sdvToggled = Signal(bool)  # the monitor ticked (True) or unticked (False)

    def __init__(self, critical: bool, can_verify: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemMarks")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(4)
        self.badge = QueryBadge(self)
        layout.addWidget(self.badge)
        self.critical = QLabel(CRITICAL_MARK, self)
        self.critical.setObjectName("criticalMark")
        paint(self.critical, CRITICAL_COLOUR, bold=True)
        self.critical.setToolTip(critical_tip())
        self.critical.setVisible(critical)
        layout.addWidget(self.critical)
        self.tick: QCheckBox | None = None  # only the monitor's strips have one
        if can_verify:
            self.tick = QCheckBox(self.tr("SDV"), self)
            self.tick.setObjectName("sdvTick")
            self.tick.setEnabled(False)
            self.tick.clicked.connect(self.sdvToggled)
            layout.addWidget(self.tick)
        layout.addStretch(1)
        self.state: SdvItem | None = None

    def set_sdv(self, state: SdvItem | None) -> None:
        self.state = state
        if self.tick is None:
            return
        self.tick.blockSignals(True)
        self.tick.setChecked(state is not None and state.verified)
        self.tick.blockSignals(False)
        self.tick.setEnabled(state is not None)
        if state is None:
            self.tick.setText(self.tr("SDV"))
            paint(self.tick, None)
            self.tick.setToolTip(self.tr("Nothing stored yet to verify"))
        elif state.stale:
            self.tick.setText(self.tr("SDV: changed"))
            paint(self.tick, STALE_COLOUR, bold=True)
            self.tick.setToolTip(self.tr("Verified by {user} on {when}, but the value "
                                    "changed since: verify it again").format(
                user=state.username, when=utc_text(state.ts_utc)))  # fmt: skip
        elif state.verified:
            self.tick.setText(self.tr("SDV"))
            paint(self.tick, VERIFIED_COLOUR)
            self.tick.setToolTip(self.tr("Verified against source by {user} on {when}")
                                 .format(user=state.username, when=utc_text(state.ts_utc)))
        else:
            self.tick.setText(self.tr("SDV"))
            paint(self.tick, None)
            self.tick.setToolTip(self.tr("Tick when the value matches the source "
                                                 "document"))  # fmt: skip

    @property
    def stale(self) -> bool:
        return self.state is not None and self.state.stale


class ReviewSummary(QWidget):
    """The casebook's review line: SDV progress, queries, signatures (see the module docstring)."""

    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewSummary")
        self.context = context
        self.app = context.session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("sdvProgress")
        self.progress_label.setWordWrap(True)
        layout.addWidget(self.progress_label)
        self.signature_label = QLabel(self)
        self.signature_label.setObjectName("casebookSignatures")
        self.signature_label.setWordWrap(True)
        self.signature_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.signature_label)
        self.progress: SdvProgress | None = None
        self.counts = queries.NO_QUERIES
        self.form_counts: dict[tuple[str, int, str], tuple[int, int]] = {}
        self.views: list[signatures.SignatureView] = []
        self.setVisible(False)

    def load(self, subject_key: str | None) -> None:
        if subject_key is None:
            self.setVisible(False)
            return
        try:
            self.progress = sdv.sdv_progress(self.app, subject_key)
            found = queries.list_queries(self.app, subject_key)
            self.views = [v for v in signatures.signatures(self.app, subject_key) if v.current]
        except TntError:
            self.setVisible(False)
            return
        self.counts = queries.counts_of(found)
        self.form_counts = {}
        for query in found:
            key = (query.event_oid, query.repeat_key, query.form_code)
            open_, answered = self.form_counts.get(key, (0, 0))
            self.form_counts[key] = (open_ + (query.status == "OPEN"),
                                     answered + (query.status == "ANSWERED"))  # fmt: skip
        self.retranslate()
        self.setVisible(True)

    def retranslate(self) -> None:
        if self.progress is None:
            return
        parts = [progress_text(self.progress),
                 self.tr("Queries: {open} open · {answered} answered").format(
                     open=self.counts.open, answered=self.counts.answered)]  # fmt: skip
        self.progress_label.setText("\n".join(parts))  # one fact per line: the panel is narrow
        lines = []
        lang = self.context.lang
        for view in self.views:
            form = self.app.study.form(view.form_code)
            what = f"{form.number} {self.context.text(form.label)}"
            when = utc_text(view.ts_utc)
            if view.state is SignatureState.INVALID:  # forged or altered outside the app
                text = f"{what}: {self.context.text(signatures.INVALID_TEXT)} ({view.username})"
                lines.append(f"<span style='color:#b3261e; font-weight:bold'>"
                             f"{_esc(text)}</span>")
                continue
            if view.state is SignatureState.BROKEN:
                text = self.tr("{form}: signature broken — re-signature required "
                          "(signed by {name} on {when})").format(
                    form=what, name=view.printed_name, when=when)  # fmt: skip
                lines.append(f"<span style='color:#b3261e; font-weight:bold'>"
                             f"{_esc(text)}</span>")
            else:
                text = self.tr("{form}: signed by {name} on {when} — {meaning}").format(
                    form=what, name=view.printed_name, when=when, meaning=view.meaning.get(lang))
                lines.append(f"<span style='color:{VERIFIED_COLOUR}'>{_esc(text)}</span>")
        self.signature_label.setText("<br>".join(lines))
        self.signature_label.setVisible(bool(lines))

    def broken(self) -> list[signatures.SignatureView]:
        return [v for v in self.views if v.state is SignatureState.BROKEN]

    def form_suffix(self, event: str, repeat: int, form_code: str) -> str:
        """" · ?2" after a form's status in the casebook tree (open queries; compact, so that
        the visit names keep their width; `form_tip` says it in words)."""
        open_, _answered = self.form_counts.get((event, repeat, form_code), (0, 0))
        return f" · ?{open_}" if open_ else ""

    def form_tip(self, event: str, repeat: int, form_code: str) -> str:
        open_, _answered = self.form_counts.get((event, repeat, form_code), (0, 0))
        if not open_:
            return ""
        return self.tr(" · {n} open query(ies)").format(n=open_).removeprefix(" · ")


def _esc(text: str) -> str:
    from html import escape

    return escape(text)
