"""Item-level validation of one form instance against the study definition.

This is the part of validation that every item gets from its definition alone: codelist
membership, text length and pattern, hard ranges (refuse the save) and soft ranges (query),
required answers when a form is marked complete, and answers to questions whose condition no
longer holds. The named cross-form checks (TIM-xx, X-xx) live in `study.checks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tnt_desktop.study.expressions import parse
from tnt_desktop.study.model import (
    MISSING_REASONS,
    DataType,
    Finding,
    Form,
    Item,
    ItemGroup,
    Req,
    Severity,
    Text,
)
from tnt_desktop.study.subject import FormRecord, SubjectData
from tnt_desktop.study.values import format_value

if TYPE_CHECKING:
    from tnt_desktop.study.definition import Study

# Ids of item-level findings (the named checks use the spec's ids).
RANGE = "RANGE"
SOFT_RANGE = "SOFT-RANGE"
CODELIST = "CODELIST"
LENGTH = "LENGTH"
PATTERN = "PATTERN"
REQUIRED = "REQUIRED"
NOT_APPLICABLE = "NOT-APPLICABLE"
MISSING_REASON = "MISSING-REASON"
MUST_BE = "MUST-BE"


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == ()


def is_applicable(
    item: Item,
    form: Form,
    values: Mapping[str, Any],
    subject: SubjectData | None = None,
    row: Mapping[str, Any] | None = None,
) -> bool:
    """True when the item has no condition or its condition holds for these values."""
    if item.condition is None:
        return True

    def lookup(name: str) -> Any:
        if "." in name:
            code, rest = name.split(".", 1)
            if code == form.code:
                return values.get(rest)
            return subject.value(name) if subject is not None else None
        if row is not None and name in row:
            return row[name]
        return values.get(name)

    return parse(item.condition).evaluate(lookup)


def validate_value(form: Form, group: ItemGroup, item: Item, value: Any,
                   study: Study | None = None) -> list[Finding]:
    """Codelist, length, pattern and range findings for one present value. `study` gives the
    codelists (a database's configured consent versions); the definition's by default."""
    if _empty(value):
        return []
    ref = item_ref(form, group, item)
    shown = format_value(item, value)
    found: list[Finding] = []

    def add(check: str, severity: Severity, en: str, zh: str) -> None:
        message = Text(f"{item.name} = {shown}: {en}", f"{item.name} = {shown}：{zh}")
        found.append(Finding(check, severity, message, (ref,)))

    if item.codelist is not None:
        from tnt_desktop.study.definition import get_study

        codes = (study or get_study()).codelist(item.codelist).codes()
        chosen = value if item.multiple else (value,)
        unknown = [str(code) for code in chosen if str(code) not in codes]
        if unknown:
            add(CODELIST, Severity.HARD, f"not in codelist {item.codelist}",
                f"不在代码表 {item.codelist} 中")  # fmt: skip
    if item.must_be is not None and format_value(item, value) != item.must_be:
        add(MUST_BE, Severity.HARD, f"must be {item.must_be}", f"必须为 {item.must_be}")
    if item.data_type is DataType.TEXT and not item.codelist and isinstance(value, str):
        if item.length is not None and len(value) > item.length:
            add(LENGTH, Severity.HARD, f"longer than {item.length} characters",
                f"超过 {item.length} 个字符")  # fmt: skip
        if item.pattern is not None and not re.fullmatch(item.pattern, value):
            add(PATTERN, Severity.HARD, "does not have the expected format", "格式不符合要求")
    if item.data_type in (DataType.INTEGER, DataType.FLOAT) and isinstance(value, int | Decimal):
        unit = f" {item.unit}" if item.unit else ""
        if item.hard is not None and not item.hard.contains(value):
            add(RANGE, Severity.HARD, f"outside the allowed range {item.hard.describe()}{unit}",
                f"超出允许范围 {item.hard.describe()}{unit}")  # fmt: skip
        elif item.soft is not None and not item.soft.contains(value):
            add(SOFT_RANGE, Severity.SOFT,
                f"outside the expected range {item.soft.describe()}{unit}; please confirm",
                f"超出预期范围 {item.soft.describe()}{unit}，请确认")  # fmt: skip
    return found


def item_ref(form: Form, group: ItemGroup, item: Item) -> str:
    """FORM.NAME, or FORM.GROUP.NAME for an item of a repeating group (EXDOSE is in both DOXADM
    and IFOADM: the group says which table a finding belongs in)."""
    if group.repeating:
        return f"{form.code}.{group.name}.{item.name}"
    return f"{form.code}.{item.name}"


def _required_finding(form: Form, group: ItemGroup, item: Item) -> Finding:
    return Finding(
        REQUIRED,
        Severity.HARD,
        Text(
            f"{item.name} ({item.label.en}) is required: enter a value or a reason for missing",
            f"{item.name}（{item.label.zh}）为必填项：请填写数值或缺失原因",
        ),
        (item_ref(form, group, item),),
    )


def _validate_items(
    form: Form,
    group: ItemGroup,
    values: Mapping[str, Any],
    missing: Mapping[str, str],
    record_values: Mapping[str, Any],
    subject: SubjectData | None,
    complete: bool,
    row: int | None,
    study: Study | None = None,
) -> Iterable[Finding]:
    for item in group.items:
        value = values.get(item.name)
        row_values = values if group.repeating else None
        applicable = is_applicable(item, form, record_values, subject, row_values)
        reason = missing.get(item.name)
        if reason is not None and reason not in MISSING_REASONS:
            yield Finding(
                MISSING_REASON, Severity.HARD,
                Text(f"{item.name}: unknown reason for missing {reason!r}",
                     f"{item.name}：未知的缺失原因 {reason!r}"),
                (item_ref(form, group, item),), row=row,
            )  # fmt: skip
        if item.is_derived:
            continue
        if not applicable and not _empty(value):
            yield Finding(
                NOT_APPLICABLE, Severity.SOFT,
                Text(f"{item.name} is answered but does not apply ({item.condition})",
                     f"{item.name} 已填写，但不适用（{item.condition}）"),
                (item_ref(form, group, item),), row=row,
            )  # fmt: skip
        for finding in validate_value(form, group, item, value, study):
            yield Finding(finding.check_id, finding.severity, finding.message, finding.items,
                          row=row)  # fmt: skip
        if complete and applicable and _empty(value) and reason is None:
            if item.req is Req.REQUIRED or item.req is Req.CONDITIONAL:
                finding = _required_finding(form, group, item)
                yield Finding(finding.check_id, finding.severity, finding.message,
                              finding.items, row=row)  # fmt: skip


def validate_form(
    form: Form,
    record: FormRecord,
    subject: SubjectData | None = None,
    complete: bool = False,
    *,
    study: Study | None = None,
) -> list[Finding]:
    """Item-level findings for one form instance; `complete` adds the required-answer checks.
    `study`: the study whose codelists apply (an AppSession's, with its configured consent
    versions); the definition's by default."""
    findings: list[Finding] = []
    for group in form.groups:
        if group.repeating:
            for index, row_values in enumerate(record.group_rows(group.name)):
                row_missing = record.row_missing.get(group.name, {}).get(index, {})
                findings += _validate_items(
                    form, group, row_values, row_missing, record.values, subject, complete, index,
                    study,
                )
        else:
            findings += _validate_items(
                form, group, record.values, record.missing, record.values, subject, complete, None,
                study,
            )
    return [
        Finding(f.check_id, f.severity, f.message, f.items, record.event, record.repeat, f.row)
        for f in findings
    ]
