"""The statistics of the study status report, implemented here (scipy is not a dependency):
`regularized_beta` (continued fraction), `binom_cdf`, `clopper_pearson` (bisection on the
binomial CDF), `kaplan_meier` (with Greenwood's variance), `km_estimate` (None — "not
estimable" — after the last observed time) and half-up formatting of percentages."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


def _half_up(value: float, decimals: int = 1) -> str:
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def format_pct(value: float) -> str:
    """A proportion as a percentage, rounded half up (0.0625 → "6.3 %")."""
    return f"{_half_up(value * 100)} %"


def format_ci(interval: tuple[float, float]) -> str:
    """How the report prints a 95 % CI: "8.7–49.1 %"."""
    return f"{_half_up(interval[0] * 100)}–{_half_up(interval[1] * 100)} %"


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


def km_estimate(steps: Sequence[KMStep], time: float) -> float | None:
    """S(time), or None ("not estimable") after the last observed time (clarification 22)."""
    if not steps or time > steps[-1].time:
        return None
    return km_at(steps, time)


def at_risk_at(steps: Sequence[KMStep], time: float, total: int) -> int:
    """Subjects still at risk just before `time`."""
    left = total
    for step in steps:
        if step.time >= time:
            break
        left -= step.events + step.censored
    return left
