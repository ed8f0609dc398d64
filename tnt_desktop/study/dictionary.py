"""The data dictionary: one row per item, generated from the study definition.

The rows are plain dicts of text so that the CSV writer (exports.dictionary), the PDF annotated
CRF and the tests all read the same thing.
"""

from __future__ import annotations

from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import DataType
from tnt_desktop.study.subject_items import SUBJECT_FORM

COLUMNS: tuple[str, ...] = (
    "form_number",
    "form",
    "form_label_en",
    "form_label_zh",
    "events",
    "group",
    "repeating",
    "variable",
    "oid",
    "label_en",
    "label_zh",
    "type",
    "length",
    "decimals",
    "unit",
    "codelist",
    "codes_en",
    "codes_zh",
    "multiple",
    "hard_range",
    "soft_range",
    "required",
    "condition",
    "derivation",
    "identifier",
    "hgr",
    "help_en",
    "help_zh",
)


def dictionary_rows(study: Study, *, subject_level: bool = True) -> list[dict[str, str]]:
    """Every item of every form; then (`subject_level`) the subject-level derived values of
    `study.subject_items` (file SUBJECT_LEVEL.csv of the CSV export; no event, no OID)."""
    rows: list[dict[str, str]] = []
    definitions = [(d.form, d.group, d.item, d.oid) for d in study.item_definitions()]
    if subject_level:
        definitions += [(SUBJECT_FORM, group, item, "")
                        for group, item in SUBJECT_FORM.items()]  # fmt: skip
    for form, group, item, oid in definitions:
        codes_en = codes_zh = ""
        if item.codelist:
            codelist = study.codelist(item.codelist)
            codes_en = " | ".join(f"{c.code}, {c.label.en}" for c in codelist.items)
            codes_zh = " | ".join(f"{c.code}, {c.label.zh}" for c in codelist.items)
        elif item.data_type is DataType.BOOLEAN:
            codes_en, codes_zh = "Y, Yes | N, No", "Y, 是 | N, 否"
        events = " ".join(e.oid for e in study.events_with_form(form.code))
        rows.append(
            {
                "form_number": form.number,
                "form": form.code,
                "form_label_en": form.label.en,
                "form_label_zh": form.label.zh,
                "events": events,
                "group": group.name,
                "repeating": "Y" if group.repeating else "N",
                "variable": item.name,
                "oid": oid,
                "label_en": item.label.en,
                "label_zh": item.label.zh,
                "type": str(item.data_type),
                "length": "" if item.length is None else str(item.length),
                "decimals": "" if item.decimals is None else str(item.decimals),
                "unit": study.units[item.unit].symbol.en if item.unit else "",
                "codelist": f"CL.{item.codelist}" if item.codelist else "",
                "codes_en": codes_en,
                "codes_zh": codes_zh,
                "multiple": "Y" if item.multiple else "N",
                "hard_range": f"= {item.must_be}"
                if item.must_be
                else (item.hard.describe() if item.hard else ""),
                "soft_range": item.soft.describe() if item.soft else "",
                "required": str(item.req),
                "condition": item.condition or "",
                "derivation": item.derivation or "",
                "identifier": "Y" if item.identifier else "N",
                "hgr": "Y" if item.hgr else "N",
                "help_en": item.help.en if item.help else "",
                "help_zh": item.help.zh if item.help else "",
            }
        )
    return rows
