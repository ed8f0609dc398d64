"""CDISC ODM 1.3.2 metadata generated from the study definition (CRF_SPEC.md §8).

    study = build_study_element(get_study(), ExportProfile.SPONSOR_CODED)
    write_metadata(get_study(), Path("metadata.xml"))

`build_study_element` returns the `<Study>` element: GlobalVariables, BasicDefinitions (the
measurement units) and one MetaDataVersion with the Protocol (StudyEventRefs in schedule order),
StudyEventDefs with FormRefs, FormDefs with ItemGroupRefs, ItemGroupDefs (Domain,
SASDatasetName, Repeating) with ItemRefs (Mandatory, OrderNumber, MethodOID of derived items,
CollectionExceptionConditionOID of conditional items), ItemDefs (DataType, Length,
SignificantDigits, Question en + zh, MeasurementUnitRef, hard and soft RangeChecks, CodeListRef),
CodeLists (Decode en + zh), ConditionDefs and MethodDefs.

Decisions (each one documented where it is made):
- The export profile is applied before anything is generated: items that a profile never
  serialises (identifiers and genetic data for SPONSOR_CODED, `export_read.removed_items`) have no
  ItemRef and no ItemDef, and a group left without items has no ItemGroupDef.
- Booleans are stored as "Y"/"N", which is not an ODM `boolean` (xs:boolean is true/false), so
  they are `text` of length 1 with the CodeListRef CL.NY (Y = Yes/是, N = No/否).
- Multi-select items carry several codes joined by "|" (study.values), which no single ODM
  codelist value can be; they are `text` with an Alias (Context "TNT.MultiSelectCodeList") naming
  their codelist instead of a CodeListRef, and a Description saying how the value is written.
- A condition (show-if) becomes a ConditionDef whose FormalExpression is the *negated* condition
  in JavaScript (Expression.to_javascript): ODM's CollectionExceptionCondition says when an item is
  NOT collected. One ConditionDef per distinct condition of a form: CD.<FORM>.<first item>.
- Every derived item has a MethodOID: MT.<derivation id>, or MT.ASSIGNED for identifiers that the
  services assign (SCRNUM, SUBJID, AESPID…). MethodDefs describe the method in both languages and
  name the Python function that computes it (FormalExpression Context="Python").
- Form and subject status travel as Annotation Flags (ODM has no status element):
  CL.TNT_FORM_STATUS, CL.TNT_SUBJECT_STATUS and the flag types of CL.TNT_FLAG_TYPE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from lxml import etree

from tnt_desktop import __version__
from tnt_desktop.services.export_read import ExportProfile, removed_items
from tnt_desktop.study import expressions
from tnt_desktop.study.definition import ItemDefinition, Study
from tnt_desktop.study.model import (
    CodeItem,
    Codelist,
    DataType,
    Event,
    Form,
    Item,
    ItemGroup,
    Range,
    Req,
    Text,
)

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: ODM_NS}
ODM_VERSION = "1.3.2"
SOURCE_SYSTEM = "TNT-eCRF"

ASSIGNED = "ASSIGNED"
MULTI_ALIAS_CONTEXT = "TNT.MultiSelectCodeList"
NY_NAME = "NY"
FORM_STATUS_CL = "CL.TNT_FORM_STATUS"
SUBJECT_STATUS_CL = "CL.TNT_SUBJECT_STATUS"
FLAG_TYPE_CL = "CL.TNT_FLAG_TYPE"
FORM_STATUS_FLAG = "FORM_STATUS"
SUBJECT_STATUS_FLAG = "SUBJECT_STATUS"

FORM_STATUS_LABELS: dict[str, Text] = {
    "NOT_STARTED": Text("Not started", "未开始"),
    "IN_PROGRESS": Text("In progress", "填写中"),
    "COMPLETE": Text("Complete", "已完成"),
    "VERIFIED": Text("Verified (SDV)", "已核查（SDV）"),
    "SIGNED": Text("Signed", "已签名"),
    "LOCKED": Text("Locked", "已锁定"),
}
SUBJECT_STATUS_LABELS: dict[str, Text] = {
    "SCREENING": Text("Screening", "筛选中"),
    "SCREEN_FAILED": Text("Screen failed", "筛选失败"),
    "ENROLLED": Text("Enrolled", "已入组"),
    "WITHDRAWN": Text("Withdrawn", "已退出"),
}
FLAG_TYPE_LABELS: dict[str, Text] = {
    FORM_STATUS_FLAG: Text("Form status", "表单状态"),
    SUBJECT_STATUS_FLAG: Text("Subject status", "受试者状态"),
}
NY_ITEMS: tuple[CodeItem, ...] = (
    CodeItem("Y", Text("Yes", "是")),
    CodeItem("N", Text("No", "否")),
)

# Lengths where the definition states none (ODM Length is the maximum number of characters).
DEFAULT_TEXT_LENGTH = 200
DEFAULT_INTEGER_LENGTH = 8
DEFAULT_FLOAT_DIGITS = 8  # digits before the decimal point when no range bounds the value

_SAS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,7}")


def q(tag: str) -> str:
    """The qualified ODM name of a tag."""
    return f"{{{ODM_NS}}}{tag}"


def utc_stamp(moment: datetime | None = None) -> str:
    """An xs:dateTime in UTC with the Z suffix, whole seconds."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def method_oid(derivation_id: str) -> str:
    return f"MT.{derivation_id}"


def location_oid(site_id: str) -> str:
    return f"LOC.{site_id}"


def unit_oid(study: Study, key: str) -> str:
    return f"MU.{study.units[key].oid_suffix}"


# ---- element helpers -----------------------------------------------------------------------
def sub(parent: etree._Element, tag: str, attrs: dict[str, str | None] | None = None,
        text: str | None = None) -> etree._Element:  # fmt: skip
    """A child element; attributes whose value is None are left out."""
    element = etree.SubElement(parent, q(tag), {k: v for k, v in (attrs or {}).items()
                                                if v is not None})  # fmt: skip
    if text is not None:
        element.text = text
    return element


def translated(parent: etree._Element, tag: str, text: Text) -> etree._Element:
    """<tag><TranslatedText xml:lang="en">…</TranslatedText><… "zh">…</…></tag>."""
    element = sub(parent, tag)
    for lang, value in (("en", text.en), ("zh", text.zh)):
        sub(element, "TranslatedText", text=value).set(XML_LANG, lang)
    return element


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def _sas(name: str | None) -> str | None:
    return name if name and _SAS_NAME.fullmatch(name) else None


# ---- what a profile keeps ------------------------------------------------------------------
@dataclass(frozen=True)
class OdmItem:
    """One item as ODM names it: its definition and its OID and group OID (computed once)."""

    definition: ItemDefinition
    oid: str
    group_oid: str

    @property
    def form(self) -> Form:
        return self.definition.form

    @property
    def group(self) -> ItemGroup:
        return self.definition.group

    @property
    def item(self) -> Item:
        return self.definition.item


class OdmIndex:
    """The items a profile serialises, looked up by OID or by (form, group, name)."""

    def __init__(self, study: Study, profile: ExportProfile) -> None:
        self.study = study
        self.profile = profile
        removed = removed_items(study, profile)
        self.items: dict[str, OdmItem] = {}
        self.by_name: dict[tuple[str, str, str], OdmItem] = {}
        self.groups: dict[str, tuple[Form, ItemGroup]] = {}
        self.removed = removed
        for definition in study.item_definitions():
            form, group, item = definition.form, definition.group, definition.item
            if (form.code, item.name) in removed:
                continue
            odm_item = OdmItem(definition, definition.oid, form.group_oid(group))
            self.items[odm_item.oid] = odm_item
            self.by_name[(form.code, group.name, item.name)] = odm_item
            self.groups.setdefault(form.group_oid(group), (form, group))

    def kept(self, form: Form, group: ItemGroup) -> list[OdmItem]:
        return [self.by_name[(form.code, group.name, item.name)] for item in group.items
                if (form.code, group.name, item.name) in self.by_name]  # fmt: skip

    def item_for(self, form: Form, group_name: str | None, name: str) -> OdmItem | None:
        """The item of a stored cell: group '' / None is the first group holding `name`."""
        if group_name:
            return self.by_name.get((form.code, group_name, name))
        group = form.group_of(name)
        return None if group is None else self.by_name.get((form.code, group.name, name))


# ---- ItemDef details -------------------------------------------------------------------------
def _digits(bound: Decimal | None) -> int:
    if bound is None:
        return 0
    return len(str(abs(int(bound)))) + (1 if bound < 0 else 0)


def _bounds(item: Item) -> list[Decimal]:
    values = []
    for rng in (item.hard, item.soft):
        if rng is not None:
            values += [b for b in (rng.low, rng.high) if b is not None]
    return values


def ny_codelist(study: Study) -> Codelist:
    """The study's own NY codelist if it has one, else the generated Y/N list."""
    for codelist in study.codelists:
        if codelist.name == NY_NAME:
            return codelist
    return Codelist(NY_NAME, Text("No / Yes", "否 / 是"), NY_ITEMS)


def odm_data_type(item: Item) -> str:
    if item.multiple or item.data_type is DataType.BOOLEAN:
        return "text"
    return str(item.data_type)


def odm_length(study: Study, item: Item) -> tuple[int | None, int | None]:
    """(Length, SignificantDigits) of an ItemDef; None where ODM has no use for one."""
    dt = item.data_type
    if item.data_type is DataType.BOOLEAN and not item.multiple:
        return 1, None
    if item.multiple and item.codelist:
        codes = study.codelist(item.codelist).codes()
        return max(sum(len(c) for c in codes) + len(codes) - 1, 1), None
    if dt is DataType.TEXT:
        if item.length is not None:
            return item.length, None
        if item.codelist:
            return max((len(c) for c in study.codelist(item.codelist).codes()), default=1), None
        return DEFAULT_TEXT_LENGTH, None
    if dt is DataType.INTEGER:
        bounds = _bounds(item)
        if bounds:
            return max(max(_digits(b) for b in bounds), 1), None
        if item.codelist:
            return max((len(c) for c in study.codelist(item.codelist).codes()), default=1), None
        return DEFAULT_INTEGER_LENGTH, None
    if dt is DataType.FLOAT:
        decimals = item.decimals or 0
        bounds = _bounds(item)
        whole = max((_digits(b) for b in bounds), default=DEFAULT_FLOAT_DIGITS) or 1
        return whole + (1 + decimals if decimals else 0), decimals
    return None, None


def _range_checks(parent: etree._Element, item: Item, unit: str | None) -> None:
    def check(comparator: str, soft_hard: str, value: str, message: Text) -> None:
        element = sub(parent, "RangeCheck", {"Comparator": comparator, "SoftHard": soft_hard})
        sub(element, "CheckValue", text=value)
        if unit is not None:
            sub(element, "MeasurementUnitRef", {"MeasurementUnitOID": unit})
        translated(element, "ErrorMessage", message)

    if item.must_be is not None:
        check("EQ", "Hard", item.must_be,
              Text(f"{item.name} must be {item.must_be}", f"{item.name} 必须为 {item.must_be}"))
    for rng, soft_hard in ((item.hard, "Hard"), (item.soft, "Soft")):
        if not isinstance(rng, Range):
            continue
        kind = Text("refused", "不能保存") if soft_hard == "Hard" else Text("query", "将产生质疑")
        if rng.low is not None:
            check("GE", soft_hard, str(rng.low),
                  Text(f"{item.name} below {rng.low}: {kind.en}",
                       f"{item.name} 低于 {rng.low}：{kind.zh}"))  # fmt: skip
        if rng.high is not None:
            check("LE", soft_hard, str(rng.high),
                  Text(f"{item.name} above {rng.high}: {kind.en}",
                       f"{item.name} 高于 {rng.high}：{kind.zh}"))  # fmt: skip


def _item_def(parent: etree._Element, study: Study, odm_item: OdmItem, ny: Codelist) -> None:
    item = odm_item.item
    length, digits = odm_length(study, item)
    element = sub(parent, "ItemDef", {
        "OID": odm_item.oid, "Name": item.name, "DataType": odm_data_type(item),
        "Length": None if length is None else str(length),
        "SignificantDigits": None if digits is None else str(digits),
        "SASFieldName": _sas(item.name), "SDSVarName": _sas(item.sdtm),
        "Origin": ("Derived" if item.is_derived and item.derivation != ASSIGNED
                   else "Assigned" if item.derivation == ASSIGNED else "CRF"),
        "Comment": ("Direct identifier: site-only (CRF_SPEC §10)" if item.identifier
                    else "Genetic data (HGR)" if item.hgr else None),
    })  # fmt: skip
    description = item.help
    if item.multiple and item.codelist:
        how = Text(f"Multiple choice: codes of CL.{item.codelist} joined by '|'",
                   f"多选：CL.{item.codelist} 的代码以 '|' 连接")  # fmt: skip
        description = how if description is None else Text(
            f"{description.en} ({how.en})", f"{description.zh}（{how.zh}）")  # fmt: skip
    if description is not None:
        translated(element, "Description", description)
    translated(element, "Question", item.label)
    unit = unit_oid(study, item.unit) if item.unit else None
    if unit is not None:
        sub(element, "MeasurementUnitRef", {"MeasurementUnitOID": unit})
    _range_checks(element, item, unit)
    if item.codelist and not item.multiple:
        sub(element, "CodeListRef", {"CodeListOID": f"CL.{item.codelist}"})
    elif item.data_type is DataType.BOOLEAN and not item.multiple:
        sub(element, "CodeListRef", {"CodeListOID": ny.oid})
    if item.multiple and item.codelist:
        sub(element, "Alias", {"Context": MULTI_ALIAS_CONTEXT, "Name": f"CL.{item.codelist}"})


def _codelist(parent: etree._Element, codelist: Codelist) -> None:
    data_type = "integer" if codelist.data_type is DataType.INTEGER else "text"
    element = sub(parent, "CodeList", {"OID": codelist.oid, "Name": codelist.label.en,
                                       "DataType": data_type})  # fmt: skip
    translated(element, "Description", codelist.label)
    for order, code in enumerate(codelist.items, 1):
        entry = sub(element, "CodeListItem", {"CodedValue": code.code, "OrderNumber": str(order)})
        translated(entry, "Decode", code.label)


def _status_codelists(parent: etree._Element) -> None:
    for oid, label, labels in (
        (FORM_STATUS_CL, Text("Form status", "表单状态"), FORM_STATUS_LABELS),
        (SUBJECT_STATUS_CL, Text("Subject status", "受试者状态"), SUBJECT_STATUS_LABELS),
        (FLAG_TYPE_CL, Text("Annotation flag type", "注释标记类型"), FLAG_TYPE_LABELS),
    ):
        items = tuple(CodeItem(code, text) for code, text in labels.items())
        codelist = Codelist(oid.removeprefix("CL."), label, items)
        _codelist(parent, codelist)


# ---- conditions ------------------------------------------------------------------------------
def condition_oids(study: Study, index: OdmIndex) -> dict[tuple[str, str], str]:
    """(form code, condition source) → ConditionDef OID, for the items a profile keeps."""
    oids: dict[tuple[str, str], str] = {}
    for odm_item in index.items.values():
        condition = odm_item.item.condition
        if condition:
            oids.setdefault((odm_item.form.code, condition),
                            f"CD.{odm_item.form.code}.{odm_item.item.name}")  # fmt: skip
    return oids


def _condition_def(parent: etree._Element, oid: str, form_code: str, source: str) -> None:
    element = sub(parent, "ConditionDef", {"OID": oid, "Name": f"{form_code}: not ({source})"})
    translated(element, "Description",
               Text(f"Not collected unless {source} (form {form_code})",
                    f"仅当 {source} 时采集（表单 {form_code}）"))  # fmt: skip
    javascript = expressions.parse(source).to_javascript()
    sub(element, "FormalExpression", {"Context": "JavaScript"}, f"!({javascript})")


# ---- methods ---------------------------------------------------------------------------------
def _method_defs(parent: etree._Element, study: Study) -> None:
    assigned = sub(parent, "MethodDef", {"OID": method_oid(ASSIGNED),
                                         "Name": "Assigned by the system", "Type": "Other"})
    translated(assigned, "Description",
               Text("Sequential identifier assigned by the application when the record is "
                    "created (screening number, study ID, site, AE/DV number); never reused",
                    "记录创建时由系统按顺序分配的编号（筛选号、研究编号、中心、AE/DV 编号），"
                    "不重复使用"))  # fmt: skip
    for derivation in study.derivations:
        element = sub(parent, "MethodDef", {"OID": method_oid(derivation.id),
                                            "Name": f"{derivation.id} {derivation.label.en}",
                                            "Type": "Computation"})  # fmt: skip
        translated(element, "Description", derivation.method)
        function = derivation.function
        if function is not None:
            where = f"{function.__module__}.{getattr(function, '__qualname__', function)}"
            sub(element, "FormalExpression", {"Context": "Python"},
                f"{where} (TNT Desktop {__version__})")


# ---- the Study element -------------------------------------------------------------------------
def _study_event_def(parent: etree._Element, event: Event, forms: set[str]) -> None:
    element = sub(parent, "StudyEventDef", {"OID": event.oid, "Name": event.label.en,
                                            "Repeating": _yes(event.repeating),
                                            "Type": event.type})  # fmt: skip
    description = event.label if event.window is None else Text(
        f"{event.label.en} ({event.window.en})", f"{event.label.zh}（{event.window.zh}）")
    translated(element, "Description", description)
    limited = dict(event.form_repeats)
    for order, code in enumerate((c for c in event.forms if c in forms), 1):
        mandatory = event.mandatory and event.type != "Common" and code not in limited
        sub(element, "FormRef", {"FormOID": f"F.{code}", "OrderNumber": str(order),
                                 "Mandatory": _yes(mandatory)})  # fmt: skip


def build_study_element(study: Study, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
                        index: OdmIndex | None = None) -> etree._Element:  # fmt: skip
    """The `<Study>` element (GlobalVariables, BasicDefinitions, MetaDataVersion)."""
    index = index or OdmIndex(study, profile)
    params = study.parameters
    root = etree.Element(q("Study"), {"OID": study.oid}, nsmap=NSMAP)
    global_variables = sub(root, "GlobalVariables")
    sub(global_variables, "StudyName", text=params.study_name)
    sub(global_variables, "StudyDescription",
        text=f"{params.study_name}: eCRF metadata ({params.protocol_name})")
    sub(global_variables, "ProtocolName", text=params.protocol_name)

    kept_items = list(index.items.values())
    used_units = {i.item.unit for i in kept_items if i.item.unit}
    basic = sub(root, "BasicDefinitions")
    for key, unit in study.units.items():
        if key not in used_units:
            continue
        element = sub(basic, "MeasurementUnit", {"OID": unit_oid(study, key), "Name": key})
        translated(element, "Symbol", unit.symbol)

    mdv = sub(root, "MetaDataVersion", {
        "OID": params.metadata_version,
        "Name": f"{params.study_name} {params.metadata_version}",
        "Description": f"Generated from the study definition by TNT Desktop {__version__}; "
                       f"profile {profile.value}",
    })  # fmt: skip
    forms_kept = [f for f in study.forms if any(index.kept(f, g) for g in f.groups)]
    form_codes = {f.code for f in forms_kept}
    protocol = sub(mdv, "Protocol")
    translated(protocol, "Description", Text(f"Schedule of events, {params.protocol_name}",
                                             f"访视计划，{params.protocol_name}"))  # fmt: skip
    for order, event in enumerate(study.events, 1):
        sub(protocol, "StudyEventRef", {"StudyEventOID": event.oid, "OrderNumber": str(order),
                                        "Mandatory": _yes(event.mandatory)})  # fmt: skip
    for event in study.events:
        _study_event_def(mdv, event, form_codes)

    for form in forms_kept:
        element = sub(mdv, "FormDef", {"OID": form.oid, "Name": f"{form.number} {form.label.en}",
                                       "Repeating": "No"})  # fmt: skip
        translated(element, "Description", form.label)
        for order, group in enumerate((g for g in form.groups if index.kept(form, g)), 1):
            sub(element, "ItemGroupRef", {"ItemGroupOID": form.group_oid(group),
                                          "OrderNumber": str(order),
                                          "Mandatory": _yes(not group.repeating)})  # fmt: skip

    conditions = condition_oids(study, index)
    for form in forms_kept:
        for group in form.groups:
            items = index.kept(form, group)
            if not items:
                continue
            domain = group.domain or form.domain
            element = sub(mdv, "ItemGroupDef", {
                "OID": form.group_oid(group), "Name": f"{form.code} {group.label.en}",
                "Repeating": _yes(group.repeating), "SASDatasetName": _sas(domain),
                "Domain": domain,
            })  # fmt: skip
            translated(element, "Description", group.label)
            for order, odm_item in enumerate(items, 1):
                item = odm_item.item
                sub(element, "ItemRef", {
                    "ItemOID": odm_item.oid, "OrderNumber": str(order),
                    "Mandatory": _yes(item.req is Req.REQUIRED),
                    "MethodOID": method_oid(item.derivation) if item.is_derived and
                    item.derivation else None,
                    "CollectionExceptionConditionOID": conditions.get(
                        (form.code, item.condition)) if item.condition else None,
                })  # fmt: skip

    ny = ny_codelist(study)
    for odm_item in kept_items:
        _item_def(mdv, study, odm_item, ny)

    referenced = {i.item.codelist for i in kept_items if i.item.codelist}
    for codelist in study.codelists:
        if codelist.name in referenced:
            _codelist(mdv, codelist)
    if ny.name not in referenced and any(
        i.item.data_type is DataType.BOOLEAN and not i.item.multiple for i in kept_items
    ):
        _codelist(mdv, ny)
    _status_codelists(mdv)

    for (form_code, source), oid in conditions.items():
        _condition_def(mdv, oid, form_code, source)
    _method_defs(mdv, study)
    return root


def odm_root_attributes(file_oid: str, file_type: str, granularity: str,
                        *, archival: bool = False, description: str | None = None,
                        created: str | None = None) -> dict[str, str]:  # fmt: skip
    attrs = {
        "FileType": file_type, "Granularity": granularity, "FileOID": file_oid,
        "CreationDateTime": created or utc_stamp(), "ODMVersion": ODM_VERSION,
        "Originator": "TNT Desktop", "SourceSystem": SOURCE_SYSTEM,
        "SourceSystemVersion": __version__,
    }  # fmt: skip
    if archival:
        attrs["Archival"] = "Yes"
    if description:
        attrs["Description"] = description
    return attrs


def write_metadata(study: Study, out: Path, *,
                   profile: ExportProfile = ExportProfile.SPONSOR_CODED) -> Path:  # fmt: skip
    """A metadata-only ODM file (Granularity="Metadata") of the study definition."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    root = etree.Element(q("ODM"), odm_root_attributes(
        f"{study.parameters.study_name}.METADATA.{stamp:%Y%m%dT%H%M%SZ}", "Snapshot",
        "Metadata", created=utc_stamp(stamp)), nsmap=NSMAP)  # fmt: skip
    root.append(build_study_element(study, profile))
    tmp = out.with_name(f".{out.name}.tmp")
    etree.ElementTree(root).write(str(tmp), encoding="UTF-8", xml_declaration=True,
                                  pretty_print=True)  # fmt: skip
    tmp.replace(out)
    return out

