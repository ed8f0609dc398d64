"""The study status report as PDF (issue 5, item 2c; CRF_SPEC.md §6).

    result = study_report_pdf(app, Path("status.pdf"), lang="zh")

Sections: key figures; enrolment over time (chart: cumulative against the target, monthly bars);
subjects by status (chart); treatment compliance (RT completed, cycles given, relative dose
intensity, surgery); the primary endpoint (A–E distribution as bars; A–C count and proportion
with an exact 95 % Clopper–Pearson interval in the treated and the per-protocol populations);
wound complications (MWC90, MWC120); protocol deviations; Kaplan–Meier curves of overall
survival and local control (from the treatment-completion date, §6.3–6.4) once events exist.

Counts by status and enrolment by month come from services.dashboard (every subject screened
at the site, aggregate counts only); everything else from the subjects of the export profile
(services.export_read) and their subject-level derivations (study.derivations.subject_level).

The statistics are implemented here (scipy is not available): `regularized_beta` (continued
fraction), `binom_cdf`, `clopper_pearson` (bisection on the binomial CDF) and `kaplan_meier`
(with Greenwood's variance).
"""

from __future__ import annotations

import math
import os
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect
from reportlab.lib.colors import Color as RLColor

from tnt_desktop.exports.pdf_common import (
    ACCENT,
    GREY,
    LIGHT,
    WARN,
    WATERMARK,
    WATERMARK_SITE,
    Cell,
    Column,
    PageInfo,
    PdfWriter,
    chart_text,
    tr,
)
from tnt_desktop.services.dashboard import MonthCount, dashboard
from tnt_desktop.services.export_read import ExportProfile, export_subjects
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.derivations import subject_level
from tnt_desktop.study.model import Text
from tnt_desktop.study.schedule import STAGE_LABELS

TITLE = Text("Study status report", "研究进展报告")
DAYS_PER_MONTH = 30.4375
SCORES = ("A", "B", "C", "D", "E")


# --- statistics ----------------------------------------------------------------------------


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            break
    return h


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularised incomplete beta function (a, b > 0, 0 ≤ x ≤ 1)."""
    if a <= 0 or b <= 0:
        raise ValueError("a and b must be positive")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))  # fmt: skip
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p), through I_{1−p}(n − k, k + 1)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return regularized_beta(1.0 - p, n - k, k + 1)


def _bisect(function, target: float, increasing: bool, tol: float = 1e-12) -> float:
    low, high = 0.0, 1.0
    for _ in range(200):
        middle = (low + high) / 2
        value = function(middle)
        if (value < target) == increasing:
            low = middle
        else:
            high = middle
        if high - low < tol:
            break
    return (low + high) / 2


def clopper_pearson(x: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """The exact (Clopper–Pearson) 1 − alpha confidence interval of a binomial proportion:
    lower = p with P(X ≥ x | p) = alpha/2, upper = p with P(X ≤ x | p) = alpha/2, each found by
    bisection on the binomial CDF. x = 0 gives lower 0, x = n gives upper 1."""
    if n <= 0 or not 0 <= x <= n:
        raise ValueError(f"need 0 ≤ x ≤ n and n > 0, not x={x}, n={n}")
    half = alpha / 2
    lower = 0.0 if x == 0 else _bisect(lambda p: 1.0 - binom_cdf(x - 1, n, p), half, True)
    upper = 1.0 if x == n else _bisect(lambda p: binom_cdf(x, n, p), half, False)
    return lower, upper


def format_pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def format_ci(interval: tuple[float, float]) -> str:
    """How the report prints a 95 % CI: "8.7–49.1 %"."""
    return f"{interval[0] * 100:.1f}–{interval[1] * 100:.1f} %"


@dataclass(frozen=True)
class KMStep:
    time: float  # days (or any unit) at which the estimate changes or a subject is censored
    at_risk: int
    events: int
    censored: int
    survival: float  # S(t) just after `time`
    variance: float  # Greenwood


def kaplan_meier(times: Sequence[float], events: Sequence[bool | int]) -> list[KMStep]:
    """Kaplan–Meier estimate, one step per distinct time. Events at a time are counted before
    the censorings at that time (those censored at t were at risk at t)."""
    if len(times) != len(events):
        raise ValueError("times and events differ in length")
    data = sorted(zip(times, (bool(e) for e in events), strict=True))
    at_risk = len(data)
    survival, greenwood = 1.0, 0.0
    steps: list[KMStep] = []
    index = 0
    while index < len(data):
        time = data[index][0]
        deaths = censored = 0
        while index < len(data) and data[index][0] == time:
            if data[index][1]:
                deaths += 1
            else:
                censored += 1
            index += 1
        if deaths:
            survival *= 1.0 - deaths / at_risk
            if at_risk > deaths:
                greenwood += deaths / (at_risk * (at_risk - deaths))
        steps.append(KMStep(time, at_risk, deaths, censored, survival,
                            survival * survival * greenwood))  # fmt: skip
        at_risk -= deaths + censored
    return steps


def km_at(steps: Sequence[KMStep], time: float) -> float:
    """S(time): the estimate after the last step at or before `time`."""
    value = 1.0
    for step in steps:
        if step.time > time:
            break
        value = step.survival
    return value


def at_risk_at(steps: Sequence[KMStep], time: float, total: int) -> int:
    """Subjects still at risk just before `time`."""
    left = total
    for step in steps:
        if step.time >= time:
            break
        left -= step.events + step.censored
    return left


# --- what the report counts --------------------------------------------------------------


@dataclass
class Proportion:
    x: int
    n: int

    @property
    def value(self) -> float | None:
        return self.x / self.n if self.n else None

    @property
    def ci(self) -> tuple[float, float] | None:
        return clopper_pearson(self.x, self.n) if self.n else None


@dataclass
class ReportData:
    today: date
    profile: str
    screened: int = 0
    enrolled: int = 0
    target: int = 0
    enrolment: tuple[MonthCount, ...] = ()
    by_stage: dict[str, int] = field(default_factory=dict)
    exported: int = 0  # subjects in the export profile
    exported_enrolled: int = 0
    treated: int = 0
    rt_completed: int = 0
    cycles: Counter = field(default_factory=Counter)  # cycles given → treated subjects
    rdi: dict[str, list[float]] = field(default_factory=lambda: {"DOXRDI": [], "IFORDI": [],
                                                                 "CYRDI": []})
    surgery: int = 0
    no_surgery: int = 0
    scores: Counter = field(default_factory=Counter)  # EORTCFIN among treated ("" = no score)
    primary: Proportion = field(default_factory=lambda: Proportion(0, 0))
    primary_pending: int = 0
    per_protocol: Proportion = field(default_factory=lambda: Proportion(0, 0))
    per_protocol_n: int = 0
    pcr: Proportion = field(default_factory=lambda: Proportion(0, 0))
    wound_evaluable: int = 0
    mwc90: Proportion = field(default_factory=lambda: Proportion(0, 0))
    mwc120: Proportion = field(default_factory=lambda: Proportion(0, 0))
    anywc90: Proportion = field(default_factory=lambda: Proportion(0, 0))
    wound_incomplete: int = 0
    deviations: int = 0
    dv_category: Counter = field(default_factory=Counter)
    dv_severity: Counter = field(default_factory=Counter)
    dv_candidates: Counter = field(default_factory=Counter)  # confirmed / rejected / open
    subjects_with_dv: int = 0
    os: list[tuple[int, bool]] = field(default_factory=list)  # (days, event) from EOTDAT
    lc: list[tuple[int, bool]] = field(default_factory=list)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float | Decimal):
        return float(value)
    return None


def collect(app: AppSession, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
            today: date | None = None) -> ReportData:  # fmt: skip
    """Read everything the report shows (streams the subjects; one in memory at a time)."""
    today = today or date.today()
    board = dashboard(app, today)
    data = ReportData(today=today, profile=str(profile), screened=board.screened,
                      enrolled=board.enrolled, target=board.target,
                      enrolment=board.enrolment_by_month, by_stage=dict(board.by_stage))
    params = app.params
    for subject in export_subjects(app, profile):
        data.exported += 1
        _count_deviations(data, subject.data)
        if subject.subject_id is None:
            continue
        data.exported_enrolled += 1
        values = subject_level(subject.data, params)
        if values.get("TRTFL") == "Y":
            _count_treated(data, subject.data, values, params.n_cycles)
        if values.get("PPROTFL") == "Y":
            data.per_protocol_n += 1
            data.per_protocol.n += 1
            data.per_protocol.x += values.get("RESP_AC") == "Y"
        if values.get("WCEVAL") == "Y":
            data.wound_evaluable += 1
            for name, proportion in (("MWC90", data.mwc90), ("MWC120", data.mwc120),
                                     ("ANYWC90", data.anywc90)):  # fmt: skip
                if values.get(name) in ("Y", "N"):
                    proportion.n += 1
                    proportion.x += values.get(name) == "Y"
            data.wound_incomplete += values.get("WCINCFU") == "Y"
        for key, target in (("OSTC", data.os), ("LCTC", data.lc)):
            days, censored = values.get(f"{key}DAYS"), values.get(f"{key}CNSR")
            if days is not None and censored is not None and days >= 0:
                target.append((int(days), censored == 0))  # < 0: treatment not completed
    return data


def _count_treated(data: ReportData, subject, values: dict[str, Any], n_cycles: int) -> None:
    data.treated += 1
    rt = subject.form("RT")
    if rt is not None and rt.values.get("RTCOMPL") == "Y":
        data.rt_completed += 1
    given = [r for r in subject.forms("CT") if r.values.get("CYGIVEN") == "Y"]
    data.cycles[min(len(given), n_cycles)] += 1
    if given:
        last = max(given, key=lambda r: (r.values.get("CYCNUM") or 0, r.event))
        for name in data.rdi:
            number = _number(last.values.get(name))
            if number is not None:
                data.rdi[name].append(number)
    surg = subject.form("SURG")
    if surg is not None and surg.values.get("SURGYN") == "Y":
        data.surgery += 1
    elif surg is not None and surg.values.get("SURGYN") == "N":
        data.no_surgery += 1
    score = values.get("EORTCFIN")
    response = values.get("RESP_AC")
    if response in ("Y", "N"):
        data.scores[score if score in SCORES else ""] += 1
        data.primary.n += 1
        data.primary.x += response == "Y"
        data.pcr.n += 1
        data.pcr.x += values.get("PCRFL") == "Y"
    else:
        data.primary_pending += 1


def _count_deviations(data: ReportData, subject) -> None:
    rows = [row for record in subject.forms("DV") for row in record.group_rows("DV")]
    if rows:
        data.subjects_with_dv += 1
    for row in rows:
        data.deviations += 1
        data.dv_category[row.get("DVCAT") or "—"] += 1
        data.dv_severity[row.get("DVSEV") or "—"] += 1
        confirmed = row.get("DVCONF")
        data.dv_candidates["CONFIRMED" if confirmed == "Y" else
                           "REJECTED" if confirmed == "N" else "NOT_A_CANDIDATE"] += 1


# --- charts --------------------------------------------------------------------------------


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


def enrolment_chart(months: Sequence[MonthCount], target: int, lang: str,
                    width: float = 523) -> Drawing:  # fmt: skip
    """Cumulative enrolment against the target (top) and subjects enrolled per month
    (bottom)."""
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
    longest = max([d / DAYS_PER_MONTH for d, _e in pairs] + [horizon_months])
    x_max = math.ceil(longest / 3) * 3
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
    horizon_x = sx(horizon_months)
    drawing.add(Line(horizon_x, y0, horizon_x, y0 + h, strokeColor=_rl(WARN), strokeWidth=0.6,
                     strokeDashArray=[3, 3]))  # fmt: skip
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


# --- the document --------------------------------------------------------------------------


@dataclass
class ReportResult:
    pages: int
    data: ReportData


def study_report_pdf(app: AppSession, out: str | os.PathLike | IO[bytes], lang: str = "en",
                     profile: ExportProfile = ExportProfile.SPONSOR_CODED, *,
                     today: date | None = None,
                     generated: datetime | None = None) -> ReportResult:  # fmt: skip
    """Collect (through the services) and write the study status report."""
    data = collect(app, profile, today)
    pages = write_report(out, app, data, lang=lang, generated=generated)
    return ReportResult(pages, data)


def write_report(out: str | os.PathLike | IO[bytes], app: AppSession, data: ReportData, *,
                 lang: str = "en", generated: datetime | None = None) -> int:  # fmt: skip
    study = app.study
    params = study.parameters
    info = PageInfo(
        title=TITLE, study=f"{params.study_name} · {params.protocol_name}", lang=lang,
        profile=data.profile, metadata_version=params.metadata_version,
        watermark=WATERMARK_SITE if data.profile == ExportProfile.SITE_ARCHIVE else WATERMARK,
        **({} if generated is None else {"generated": generated}),
    )  # fmt: skip
    with PdfWriter(out, info) as writer:
        _Report(writer, app, data, lang).write()
        pages = writer.page
    return pages


def _pct(x: int, n: int) -> str:
    return f"{x} / {n} ({x / n * 100:.1f} %)" if n else f"{x} / 0"


def _median_range(values: list[float]) -> str:
    if not values:
        return "—"
    return (f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f}), "
            f"n = {len(values)}")  # fmt: skip


class _Report:
    def __init__(self, writer: PdfWriter, app: AppSession, data: ReportData, lang: str) -> None:
        self.w = writer
        self.app = app
        self.study = app.study
        self.d = data
        self.lang = lang

    def t(self, en: str, zh: str) -> str:
        return tr(en, zh, self.lang)

    def write(self) -> None:
        self._key_figures()
        self._enrolment()
        self._status()
        self._compliance()
        self._primary()
        self._wounds()
        self._deviations()
        self._survival()

    def _kv(self, rows: list[tuple[str, str]], bold: bool = True) -> None:
        cells = [[Cell(label, color=GREY), Cell(value, bold=bold)] for label, value in rows]
        self.w.table([Column(0.5), Column(0.5)], cells, header=False)

    def _key_figures(self) -> None:
        d = self.d
        self.w.heading(TITLE.get(self.lang), 1, right=self.t("data as of ", "数据截至 ")
                       + d.today.isoformat())  # fmt: skip
        rows = [
            (self.t("Subjects screened", "已筛选受试者"), str(d.screened)),
            (self.t("Subjects enrolled / target", "已入组 / 目标"), f"{d.enrolled} / {d.target}"),
            (self.t("Treated (≥ 1 RT fraction)", "已治疗（≥1 次放疗）"), str(d.treated)),
            (self.t("Surgery performed", "已手术"), str(d.surgery)),
            (self.t("Primary endpoint known (A–E or non-responder)",
                    "主要终点已确定（A–E 或无反应者）"), str(d.primary.n)),
            (self.t("Subjects in this export", "本次导出受试者"),
             f"{d.exported} ({self.t('profile', '导出方案')} {d.profile})"),
        ]  # fmt: skip
        self._kv(rows)
        left_out = d.screened - d.exported
        if left_out > 0:
            self.w.note(self.t(
                f"{left_out} screened subject(s) are not in this export (consent forbids transfer, "
                "CRF_SPEC.md §10); they are counted only in enrolment and status.",
                f"{left_out} 名已筛选受试者不在本次导出中（不同意数据转移，CRF_SPEC.md §10），"
                "仅计入入组及状态统计。"))  # fmt: skip

    def _enrolment(self) -> None:
        d = self.d
        self.w.heading(self.t("1  Enrolment over time", "1  入组进度"), 2, keep=220)
        if not d.enrolment:
            self.w.paragraph(self.t("No subject enrolled yet.", "尚无受试者入组。"))
            return
        self.w.drawing(enrolment_chart(d.enrolment, d.target, self.lang, self.w.width))
        first, last = d.enrolment[0].month, d.enrolment[-1].month
        months = len(d.enrolment)
        rate = d.enrolled / months if months else 0
        self.w.note(self.t(
            f"{d.enrolled} enrolled from {first} to {last} ({months} months, "
            f"{rate:.1f} per month); target {d.target}.",
            f"{first} 至 {last} 共入组 {d.enrolled} 例（{months} 个月，平均每月 {rate:.1f} 例）；"
            f"目标 {d.target} 例。"))  # fmt: skip

    def _status(self) -> None:
        self.w.heading(self.t("2  Subjects by status", "2  受试者状态"), 2, keep=150)
        rows = [(STAGE_LABELS[stage].get(self.lang) if stage in STAGE_LABELS else stage, count)
                for stage, count in self.d.by_stage.items()]  # fmt: skip
        self.w.drawing(hbar_chart(rows, self.w.width))

    def _compliance(self) -> None:
        d, n_cycles = self.d, self.app.params.n_cycles
        self.w.heading(self.t("3  Treatment compliance", "3  治疗依从性"), 2, keep=120)
        rows = [
            (self.t("Treated population (≥ 1 RT fraction)", "治疗人群（≥1 次放疗）"),
             str(d.treated)),
            (self.t("RT completed per protocol (5 × 5 Gy, ≤ 7 days)",
                    "按方案完成放疗（5 × 5 Gy，≤7 天）"), _pct(d.rt_completed, d.treated)),
        ]  # fmt: skip
        for count in range(n_cycles, -1, -1):
            rows.append((self.t(f"AI cycles given: {count}", f"已给 AI 化疗周期：{count}"),
                         _pct(d.cycles.get(count, 0), d.treated)))  # fmt: skip
        rows += [
            (self.t("Relative dose intensity, doxorubicin — median (range)",
                    "多柔比星相对剂量强度 — 中位数（范围）"), _median_range(d.rdi["DOXRDI"])),
            (self.t("Relative dose intensity, ifosfamide — median (range)",
                    "异环磷酰胺相对剂量强度 — 中位数（范围）"), _median_range(d.rdi["IFORDI"])),
            (self.t("RDI ≥ 0.85 (lower of the two drugs)", "RDI ≥ 0.85（两药中较低者）"),
             _pct(sum(1 for v in d.rdi["CYRDI"] if v >= 0.85), len(d.rdi["CYRDI"]))),
            (self.t("Surgery performed / not performed", "已手术 / 未手术"),
             f"{d.surgery} / {d.no_surgery}"),
        ]  # fmt: skip
        self._kv(rows)
        self.w.note(self.t(
            "RDI: cumulative relative dose intensity at the last cycle given (CT form, D-09).",
            "RDI：最后一个已给药周期的累计相对剂量强度（CT 表，D-09）。"))  # fmt: skip

    def _primary(self) -> None:
        d = self.d
        self.w.heading(self.t("4  Primary endpoint — EORTC-STBSG response A–C",
                              "4  主要终点 — EORTC-STBSG A–C 级反应"), 2, keep=200)  # fmt: skip
        self.w.drawing(score_chart(d.scores, self.lang, self.w.width))
        header = [Column(0.34, self.t("Population", "人群")), Column(0.1, "N"),
                  Column(0.14, self.t("A–C (x)", "A–C（例）")),
                  Column(0.16, self.t("Proportion", "比例")),
                  Column(0.26, self.t("Exact 95 % CI", "精确 95 % 置信区间"),
                         "Clopper–Pearson")]  # fmt: skip
        rows = []
        for label, proportion, note in (
            (self.t("Treated, outcome known", "治疗人群（结局已确定）"), d.primary,
             self.t(f"{d.primary_pending} pending", f"{d.primary_pending} 例待定")),
            (self.t("Per-protocol", "符合方案人群"), d.per_protocol, None),
            (self.t("pCR (score A), treated", "病理完全缓解（A 级），治疗人群"), d.pcr, None),
        ):  # fmt: skip
            ci = proportion.ci
            rows.append([Cell(label, sub=note), str(proportion.n), Cell(str(proportion.x),
                         bold=True),
                         format_pct(proportion.value) if proportion.n else "—",
                         Cell(format_ci(ci) if ci else "—", bold=True)])  # fmt: skip
        self.w.table(header, rows)
        self.w.note(self.t(
            "Treated population: every enrolled subject with ≥ 1 RT fraction; subjects without "
            "surgery or without evaluable pathology count as non-responders (§6.1). Subjects "
            "whose surgery or pathology is still pending are not yet in the denominator.",
            "治疗人群：接受 ≥1 次放疗的全部入组受试者；未手术或病理不可评估者按无反应者计"
            "（§6.1）。手术或病理尚未完成者暂不计入分母。"))  # fmt: skip

    def _wounds(self) -> None:
        d = self.d
        self.w.heading(self.t("5  Wound complications", "5  伤口并发症"), 2, keep=90)
        header = [Column(0.44, self.t("Outcome", "结局")), Column(0.26, self.t("n / N (%)",
                  "例数 / 总数（%）")), Column(0.3, self.t("Exact 95 % CI", "精确 95 % 置信区间"))]
        rows = [[Cell(self.t("Evaluable (surgery done)", "可评估（已手术）")),
                 str(d.wound_evaluable), ""]]  # fmt: skip
        for label, proportion in (
            (self.t("Major wound complication ≤ day 90 (MWC90)",
                    "术后 90 天内主要伤口并发症（MWC90）"), d.mwc90),
            (self.t("Major wound complication ≤ day 120 (MWC120)",
                    "术后 120 天内主要伤口并发症（MWC120）"), d.mwc120),
            (self.t("Any wound complication ≤ day 90", "术后 90 天内任何伤口并发症"), d.anywc90),
        ):  # fmt: skip
            ci = proportion.ci
            rows.append([Cell(label), Cell(_pct(proportion.x, proportion.n), bold=True),
                         format_ci(ci) if ci else "—"])
        self.w.table(header, rows)
        if d.wound_incomplete:
            self.w.note(self.t(
                f"{d.wound_incomplete} subject(s) with < 90 days of post-operative follow-up "
                "and no MWC yet (not evaluable for MWC90, §6.2).",
                f"{d.wound_incomplete} 例术后随访不足 90 天且尚无主要伤口并发症（MWC90 不可评估，"
                "§6.2）。"))  # fmt: skip

    def _deviations(self) -> None:
        d = self.d
        self.w.heading(self.t("6  Protocol deviations", "6  方案偏离"), 2, keep=80)
        self.w.paragraph(self.t(
            f"{d.deviations} deviation record(s) in {d.subjects_with_dv} subject(s).",
            f"{d.subjects_with_dv} 名受试者共 {d.deviations} 条偏离记录。"), size=8.5)
        if not d.deviations:
            return
        categories = self.study.codelist("DVCAT")
        severities = self.study.codelist("DVSEV")
        rows = [[Cell(categories.decode(code, self.lang), sub=code), str(count)]
                for code, count in d.dv_category.most_common()]  # fmt: skip
        rows += [[Cell(self.t("Severity: ", "严重程度：") + severities.decode(code, self.lang),
                       bold=True), str(count)] for code, count in d.dv_severity.most_common()]
        labels = {"CONFIRMED": self.t("automatic candidates confirmed", "自动候选已确认"),
                  "REJECTED": self.t("automatic candidates rejected", "自动候选已否决"),
                  "NOT_A_CANDIDATE": self.t("recorded by the site or monitor",
                                            "由研究中心或监查员记录")}  # fmt: skip
        rows += [[Cell(labels[key], color=GREY), str(count)]
                 for key, count in d.dv_candidates.most_common()]  # fmt: skip
        self.w.table([Column(0.8, self.t("Category", "类别")), Column(0.2, "n")], rows)

    def _survival(self) -> None:
        d = self.d
        horizon = self.app.params.os_horizon_months
        self.w.heading(self.t("7  Overall survival and local control",
                              "7  总生存与局部控制"), 2, keep=60)  # fmt: skip
        for pairs, title in (
            (d.os, self.t("Overall survival from treatment completion (OS_TC)",
                          "自治疗完成起的总生存（OS_TC）")),
            (d.lc, self.t("Local control from treatment completion (LC_TC)",
                          "自治疗完成起的局部控制（LC_TC）")),
        ):  # fmt: skip
            events = sum(1 for _d, e in pairs if e)
            if not events:
                self.w.paragraph(f"{title}: " + self.t(
                    f"no event yet among {len(pairs)} subject(s) with follow-up — "
                    "the Kaplan–Meier curve appears once events exist.",
                    f"{len(pairs)} 名有随访的受试者中尚无事件 — "
                    "出现事件后显示 Kaplan–Meier 曲线。"),
                    size=8.5)  # fmt: skip
                continue
            self.w.drawing(km_chart(pairs, title, self.lang, horizon, self.w.width))
            steps = kaplan_meier([x for x, _e in pairs], [e for _x, e in pairs])
            at12 = km_at(steps, 12 * DAYS_PER_MONTH)
            at24 = km_at(steps, horizon * DAYS_PER_MONTH)
            self.w.paragraph(self.t(
                f"n = {len(pairs)}, events = {events}, censored = {len(pairs) - events}; "
                f"Kaplan–Meier estimate at 12 months {at12 * 100:.1f} %, at {horizon} months "
                f"{at24 * 100:.1f} %.",
                f"n = {len(pairs)}，事件 {events} 例，删失 {len(pairs) - events} 例；"
                f"Kaplan–Meier 估计 12 个月 {at12 * 100:.1f} %，"
                f"{horizon} 个月 {at24 * 100:.1f} %。"),
                size=8.2)  # fmt: skip
        self.w.note(self.t(
            "Origin: treatment-completion date (EOTDAT, D-17); censored subjects are marked by "
            f"ticks; the dashed line is the {horizon}-month horizon (§6.3, §6.4).",
            f"起点：治疗完成日期（EOTDAT，D-17）；删失以短竖线标记；虚线为 {horizon} 个月时限"
            "（§6.3、§6.4）。"))  # fmt: skip
