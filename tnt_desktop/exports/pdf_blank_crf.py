"""The blank annotated CRF as PDF (issue 5, item 2b): every form of the study definition with
its item groups and items — variable names, OIDs, data types, lengths and units, ranges,
required / conditional / derived status with the condition or derivation, codelists — then the
codelists and the derivation methods in appendices. Generated from the study definition only
(no data, no identifiers), in the chosen language with the other language beneath.

    blank_crf_pdf(get_study(), Path("blank_crf.pdf"), lang="zh")
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import IO

from tnt_desktop.exports.pdf_common import Cell, Column, PageInfo, PdfWriter
from tnt_desktop.exports.pdf_fonts import ACCENT, GREY, WARN, tr
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import Codelist, DataType, Form, Item, ItemGroup, Text

TITLE = Text("Blank annotated CRF", "空白注释病例报告表")
INLINE_CODES = 10  # longer codelists are listed in the appendix only

REQ = {
    "R": Text("R required", "R 必填"),
    "C": Text("C conditional", "C 条件必填"),
    "O": Text("O optional", "O 选填"),
    "D": Text("D derived", "D 系统推导"),
}
TYPES = {
    DataType.TEXT: Text("text", "文本"),
    DataType.INTEGER: Text("integer", "整数"),
    DataType.FLOAT: Text("float", "小数"),
    DataType.DATE: Text("date", "日期"),
    DataType.PARTIAL_DATE: Text("partial date", "不完整日期"),
    DataType.TIME: Text("time", "时间"),
    DataType.DATETIME: Text("date-time", "日期时间"),
    DataType.BOOLEAN: Text("Y/N", "是/否"),
}


def _other(lang: str) -> str:
    return "en" if lang.startswith("zh") else "zh"


def _type_text(study: Study, item: Item, lang: str) -> str:
    text = TYPES[item.data_type].get(lang)
    if item.data_type is DataType.TEXT and item.length:
        text += f"({item.length})"
    if item.data_type is DataType.FLOAT and item.decimals is not None:
        text += f"({item.decimals})"
    if item.multiple:
        text += tr(", multiple", "，多选", lang)
    if item.unit:
        text += " · " + study.units[item.unit].symbol.get(lang)
    return text


def _limits(item: Item, lang: str) -> str:
    parts = []
    if item.must_be:
        parts.append(tr("must be ", "必须为 ", lang) + item.must_be)
    if item.hard:
        parts.append(tr("hard ", "硬性 ", lang) + item.hard.describe())
    if item.soft:
        parts.append(tr("soft ", "软性 ", lang) + item.soft.describe())
    if item.pattern:
        parts.append(tr("pattern ", "格式 ", lang) + item.pattern)
    if item.default:
        parts.append(tr("default ", "默认 ", lang) + item.default
                     + (tr(" (locked)", "（锁定）", lang) if item.locked else ""))  # fmt: skip
    return "; ".join(parts)


def _req_cell(item: Item, lang: str) -> Cell:
    notes = []
    if item.condition:
        notes.append(tr("if ", "条件 ", lang) + item.condition)
    if item.derivation:
        notes.append(tr("derivation ", "推导 ", lang) + item.derivation
                     + (tr(" (editable)", "（可修改）", lang) if item.editable_derived else ""))
    if item.identifier:
        notes.append(tr("IDENTIFIER — site only, never exported",
                        "身份识别信息 — 仅限本中心，不导出", lang))  # fmt: skip
    if item.hgr:
        notes.append(tr("genetic data (HGR) — not exported", "遗传资源数据 — 不导出", lang))
    if item.sdtm:
        notes.append(f"SDTM {item.sdtm}")
    return Cell(REQ[item.req.value].get(lang), sub="\n".join(notes) or None,
                color=WARN if item.identifier or item.hgr else (0, 0, 0))  # fmt: skip


def _codes_cell(study: Study, item: Item, lang: str) -> Cell:
    if item.codelist:
        codelist = study.codelist(item.codelist)
        if len(codelist.items) > INLINE_CODES:
            listing = tr(f"{len(codelist.items)} codes — see appendix A",
                         f"共 {len(codelist.items)} 个代码 — 见附录 A", lang)  # fmt: skip
        else:
            listing = "\n".join(f"{c.code} = {c.label.get(lang)}" for c in codelist.items)
        return Cell(codelist.oid, bold=True, sub=listing)
    if item.data_type is DataType.BOOLEAN:
        return Cell("", sub=tr("Y = Yes\nN = No", "Y = 是\nN = 否", lang))
    return Cell("")


def _group_table(writer: PdfWriter, study: Study, form: Form, group: ItemGroup,
                 lang: str) -> None:  # fmt: skip
    other = _other(lang)
    rows = []
    for item in group.items:
        label_sub = item.label.get(other)
        if item.help:
            label_sub += "\n" + item.help.get(lang)
        limits = _limits(item, lang)
        rows.append([
            Cell(item.name, bold=True, sub=form.item_oid(group, item)),
            Cell(item.label.get(lang), sub=label_sub),
            Cell(_type_text(study, item, lang), sub=limits or None),
            _req_cell(item, lang),
            _codes_cell(study, item, lang),
        ])  # fmt: skip
    writer.table([
        Column(0.17, tr("Variable", "变量名", lang), "OID"),
        Column(0.31, tr("Label", "标签", lang), tr("中文", "English", lang)),
        Column(0.14, tr("Type · unit", "类型 · 单位", lang), tr("limits", "范围", lang)),
        Column(0.17, tr("Req.", "必填", lang), tr("condition · derivation", "条件 · 推导", lang)),
        Column(0.21, tr("Codelist", "代码表", lang), tr("code = decode", "代码 = 含义", lang)),
    ], rows, size=7.6)  # fmt: skip


def _form(writer: PdfWriter, study: Study, form: Form, lang: str) -> None:
    writer.heading(f"{form.number}  {form.label.get(lang)}", 1,
                   right=f"{form.oid}" + (f" · {form.domain}" if form.domain else ""))
    events = [f"{e.label.get(lang)} ({e.oid})" for e in study.events_with_form(form.code)]
    writer.paragraph(form.label.get(_other(lang)), size=8, color=GREY)
    writer.paragraph(tr("Collected at: ", "采集访视：", lang) + ("; ".join(events) or "—"),
                     size=8)  # fmt: skip
    if form.help:
        writer.paragraph(form.help.get(lang), size=7.8, color=GREY)
    for point in form.signatures:
        required = tr("required", "必需", lang) if point.required else tr("optional", "可选", lang)
        writer.paragraph(tr("E-signature ", "电子签名 ", lang)
                         + f"{point.name}: {point.label.get(lang)} — "
                         + tr("meaning: ", "含义：", lang) + point.meaning.get(lang)
                         + f" ({required})", size=8, color=ACCENT)  # fmt: skip
    for group in form.groups:
        kind = []
        if group.repeating:
            kind.append(tr("repeating", "重复组", lang)
                        + (f" (≤ {group.max_rows})" if group.max_rows else ""))  # fmt: skip
        if group.domain:
            kind.append(group.domain)
        writer.heading(f"{group.label.get(lang)}", 2,
                       right=" · ".join([form.group_oid(group), *kind]), keep=50)  # fmt: skip
        _group_table(writer, study, form, group, lang)


def _codelists(writer: PdfWriter, study: Study, lang: str) -> None:
    writer.page_break()
    writer.heading(tr("Appendix A — Codelists", "附录 A — 代码表", lang), 1,
                   right=tr(f"{len(study.codelists)} codelists", f"共 {len(study.codelists)} 个",
                            lang))  # fmt: skip
    for codelist in study.codelists:
        _codelist(writer, codelist, lang)


def _codelist(writer: PdfWriter, codelist: Codelist, lang: str) -> None:
    other = _other(lang)
    right = TYPES[codelist.data_type].get(lang)
    if codelist.extensible:
        right += tr(" · extensible", " · 可扩展", lang)
    writer.heading(f"{codelist.oid} — {codelist.label.get(lang)}", 2, right=right, keep=30)
    rows = []
    for code in codelist.items:
        attrs = "; ".join(f"{k} = {v}" for k, v in code.attrs)
        rows.append([Cell(code.code, bold=True), Cell(code.label.get(lang), sub=attrs or None),
                     Cell(code.label.get(other), color=GREY)])  # fmt: skip
    writer.table([Column(0.28, tr("Code", "代码", lang)),
                  Column(0.42, tr("Decode", "含义", lang), tr("attributes", "属性", lang)),
                  Column(0.3, tr("中文", "English", lang))], rows, size=7.4)  # fmt: skip


def _derivations(writer: PdfWriter, study: Study, lang: str) -> None:
    writer.page_break()
    writer.heading(tr("Appendix B — Derivations", "附录 B — 推导方法", lang), 1)
    rows = [[Cell(d.id, bold=True), Cell(d.label.get(lang),
                                         sub=", ".join(d.outputs + d.subject_outputs) or None),
             Cell(d.method.get(lang))] for d in study.derivations]  # fmt: skip
    writer.table([Column(0.16, "ID"), Column(0.28, tr("Derived value", "推导值", lang),
                                            tr("outputs", "输出", lang)),
                  Column(0.56, tr("Method", "方法", lang))], rows, size=7.6)  # fmt: skip


def blank_crf_pdf(study: Study, out: str | os.PathLike | IO[bytes], lang: str = "en", *,
                  generated: datetime | None = None) -> int:  # fmt: skip
    """Write the blank annotated CRF; returns the number of pages."""
    params = study.parameters
    info = PageInfo(title=TITLE, study=f"{params.study_name} · {params.protocol_name}",
                    lang=lang, metadata_version=params.metadata_version,
                    **({} if generated is None else {"generated": generated}))  # fmt: skip
    with PdfWriter(out, info) as writer:
        writer.heading(TITLE.get(lang), 1, right=f"{study.oid} · {params.metadata_version}")
        writer.paragraph(tr(
            "Every form of the study definition with its item groups and items. Variable = the "
            "export column and the last part of the ODM OID (IT.<FORM>.<NAME>); Req.: R required, "
            "C required when the condition holds, O optional, D derived by the system. Every R/C "
            "item also accepts a reason for missing (NOT DONE, UNKNOWN, NOT APPLICABLE).",
            "研究定义中的全部表单、条目组与条目。变量名即导出列名及 ODM OID 的最后一段"
            "（IT.<表单>.<变量名>）；必填：R 必填，C 条件成立时必填，O 选填，D 系统推导。"
            "所有 R/C 条目均可填写缺失原因（NOT DONE、UNKNOWN、NOT APPLICABLE）。", lang),
            size=8.2)  # fmt: skip
        contents = [[Cell(f.number, bold=True), Cell(f.label.get(lang), sub=f.label.get(
            _other(lang))), Cell(f.oid), Cell(str(sum(len(g.items) for g in f.groups)))]
            for f in study.forms]  # fmt: skip
        writer.heading(tr("Forms", "表单目录", lang), 2)
        writer.table([Column(0.1, tr("Form", "表单", lang)), Column(0.6, tr("Title", "名称", lang)),
                      Column(0.18, "OID"), Column(0.12, tr("Items", "条目数", lang))], contents,
                     size=8)  # fmt: skip
        for form in study.forms:
            writer.page_break()
            _form(writer, study, form, lang)
        _codelists(writer, study, lang)
        _derivations(writer, study, lang)
        pages = writer.page
    return pages
