"""The two programs shipped beside the CSV files (as REDCap does): `read_tnt_sts.R` and
`read_tnt_sts.sas`. Both are generated from the same layout as the CSV files
(`exports.csv_layout`), so every file and column they name exists, with its type.

R (base R only): one data frame per file with fixed column classes; dates become `Date`, partial
dates and times stay text; every single-choice coded column gets a factor `<NAME>.factor`
labelled from the data dictionary (English or Chinese), and each item column its label as the
"label" attribute. SAS: a format per codelist (English decodes), one DATA step per file with
lengths, date informats and formats, and variable labels. Chinese decodes stay in the
`_LABEL_ZH` columns; run SAS with a UTF-8 session encoding.
"""

from __future__ import annotations

from tnt_desktop import __version__
from tnt_desktop.exports.csv_layout import (
    DICTIONARY_FILE,
    ColumnType,
    Kind,
    Layout,
)
from tnt_desktop.exports.dictionary import QUERIES_FILE, QUERY_COLUMNS, QUERY_TYPES
from tnt_desktop.exports.python_reader import python_reader
from tnt_desktop.services.export_read import ExportProfile
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import DataType, Item

R_SCRIPT = "read_tnt_sts.R"
SAS_PROGRAM = "read_tnt_sts.sas"
PY_READER = "read_tnt_sts.py"
GUARD = "'"  # csv_export.neutralise: the leading quote that keeps a cell from being a formula

R_CLASSES: dict[ColumnType, str] = {
    ColumnType.TEXT: "character",
    ColumnType.INTEGER: "integer",
    ColumnType.NUMBER: "numeric",
    ColumnType.DATE: "Date",
    ColumnType.PARTIAL_DATE: "character",
    ColumnType.TIME: "character",
}

_R_READER = """
read_tnt_sts <- function(dir = ".", lang = c("en", "zh")) {
  lang <- match.arg(lang)
  dd <- utils::read.csv(file.path(dir, "%(dictionary)s"), fileEncoding = "UTF-8-BOM",
                        colClasses = "character", na.strings = character(0))
  out <- list()
  for (name in names(tnt_files)) {
    spec <- tnt_files[[name]]
    path <- file.path(dir, paste0(name, ".csv"))
    header <- names(utils::read.csv(path, fileEncoding = "UTF-8-BOM", nrows = 1,
                                    colClasses = "character", check.names = FALSE))
    stopifnot(all(names(spec$types) %%in%% header))
    classes <- stats::setNames(rep("character", length(header)), header)
    classes[names(spec$types)] <- spec$types
    d <- utils::read.csv(path, fileEncoding = "UTF-8-BOM", colClasses = classes,
                         na.strings = "", check.names = FALSE)
    for (v in names(d)) {  # the formula guard: one leading ' added on export, removed here
      if (is.character(d[[v]])) d[[v]] <- sub("^'", "", d[[v]])
    }
    rows <- dd$form == spec$form &
      (if (spec$group == "") dd$repeating == "N" else dd$group == spec$group)
    meta <- dd[rows & dd$variable %%in%% names(d), , drop = FALSE]
    for (i in seq_len(nrow(meta))) {
      v <- meta$variable[i]
      attr(d[[v]], "label") <- meta[[paste0("label_", lang)]][i]
      codes <- meta[[paste0("codes_", lang)]][i]
      if (codes == "" || meta$multiple[i] == "Y") next
      parts <- strsplit(codes, " | ", fixed = TRUE)[[1]]
      d[[paste0(v, ".factor")]] <- factor(d[[v]], levels = sub(", .*$", "", parts),
                                          labels = sub("^[^,]*, ", "", parts))
    }
    out[[name]] <- d
  }
  out
}
"""


def wrap(entries: list[str], indent: int, separator: str = " ", width: int = 96) -> list[str]:
    """Entries packed into lines of at most `width` characters (an entry is never split)."""
    lines: list[str] = []
    line = ""
    for entry in entries:
        if line and len(line) + len(separator) + len(entry) > width - indent:
            lines.append(" " * indent + line + separator.rstrip())
            line = entry
        else:
            line = f"{line}{separator}{entry}" if line else entry
    if line:
        lines.append(" " * indent + line)
    return lines


def _r_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def r_script(plan: list[Layout], profile: ExportProfile) -> str:
    lines = [
        f"# {R_SCRIPT}: read the TNT-STS CSV export into R (base R only; R >= 4.2 on Windows).",
        f"# Written by TNT Desktop {__version__}; export profile {profile}.",
        '#   source("read_tnt_sts.R"); tnt <- read_tnt_sts("path/to/export")  # or lang = "zh"',
        "#   str(tnt$CT_DOXADM)                    # one data frame per CSV file",
        "# Column classes are fixed: every column is text unless listed below; dates are Date;",
        "# partial dates (YYYY, YYYY-MM) and times (HH:MM) stay text. Coded columns keep their",
        f"# codes and get a factor <NAME>.factor labelled from {DICTIONARY_FILE}. Reasons for",
        "# missing data are in <NAME>_MISSING. A text cell that began with = + - @ tab or CR",
        "# starts with ' (a guard against spreadsheet formulas).",
        "",
        "tnt_files <- list(",
    ]
    for layout in plan:
        group = layout.group.name if layout.group else ""
        lines.append(f"  {layout.name} = list(form = {_r_string(layout.form.code)}, "
                     f"group = {_r_string(group)}, types = c(")  # fmt: skip
        types = [f"{c.name} = {_r_string(R_CLASSES[c.type])}" for c in layout.columns
                 if R_CLASSES[c.type] != "character"]  # fmt: skip
        lines += wrap(types, 4, ", ")
        lines.append("  )),")
    queries = [f"{name} = {_r_string(kind)}" for name, kind in QUERY_TYPES.items()]
    lines.append('  QUERIES = list(form = "QUERIES", group = "", types = c('
                 + ", ".join(queries) + "))")
    lines.append(")")
    return "\n".join(lines) + "\n" + _R_READER % {"dictionary": DICTIONARY_FILE}


# ---- SAS -------------------------------------------------------------------------------------
def _sas_string(text: str) -> str:
    """A single-quoted SAS literal (no macro resolution); at most 256 bytes for labels."""
    return "'" + text.replace("'", "''") + "'"


def _clip(text: str, limit: int = 256) -> str:
    data = text.replace("\n", " ").encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")


def format_name(item: Item) -> str | None:
    """SAS format of an item's decodes: `$<CODELIST>_F.`, `<CODELIST>_F.` for integer codes."""
    if item.multiple:
        return None
    if item.codelist:
        prefix = "" if item.data_type is DataType.INTEGER else "$"
        return f"{prefix}{item.codelist}_F."
    if item.data_type is DataType.BOOLEAN:
        return "$YN_F."
    return None


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _length(study: Study, layout: Layout, index: int) -> str:
    column = layout.columns[index]
    if column.type in (ColumnType.INTEGER, ColumnType.NUMBER, ColumnType.DATE, ColumnType.TIME):
        return "8"
    item = column.item
    if item is None:
        return "$32"
    if column.kind is Kind.MISSING:
        return "$16"
    if column.kind in (Kind.LABEL_EN, Kind.LABEL_ZH):
        if item.codelist:
            lang = "en" if column.kind is Kind.LABEL_EN else "zh"
            sizes = [_bytes(c.label.get(lang)) for c in study.codelist(item.codelist).items]
            size = sum(s + 1 for s in sizes) if item.multiple else max(sizes)
        else:
            size = 3
        return f"${min(32767, size + 1)}"
    if column.type is ColumnType.PARTIAL_DATE:
        return "$10"
    if item.codelist:
        codes = study.codelist(item.codelist).codes()
        size = sum(len(c) + 1 for c in codes) if item.multiple else max(len(c) for c in codes)
        return f"${max(8, size)}"
    if item.length:
        return f"${min(32767, 4 * item.length + 1)}"
    return "$200"


def sas_program(study: Study, plan: list[Layout], profile: ExportProfile) -> str:
    lines = [
        f"/* {SAS_PROGRAM}: read the TNT-STS CSV export into SAS datasets.",
        f"   Written by TNT Desktop {__version__}; export profile {profile}.",
        "   Run in a UTF-8 session (sas -encoding utf8, or the SAS Unicode server) and set",
        "   TNTDIR to the folder holding the CSV files. One dataset per CSV file in WORK;",
        "   dates are SAS dates, partial dates (YYYY, YYYY-MM) are text; coded columns carry a",
        "   format with the English decode (Chinese decodes are in the _LABEL_ZH columns);",
        "   reasons for missing data are in <NAME>_MISSING. A text cell that began with",
        "   = + - @ tab, CR or ' was written with one more ' in front (a guard against",
        "   spreadsheet formulas); each DATA step removes it, so values read back exactly.",
        "   QUERIES.csv is read into WORK.QUERIES. */",
        "%let tntdir = .;",
        "",
        "proc format;",
        "  value $YN_F 'Y' = 'Yes' 'N' = 'No';",
    ]
    used = sorted({item.codelist for layout in plan for item in layout.items
                   if item.codelist and not item.multiple})  # fmt: skip
    for name in used:
        codelist = study.codelist(name)
        numeric = codelist.data_type is DataType.INTEGER
        lines.append(f"  value {'' if numeric else '$'}{name}_F")
        decodes = [f"{code.code if numeric else _sas_string(code.code)} = "
                   f"{_sas_string(_clip(code.label.en, 32767))}" for code in codelist.items]
        lines += wrap(decodes, 4)
        lines[-1] += ";"
    lines += ["run;", ""]
    for layout in plan:
        lines += _sas_step(study, layout)
    lines += _sas_queries()
    return "\n".join(lines) + "\n"


def _sas_unguard() -> list[str]:
    return ["  array _tnt_c _character_;",
            "  do over _tnt_c; if substr(_tnt_c, 1, 1) = \"'\" then _tnt_c = substr(_tnt_c, 2);"
            " end;"]  # fmt: skip


def _sas_queries() -> list[str]:
    names = [name for name, _kind, _en, _zh in QUERY_COLUMNS]
    lengths = [f"{n} {'8' if n in QUERY_TYPES else '$2000' if n == 'STEPTEXT' else '$64'}"
               for n in names]  # fmt: skip
    lines = ["data work.QUERIES;",
             f"  infile \"&tntdir/{QUERIES_FILE}\" dsd firstobs=2 truncover lrecl=1048576",
             "         encoding='utf-8' termstr=crlf;", "  length"]  # fmt: skip
    lines += wrap(lengths, 4)
    lines[-1] += ";"
    lines.append("  input")
    lines += wrap([f"{n}{'' if n in QUERY_TYPES else ' $'}" for n in names], 4)
    lines[-1] += ";"
    lines += _sas_unguard()
    lines += ["  label"] + [f"    {n} = {_sas_string(en)}" for n, _k, en, _z in QUERY_COLUMNS]
    lines[-1] += ";"
    return [*lines, "run;", ""]


def _sas_step(study: Study, layout: Layout) -> list[str]:
    columns = layout.columns
    lines = [
        f"data work.{layout.name};",
        f"  infile \"&tntdir/{layout.file_name}\" dsd firstobs=2 truncover lrecl=1048576",
        "         encoding='utf-8' termstr=crlf;",
        "  length",
    ]
    lines += wrap([f"{c.name} {_length(study, layout, i)}" for i, c in enumerate(columns)], 4)
    lines[-1] += ";"
    informats = [f"{c.name} {'yymmdd10.' if c.type is ColumnType.DATE else 'time8.'}"
                 for c in columns if c.type in (ColumnType.DATE, ColumnType.TIME)]  # fmt: skip
    formats = [f"{c.name} {'yymmdd10.' if c.type is ColumnType.DATE else 'time5.'}"
               for c in columns if c.type in (ColumnType.DATE, ColumnType.TIME)]  # fmt: skip
    formats += [f"{c.name} {format_name(c.item)}" for c in columns
                if c.kind is Kind.VALUE and c.item and format_name(c.item)]  # fmt: skip
    if informats:
        lines.append("  informat " + " ".join(informats) + ";")
    if formats:
        lines.append("  format")
        lines += wrap(formats, 4)
        lines[-1] += ";"
    lines.append("  input")
    lines += wrap([f"{c.name}{' $' if _length(study, layout, i).startswith('$') else ''}"
                   for i, c in enumerate(columns)], 4)  # fmt: skip
    lines[-1] += ";"
    lines += _sas_unguard()
    labels = [f"    {c.name} = {_sas_string(_clip(c.item.label.en))}"
              for c in columns if c.kind is Kind.VALUE and c.item]  # fmt: skip
    if labels:
        lines.append("  label")
        lines += labels
        lines[-1] += ";"
    lines += ["run;", ""]
    return lines


def scripts(study: Study, plan: list[Layout], profile: ExportProfile) -> dict[str, str]:
    """File name → text of the R script, the SAS program and the Python reader for this
    export's layout."""
    return {R_SCRIPT: r_script(plan, profile), SAS_PROGRAM: sas_program(study, plan, profile),
            PY_READER: python_reader(plan, profile)}
