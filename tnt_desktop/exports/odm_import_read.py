"""Reading one SubjectData of an ODM file into what each form instance should become (no
database access): the second pass of exports.odm_import.

Repeating-group rows are keyed by their ItemGroupRepeatKey, which is the row key of the group in
the database (row keys count per item group). The site's confirmations of soft findings
(`tnt:Confirmation`, exports.odm_extension) are collected per form instance; queries
(`tnt:Query`) are read past.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from tnt_desktop.exports.odm_extension import tnt
from tnt_desktop.exports.odm_import_report import ImportMessage
from tnt_desktop.exports.odm_metadata import (
    FORM_STATUS_FLAG,
    SUBJECT_STATUS_FLAG,
    OdmIndex,
    q,
)
from tnt_desktop.study.model import Text


def parse_options() -> dict[str, Any]:
    return {"resolve_entities": False, "no_network": True, "load_dtd": False,
            "remove_comments": True}  # fmt: skip


@dataclass
class ParsedRow:
    values: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedForm:
    event: str
    repeat: int
    form: str
    values: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    rows: dict[str, dict[int, ParsedRow]] = field(default_factory=dict)  # group → row key → row
    derived: dict[tuple[str, int, str], str] = field(default_factory=dict)  # file's values
    editable: dict[str, str] = field(default_factory=dict)  # editable derived (AJCC_T)
    reasons: list[str] = field(default_factory=list)
    status: str | None = None

    @property
    def where(self) -> str:
        return f"{self.event}#{self.repeat}/{self.form}"


@dataclass
class ParsedSubject:
    key: str
    status: str | None = None
    forms: dict[tuple[str, int, str], ParsedForm] = field(default_factory=dict)
    problems: list[ImportMessage] = field(default_factory=list)
    line: int = 0  # of the SubjectData start tag
    # (event, repeat, form) → finding key → the site's reason, as the file confirms it
    confirmations: dict[tuple[str, int, str], dict[str, str]] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"SubjectData (line {self.line})"

    def value(self, code: str, name: str) -> str | None:
        for form in self.forms.values():
            if form.form == code:
                found = form.values.get(name) or form.derived.get(("", 0, name))
                if found:
                    return found
        return None


def _flag(element: etree._Element, flag_type: str) -> str | None:
    for flag in element.iterfind(f"{q('Annotation')}/{q('Flag')}"):
        kind = flag.findtext(q("FlagType"))
        if kind is not None and kind.strip() == flag_type:
            value = flag.findtext(q("FlagValue"))
            return value.strip() if value else None
    return None


def _int(text: str | None, default: int | None = None) -> int | None:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        return None


def parse_subject(element: etree._Element, index: OdmIndex) -> ParsedSubject:
    """A SubjectData element → what each form instance should become (no database access)."""
    study = index.study
    subject = ParsedSubject(element.get("SubjectKey", ""), line=element.sourceline or 0)
    subject.status = _flag(element, SUBJECT_STATUS_FLAG)

    def problem(where: str, en: str, zh: str) -> None:
        subject.problems.append(ImportMessage(subject.key, where, Text(en, zh)))

    for event_el in element.iterfind(q("StudyEventData")):
        event_oid = event_el.get("StudyEventOID", "")
        repeat = _int(event_el.get("StudyEventRepeatKey"), 1)
        try:
            study.event(event_oid)
        except KeyError:
            problem(event_oid, f"unknown event {event_oid}", f"未知的访视 {event_oid}")
            continue
        if repeat is None or repeat < 1:
            problem(event_oid, "StudyEventRepeatKey must be a whole number ≥ 1",
                    "StudyEventRepeatKey 必须为 ≥1 的整数")  # fmt: skip
            continue
        for form_el in event_el.iterfind(q("FormData")):
            _parse_form(subject, form_el, event_oid, repeat, index, problem)
    for confirmation in element.iterfind(tnt("Confirmation")):
        _parse_confirmation(subject, confirmation, index)
    return subject


def _parse_confirmation(subject: ParsedSubject, element: etree._Element,
                        index: OdmIndex) -> None:  # fmt: skip
    """A confirmation the site gave in the source database: its reason, with who and when."""
    event = element.get("StudyEventOID", "")
    repeat = _int(element.get("StudyEventRepeatKey"), 1) or 1
    code = element.get("FormOID", "").removeprefix("F.")
    reason = (element.text or "").strip()
    if not reason:
        return
    source = (f"{reason} (confirmed in the source database by {element.get('UserOID')} "
              f"({element.get('Role')}) at {element.get('DateTimeStamp')})")  # fmt: skip
    subject.confirmations.setdefault((event, repeat, code), {})[
        element.get("FindingKey", "")] = source[:2000]


def _parse_form(subject: ParsedSubject, form_el: etree._Element, event_oid: str, repeat: int,
                index: OdmIndex, problem: Callable[[str, str, str], None]) -> None:  # fmt: skip
    study = index.study
    form_oid = form_el.get("FormOID", "")
    where = f"{event_oid}#{repeat}/{form_oid}"
    try:
        form = study.form(form_oid.removeprefix("F."))
    except KeyError:
        problem(where, f"unknown form {form_oid}", f"未知的表单 {form_oid}")
        return
    if form_el.get("FormRepeatKey", "1") != "1":
        problem(where, "repeated forms within one event are not part of this study",
                "本研究的表单在同一访视内不重复")  # fmt: skip
        return
    target = subject.forms.setdefault((event_oid, repeat, form.code),
                                      ParsedForm(event_oid, repeat, form.code))  # fmt: skip
    target.status = _flag(form_el, FORM_STATUS_FLAG) or target.status
    for group_el in form_el.iterfind(q("ItemGroupData")):
        group_oid = group_el.get("ItemGroupOID", "")
        found = index.groups.get(group_oid)
        if found is None or found[0].code != form.code:
            problem(f"{where}/{group_oid}", f"{group_oid} is not an item group of {form.code}",
                    f"{group_oid} 不是 {form.code} 的条目组")  # fmt: skip
            continue
        group = found[1]
        row_key = 0
        if group.repeating:
            row_key = _int(group_el.get("ItemGroupRepeatKey")) or 0
            if row_key < 1:
                problem(f"{where}/{group_oid}", "a row needs ItemGroupRepeatKey (a whole number)",
                        "重复组的行需要 ItemGroupRepeatKey（整数）")  # fmt: skip
                continue
        for item_el in group_el:
            if not isinstance(item_el.tag, str) or not item_el.tag.startswith(q("ItemData")):
                continue
            item_oid = item_el.get("ItemOID", "")
            if item_el.tag != q("ItemData"):
                problem(f"{where}/{item_oid}", "typed ItemData elements are not supported; use "
                        "ItemData with Value", "不支持带类型的 ItemData 元素，请使用带 Value 的 "
                        "ItemData")  # fmt: skip
                continue
            odm_item = index.items.get(item_oid)
            if odm_item is None or odm_item.form.code != form.code or (
                    odm_item.group.name != group.name):  # fmt: skip
                problem(f"{where}/{item_oid}", f"{item_oid} is not an item of {group_oid}",
                        f"{item_oid} 不是 {group_oid} 的条目")  # fmt: skip
                continue
            _parse_item(target, item_el, odm_item.item, group.name if group.repeating else "",
                        row_key)  # fmt: skip


def _parse_item(target: ParsedForm, item_el: etree._Element, item, group: str,
                row_key: int) -> None:  # fmt: skip
    reason = item_el.findtext(f"{q('AuditRecord')}/{q('ReasonForChange')}")
    if reason and reason.strip():
        target.reasons.append(reason.strip())
    comment = item_el.findtext(f"{q('Annotation')}/{q('Comment')}")
    missing: str | None = None
    if item_el.get("TransactionType") == "Remove":
        value = ""
    elif item_el.get("IsNull") == "Yes":
        value = ""
        missing = comment.strip() if comment and comment.strip() else None
    else:
        value = item_el.get("Value", "")
    name = item.name
    if item.is_derived and not item.editable_derived:
        target.derived[(group, row_key, name)] = value
        return
    if item.editable_derived and not group:
        target.editable[name] = value
        return
    if group:
        row = target.rows.setdefault(group, {}).setdefault(row_key, ParsedRow())
        values, missing_map = row.values, row.missing
    else:
        values, missing_map = target.values, target.missing
    if missing:
        missing_map[name] = missing
        values.pop(name, None)
    else:
        values[name] = value
        missing_map.pop(name, None)


def iter_subjects(file: Path) -> Iterator[etree._Element]:
    """SubjectData elements one by one; each is cleared once the caller is done with it."""
    context = etree.iterparse(str(file), events=("end",), tag=q("SubjectData"),
                              **parse_options())  # fmt: skip
    for _event, element in context:
        yield element
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]


def has_data(row: ParsedRow) -> bool:
    return any(v.strip() for v in row.values.values()) or bool(row.missing)
