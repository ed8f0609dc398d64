"""`read_tnt_sts.py`, the Python reader shipped beside the CSV files (with the R and SAS ones).

Generated from the same layout as the CSV files (`exports.csv_layout`): every file and column it
names exists, with its type. It reads with pandas so that nothing can be misread: every cell as
text first (`dtype=str`, `keep_default_na=False` — the code "NA" of a codelist and the label
"None" stay text, SITEID "01" keeps its zero), then each typed column converted (integers to
`Int64`, numbers to `float64`, dates to `datetime64`; partial dates and HH:MM times stay text;
an empty cell becomes a missing value only in a typed column). The formula guard (one leading
apostrophe the export adds to text that begins with = + - @ tab, CR or ') is removed, so every
text reads back exactly as stored. Each single-choice coded column gets `<NAME>.factor`, a pandas
Categorical of its labels (English or Chinese) in codelist order, from the data dictionary;
`frame.attrs["labels"]` maps each column to its label.
"""

from __future__ import annotations

import json

from tnt_desktop import __version__
from tnt_desktop.exports.csv_layout import DICTIONARY_FILE, ColumnType, Layout
from tnt_desktop.exports.dictionary import QUERY_TYPES
from tnt_desktop.services.export_read import ExportProfile

PY_TYPES: dict[ColumnType, str] = {
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "integer",
    ColumnType.NUMBER: "number",
    ColumnType.DATE: "date",
    ColumnType.PARTIAL_DATE: "text",
    ColumnType.TIME: "text",
}

_READER = '''

GUARD = "'"


def _unguard(value: str) -> str:
    return value[1:] if value.startswith(GUARD) else value


def _codes(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in text.split(" | ") if text else []:
        code, _, label = part.partition(", ")
        pairs.append((code, label))
    return pairs


def read_file(path, types: dict[str, str], dictionary=None, form: str = "", group: str = "",
              lang: str = "en"):
    """One CSV file of the export as a typed pandas DataFrame (see the module docstring)."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[],
                        encoding="utf-8-sig")
    for name in frame.columns:
        kind = types.get(name, "text")
        column = frame[name]
        if kind == "text":
            frame[name] = column.map(_unguard)
            continue
        if kind == "integer":
            frame[name] = pd.array([int(v) if v != "" else None for v in column], dtype="Int64")
        elif kind == "number":
            frame[name] = pd.to_numeric(column.mask(column == ""), errors="raise").astype(
                "float64")
        elif kind == "date":
            frame[name] = pd.to_datetime(column.mask(column == ""), format="%Y-%m-%d",
                                         errors="raise")
    if dictionary is not None and form:
        rows = dictionary[(dictionary["form"] == form)
                          & ((dictionary["group"] == group) if group
                             else (dictionary["repeating"] == "N"))]
        for _, row in rows.iterrows():
            name = row["variable"]
            if name not in frame.columns:
                continue
            frame.attrs.setdefault("labels", {})[name] = row[f"label_{lang}"]
            codes = _codes(row[f"codes_{lang}"])
            if not codes or row["multiple"] == "Y":
                continue
            labels = dict(codes)
            codes_text = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                          or v == "" else str(v) for v in frame[name]]
            frame[name + ".factor"] = pd.Categorical(
                [labels.get(v) if v is not None else None for v in codes_text],
                categories=list(dict.fromkeys(labels.values())))
    return frame


def read_tnt_sts(directory=".", lang: str = "en") -> dict:
    """Every file of the export: {"AE_AE": DataFrame, ..., "SUBJECT_LEVEL": ...,
    "QUERIES": ...}."""
    from pathlib import Path

    import pandas as pd

    directory = Path(directory)
    dictionary = pd.read_csv(directory / DICTIONARY, dtype=str, keep_default_na=False,
                             na_values=[], encoding="utf-8-sig")
    return {name: read_file(directory / f"{name}.csv", spec["types"], dictionary,
                            spec["form"], spec["group"], lang)
            for name, spec in FILES.items()}


if __name__ == "__main__":
    import sys

    for name, frame in read_tnt_sts(sys.argv[1] if len(sys.argv) > 1 else ".").items():
        print(f"{name}: {len(frame)} rows, {len(frame.columns)} columns")
'''


def python_reader(plan: list[Layout], profile: ExportProfile) -> str:
    files: dict[str, dict] = {}
    for layout in plan:
        types = {c.name: PY_TYPES[c.type] for c in layout.columns if PY_TYPES[c.type] != "text"}
        files[layout.name] = {"form": layout.form.code,
                              "group": layout.group.name if layout.group else "", "types": types}
    files["QUERIES"] = {"form": "QUERIES", "group": "", "types": dict(QUERY_TYPES)}
    head = [
        '"""read_tnt_sts.py: read the TNT-STS CSV export into pandas (Python >= 3.10, pandas).',
        "",
        f"Written by TNT Desktop {__version__}; export profile {profile}.",
        "",
        "    from read_tnt_sts import read_tnt_sts",
        '    tnt = read_tnt_sts("path/to/export/csv")     # or lang="zh"',
        '    tnt["SUBJECT_LEVEL"].dtypes                   # one DataFrame per CSV file',
        "",
        "Every cell is read as text first (the code NA and the label None stay text, 01 keeps",
        "its zero); integer columns become Int64, numbers float64, dates datetime64; partial",
        "dates (YYYY, YYYY-MM) and times (HH:MM) stay text. Reasons for missing data are in",
        "<NAME>_MISSING. A text cell that began with = + - @ tab, CR or ' was written with one",
        "more ' in front (a guard against spreadsheet formulas): it is removed here, so every",
        "value reads back exactly as stored. Coded columns get <NAME>.factor, a Categorical of",
        f'the labels from {DICTIONARY_FILE}."""',
        "",
        f"DICTIONARY = {DICTIONARY_FILE!r}",
        "FILES = " + json.dumps(files, indent=1, ensure_ascii=False),
    ]
    return "\n".join(head) + _READER
