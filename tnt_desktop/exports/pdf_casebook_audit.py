"""The casebook's audit sections (REQ-AT-07): the audit summary and, in an appendix, the
item-level audit trail — every entry in chain order with when (local time), who (the role in the
reader's language; the user name only in the site archive), where, old → new decoded in the
reader's language and the reason for change. Also the status words and the value decoding the
casebook shares (`FORM_STATUS`, `SUBJECT_STATUS`, `display_value`, `display_text`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tnt_desktop.exports.pdf_common import Cell, Column, yes_no
from tnt_desktop.exports.pdf_fonts import WARN, local_time, tr
from tnt_desktop.services.export_read import AuditView, ExportProfile
from tnt_desktop.services.workflow import FORM_STATUS_LABELS
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import DataType, Item, Text
from tnt_desktop.study.values import format_value

# every form status in the reader's language (services.workflow, capitalised)
FORM_STATUS = {status.value: Text(text.en[:1].upper() + text.en[1:], text.zh)
               for status, text in FORM_STATUS_LABELS.items()}  # fmt: skip
SUBJECT_STATUS = {
    "SCREENING": Text("Screening", "筛选中"),
    "SCREEN_FAILED": Text("Screen failed", "筛选失败"),
    "ENROLLED": Text("Enrolled", "已入组"),
    "WITHDRAWN": Text("Withdrawn", "已退出"),
}
ACTIONS = {
    "DATA_ENTERED": Text("values entered", "录入数值"),
    "DATA_CHANGED": Text("values changed", "修改数值"),
    "DATA_CLEARED": Text("values cleared", "清除数值"),
    "DERIVED_VALUE": Text("derived by the system", "系统推导"),
    "FORM_CREATED": Text("forms created", "创建表单"),
    "FORM_STATUS": Text("status changes", "状态变更"),
    "ID_ASSIGNED": Text("identifiers assigned", "分配编号"),
    "CHECK_OVERRIDDEN": Text("checks overridden", "核查已确认"),
    "SUBJECT_SCREENED": Text("screened", "筛选"),
    "SUBJECT_ENROLLED": Text("enrolled", "入组"),
    "SCREEN_FAILED": Text("screen failure", "筛选失败"),
    "SUBJECT_WITHDRAWN": Text("withdrawn", "退出"),
    "SUBJECT_FROZEN": Text("subject frozen", "受试者已冻结"),
    "SUBJECT_UNFROZEN": Text("subject unfrozen", "受试者已解冻"),
    "SUBJECT_LOCKED": Text("subject locked", "受试者已锁定"),
    "SUBJECT_UNLOCKED": Text("subject unlocked", "受试者已解锁"),
    "FORM_VERIFIED": Text("form verified (SDV)", "表单已核查（SDV）"),
    "FORM_LOCKED": Text("form locked", "表单已锁定"),
    "FORM_UNLOCKED": Text("form unlocked", "表单已解锁"),
    "ITEM_SDV": Text("item verified (SDV)", "条目已核查（SDV）"),
    "ITEM_SDV_REMOVED": Text("item verification withdrawn", "条目核查已撤销"),
    "SIGNED": Text("signed", "已签名"),
    "SIGNATURE_BROKEN": Text("signature broken", "签名已失效"),
    "SIGNATURE_FAILED": Text("signing failed", "签名失败"),
    "QUERY_OPENED": Text("query raised", "发起质疑"),
    "QUERY_ANSWERED": Text("query answered", "回复质疑"),
    "QUERY_CLOSED": Text("query closed", "关闭质疑"),
    "QUERY_REOPENED": Text("query re-opened", "重新打开质疑"),
    "DATABASE_LOCKED": Text("database locked", "数据库已锁定"),
    "DATABASE_UNLOCKED": Text("database unlocked", "数据库已解锁"),
}

def display_value(study: Study, item: Item, value: Any, lang: str) -> str:
    """A typed value as a reader sees it: codes decoded in `lang`, Y/N as Yes/No, numbers with
    the item's decimals and unit."""
    if value is None:
        return ""
    if item.codelist:
        codelist = study.codelist(item.codelist)
        codes = value if isinstance(value, tuple) else (value,)
        text = "; ".join(codelist.decode(str(code), lang) for code in codes)
    elif item.data_type is DataType.BOOLEAN:
        text = yes_no(str(value), lang)
    else:
        text = format_value(item, value)
    if item.unit and text:
        text += " " + study.units[item.unit].symbol.get(lang)
    return text


def display_text(study: Study, item: Item | None, text: str | None, lang: str) -> str:
    """A stored canonical text (an audit old/new value) decoded like `display_value`."""
    if text is None or text == "":
        return "—"
    if item is None:
        return text
    if item.multiple and item.codelist:
        codes = tuple(p for p in text.split("|") if p)
        return display_value(study, item, codes, lang)
    if item.codelist or item.data_type is DataType.BOOLEAN:
        return display_value(study, item, text, lang)
    return text + (" " + study.units[item.unit].symbol.get(lang) if item.unit else "")


def _who(view: AuditView, profile: ExportProfile, lang: str) -> str:
    from tnt_desktop.services.permissions import ROLE_LABELS, Role

    try:
        role = ROLE_LABELS[Role(view.role)].get(lang)
    except ValueError:
        role = tr("system", "系统", lang) if view.role == "SYSTEM" else view.role
    if profile is ExportProfile.SITE_ARCHIVE and view.username != "SYSTEM":
        return f"{view.username} ({role})"
    return role


class AuditSections:
    """Mixed into the casebook: needs `w`, `study`, `lang`, `profile`, `audit`, `t`,
    `_ordered` and `_event_label`."""

    # audit -------------------------------------------------------------------------------
    def _item(self, view: AuditView) -> Item | None:
        if not view.form_code or not view.item_name:
            return None
        try:
            return self.study.form(view.form_code).item(view.item_name, view.group_name)
        except KeyError:
            return None

    def _audit(self) -> None:
        w, lang = self.w, self.lang
        views = self.audit
        w.heading(self.t("Audit summary", "稽查轨迹摘要"), 1,
                  right=self.t(f"{len(views)} entries", f"共 {len(views)} 条"))  # fmt: skip
        if not views:
            w.paragraph(self.t("No audit entries.", "无稽查记录。"))
            return
        first, last = views[0].ts_utc, views[-1].ts_utc
        counts = Counter(v.action for v in views)
        parts = [f"{ACTIONS[a].get(lang) if a in ACTIONS else a} {n}"
                 for a, n in counts.most_common()]  # fmt: skip
        w.paragraph(self.t("From ", "自 ") + local_time(first) + self.t(" to ", " 至 ")
                    + local_time(last) + self.t(" (local time). ", "（本地时间）。")
                    + " · ".join(parts), size=8)  # fmt: skip
        # per form instance
        per: dict[tuple[str, int, str], list[AuditView]] = {}
        for view in views:
            if view.form_code and view.event_oid:
                per.setdefault((view.event_oid, view.repeat_key or 1, view.form_code),
                               []).append(view)  # fmt: skip
        rows = []
        for key, _record in self._ordered():
            entries = per.get(key)
            if not entries:
                continue
            event_oid, repeat, code = key
            created = next((v for v in entries if v.action == "FORM_CREATED"), entries[0])
            changes = sum(1 for v in entries if v.action == "DATA_CHANGED")
            rows.append([
                Cell(f"{self.study.form(code).number} {code}",
                     sub=self._event_label(event_oid, repeat)),
                Cell(local_time(created.ts_utc), sub=_who(created, self.profile, lang)),
                str(len(entries)),
                Cell(str(changes), color=WARN if changes else (0, 0, 0)),
                Cell(local_time(entries[-1].ts_utc), sub=_who(entries[-1], self.profile, lang)),
            ])  # fmt: skip
        w.heading(self.t("Entries per form", "各表单稽查条目"), 2, keep=30)
        w.table([Column(0.3, self.t("Form", "表单")),
                 Column(0.22, self.t("Created", "创建")),
                 Column(0.12, self.t("Entries", "条目")),
                 Column(0.14, self.t("Changes", "修改")),
                 Column(0.22, self.t("Last entry", "最后条目"))], rows, size=7.8)  # fmt: skip
        reasons = [v for v in views
                   if v.action in ("DATA_CHANGED", "DATA_CLEARED", "CHECK_OVERRIDDEN",
                                   "SUBJECT_WITHDRAWN", "SCREEN_FAILED")
                   or v.reason_text or v.reason_code]  # fmt: skip
        w.heading(self.t("Changes with a reason and overridden checks",
                         "附理由的修改及已确认的核查"), 2, keep=30)  # fmt: skip
        if not reasons:
            w.paragraph(self.t("None.", "无。"), size=8)
            return
        body = []
        for view in reasons:
            item = self._item(view)
            where = " · ".join(p for p in (view.event_oid, view.form_code,
                                           view.group_name and f"{view.group_name}#{view.row_key}",
                                           view.item_name) if p)  # fmt: skip
            label = item.label.get(lang) if item else (ACTIONS[view.action].get(lang)
                                                      if view.action in ACTIONS else view.action)
            if view.action in ("DATA_CHANGED", "DATA_CLEARED"):
                raw = f"{view.old_value or '—'} → {view.new_value or '—'}"
                decoded = (f"{display_text(self.study, item, view.old_value, lang)} → "
                           f"{display_text(self.study, item, view.new_value, lang)}")
                change = Cell(raw, sub=decoded if decoded != raw else None)
            else:
                change = Cell(ACTIONS[view.action].get(lang) if view.action in ACTIONS
                              else view.action)  # fmt: skip
            reason = self._reason(view)
            body.append([
                Cell(local_time(view.ts_utc), sub=_who(view, self.profile, lang)),
                Cell(label, sub=where),
                change,
                Cell(reason or "—"),
            ])  # fmt: skip
        w.table([Column(0.17, self.t("When / who", "时间 / 人员")),
                 Column(0.28, self.t("Where", "位置")),
                 Column(0.2, self.t("Change", "修改")),
                 Column(0.35, self.t("Reason", "理由"))], body, size=7.6)  # fmt: skip

    def _reason(self, view: AuditView) -> str:
        """The reason for change in the reader's language (the code decoded), then its text."""
        from tnt_desktop.services.form_entries import CHANGE_REASON_LABELS, ChangeReason

        code = view.reason_code
        try:
            code = CHANGE_REASON_LABELS[ChangeReason(code)].get(self.lang) if code else code
        except ValueError:
            pass
        return " — ".join(p for p in (code, view.reason_text) if p)

    def _status_word(self, code: str | None) -> str:
        if not code:
            return "—"
        status = FORM_STATUS.get(code) or SUBJECT_STATUS.get(code)
        return status.get(self.lang) if status else code

    def _change(self, view: AuditView) -> Cell:
        lang = self.lang
        if view.action in ("DATA_ENTERED", "DATA_CHANGED", "DATA_CLEARED", "DERIVED_VALUE"):
            item = self._item(view)
            old = display_text(self.study, item, view.old_value, lang) or "—"
            new = display_text(self.study, item, view.new_value, lang) or "—"
            raw = f"{view.old_value or '—'} → {view.new_value or '—'}"
            shown = f"{old} → {new}"
            return Cell(shown, sub=raw if raw != shown else None)
        if view.action == "FORM_STATUS":
            return Cell(f"{self._status_word(view.old_value)} → "
                        f"{self._status_word(view.new_value)}")  # fmt: skip
        label = ACTIONS[view.action].get(lang) if view.action in ACTIONS else view.action
        return Cell(label)

    def _audit_trail(self) -> None:
        """Appendix: the item-level audit trail — every entry in chain order: when (local time),
        who (by role for the sponsor), where, old → new in the reader's language, reason."""
        w, lang = self.w, self.lang
        w.heading(self.t("Appendix — audit trail", "附录 — 稽查轨迹"), 1,
                  right=self.t(f"{len(self.audit)} entries", f"共 {len(self.audit)} 条"))
        if not self.audit:
            w.paragraph(self.t("No audit entries.", "无稽查记录。"), size=8)
            return
        body = []
        for view in self.audit:
            item = self._item(view)
            where = []
            if view.form_code:
                try:
                    where.append(f"{self.study.form(view.form_code).number} {view.form_code}")
                except KeyError:
                    where.append(view.form_code)
            if view.group_name:
                where.append(f"{view.group_name}#{view.row_key}")
            if view.item_name:
                where.append(view.item_name)
            event = self._event_label(view.event_oid, view.repeat_key or 1) \
                if view.event_oid else None
            reason = self._reason(view)
            body.append([
                Cell(local_time(view.ts_utc), sub=_who(view, self.profile, lang)),
                Cell(item.label.get(lang) if item else " · ".join(where) or "—",
                     sub=" · ".join(p for p in (" · ".join(where) if item else None, event)
                                    if p) or None),
                self._change(view),
                Cell(reason or "—"),
            ])  # fmt: skip
        w.table([Column(0.17, self.t("When / who", "时间 / 人员")),
                 Column(0.3, self.t("Where", "位置")),
                 Column(0.28, self.t("Old → new", "原值 → 新值")),
                 Column(0.25, self.t("Reason", "理由"))], body, size=7.2)  # fmt: skip
