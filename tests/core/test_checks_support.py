"""Builders shared by the edit-check tests (no tests here)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tnt_desktop.study.checks import check_by_id, run_check
from tnt_desktop.study.model import Finding
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS, StudyParameters
from tnt_desktop.study.subject import FormRecord, SubjectData

P = DEFAULT_PARAMETERS
TODAY = date(2026, 6, 30)


def record(
    event: str,
    form: str,
    repeat: int = 1,
    rows: dict[str, list[dict[str, Any]]] | None = None,
    **values: Any,
) -> FormRecord:
    return FormRecord(event, form, repeat, values=dict(values), rows=dict(rows or {}))


def subject(*records: FormRecord | None) -> SubjectData:
    return SubjectData("TNT-01-001", [r for r in records if r is not None])


def run(
    check_id: str,
    data: SubjectData,
    params: StudyParameters = P,
    today: date = TODAY,
) -> list[Finding]:
    return run_check(check_by_id(check_id), data, params, today)


def outcome(findings: list[Finding]) -> str:
    """'ok' (no finding), 'query' (findings without a deviation category) or 'deviation'."""
    if not findings:
        return "ok"
    if any(f.dv_category for f in findings):
        return "deviation"
    return "query"


def assert_names(finding: Finding, *values: Any) -> None:
    """The message names every value, in English and in Chinese."""
    for value in values:
        text = str(value)
        assert text in finding.message.en, (text, finding.message.en)
        assert text in finding.message.zh, (text, finding.message.zh)
    assert finding.message.en != finding.message.zh
