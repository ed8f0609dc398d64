"""Edit checks of CRF_SPEC.md §5: TIM-01 … TIM-10 and X-01, X-02, X-10 … X-35, X-40 … X-46,
and the form-level rules of §3 that have no §5 id (`<FORM>-<NAME>`, module `form_rules`).

Each check is a `model.Check` whose function(subject, params) yields `Finding`s. The save
pipeline runs `derive_all` first, so checks read derived values as stored values.

    run_checks(subject, params)                    # every check
    run_checks(subject, params, forms=["RT"])      # the checks a save of RT triggers
    run_checks(subject, params, today=date(...))   # X-02 / X-29 compare with "today"
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from tnt_desktop.study.checks import (
    dates,
    eligibility,
    form_rules,
    safety,
    timing,
    treatment,
)
from tnt_desktop.study.model import Check, Finding
from tnt_desktop.study.subject import SubjectData

CHECKS: tuple[Check, ...] = (
    *timing.CHECKS,
    *dates.CHECKS,
    *eligibility.CHECKS,
    *treatment.CHECKS,
    *safety.CHECKS,
    *form_rules.CHECKS,
)

# Checks whose function takes a keyword `today` (the date "now" is compared with): declared by
# each check (`CheckDef(needs_today=True)`), listed here for readers.
TODAY_CHECKS: frozenset[str] = frozenset(check.id for check in CHECKS if check.needs_today)


def check_by_id(check_id: str) -> Check:
    for check in CHECKS:
        if check.id == check_id:
            return check
    raise KeyError(f"no check {check_id!r}")


def checks_for(forms: Iterable[str] | None) -> tuple[Check, ...]:
    """The checks a save of these forms triggers (all checks when forms is None)."""
    if forms is None:
        return CHECKS
    codes = set(forms)
    return tuple(check for check in CHECKS if codes.intersection(check.forms))


def run_check(check: Check, subject: SubjectData, params: Any, today: date) -> list[Finding]:
    if check.needs_today:
        return list(check.function(subject, params, today=today))  # type: ignore[call-arg]
    return list(check.function(subject, params))


def run_checks(
    subject: SubjectData,
    params: Any,
    forms: Iterable[str] | None = None,
    today: date | None = None,
) -> list[Finding]:
    """Run every check (or those triggered by `forms`) and return their findings in check order.
    `today` defaults to the current date here, at the call boundary, never inside a check."""
    today = today or date.today()
    findings: list[Finding] = []
    for check in checks_for(forms):
        findings.extend(run_check(check, subject, params, today))
    return findings


__all__ = ["CHECKS", "TODAY_CHECKS", "check_by_id", "checks_for", "run_check", "run_checks"]
