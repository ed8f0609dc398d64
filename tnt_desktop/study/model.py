"""The vocabulary of a study definition: frozen dataclasses, no I/O, no Qt.

A study is data (DESIGN.md principle 1): the TNT-STS forms in `study/forms/` are built from
these classes, and every other layer (storage keys, screens, validation, CSV columns, the data
dictionary, ODM metadata) is generated from them. OIDs follow CRF_SPEC.md:
`SE.<EVENT>`, `F.<FORM>`, `IG.<FORM>.<GROUP>`, `IT.<FORM>.<NAME>`, `CL.<CODELIST>`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tnt_desktop.text import Text

if TYPE_CHECKING:
    from tnt_desktop.study.subject import SubjectData


class DataType(StrEnum):
    """The ODM 1.3.2 DataType of an item (CRF_SPEC.md §0.2)."""

    TEXT = "text"
    INTEGER = "integer"
    FLOAT = "float"
    DATE = "date"
    PARTIAL_DATE = "partialDate"
    TIME = "time"
    DATETIME = "datetime"
    BOOLEAN = "boolean"  # stored as the codes "Y" / "N"


class Req(StrEnum):
    """R required, C conditionally required, O optional, D derived (read-only)."""

    REQUIRED = "R"
    CONDITIONAL = "C"
    OPTIONAL = "O"
    DERIVED = "D"


class Severity(StrEnum):
    """H hard (refuses the save), S soft (saved, opens a query), X cross-form (opens a query)."""

    HARD = "H"
    SOFT = "S"
    CROSS = "X"


# Reasons for a missing R/C value (CRF_SPEC.md §0.2); exported as ODM IsNull="Yes".
MISSING_REASONS: tuple[str, ...] = ("NOT DONE", "UNKNOWN", "NOT APPLICABLE")


def T(en: str, zh: str) -> Text:
    return Text(en, zh)


@dataclass(frozen=True)
class Range:
    """An inclusive numeric range; either bound may be open (None)."""

    low: Decimal | None = None
    high: Decimal | None = None

    def contains(self, value: Decimal | int) -> bool:
        number = Decimal(value)
        if self.low is not None and number < self.low:
            return False
        return not (self.high is not None and number > self.high)

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low}–{self.high}"
        if self.low is not None:
            return f"≥{self.low}"
        if self.high is not None:
            return f"≤{self.high}"
        return ""


def rng(low: float | int | str | None = None, high: float | int | str | None = None) -> Range:
    """Range from plain numbers, kept exact (Decimal of their text)."""

    def dec(x: float | int | str | None) -> Decimal | None:
        return None if x is None else Decimal(str(x))

    return Range(dec(low), dec(high))


@dataclass(frozen=True)
class CodeItem:
    """One coded value of a codelist with its decodes; `attrs` carries extra columns
    (for HISTSTS: ICD-O-3 morphology and the EXCL flag)."""

    code: str
    label: Text
    attrs: tuple[tuple[str, str], ...] = ()

    def attr(self, name: str, default: str | None = None) -> str | None:
        return dict(self.attrs).get(name, default)


@dataclass(frozen=True)
class Codelist:
    name: str
    label: Text
    items: tuple[CodeItem, ...]
    data_type: DataType = DataType.TEXT
    extensible: bool = False  # sponsor-extensible (CRF_SPEC.md §7)

    @property
    def oid(self) -> str:
        return f"CL.{self.name}"

    def codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    def item(self, code: str) -> CodeItem | None:
        for item in self.items:
            if item.code == code:
                return item
        return None

    def decode(self, code: str, lang: str = "en") -> str:
        item = self.item(code)
        return item.label.get(lang) if item else code


def C(code: str, en: str, zh: str, **attrs: str) -> CodeItem:
    return CodeItem(code, Text(en, zh), tuple(attrs.items()))


@dataclass(frozen=True)
class Item:
    """One CRF field. `name` is the spec's variable name (export column, last OID part)."""

    name: str
    label: Text
    data_type: DataType
    req: Req = Req.OPTIONAL
    codelist: str | None = None  # codelist name, e.g. "ECOG" (OID CL.ECOG)
    multiple: bool = False  # multi-select codelist; the value is a tuple of codes
    length: int | None = None  # maximum text length
    decimals: int | None = None  # float(n)
    unit: str | None = None  # key of study.units.UNITS
    hard: Range | None = None  # outside → the value cannot be saved
    must_be: str | None = None  # the only acceptable answer (ICPIPL must be Y); else hard error
    soft: Range | None = None  # outside → saved, a query opens
    pattern: str | None = None  # regular expression a text value must match (fullmatch)
    condition: str | None = None  # expression (study.expressions); shown/applicable only if true
    derivation: str | None = None  # id of the Derivation that computes it (req D)
    editable_derived: bool = False  # derived, but may be overridden with a reason (AJCC_T)
    identifier: bool = False  # direct identifier: site-only, never in a sponsor export
    hgr: bool = False  # human genetic resources data (REQ-PI-08)
    default: str | None = None  # canonical text of a pre-filled value
    locked: bool = False  # default that the site cannot change (RTPLDOSE)
    help: Text | None = None
    sdtm: str | None = None  # CDASH/SDTM target variable

    @property
    def is_derived(self) -> bool:
        return self.req is Req.DERIVED

    @property
    def allows_missing_reason(self) -> bool:
        return self.req in (Req.REQUIRED, Req.CONDITIONAL)


@dataclass(frozen=True)
class ItemGroup:
    name: str  # the last OID part: IG.<FORM>.<NAME>
    label: Text
    items: tuple[Item, ...]
    repeating: bool = False
    domain: str | None = None  # CDASH/SDTM domain (ODM ItemGroupDef Domain)
    max_rows: int | None = None


@dataclass(frozen=True)
class SignaturePoint:
    """An e-signature the form asks for (IESIG, RTSIG, …): not a data item, a workflow step."""

    name: str  # the spec's field name, e.g. "IESIG"
    label: Text
    meaning: Text  # what the signer attests, e.g. "I confirm eligibility"
    required: bool = True
    first_release: bool = False  # build decision 9: F01 and F13 are required now


@dataclass(frozen=True)
class Form:
    code: str  # F.<CODE>; also the prefix of item OIDs
    number: str  # the spec's form number: F01 … F16 (F04b, F11b, F11c)
    label: Text
    groups: tuple[ItemGroup, ...]
    domain: str | None = None
    help: Text | None = None
    signatures: tuple[SignaturePoint, ...] = ()

    @property
    def oid(self) -> str:
        return f"F.{self.code}"

    def group_oid(self, group: ItemGroup) -> str:
        return f"IG.{self.code}.{group.name}"

    def item_oid(self, group: ItemGroup, item: Item) -> str:
        """IT.<FORM>.<NAME>; a name used in two repeating groups of one form (the DOXADM and IFOADM
        administration rows both have EXDOSE) is qualified by its group: IT.CT.DOXADM.EXDOSE."""
        if sum(1 for _, other in self.items() if other.name == item.name) > 1:
            return f"IT.{self.code}.{group.name}.{item.name}"
        return f"IT.{self.code}.{item.name}"

    def items(self) -> Iterable[tuple[ItemGroup, Item]]:
        for group in self.groups:
            for item in group.items:
                yield group, item

    @cached_property
    def _index(self) -> dict[tuple[str | None, str], tuple[ItemGroup, Item]]:
        """(group name or None, item name) → (group, item); the first match wins for None."""
        index: dict[tuple[str | None, str], tuple[ItemGroup, Item]] = {}
        for group, item in self.items():
            index.setdefault((None, item.name), (group, item))
            index[(group.name, item.name)] = (group, item)
        return index

    def item(self, name: str, group: str | None = None) -> Item | None:
        found = self._index.get((group, name))
        return found[1] if found else None

    def group_of(self, name: str) -> ItemGroup | None:
        found = self._index.get((None, name))
        return found[0] if found else None


@dataclass(frozen=True)
class Event:
    oid: str  # SE.<EVENT>
    label: Text
    forms: tuple[str, ...]  # form codes, in screen order
    repeating: bool = False
    type: str = "Scheduled"  # ODM StudyEventDef Type: Scheduled / Unscheduled / Common
    window: Text | None = None  # planned timing, for people
    mandatory: bool = True
    # forms that belong only to some repeats of a repeating event: (form code, repeat keys)
    form_repeats: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def has_form_at(self, code: str, repeat: int = 1) -> bool:
        if code not in self.forms:
            return False
        only = dict(self.form_repeats).get(code)
        return only is None or repeat in only


@dataclass(frozen=True)
class Finding:
    """One result of an edit check, ready to show beside the field it names."""

    check_id: str
    severity: Severity
    message: Text
    items: tuple[str, ...] = ()  # qualified item refs "FORM.NAME" the finding points at
    event: str | None = None  # event OID of the instance concerned, when known
    repeat: int | None = None  # event repeat key, when the event repeats
    row: int | None = None  # repeating-group row (0-based), when the finding is about one row
    dv_category: str | None = None  # CL.DVCAT code when the finding is a deviation candidate


CheckFunction = Callable[["SubjectData", "Any"], Iterable[Finding]]
DeriveFunction = Callable[["SubjectData", "Any"], Iterable["DerivedValue"]]


@dataclass(frozen=True)
class Check:
    """A named edit check of CRF_SPEC.md §5 (TIM-xx, X-xx)."""

    id: str
    severity: Severity
    label: Text  # what the check verifies
    forms: tuple[str, ...]  # forms whose save triggers it
    items: tuple[str, ...]  # qualified refs "FORM.NAME" it reads
    function: CheckFunction = field(compare=False, repr=False)
    dv_category: str | None = None
    needs_today: bool = False  # the function takes a keyword `today`


@dataclass(frozen=True)
class DerivedValue:
    """One value a derivation computed. `form` None means a subject-level value that lives in no
    form (RESP_AC, MWC90, CHEMOEND…); otherwise it is written into that form instance."""

    item: str
    value: Any  # None clears a value whose inputs disappeared
    form: str | None = None
    event: str | None = None
    repeat: int = 1
    group: str | None = None  # repeating group name when the value belongs to a row
    row: int | None = None


@dataclass(frozen=True)
class Derivation:
    """A derived value of CRF_SPEC.md §4 (D-xx): what it computes from what, and how."""

    id: str
    label: Text
    outputs: tuple[str, ...]  # qualified refs "FORM.NAME" of the derived items (may be empty
    # for subject-level values such as RESP_AC that live in no form)
    inputs: tuple[str, ...]  # qualified refs it reads
    method: Text  # human-readable formula (ODM MethodDef Description)
    function: DeriveFunction | None = field(default=None, compare=False, repr=False)
    subject_outputs: tuple[str, ...] = ()  # names of subject-level values (no form)
