"""Short constructors for the form tables, so a form module reads like CRF_SPEC.md.

    floatn("PCTVIAB", "Stainable (viable) tumour cells, % of tumour bed",
           "残存可染色(存活)肿瘤细胞比例", 1, R, unit="%", hard=rng(0, 100))

Positional order is always: variable name, English label, Chinese label, [type detail], req.
Every keyword of `model.Item` may follow (condition=, hard=, soft=, unit=, help=, …).
"""

from __future__ import annotations

from typing import Any

from tnt_desktop.study.model import (
    CodeItem,
    Codelist,
    DataType,
    Item,
    ItemGroup,
    Req,
    Text,
)

R = Req.REQUIRED
C = Req.CONDITIONAL
O = Req.OPTIONAL  # noqa: E741 - the spec's own letter
D = Req.DERIVED


def _item(name: str, en: str, zh: str, dt: DataType, req: Req, **kw: Any) -> Item:
    return Item(name=name, label=Text(en, zh), data_type=dt, req=req, **kw)


def text(name: str, en: str, zh: str, req: Req = O, length: int | None = None, **kw: Any) -> Item:
    return _item(name, en, zh, DataType.TEXT, req, length=length, **kw)


def integer(name: str, en: str, zh: str, req: Req = O, **kw: Any) -> Item:
    return _item(name, en, zh, DataType.INTEGER, req, **kw)


def floatn(name: str, en: str, zh: str, decimals: int, req: Req = O, **kw: Any) -> Item:
    return _item(name, en, zh, DataType.FLOAT, req, decimals=decimals, **kw)


def date_(name: str, en: str, zh: str, req: Req = O, **kw: Any) -> Item:
    return _item(name, en, zh, DataType.DATE, req, **kw)


def pdate(name: str, en: str, zh: str, req: Req = O, **kw: Any) -> Item:
    return _item(name, en, zh, DataType.PARTIAL_DATE, req, **kw)


def time_(name: str, en: str, zh: str, req: Req = O, **kw: Any) -> Item:
    return _item(name, en, zh, DataType.TIME, req, **kw)


def boolean(name: str, en: str, zh: str, req: Req = R, **kw: Any) -> Item:
    return _item(name, en, zh, DataType.BOOLEAN, req, **kw)


def coded(name: str, en: str, zh: str, codelist: str, req: Req = R, **kw: Any) -> Item:
    """A codelist item; the data type follows the codelist (text unless integer-coded)."""
    dt = kw.pop("data_type", DataType.TEXT)
    return _item(name, en, zh, dt, req, codelist=codelist, **kw)


def multi(name: str, en: str, zh: str, codelist: str, req: Req = O, **kw: Any) -> Item:
    return coded(name, en, zh, codelist, req, multiple=True, **kw)


def group(
    name: str, en: str, zh: str, *items: Item, repeating: bool = False, **kw: Any
) -> ItemGroup:
    return ItemGroup(name=name, label=Text(en, zh), items=tuple(items), repeating=repeating, **kw)


def codelist(name: str, en: str, zh: str, *items: CodeItem, **kw: Any) -> Codelist:
    return Codelist(name=name, label=Text(en, zh), items=tuple(items), **kw)


def help_(en: str, zh: str) -> Text:
    return Text(en, zh)
