"""The charts of the study status report (exports.pdf_report): enrolment against target, horizontal
bars, the wound score distribution and Kaplan–Meier curves, as reportlab drawings."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect
from reportlab.lib.colors import Color as RLColor

from tnt_desktop.exports.pdf_fonts import (
    ACCENT,
    GREY,
    LIGHT,
    WARN,
    chart_text,
    tr,
)
from tnt_desktop.exports.report_stats import (
    at_risk_at,
    kaplan_meier,
)
from tnt_desktop.services.dashboard import MonthCount

# --- charts --------------------------------------------------------------------------------


DAYS_PER_MONTH = 30.4375
SCORES = ("A", "B", "C", "D", "E")


def _rl(color: tuple[float, float, float]) -> RLColor:
    return RLColor(*color)


def _nice_step(maximum: float, ticks: int = 5, *, integer: bool = True) -> float:
    """A round axis step giving about `ticks` intervals up to `maximum` (≥ 1 for counts)."""
    raw = max(maximum, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = 10 * power
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            step = factor * power
            break
    return max(step, 1.0) if integer else step


def _y_axis(drawing: Drawing, x: float, y: float, height: float, top: float, step: float,
            width: float, fmt=lambda v: f"{v:g}") -> None:  # fmt: skip
    value = 0.0
    while value <= top + 1e-9:
        yy = y + height * value / top
        drawing.add(Line(x, yy, x + width, yy, strokeColor=_rl(LIGHT), strokeWidth=0.4))
        drawing.add(chart_text(x - 4, yy - 2.5, fmt(value), 7, color=GREY, anchor="end"))
        value += step
    drawing.add(Line(x, y, x, y + height, strokeColor=_rl(GREY), strokeWidth=0.6))
    drawing.add(Line(x, y, x + width, y, strokeColor=_rl(GREY), strokeWidth=0.6))


def enrolment_chart(by_month: Sequence[tuple[str, int, int]], target: int, lang: str,
                    width: float = 523) -> Drawing:  # fmt: skip
    """Cumulative enrolment against the target (top) and subjects enrolled per month
    (bottom); `by_month`: (YYYY-MM, count, cumulative)."""
    months = [MonthCount(*entry) for entry in by_month]
    drawing = Drawing(width, 215)
    left, right = 42, 12
    plot_w = width - left - right
    n = max(len(months), 1)
    slot = plot_w / n
    # top panel: cumulative and target
    y0, h = 92, 105
    top_value = max([target] + [m.cumulative for m in months])
    step = _nice_step(top_value)
    top = math.ceil(top_value / step) * step
    _y_axis(drawing, left, y0, h, top, step, plot_w)
    target_y = y0 + h * target / top
    drawing.add(Line(left, target_y, left + plot_w, target_y, strokeColor=_rl(WARN),
                     strokeWidth=0.9, strokeDashArray=[4, 3]))  # fmt: skip
    drawing.add(chart_text(left + plot_w - 2, target_y + 3,
                           tr(f"target {target}", f"目标 {target} 例", lang), 7, color=WARN,
                           anchor="end"))  # fmt: skip
    if months:
        points: list[float] = [left, y0]
        for i, month in enumerate(months):
            yy = y0 + h * month.cumulative / top
            points += [left + i * slot, points[-1], left + i * slot, yy,
                       left + (i + 1) * slot, yy]  # fmt: skip
        drawing.add(PolyLine(points, strokeColor=_rl(ACCENT), strokeWidth=1.6))
        last = months[-1]
        drawing.add(chart_text(left + plot_w - 2, y0 + h * last.cumulative / top - 10,
                               tr(f"{last.cumulative} enrolled", f"已入组 {last.cumulative} 例",
                                  lang), 7.5, bold=True, color=ACCENT, anchor="end"))
    drawing.add(chart_text(left, y0 + h + 6, tr("Cumulative enrolment", "累计入组", lang), 8,
                           bold=True, color=ACCENT))  # fmt: skip
    # bottom panel: per month
    by, bh = 22, 48
    peak = max([m.count for m in months] + [1])
    bstep = _nice_step(peak, 2)
    btop = math.ceil(peak / bstep) * bstep
    _y_axis(drawing, left, by, bh, btop, bstep, plot_w)
    for i, month in enumerate(months):
        if month.count:
            bar_h = bh * month.count / btop
            drawing.add(Rect(left + i * slot + slot * 0.15, by, slot * 0.7, bar_h,
                             fillColor=_rl(ACCENT), strokeColor=None))  # fmt: skip
    every = max(1, math.ceil(n / 12))
    for i, month in enumerate(months):
        if i % every == 0:
            drawing.add(chart_text(left + (i + 0.5) * slot, by - 10, month.month, 6.5,
                                   color=GREY, anchor="middle"))  # fmt: skip
    drawing.add(chart_text(left, by + bh + 5, tr("Enrolled per month", "每月入组", lang), 8,
                           bold=True, color=ACCENT))  # fmt: skip
    return drawing


def hbar_chart(rows: Sequence[tuple[str, int]], width: float = 523,
               color: tuple[float, float, float] = ACCENT) -> Drawing:  # fmt: skip
    """Horizontal bars with a label on the left and the count at the end of each bar."""
    bar, gap, label_w = 11, 4, 150
    drawing = Drawing(width, len(rows) * (bar + gap) + 6)
    peak = max([count for _l, count in rows] + [1])
    plot_w = width - label_w - 40
    for i, (label, count) in enumerate(rows):
        y = drawing.height - (i + 1) * (bar + gap)
        drawing.add(chart_text(label_w - 6, y + 2.5, label, 7.8, anchor="end"))
        length = plot_w * count / peak
        if count:
            drawing.add(Rect(label_w, y, length, bar, fillColor=_rl(color), strokeColor=None))
        drawing.add(chart_text(label_w + length + 4, y + 2.5, str(count), 7.8, bold=True))
    return drawing


def score_chart(scores: Counter, lang: str, width: float = 523) -> Drawing:
    """The EORTC-STBSG A–E distribution (plus non-responders without a score) as bars."""
    drawing = Drawing(width, 170)
    labels = [*SCORES, ""]
    total = sum(scores.values()) or 1
    left, y0, h = 42, 28, 118
    plot_w = width - left - 12
    peak = max([scores.get(k, 0) for k in labels] + [1])
    step = _nice_step(peak * 1.12, 4)
    top = math.ceil(peak * 1.12 / step) * step  # room for the label above the tallest bar
    _y_axis(drawing, left, y0, h, top, step, plot_w)
    slot = plot_w / len(labels)
    for i, key in enumerate(labels):
        count = scores.get(key, 0)
        colour = ACCENT if key in ("A", "B", "C") else (GREY if key else LIGHT)
        x = left + i * slot + slot * 0.2
        bar_h = h * count / top
        if count:
            drawing.add(Rect(x, y0, slot * 0.6, bar_h, fillColor=_rl(colour), strokeColor=None))
        drawing.add(chart_text(x + slot * 0.3, y0 + bar_h + 3,
                               f"{count} ({count / total * 100:.0f} %)", 7.5, bold=True,
                               anchor="middle"))  # fmt: skip
        name = key or tr("no score", "无评分", lang)
        drawing.add(chart_text(x + slot * 0.3, y0 - 11, name, 8, bold=bool(key),
                               anchor="middle"))  # fmt: skip
    drawing.add(chart_text(left, y0 + h + 10, tr(
        "EORTC-STBSG response score (A–C = responders, < 10 % viable tumour)",
        "EORTC-STBSG 反应评分（A–C 为有反应，存活肿瘤 < 10 %）", lang), 8, bold=True,
        color=ACCENT))  # fmt: skip
    return drawing


def km_chart(pairs: Sequence[tuple[int, bool]], title: str, lang: str, horizon_months: int,
             width: float = 523) -> Drawing:  # fmt: skip
    """A Kaplan–Meier step curve in months with censoring ticks and numbers at risk."""
    drawing = Drawing(width, 190)
    steps = kaplan_meier([d / DAYS_PER_MONTH for d, _e in pairs], [e for _d, e in pairs])
    left, y0, h = 58, 48, 120
    plot_w = width - left - 14
    longest = max([d / DAYS_PER_MONTH for d, _e in pairs] + [1.0])
    x_max = max(3, math.ceil(longest / 3) * 3)  # the axis ends with the data
    _y_axis(drawing, left, y0, h, 1.0, 0.2, plot_w, fmt=lambda v: f"{v:.1f}")

    def sx(months: float) -> float:
        return left + plot_w * months / x_max

    tick = 0
    while tick <= x_max:
        drawing.add(chart_text(sx(tick), y0 - 10, str(tick), 7, color=GREY, anchor="middle"))
        tick += 3
    drawing.add(chart_text(left + plot_w / 2, y0 - 20, tr("months", "月", lang), 7.5,
                           color=GREY, anchor="middle"))  # fmt: skip
    points = [sx(0), y0 + h]
    current = 1.0
    for step in steps:
        if step.events:
            points += [sx(step.time), y0 + h * current]
            current = step.survival
            points += [sx(step.time), y0 + h * current]
    points += [sx(max((s.time for s in steps), default=0)), y0 + h * current]
    drawing.add(PolyLine(points, strokeColor=_rl(ACCENT), strokeWidth=1.5))
    for step in steps:
        if step.censored:
            yy = y0 + h * step.survival
            drawing.add(Line(sx(step.time), yy - 3, sx(step.time), yy + 3,
                             strokeColor=_rl(ACCENT), strokeWidth=0.8))  # fmt: skip
    if horizon_months <= x_max:
        horizon_x = sx(horizon_months)
        drawing.add(Line(horizon_x, y0, horizon_x, y0 + h, strokeColor=_rl(WARN),
                         strokeWidth=0.6, strokeDashArray=[3, 3]))  # fmt: skip
    drawing.add(chart_text(left, y0 + h + 9, title, 8.5, bold=True, color=ACCENT))
    # numbers at risk
    drawing.add(chart_text(left - 12, 8, tr("at risk", "风险人数", lang), 6.8, color=GREY,
                           anchor="end"))  # fmt: skip
    tick = 0
    while tick <= x_max:
        drawing.add(chart_text(sx(tick), 8, str(at_risk_at(steps, tick, len(pairs))), 6.8,
                               anchor="middle"))  # fmt: skip
        tick += 6
    return drawing
