"""Conditions (show-if / required-if) as a small, safe expression language.

Syntax is a whitelisted subset of Python expressions, so that it parses with the standard
library and reads naturally in the form tables:

    INC01 == 'Y'
    SURGTYPE == 'AMPUTATION'
    RECON in ('PEDICLED_FLAP', 'FREE_FLAP') and PLASTIC == 'Y'
    CYDELAY > 3
    not MHONGO == 'Y'
    present(DRAINRMDAT)

Names are item names of the same form (bare) or of another form (`DM.SEX`, written `DM.SEX`).
A missing value makes every comparison false (never an error), so an unanswered question hides
its dependants. Nothing is ever passed to `eval`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_FUNCTIONS = {"present", "absent"}


class ExpressionError(ValueError):
    """A condition that does not parse or uses a construct outside the language."""


@dataclass(frozen=True)
class Expression:
    source: str
    tree: ast.Expression
    names: frozenset[str]  # bare or qualified ("DM.SEX") item references

    def evaluate(self, lookup: Mapping[str, Any] | Callable[[str], Any]) -> bool:
        get = lookup if callable(lookup) else lookup.get
        return bool(_eval(self.tree.body, get))

    def to_javascript(self) -> str:
        """The same condition as an ODM FormalExpression (Context="JavaScript")."""
        text = self.source
        for py, js in ((" and ", " && "), (" or ", " || "), ("not ", "!")):
            text = text.replace(py, js)
        return text


_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _ref_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name) and _IDENT.fullmatch(node.id):
        return node.id
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and _IDENT.fullmatch(node.value.id)
        and _IDENT.fullmatch(node.attr)
    ):
        return f"{node.value.id}.{node.attr}"
    return None


def _check(node: ast.AST, names: set[str]) -> None:
    ref = _ref_name(node)
    if ref is not None:
        names.add(ref)
        return
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And | ast.Or):
        for value in node.values:
            _check(value, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, names)
    elif isinstance(node, ast.Compare):
        if not all(type(op) in _COMPARE for op in node.ops):
            raise ExpressionError("unsupported comparison")
        for part in (node.left, *node.comparators):
            _check(part, names)
    elif isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            _check(element, names)
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, str | int | float) or isinstance(node.value, bool):
            raise ExpressionError(f"unsupported constant {node.value!r}")
    elif isinstance(node, ast.Call):
        if not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS):
            raise ExpressionError("only present(NAME) and absent(NAME) may be called")
        if len(node.args) != 1 or node.keywords or _ref_name(node.args[0]) is None:
            raise ExpressionError(f"{node.func.id}() takes one item name")
        names.add(_ref_name(node.args[0]) or "")
    else:
        raise ExpressionError(f"unsupported syntax: {type(node).__name__}")


@lru_cache(maxsize=2048)
def parse(source: str) -> Expression:
    """Parse and validate a condition; raises ExpressionError naming the problem."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"does not parse: {source!r} ({exc.msg})") from None
    names: set[str] = set()
    try:
        _check(tree.body, names)
    except ExpressionError as exc:
        raise ExpressionError(f"{source!r}: {exc}") from None
    return Expression(source, tree, frozenset(names))


def _normalise(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def _eval(node: ast.AST, get: Callable[[str], Any]) -> Any:
    ref = _ref_name(node)
    if ref is not None:
        return get(ref)
    if isinstance(node, ast.BoolOp):
        results = (bool(_eval(v, get)) for v in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.UnaryOp):
        return not _eval(node.operand, get)
    if isinstance(node, ast.Constant):
        return _normalise(node.value)
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_eval(e, get) for e in node.elts)
    if isinstance(node, ast.Call):
        value = get(_ref_name(node.args[0]) or "")
        is_present = value not in (None, "", ())
        return is_present if node.func.id == "present" else not is_present  # type: ignore[attr-defined]
    if isinstance(node, ast.Compare):
        left = _eval(node.left, get)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, get)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    raise ExpressionError(f"unsupported syntax: {type(node).__name__}")


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    if left is None or right is None:
        return False
    if isinstance(op, ast.In | ast.NotIn) and isinstance(left, tuple):
        # multi-select: "METSITE in ('LUNG',)" is true when any selected code is listed
        hit = any(code in right for code in left)
        return hit if isinstance(op, ast.In) else not hit
    if isinstance(left, int | Decimal) and isinstance(right, int | Decimal):
        return bool(_COMPARE[type(op)](Decimal(left), Decimal(right)))
    if isinstance(left, date) or isinstance(right, date):
        if not (isinstance(left, date) and isinstance(right, date)):
            return False
    try:
        return bool(_COMPARE[type(op)](left, right))
    except TypeError:
        return False
