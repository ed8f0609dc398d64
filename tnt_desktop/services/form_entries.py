"""What a save of one form instance is asked to do and what it answers: the entry data types
(`FormEntry`, `RowEntry`, `ChangeReason`), the result (`SaveResult`), the refusals
(`ValidationFailed`, `OverrideRequired`, `ReasonRequired`) and the keys that tie a finding to
its item and row (`finding_key`, `row_key_of`). The write path itself is `form_entry.save_form`;
these live apart so that the modules it calls (soft inputs, deviation candidates) can speak
its language without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tnt_desktop.errors import TntError
from tnt_desktop.study.model import Finding, Form, Text


class ChangeReason(StrEnum):
    TRANSCRIPTION_ERROR = "TRANSCRIPTION_ERROR"
    SOURCE_CORRECTED = "SOURCE_CORRECTED"
    QUERY_RESPONSE = "QUERY_RESPONSE"
    LATE_DATA = "LATE_DATA"
    OTHER = "OTHER"


CHANGE_REASON_LABELS: dict[ChangeReason, Text] = {
    ChangeReason.TRANSCRIPTION_ERROR: Text("Transcription error", "转录错误"),
    ChangeReason.SOURCE_CORRECTED: Text("Source document corrected", "源文件已更正"),
    ChangeReason.QUERY_RESPONSE: Text("Query response", "质疑回复"),
    ChangeReason.LATE_DATA: Text("Late data", "延迟录入的数据"),
    ChangeReason.OTHER: Text("Other (specify)", "其他（请注明）"),
}


@dataclass
class RowEntry:
    """One row of a repeating group. Row keys are per item group (DOX rows 1–3 and IFO rows
    1–4 of one CT form), stable and never reused; ODM's ItemGroupRepeatKey is this key."""

    key: int | None = None  # the stored row key of an existing row; None for a new row
    # with a key that is not a stored row: create the row under that key (the ODM import keeps
    # the file's row keys) instead of refusing; a key a removed row had is still refused
    create: bool = False
    values: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


@dataclass
class FormEntry:
    """What a user (or an import) wants one form instance to become.

    `values` lists only the items being set ("" clears one); items not named keep their value.
    A group named in `rows` gets exactly those rows: a stored row left out is removed.
    """

    subject: str
    event: str
    form: str
    repeat: int = 1
    values: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[RowEntry]] = field(default_factory=dict)
    complete: bool = False
    reason: str | None = None
    reason_text: str = ""
    overrides: dict[str, str] = field(default_factory=dict)  # finding key → reason
    expected_version: int | None = None
    # soft findings nobody confirmed become open queries raised by this user (the ODM import:
    # it never confirms a finding on the site's behalf) instead of refusing the save
    findings_as_queries: bool = False


@dataclass
class SaveResult:
    status: str
    version: int
    changed: int
    derived_changed: int
    findings: list[Finding]  # what remains on the form: overridden soft, cross-form


def finding_key(finding: Finding, row_key: int | None = None) -> str:
    item = finding.items[0] if finding.items else ""
    where = f"{finding.event or ''}#{finding.repeat or ''}"
    return f"{finding.check_id}|{where}|{item}|{'' if row_key is None else row_key}"


class ValidationFailed(TntError):
    def __init__(self, findings: list[Finding]) -> None:
        first = findings[0].message
        more = len(findings) - 1
        suffix_en = f" (and {more} more)" if more else ""
        suffix_zh = f"（另有 {more} 项）" if more else ""
        super().__init__(
            Text(f"not saved: {first.en}{suffix_en}", f"未保存：{first.zh}{suffix_zh}")
        )
        self.findings = findings


class OverrideRequired(TntError):
    def __init__(self, findings: list[tuple[str, Finding]]) -> None:
        first = findings[0][1].message
        super().__init__(
            Text(f"not saved: confirm with a reason — {first.en}",
                 f"未保存：请填写原因后确认 — {first.zh}")
        )  # fmt: skip
        self.findings = findings  # (finding key, finding)


class ReasonRequired(TntError):
    def __init__(self, items: list[str]) -> None:
        names = ", ".join(items[:5]) + (" …" if len(items) > 5 else "")
        super().__init__(
            Text(f"not saved: changing saved data ({names}) needs a reason for change",
                 f"未保存：修改已保存的数据（{names}）需要填写修改原因")
        )  # fmt: skip
        self.items = items


def row_key_of(finding: Finding, row_keys: dict[str, list[int]], form: Form) -> int | None:
    if finding.row is None or not finding.items:
        return None
    parts = finding.items[0].split(".")
    group = parts[1] if len(parts) == 3 else None
    if group is None:
        item = form.item(parts[-1])
        grp = form.group_of(parts[-1]) if item else None
        group = grp.name if grp is not None and grp.repeating else None
    keys = row_keys.get(group or "", [])
    return keys[finding.row] if finding.row < len(keys) else None
