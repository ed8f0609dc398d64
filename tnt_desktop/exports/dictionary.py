"""Write the data dictionary as CSV: UTF-8 with BOM so that Excel shows the Chinese columns."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from tnt_desktop.study.definition import Study
from tnt_desktop.study.dictionary import COLUMNS, dictionary_rows

QUERIES_FILE = "QUERIES.csv"
# QUERIES.csv (csv_export.queries_csv): one row per step of each query (services.queries)
QUERY_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("QUERYID", "integer", "Query number", "质疑编号"),
    ("SITEID", "text", "Site", "中心"),
    ("SUBJID_OR_SCRNUM", "text", "Study ID, or screening number before enrolment",
     "受试者编号（入组前为筛选号）"),
    ("EVENT", "text", "Event OID", "访视 OID"),
    ("REPEAT", "integer", "Event repeat key", "访视重复序号"),
    ("FORM", "text", "Form code", "表单代码"),
    ("GROUP", "text", "Repeating group (empty: not a group row)", "重复组（空：非重复组行）"),
    ("ROWKEY", "integer", "Row key of the repeating group (0: none)", "重复组行号（0：无）"),
    ("ITEM", "text", "Item name (empty: query on the form)", "条目名（空：针对整张表单）"),
    ("STATUS", "text", "Current status: OPEN, ANSWERED, CLOSED",
     "当前状态：OPEN、ANSWERED、CLOSED"),
    ("ORIGIN", "text", "MANUAL (raised by a person) or AUTO (overridden soft edit check)",
     "MANUAL（人工发起）或 AUTO（软逻辑核查被确认后自动发起）"),
    ("CHECKID", "text", "Edit check of an AUTO query", "自动质疑对应的逻辑核查"),
    ("RAISEDROLE", "text", "Role of the raiser (SYSTEM for AUTO)",
     "发起者角色（自动质疑为 SYSTEM）"),
    ("RAISEDUTC", "datetime", "Raised at (ISO 8601, UTC)", "发起时间（ISO 8601，UTC）"),
    ("UPDATEDUTC", "datetime", "Last step at (ISO 8601, UTC)", "最后一步时间（ISO 8601，UTC）"),
    ("STEP", "integer", "Step number within the query (1 = raise)", "步骤序号（1 = 发起）"),
    ("STEPKIND", "text", "RAISE, ANSWER, CLOSE or REOPEN", "RAISE、ANSWER、CLOSE 或 REOPEN"),
    ("STEPROLE", "text", "Role of the person who took the step", "执行该步骤者的角色"),
    ("STEPUTC", "datetime", "Step at (ISO 8601, UTC)", "步骤时间（ISO 8601，UTC）"),
    ("STEPTEXT", "text", "Text of the step (question, answer, reason)",
     "步骤内容（问题、回复、原因）"),
)  # fmt: skip
# the typed (non-text) columns of QUERIES.csv, as the R, SAS and Python readers read them
QUERY_TYPES = {"QUERYID": "integer", "REPEAT": "integer", "ROWKEY": "integer", "STEP": "integer"}
# user names: only in the SITE_ARCHIVE profile (REQ-PI-05)
QUERY_USER_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("RAISEDBY", "text", "User name of the raiser (site archive only)",
     "发起者用户名（仅限中心存档）"),
    ("STEPBY", "text", "User name of the step (site archive only)",
     "步骤执行者用户名（仅限中心存档）"),
)  # fmt: skip


def query_dictionary_rows(*, user_names: bool = False) -> list[dict[str, str]]:
    """The columns of QUERIES.csv as data dictionary rows (form "QUERIES")."""
    columns = QUERY_COLUMNS + (QUERY_USER_COLUMNS if user_names else ())
    rows = []
    for name, kind, en, zh in columns:
        row = dict.fromkeys(COLUMNS, "")
        row.update(form="QUERIES", form_label_en=f"Queries ({QUERIES_FILE})",
                   form_label_zh=f"质疑（{QUERIES_FILE}）", repeating="N", variable=name,
                   label_en=en, label_zh=zh, type=kind, multiple="N", identifier="N",
                   hgr="N")  # fmt: skip
        rows.append(row)
    return rows


KEY_FORM = "KEYS"  # the key columns every data file starts with
KEY_COLUMNS: dict[str, tuple[str, str, str]] = {
    "SITEID": ("text", "Site number", "中心编号"),
    "SUBJID_OR_SCRNUM": ("text", "Study ID, or screening number before enrolment (and for "
                         "screen failures)", "受试者编号（入组前及筛选失败者为筛选号）"),
    "EVENT": ("text", "Event OID (visit)", "访视 OID"),
    "REPEAT": ("integer", "Repeat key of the event (1 for a non-repeating event)",
               "访视重复序号（非重复访视为 1）"),
    "ROWKEY": ("integer", "Stored key of the repeating-group row (never reused)",
               "重复组行的存储编号（不重复使用）"),
    "FORMSTATUS": ("text", "Form status: NOT_STARTED, IN_PROGRESS, COMPLETE, VERIFIED, SIGNED, "
                   "LOCKED", "表单状态：NOT_STARTED、IN_PROGRESS、COMPLETE、VERIFIED、SIGNED、"
                   "LOCKED"),
    "SUBJSTATUS": ("text", "Subject status (SUBJECT_LEVEL.csv): SCREENING, SCREEN_FAILED, "
                   "ENROLLED, WITHDRAWN", "受试者状态（SUBJECT_LEVEL.csv）：SCREENING、"
                   "SCREEN_FAILED、ENROLLED、WITHDRAWN"),
}  # fmt: skip


def _row(**values: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(multiple="N", identifier="N", hgr="N")
    row.update(values)
    return row


def column_dictionary_rows(study: Study) -> list[dict[str, str]]:
    """Every exported column that is not an item: the key columns (form KEYS), and beside each
    item its decodes (`<NAME>_LABEL_EN`, `<NAME>_LABEL_ZH`) and reason for missing
    (`<NAME>_MISSING`), in the file (form, group) that holds them."""
    from tnt_desktop.exports.csv_layout import Kind, layouts
    from tnt_desktop.services.export_read import ExportProfile

    rows = [_row(form=KEY_FORM, form_label_en="Key columns of every data file",
                 form_label_zh="各数据文件的键列", repeating="N", variable=name, label_en=en,
                 label_zh=zh, type=kind) for name, (kind, en, zh) in KEY_COLUMNS.items()]
    what = {Kind.LABEL_EN: ("decode in English", "英文解码"),
            Kind.LABEL_ZH: ("decode in Chinese", "中文解码"),
            Kind.MISSING: ("reason for missing (NOT DONE, UNKNOWN, NOT APPLICABLE; NOT "
                           "EVALUABLE for a subject-level rate)",
                           "缺失原因（NOT DONE、UNKNOWN、NOT APPLICABLE；受试者层面比例为 "
                           "NOT EVALUABLE）")}  # fmt: skip
    for layout in layouts(study, ExportProfile.SITE_ARCHIVE):  # the study is already filtered
        for column in layout.columns:
            if column.kind not in what or column.item is None:
                continue
            en, zh = what[column.kind]
            rows.append(_row(
                form_number=layout.form.number, form=layout.form.code,
                form_label_en=layout.form.label.en, form_label_zh=layout.form.label.zh,
                group=layout.group.name if layout.group else layout.form.groups[0].name,
                repeating="Y" if layout.group else "N", variable=column.name,
                label_en=f"{column.item.label.en}: {en}", label_zh=f"{column.item.label.zh}：{zh}",
                type="text"))  # fmt: skip
    return rows


def export_dictionary_rows(study: Study, *, user_names: bool = False) -> list[dict[str, str]]:
    """The dictionary of an export: every item, the subject-level values, every other exported
    column (keys, decodes, reasons for missing), the QUERIES.csv columns — every column of every
    file of the export is described (tests/core/test_export_columns.py)."""
    return (dictionary_rows(study) + column_dictionary_rows(study)
            + query_dictionary_rows(user_names=user_names))


def write_dictionary_csv(study: Study, out: Path, *, user_names: bool = False,
                         columns: bool = True) -> int:  # fmt: skip
    """Write the dictionary atomically (temporary file + rename); returns the number of rows.
    `columns=False`: the items only (plus QUERIES.csv), as `study dictionary` prints them."""
    rows = (export_dictionary_rows(study, user_names=user_names) if columns
            else dictionary_rows(study) + query_dictionary_rows(user_names=user_names))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".dictionary-", suffix=".csv", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(rows)
