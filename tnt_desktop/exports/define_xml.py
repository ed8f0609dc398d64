"""Define-XML 2.1 for the exported raw datasets (issue 18, item 1).

    data = define_xml(study, profile, hrefs={"DM": "dsjson/DM.json", …}, rows={"DM": 12, …})

One ItemGroupDef per CSV dataset (`cdisc_metadata.datasets`, the same objects the Dataset-JSON
writer reads), with its ItemRefs (OrderNumber, KeySequence, MethodOID of derived columns),
def:Class where the dataset's CDISC domain has one, and a def:leaf pointing at its data file.
ItemDefs carry DataType, Length, SignificantDigits, the label in English and Chinese
(Description/TranslatedText xml:lang), def:Origin, a CodeListRef and a def:CommentOID where one
applies. CodeLists decode every code in both languages. MethodDefs describe each derivation (the
study definition's method text) and the two decode methods of the label columns; CommentDefs
explain the reasons for missing and how multi-select codes are written. Value-level metadata:
in a repeating group whose test-code item's codelist gives each test a unit (LB: LBTESTCD), every
numeric item without a unit of its own (LBORRES, LBORNRLO, LBORNRHI) has a def:ValueListDef with
one ItemDef per test, selected by a def:WhereClauseDef (LBTESTCD EQ <code>) and described with
the test and its unit.

The datasets are not SDTM: every ItemGroupDef says def:IsNonStandard="Yes" and the file has no
def:Standards. The file is plain XML (no xml-stylesheet instruction): a browser shows its tree.
`define_schema()` is the Define-XML 2.1 schema shipped by odmlib; the tests validate with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from lxml import etree

from tnt_desktop import __version__
from tnt_desktop.exports.cdisc_metadata import (
    COMMENT_HAS_REASON,
    COMMENT_MISSING,
    COMMENT_MULTI,
    METHOD_DECODE,
    MISSING_REASON_CL,
    MISSING_REASON_LABELS,
    ColumnMeta,
    DatasetMeta,
    datasets,
    with_lengths,
)
from tnt_desktop.exports.csv_layout import Kind
from tnt_desktop.exports.odm_metadata import (
    FORM_STATUS_CL,
    FORM_STATUS_LABELS,
    SOURCE_SYSTEM,
    SUBJECT_STATUS_CL,
    SUBJECT_STATUS_LABELS,
    ny_codelist,
    utc_stamp,
)
from tnt_desktop.services.export_read import ExportProfile
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import Codelist, DataType
from tnt_desktop.text import Text

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: ODM_NS, "def": DEF_NS, "xlink": XLINK_NS}
DEFINE_VERSION = "2.1.0"
DEFINE_FILE = "define.xml"
ACRF_LEAF = "LF.ACRF"

# def:Class of the CDISC domains the study's forms name (SDTM general observation classes)
CLASSES: dict[str, str] = {
    "DM": "SPECIAL PURPOSE",
    **dict.fromkeys(("AE", "MH", "DS", "DV", "CE"), "EVENTS"),
    **dict.fromkeys(("CM", "EX", "EC", "PR"), "INTERVENTIONS"),
    **dict.fromkeys(("LB", "VS", "CV", "IE", "QS", "RS", "TU", "TR", "MI", "SS", "DD"),
                    "FINDINGS"),
    "FA": "FINDINGS ABOUT",
}  # fmt: skip


def odm(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def d(tag: str) -> str:
    return f"{{{DEF_NS}}}{tag}"


def _el(parent: etree._Element, tag: str, attrs: Mapping[str, str | None] | None = None,
        text: str | None = None) -> etree._Element:  # fmt: skip
    element = etree.SubElement(parent, tag, {k: v for k, v in (attrs or {}).items()
                                             if v is not None})  # fmt: skip
    if text is not None:
        element.text = text
    return element


def _translated(parent: etree._Element, tag: str, text: Text) -> etree._Element:
    element = _el(parent, tag)
    for lang, value in (("en", text.en), ("zh", text.zh)):
        _el(element, odm("TranslatedText"), text=value).set(XML_LANG, lang)
    return element


def _num(value: int | None) -> str | None:
    return None if value is None else str(value)


# ---- value-level metadata ----------------------------------------------------------------------
class ValueLevel:
    """The value lists of one dataset: (test column, [(code, label, unit)], value items)."""

    def __init__(self, study: Study, dataset: DatasetMeta) -> None:
        self.study = study
        self.dataset = dataset
        self.test: ColumnMeta | None = None
        self.tests: list[tuple[str, Text, Text | None]] = []
        self.items: list[ColumnMeta] = []
        values = [c for c in dataset.columns if c.kind is Kind.VALUE and c.item is not None]
        for column in values:
            assert column.item is not None
            codelist = column.item.codelist
            if codelist and column.item.name.endswith("TESTCD") and not column.item.multiple:
                codes = study.codelist(codelist).items
                if codes and all(c.attr("unit") for c in codes):
                    self.test = column
                    self.tests = [(c.code, c.label, self._unit(c.attr("unit"))) for c in codes]
                    break
        if self.test is not None:
            self.items = [c for c in values if c.item is not None and c is not self.test
                          and c.item.data_type is DataType.FLOAT and not c.item.unit]

    def _unit(self, key: str | None) -> Text | None:
        if not key:
            return None
        unit = self.study.units.get(key)
        return unit.symbol if unit is not None else Text(key, key)

    def list_oid(self, column: ColumnMeta) -> str:
        return f"VL.{self.dataset.name}.{column.name}"

    def where_oid(self, code: str) -> str:
        assert self.test is not None
        return f"WC.{self.dataset.name}.{self.test.name}.{code}"

    def item_oid(self, column: ColumnMeta, code: str) -> str:
        return f"{column.oid}.{code}"


# ---- the document ------------------------------------------------------------------------------
def build_define(study: Study, profile: ExportProfile = ExportProfile.SPONSOR_CODED, *,
                 hrefs: Mapping[str, str] | None = None, rows: Mapping[str, int] | None = None,
                 annotated_crf: str | None = None, created: datetime | None = None,
                 labels: bool = True, lengths: Mapping[str, int] | None = None,
                 ) -> etree._Element:  # fmt: skip
    """The define.xml root. `hrefs`: dataset name → data file path relative to define.xml
    (default `csv/<name>.csv`); `rows`: dataset name → record count (0 → def:HasNoData);
    `annotated_crf`: path of the blank annotated CRF, when the export has one; `lengths`: column
    OID → a Length raised by the data (`DatasetJsonWriter.lengths`)."""
    created = created or datetime.now(UTC)
    params = study.parameters
    sets = with_lengths(datasets(study, profile, labels), lengths or {})
    root = etree.Element(odm("ODM"), {
        "FileType": "Snapshot",
        "FileOID": f"{params.study_name}.DEFINE.{created:%Y%m%dT%H%M%SZ}",
        "CreationDateTime": utc_stamp(created), "ODMVersion": "1.3.2",
        "Originator": "TNT Desktop", "SourceSystem": SOURCE_SYSTEM,
        "SourceSystemVersion": __version__, d("Context"): "Other",
    }, nsmap=NSMAP)  # fmt: skip
    study_el = _el(root, odm("Study"), {"OID": study.oid})
    globals_el = _el(study_el, odm("GlobalVariables"))
    _el(globals_el, odm("StudyName"), text=params.study_name)
    _el(globals_el, odm("StudyDescription"),
        text=f"{params.study_name}: raw eCRF datasets ({params.protocol_name})")
    _el(globals_el, odm("ProtocolName"), text=params.protocol_name)
    mdv = _el(study_el, odm("MetaDataVersion"), {
        "OID": params.metadata_version,  # the ODM export's MetaDataVersion OID
        "Name": f"{params.study_name} raw datasets, {params.metadata_version}",
        "Description": f"Define-XML of the {profile.value} CSV/Dataset-JSON export, generated "
                       f"from the study definition by TNT Desktop {__version__}",
        d("DefineVersion"): DEFINE_VERSION,
    })  # fmt: skip
    if annotated_crf:
        acrf = _el(mdv, d("AnnotatedCRF"))
        _el(acrf, d("DocumentRef"), {"leafID": ACRF_LEAF})
    levels = {ds.name: ValueLevel(study, ds) for ds in sets}
    for ds in sets:
        _value_lists(mdv, levels[ds.name])
    for ds in sets:
        _where_clauses(mdv, levels[ds.name])
    for ds in sets:
        href = (hrefs or {}).get(ds.name, f"csv/{ds.csv_file}")
        _item_group(mdv, ds, href, None if rows is None else rows.get(ds.name))
    seen: set[str] = set()
    for ds in sets:
        for column in ds.columns:
            if column.oid not in seen:
                seen.add(column.oid)
                _item_def(mdv, column, levels[ds.name])
    for ds in sets:
        _value_item_defs(mdv, levels[ds.name])
    used = {c.codelist for ds in sets for c in ds.columns if c.codelist}
    for codelist in _codelists(study):
        if codelist.oid in used:
            _codelist(mdv, codelist)
    methods = {c.method for ds in sets for c in ds.columns if c.method}
    _method_defs(mdv, study, methods)
    comments = {c.comment for ds in sets for c in ds.columns if c.comment}
    _comment_defs(mdv, comments)
    if annotated_crf:
        leaf = _el(mdv, d("leaf"), {"ID": ACRF_LEAF, f"{{{XLINK_NS}}}href": annotated_crf})
        _el(leaf, d("title"), text="Annotated CRF (blank, English and Chinese)")
    return root


def define_xml(study: Study, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
               **options) -> bytes:  # fmt: skip
    """define.xml as UTF-8 bytes (see `build_define` for the options)."""
    root = build_define(study, profile, **options)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def _item_group(mdv: etree._Element, ds: DatasetMeta, href: str, rows: int | None) -> None:
    leaf_id = f"LF.{ds.name}"
    element = _el(mdv, odm("ItemGroupDef"), {
        "OID": ds.oid, "Name": ds.name, "Repeating": "Yes", "IsReferenceData": "No",
        "SASDatasetName": ds.name if len(ds.name) <= 8 else None,
        "Domain": ds.domain, "Purpose": "Tabulation", d("Structure"): ds.structure.en,
        d("ArchiveLocationID"): leaf_id, d("IsNonStandard"): "Yes",
        d("HasNoData"): "Yes" if rows == 0 else None,
    })  # fmt: skip
    _translated(element, odm("Description"), ds.label)
    for order, column in enumerate(ds.columns, 1):
        _el(element, odm("ItemRef"), {
            "ItemOID": column.oid, "OrderNumber": str(order),
            "Mandatory": "Yes" if column.mandatory else "No",
            "KeySequence": _num(column.key_sequence), "MethodOID": column.method,
        })  # fmt: skip
    cdisc_class = CLASSES.get(ds.domain or "")
    if cdisc_class:
        _el(element, d("Class"), {"Name": cdisc_class})
    leaf = _el(element, d("leaf"), {"ID": leaf_id, f"{{{XLINK_NS}}}href": href})
    _el(leaf, d("title"), text=Path(href).name)


def _origin(parent: etree._Element, column: ColumnMeta) -> None:
    source = "Investigator" if column.origin == "Collected" else None
    _el(parent, d("Origin"), {"Type": column.origin, "Source": source})


def _item_def(mdv: etree._Element, column: ColumnMeta, level: ValueLevel) -> None:
    element = _el(mdv, odm("ItemDef"), {
        "OID": column.oid, "Name": column.name, "DataType": column.data_type,
        "Length": _num(column.length), "SignificantDigits": _num(column.digits),
        "SASFieldName": column.name if len(column.name) <= 8 else None,
        d("CommentOID"): column.comment,
    })  # fmt: skip
    _translated(element, odm("Description"), column.label)
    if column.codelist:
        _el(element, odm("CodeListRef"), {"CodeListOID": column.codelist})
    _origin(element, column)
    if column in level.items:
        _el(element, d("ValueListRef"), {"ValueListOID": level.list_oid(column)})


def _value_lists(mdv: etree._Element, level: ValueLevel) -> None:
    for column in level.items:
        element = _el(mdv, d("ValueListDef"), {"OID": level.list_oid(column)})
        for order, (code, _label, _unit) in enumerate(level.tests, 1):
            ref = _el(element, odm("ItemRef"), {"ItemOID": level.item_oid(column, code),
                                                "OrderNumber": str(order), "Mandatory": "No"})
            _el(ref, d("WhereClauseRef"), {"WhereClauseOID": level.where_oid(code)})


def _where_clauses(mdv: etree._Element, level: ValueLevel) -> None:
    if level.test is None or not level.items:
        return
    for code, _label, _unit in level.tests:
        element = _el(mdv, d("WhereClauseDef"), {"OID": level.where_oid(code)})
        check = _el(element, odm("RangeCheck"), {"Comparator": "EQ", "SoftHard": "Soft",
                                                 d("ItemOID"): level.test.oid})  # fmt: skip
        _el(check, odm("CheckValue"), text=code)


def _value_item_defs(mdv: etree._Element, level: ValueLevel) -> None:
    for column in level.items:
        for code, label, unit in level.tests:
            en = f"{column.label.en}: {label.en}" + (f" ({unit.en})" if unit else "")
            zh = f"{column.label.zh}：{label.zh}" + (f"（{unit.zh}）" if unit else "")
            element = _el(mdv, odm("ItemDef"), {
                "OID": level.item_oid(column, code), "Name": column.name,
                "DataType": column.data_type, "Length": _num(column.length),
                "SignificantDigits": _num(column.digits),
            })  # fmt: skip
            _translated(element, odm("Description"), Text(en, zh))
            _origin(element, column)


def _codelists(study: Study) -> list[Codelist]:
    from tnt_desktop.study.model import CodeItem

    def generated(oid: str, label: Text, labels: Mapping[str, Text]) -> Codelist:
        items = tuple(CodeItem(code, text) for code, text in labels.items())
        return Codelist(oid.removeprefix("CL."), label, items)

    return [*study.codelists, ny_codelist(study),
            generated(MISSING_REASON_CL, Text("Reason for missing", "缺失原因"),
                      MISSING_REASON_LABELS),
            generated(FORM_STATUS_CL, Text("Form status", "表单状态"), FORM_STATUS_LABELS),
            generated(SUBJECT_STATUS_CL, Text("Subject status", "受试者状态"),
                      SUBJECT_STATUS_LABELS)]  # fmt: skip


def _codelist(mdv: etree._Element, codelist: Codelist) -> None:
    data_type = "integer" if codelist.data_type is DataType.INTEGER else "text"
    element = _el(mdv, odm("CodeList"), {"OID": codelist.oid, "Name": codelist.label.en,
                                         "DataType": data_type})  # fmt: skip
    _translated(element, odm("Description"), codelist.label)
    for order, code in enumerate(codelist.items, 1):
        entry = _el(element, odm("CodeListItem"), {"CodedValue": code.code,
                                                   "OrderNumber": str(order)})
        _translated(entry, odm("Decode"), code.label)


def _method_defs(mdv: etree._Element, study: Study, used: set[str]) -> None:
    decode = {
        METHOD_DECODE[Kind.LABEL_EN]: Text(
            "English decode of the coded value in the preceding column (codelist decode; codes "
            "of a multiple choice joined by '|')",
            "前一列代码的英文解码（代码表解码；多选代码以 '|' 连接）"),
        METHOD_DECODE[Kind.LABEL_ZH]: Text(
            "Chinese decode of the coded value in the preceding column (codelist decode; codes "
            "of a multiple choice joined by '|')",
            "前一列代码的中文解码（代码表解码；多选代码以 '|' 连接）"),
    }  # fmt: skip
    for oid, text in decode.items():
        if oid in used:
            element = _el(mdv, odm("MethodDef"), {"OID": oid, "Name": text.en[:40].strip(),
                                                  "Type": "Computation"})  # fmt: skip
            _translated(element, odm("Description"), text)
    for derivation in study.derivations:
        oid = f"MT.{derivation.id}"
        if oid not in used:
            continue
        element = _el(mdv, odm("MethodDef"), {"OID": oid,
                                              "Name": f"{derivation.id} {derivation.label.en}",
                                              "Type": "Computation"})  # fmt: skip
        _translated(element, odm("Description"), derivation.method)
        if derivation.function is not None:
            function = derivation.function
            where = f"{function.__module__}.{getattr(function, '__qualname__', function)}"
            _el(element, odm("FormalExpression"), {"Context": "Python"},
                f"{where} (TNT Desktop {__version__})")
    known = set(decode) | {f"MT.{x.id}" for x in study.derivations}
    unknown = sorted(used - known)
    if unknown:  # an item names a derivation the study does not define
        raise ValueError(f"no derivation for method(s) {', '.join(unknown)}")


COMMENTS: dict[str, Text] = {
    COMMENT_MISSING: Text(
        "Reason the value of the item is missing: NOT DONE, UNKNOWN or NOT APPLICABLE; NOT "
        "EVALUABLE for a subject-level rate (codelist CL.MISSING_REASON); empty when the value "
        "is present or the item was not applicable under its condition",
        "该条目数值缺失的原因：NOT DONE（未做）、UNKNOWN（不详）或 NOT APPLICABLE（不适用）；"
        "受试者层面比例为 NOT EVALUABLE（不可评估）（代码表 CL.MISSING_REASON）；有数值或条件"
        "不适用时为空"),
    COMMENT_HAS_REASON: Text(
        "Required or conditionally required item: when the value is empty, the reason for "
        "missing is in the column of the same name with the suffix _MISSING",
        "必填或条件必填条目：数值为空时，缺失原因见同名加后缀 _MISSING 的列"),
    COMMENT_MULTI: Text(
        "Multiple choice: the codes of the codelist named in the data dictionary, joined by '|'",
        "多选：数据字典所列代码表的代码，以 '|' 连接"),
}  # fmt: skip


def _comment_defs(mdv: etree._Element, used: set[str]) -> None:
    for oid, text in COMMENTS.items():
        if oid in used:
            element = _el(mdv, d("CommentDef"), {"OID": oid})
            _translated(element, odm("Description"), text)


# ---- the schema ----------------------------------------------------------------------------------
def define_schema() -> etree.XMLSchema:
    """The Define-XML 2.1 schema shipped by odmlib (define2-1-0.xsd and the ODM 1.3.2 foundation
    it redefines, loaded from the installed package)."""
    folder = resources.files("odmlib") / "schemas" / "define" / "2.1"
    with resources.as_file(folder / "define2-1-0.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path)))


__all__ = ["DEFINE_FILE", "build_define", "define_schema", "define_xml"]
