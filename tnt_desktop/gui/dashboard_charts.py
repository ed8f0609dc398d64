"""The dashboard's two charts, painted with QPainter: enrolment per month against the target
line, and the subjects per stage. The screen that holds them is gui/dashboard_view.py."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from tnt_desktop.services.dashboard import MonthCount
from tnt_desktop.study.schedule import Stage

BAR_COLOUR = QColor("#9cc3e6")
LINE_COLOUR = QColor("#1f5fae")
TARGET_COLOUR = QColor("#b3261e")
GRID_COLOUR = QColor("#dddddd")
ENDED_BAR_COLOUR = QColor("#b9b9b9")
_ENDED = frozenset({Stage.SCREEN_FAILED, Stage.COMPLETED, Stage.WITHDRAWN, Stage.DIED})


def nice_step(top: float, ticks: int = 5) -> int:
    """A round tick step (1, 2, 5 × 10ⁿ) that divides 0…top into about `ticks` parts."""
    raw = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1, int(factor * power))
    return max(1, int(10 * power))


class EnrolmentChart(QWidget):
    """Monthly enrolments as bars, the cumulative count as a line, the target as a dashed line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enrolmentChart")
        self.months: tuple[MonthCount, ...] = ()
        self.target = 0
        self.setMinimumSize(360, 220)

    def set_data(self, months: Sequence[MonthCount], target: int) -> None:
        self.months, self.target = tuple(months), target
        enrolled = self.months[-1].cumulative if self.months else 0
        self.setAccessibleName(self.tr("Enrolment chart"))
        self.setAccessibleDescription(self.tr("{n} of {target} enrolled").format(
            n=enrolled, target=target))  # fmt: skip
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, 260)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        line = metrics.height()
        palette_text = self.palette().color(self.foregroundRole())
        rect = QRectF(self.rect()).adjusted(4, 4, -8, -4)
        legend_height = line + 6
        self._legend(painter, QRectF(rect.left(), rect.top(), rect.width(), legend_height))
        if not self.months:
            painter.setPen(palette_text)
            painter.drawText(rect.adjusted(0, legend_height, 0, 0),
                             Qt.AlignmentFlag.AlignCenter, self.tr("No subject enrolled yet"))
            return
        top_value = max(self.target, self.months[-1].cumulative, 1)
        step = nice_step(top_value * 1.08)
        top_value = step * math.ceil(top_value * 1.08 / step)
        y_label_width = metrics.horizontalAdvance(str(top_value)) + 8
        plot = QRectF(rect.left() + y_label_width, rect.top() + legend_height + 4,
                      rect.width() - y_label_width, rect.height() - legend_height - line - 12)
        if plot.width() < 20 or plot.height() < 20:
            return

        def y_of(value: float) -> float:
            return plot.bottom() - plot.height() * value / top_value

        # grid and y labels
        for value in range(0, top_value + 1, step):
            y = y_of(value)
            painter.setPen(QPen(GRID_COLOUR, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(palette_text)
            painter.drawText(QRectF(rect.left(), y - line / 2, y_label_width - 6, line),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             str(value))  # fmt: skip
        n = len(self.months)
        slot = plot.width() / n
        bar = max(2.0, min(slot * 0.6, 28.0))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(BAR_COLOUR))
        for i, month in enumerate(self.months):
            if month.count:
                x = plot.left() + slot * (i + 0.5) - bar / 2
                height = plot.bottom() - y_of(month.count)
                painter.drawRect(QRectF(x, y_of(month.count), bar, height))
        # cumulative line
        path = QPainterPath()
        for i, month in enumerate(self.months):
            point = QPointF(plot.left() + slot * (i + 0.5), y_of(month.cumulative))
            path.moveTo(point) if i == 0 else path.lineTo(point)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(LINE_COLOUR, 2.2))
        painter.drawPath(path)
        painter.setBrush(QBrush(LINE_COLOUR))
        for i, month in enumerate(self.months):
            painter.drawEllipse(QPointF(plot.left() + slot * (i + 0.5), y_of(month.cumulative)),
                                2.6, 2.6)  # fmt: skip
        last = self.months[-1]
        painter.setPen(LINE_COLOUR)
        label = str(last.cumulative)
        last_x = plot.left() + slot * (n - 0.5)
        painter.drawText(QPointF(min(last_x + 5, plot.right() - metrics.horizontalAdvance(label)),
                                 y_of(last.cumulative) - 5), label)  # fmt: skip
        # target
        pen = QPen(TARGET_COLOUR, 1.6, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        y = y_of(self.target)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(TARGET_COLOUR)
        target_text = self.tr("Target {n}").format(n=self.target)
        painter.drawText(QRectF(plot.left() + 4, y - line - 2, plot.width() - 8, line),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                         target_text)  # fmt: skip
        # month labels, thinned to fit
        painter.setPen(palette_text)
        width = metrics.horizontalAdvance("2025-12") + 10
        every = max(1, math.ceil(width / slot))
        for i, month in enumerate(self.months):
            if i % every and i != n - 1:
                continue
            if i != n - 1 and n - 1 - i < every:
                continue  # keep room for the last label
            x = plot.left() + slot * (i + 0.5) - width / 2
            x = min(max(x, rect.left()), rect.right() - width)  # never cut at the edges
            painter.drawText(QRectF(x, plot.bottom() + 4, width, line),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             month.month)  # fmt: skip

    def _legend(self, painter: QPainter, rect: QRectF) -> None:
        metrics = self.fontMetrics()
        x, y = rect.left() + 4, rect.top() + rect.height() / 2
        text_colour = self.palette().color(self.foregroundRole())
        entries: list[tuple[str, Callable[[float], None]]] = []

        def bar_mark(at: float) -> None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(BAR_COLOUR))
            painter.drawRect(QRectF(at, y - 5, 12, 10))

        def line_mark(at: float) -> None:
            painter.setPen(QPen(LINE_COLOUR, 2.2))
            painter.drawLine(QPointF(at, y), QPointF(at + 14, y))

        def target_mark(at: float) -> None:
            painter.setPen(QPen(TARGET_COLOUR, 1.6, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(at, y), QPointF(at + 14, y))

        entries = [(self.tr("Enrolled per month"), bar_mark),
                   (self.tr("Cumulative"), line_mark),
                   (self.tr("Target"), target_mark)]  # fmt: skip
        for text, mark in entries:
            mark(x)
            x += 18
            painter.setPen(text_colour)
            painter.drawText(QPointF(x, y + metrics.ascent() / 2 - 1), text)
            x += metrics.horizontalAdvance(text) + 16


class StageChart(QWidget):
    """Subjects by stage as horizontal bars, one row per stage (zeros included)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageChart")
        self.bars: list[tuple[str, str, int]] = []  # (stage, label, count)
        self.setMinimumSize(260, 220)

    def set_data(self, bars: Sequence[tuple[str, str, int]]) -> None:
        self.bars = list(bars)
        self.setAccessibleName(self.tr("Subjects by stage"))
        self.setAccessibleDescription(", ".join(f"{label}: {count}"
                                                for _s, label, count in self.bars))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(360, max(220, len(self.bars) * (self.fontMetrics().height() + 6) + 8))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        if not self.bars:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        text_colour = self.palette().color(self.foregroundRole())
        rect = QRectF(self.rect()).adjusted(4, 4, -6, -4)
        label_width = max(metrics.horizontalAdvance(label) for _s, label, _c in self.bars) + 10
        label_width = min(label_width, rect.width() * 0.5)
        top = max(count for _s, _l, count in self.bars) or 1
        number_width = metrics.horizontalAdvance(str(top)) + 8
        row = min(rect.height() / len(self.bars), metrics.height() * 2.0)
        bar_height = max(4.0, min(row * 0.62, metrics.height()))
        span = rect.width() - label_width - number_width
        for i, (stage, label, count) in enumerate(self.bars):
            y = rect.top() + row * i
            painter.setPen(text_colour)
            elided = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(label_width - 6))
            painter.drawText(QRectF(rect.left(), y, label_width - 6, row),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, elided)
            width = span * count / top
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(ENDED_BAR_COLOUR if stage in _ENDED else LINE_COLOUR))
            bar_y = y + (row - bar_height) / 2
            if count:
                painter.drawRect(QRectF(rect.left() + label_width, bar_y, max(width, 2),
                                        bar_height))  # fmt: skip
            painter.setPen(text_colour)
            painter.drawText(QRectF(rect.left() + label_width + width + 4, y, number_width, row),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             str(count))  # fmt: skip
