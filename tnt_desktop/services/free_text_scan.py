"""REQ-PI-04: free text is scanned for personal identifiers before it leaves the site.

    scan = FreeTextScan(app)                    # one per export run
    for subject in export_subjects(app, scan=scan): ...
    scan.finish(app)                            # raise the site queries
    scan.log_lines()                            # what the export log lists (never the value)

Every free-text value of a sponsor export (text items without a codelist, in forms and
repeating groups; the audit trail's old and new values and reasons) is checked, before the
profile filter removes the identifier items, against

- the subject's own identifiers held at the site (DM: name, pinyin, record number, national ID,
  phone): exact, and normalised (case, spaces, hyphens and dots ignored; a phone or ID number
  also found inside a longer run of text with separators);
- patterns: an 18-character PRC resident ID whose ISO 7064 MOD 11-2 check character is right,
  a mainland mobile number (1[3-9] + 9 digits, not part of a longer number), an e-mail address,
  and a hospital record number as the site configured it (setting `privacy.record_number_regex`,
  a regular expression; none by default).

A hit is withheld: the value is replaced by `MARKER` in every file of the export (CSV, ODM,
PDF casebooks — they all read subjects through services.export_read), listed in the export log
(subject, event, form, item, row and the kind of hit, never the value) and raised to the site
as a query on the item (origin AUTO, check REQ-PI-04, once per item while it is open), so the
site corrects the record with a reason or answers that it is no identifier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from tnt_desktop.services.session import AppSession
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import DataType, Item, Text
from tnt_desktop.study.subject import SubjectData

MARKER = "[withheld: possible personal identifier, REQ-PI-04]"
CHECK_ID = "REQ-PI-04"
RECORD_NUMBER_SETTING = "privacy.record_number_regex"
IDENTITY_ITEMS = ("SUBJNAME", "SUBJPINYIN", "MRN", "NATIONALID", "PHONE")
MIN_NAME = 2  # a name shorter than this (one character) would match everywhere

_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_SEPARATORS = re.compile(r"[\s\-./·_()（）]+")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

_WHERE_NOTE = {"audit": " (audit trail)", "query": " (query text)"}
KINDS: dict[str, Text] = {
    "NAME": Text("the subject's name", "受试者姓名"),
    "PHONE": Text("the subject's phone number", "受试者电话号码"),
    "NATIONALID": Text("the subject's national ID number", "受试者身份证号"),
    "MRN": Text("the subject's hospital record number", "受试者住院号/门诊号"),
    "ID_NUMBER": Text("a resident ID number (valid check digit)", "居民身份证号（校验位正确）"),
    "MOBILE": Text("a mobile phone number", "手机号码"),
    "EMAIL": Text("an e-mail address", "电子邮件地址"),
    "RECORD_NUMBER": Text("a record number (site pattern)", "病历号（本中心规则）"),
}


def id_checksum_ok(number: str) -> bool:
    """ISO 7064 MOD 11-2 check character of an 18-character PRC resident ID (GB 11643)."""
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17].upper()


def normalise(text: str) -> str:
    """Lower case without spaces, hyphens, dots and brackets (ASCII and full width)."""
    import unicodedata

    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).lower()


def is_free_text(item: Item) -> bool:
    return (item.data_type is DataType.TEXT and not item.codelist and not item.identifier
            and not item.hgr)  # fmt: skip


@dataclass(frozen=True)
class Identifiers:
    """One subject's identifiers as held at the site (empty values dropped)."""

    values: dict[str, str] = field(default_factory=dict)  # kind → value

    @classmethod
    def of(cls, data: SubjectData) -> Identifiers:
        return cls.from_items({name: data.value(f"DM.{name}") for name in IDENTITY_ITEMS})

    @classmethod
    def from_items(cls, items: dict[str, Any]) -> Identifiers:
        """From the DM items of IDENTITY_ITEMS (item name → value)."""
        found: dict[str, str] = {}
        for name in IDENTITY_ITEMS:
            value = items.get(name)
            if isinstance(value, str) and value.strip():
                kind = "NAME" if name in ("SUBJNAME", "SUBJPINYIN") else name
                key = kind if kind not in found else f"{kind}2"
                found[key] = value.strip()
        return cls(found)


@dataclass(frozen=True)
class Hit:
    subject_key: str
    event: str
    repeat: int
    form: str
    item: str
    group: str = ""
    row_key: int = 0
    kinds: tuple[str, ...] = ()
    where: str = "value"  # "value"; "audit" (the audit trail only); "query" (a query's text)

    def describe(self) -> str:
        row = f" {self.group}#{self.row_key}" if self.group else ""
        return (f"{self.subject_key} {self.event}#{self.repeat} {self.form}{row} {self.item}: "
                f"{', '.join(self.kinds)}" + _WHERE_NOTE.get(self.where, ""))


class FreeTextScan:
    """The scan of one export run (see the module docstring)."""

    def __init__(self, app: AppSession, record_pattern: str | None = None) -> None:
        self.study: Study = app.study
        pattern = record_pattern if record_pattern is not None else _record_setting(app)
        self.record_number = re.compile(pattern) if pattern else None
        self.hits: dict[tuple, Hit] = {}
        self.identifiers: dict[str, Identifiers] = {}  # subject key → identifiers
        self.free_text = {(d.form.code, d.item.name) for d in self.study.item_definitions()
                          if is_free_text(d.item)}  # fmt: skip

    # -- matching --
    def kinds(self, text: str, ids: Identifiers) -> tuple[str, ...]:
        """The kinds of identifier found in `text` (empty: none)."""
        found: list[str] = []
        flat = normalise(text)
        digits = re.sub(r"\D", "", text)
        for kind, value in ids.values.items():
            base = kind.rstrip("2")
            target = normalise(value)
            if len(target) < (MIN_NAME if base == "NAME" else 4):
                continue
            hit = value in text or target in flat
            if not hit and base in ("PHONE", "NATIONALID", "MRN"):
                only = re.sub(r"\D", "", value)
                hit = len(only) >= 7 and only in digits
            if hit and base not in found:
                found.append(base)
        if any(id_checksum_ok(m.group(1)) for m in _ID18.finditer(text)):
            found.append("ID_NUMBER")
        if _MOBILE.search(text):
            found.append("MOBILE")
        if _EMAIL.search(text):
            found.append("EMAIL")
        if self.record_number is not None and self.record_number.search(text):
            found.append("RECORD_NUMBER")
        return tuple(found)

    def _check(self, key: str, ids: Identifiers, text: Any, where: dict[str, Any]
               ) -> bool:  # fmt: skip
        if not isinstance(text, str) or not text:
            return False
        kinds = self.kinds(text, ids)
        if not kinds:
            return False
        hit = Hit(key, kinds=kinds, **where)
        ident = (hit.subject_key, hit.event, hit.repeat, hit.form, hit.group, hit.row_key,
                 hit.item, hit.where == "query")  # fmt: skip
        known = self.hits.get(ident)
        if known is not None:  # one line per place, naming every kind found there
            keep = hit if (known.where == "audit" and hit.where == "value") else known
            hit = replace(keep, kinds=tuple(dict.fromkeys(known.kinds + hit.kinds)))
        self.hits[ident] = hit
        return True

    # -- what export_read calls --
    def subject(self, key: str, data: SubjectData,
                row_keys: dict[tuple[str, int, str], dict[str, list[int]]]) -> None:
        """Scan and withhold in place, before the identifier items are filtered out."""
        ids = Identifiers.of(data)
        self.identifiers[key] = ids
        for record in data.records:
            base = {"event": record.event, "repeat": record.repeat, "form": record.form}
            for name, value in list(record.values.items()):
                if (record.form, name) in self.free_text and self._check(
                        key, ids, value, {**base, "item": name}):  # fmt: skip
                    record.values[name] = MARKER
            keys = row_keys.get((record.event, record.repeat, record.form), {})
            for group, rows in record.rows.items():
                for index, row in enumerate(rows):
                    rk = keys.get(group, [])
                    row_key = rk[index] if index < len(rk) else index + 1
                    for name, value in list(row.items()):
                        if (record.form, name) in self.free_text and self._check(
                                key, ids, value, {**base, "item": name, "group": group,
                                                  "row_key": row_key}):  # fmt: skip
                            row[name] = MARKER

    def audit_text(self, keys: Iterable[str | None], form: str | None, item: str | None,
                   text: str | None, where: dict[str, Any]) -> str | None:
        """A text as the sponsor may see it: an audit trail value or reason, a query message,
        a value of the sponsor store's payload (`where["where"]` says which); the subject's
        identifiers are those learnt under the first of `keys` the scan knows."""
        if not text:
            return text
        ids = Identifiers()
        for key in keys:
            if key and key in self.identifiers:
                ids = self.identifiers[key]
                break
        subject_key = next((k for k in keys if k), "")
        if self._check(subject_key, ids, text, {**where, "form": form or "", "item": item or ""}):
            return MARKER
        return text

    # -- after the run --
    def log_lines(self) -> list[str]:
        return [f"REQ-PI-04 withheld: {hit.describe()}" for hit in self.hits.values()]

    def finish(self, app: AppSession) -> int:
        """Raise one open query per withheld item (none twice while one is open); returns the
        number raised. A locked subject gets none (the export log still lists it)."""
        from sqlalchemy import select

        from tnt_desktop.services.clinical_data import find_subject
        from tnt_desktop.services.queries import raise_auto_query
        from tnt_desktop.services.workflow import check_writable
        from tnt_desktop.storage.models import DataQuery

        raised = 0
        if not self.hits:
            return 0
        with app.transaction() as session:
            for hit in self.hits.values():
                if not hit.form or not hit.event or hit.where == "query":
                    continue  # a query's own text: logged, never corrected (export_queries)
                try:
                    subject = find_subject(session, hit.subject_key)
                    check_writable(session, subject, data_entry=False)
                except Exception:  # locked or unknown: logged only
                    continue
                existing = session.scalar(select(DataQuery.id).where(
                    DataQuery.subject_pk == subject.id, DataQuery.check_id == CHECK_ID,
                    DataQuery.event_oid == hit.event, DataQuery.repeat_key == hit.repeat,
                    DataQuery.form_code == hit.form, DataQuery.item_name == hit.item,
                    DataQuery.group_name == hit.group, DataQuery.row_key == hit.row_key,
                    DataQuery.status != "CLOSED"))  # fmt: skip
                if existing is not None:
                    continue
                kinds = "; ".join(KINDS[k].en for k in hit.kinds if k in KINDS)
                kinds_zh = "；".join(KINDS[k].zh for k in hit.kinds if k in KINDS)
                text = (f"This free text may contain a personal identifier ({kinds}) and was "
                        "withheld from the sponsor export (REQ-PI-04). Please remove the "
                        "identifier (correct with a reason) or answer that it is none. / "
                        f"该自由文本可能含有个人身份信息（{kinds_zh}），已从申办方导出中隐去"
                        "（REQ-PI-04）。请删除该信息（附理由修改），或答复其并非身份信息。")
                raise_auto_query(app, session, subject, hit.event, hit.repeat, hit.form,
                                 hit.item, CHECK_ID, text, group_name=hit.group,
                                 row_key=hit.row_key)  # fmt: skip
                raised += 1
        return raised


def set_record_number_pattern(app: AppSession, pattern: str | None) -> None:
    """The site's record-number pattern (a regular expression, e.g. `(住院号|门诊号)\\s*\\w+`
    or `ZY\\d{8}`); None or "" removes it. Administrator only, audited (SETTING_CHANGED)."""
    from tnt_desktop.errors import UsageError
    from tnt_desktop.services.permissions import Permission
    from tnt_desktop.services.settings import write_setting

    app.require(Permission.CHANGE_SETTINGS)
    value = (pattern or "").strip()
    if value:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise UsageError(Text(f"not a valid regular expression: {exc}",
                                  f"不是有效的正则表达式：{exc}")) from None
        if compiled.search("") is not None:
            raise UsageError(Text("the record-number pattern matches empty text",
                                  "病历号规则会匹配空文本"))  # fmt: skip
    with app.transaction() as session:
        write_setting(app, session, RECORD_NUMBER_SETTING, value)


def _record_setting(app: AppSession) -> str | None:
    from tnt_desktop.services.settings import read_setting

    with app.transaction(write=False) as session:
        value = read_setting(session, RECORD_NUMBER_SETTING)
    if not value:
        return None
    try:
        re.compile(value)
    except re.error:
        return None
    return value
