"""`tnt-desktop study check`: the study definition validates itself.

Unique OIDs, every reference resolving (events → forms, items → codelists and units,
conditions → items, derived items → registered derivations, derivations and checks → items),
every label and decode present in English and Chinese, and every form and check the spec names
present. Problems make the command exit non-zero; warnings are printed but do not fail.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from tnt_desktop.study.definition import Study
from tnt_desktop.study.expressions import ExpressionError, parse
from tnt_desktop.study.model import DataType, Form, ItemGroup, Req, Text
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.values import ValueError_, parse_value

ASSIGNED = "ASSIGNED"
SPEC_FORMS = (
    "F01", "F02", "F03", "F04", "F04b", "F05", "F06", "F07", "F08", "F09", "F10",
    "F11", "F11b", "F11c", "F12", "F13", "F14", "F15", "F16",
)  # fmt: skip
SPEC_CHECKS = (
    *(f"TIM-{n:02d}" for n in range(1, 11)),
    "X-01",
    "X-02",
    *(f"X-{n}" for n in range(10, 36)),
    *(f"X-{n}" for n in range(40, 47)),
)
_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"\b[a-z]{4,}\b")  # natural-language words, not variable names
_NUMERIC = (DataType.INTEGER, DataType.FLOAT)


@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{'warning' if self.warning else 'error'}: {self.where}: {self.message}"


def _text_problems(where: str, text: Text | None, what: str = "label") -> Iterable[Problem]:
    if text is None:
        yield Problem(where, f"no {what}")
        return
    if not text.en.strip():
        yield Problem(where, f"{what} has no English text")
    if not text.zh.strip():
        yield Problem(where, f"{what} has no Chinese text")
    elif not _CJK.search(text.zh) and _WORD.search(text.zh):
        yield Problem(where, f"{what} looks untranslated: {text.zh!r}")


def check_study(study: Study) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_oids(study)
    problems += _check_events(study)
    for form in study.forms:
        problems += _check_form(study, form)
    problems += _check_codelists(study)
    problems += _check_derivations(study)
    problems += _check_checks(study)
    problems += _check_parameters()
    return problems


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _check_oids(study: Study) -> Iterable[Problem]:
    oids = [e.oid for e in study.events] + [f.oid for f in study.forms]
    oids += [f.group_oid(g) for f in study.forms for g in f.groups]
    oids += [d.oid for d in study.item_definitions()] + [c.oid for c in study.codelists]
    for oid in _duplicates(oids):
        yield Problem(oid, "OID is not unique")
    for name in _duplicates(c.name for c in study.codelists):
        yield Problem(f"CL.{name}", "codelist defined more than once")
    numbers = [f.number for f in study.forms]
    for number in SPEC_FORMS:
        if number not in numbers:
            yield Problem(number, "form of CRF_SPEC.md §3 is missing")


def _check_events(study: Study) -> Iterable[Problem]:
    codes = {f.code for f in study.forms}
    used: set[str] = set()
    for event in study.events:
        yield from _text_problems(event.oid, event.label)
        if not re.fullmatch(r"SE\.[A-Z0-9]+", event.oid):
            yield Problem(event.oid, "event OID must be SE.<EVENT>")
        for code in event.forms:
            used.add(code)
            if code not in codes:
                yield Problem(event.oid, f"refers to unknown form {code!r}")
        for code, _repeats in event.form_repeats:
            if code not in event.forms:
                yield Problem(event.oid, f"form_repeats names {code!r}, not a form of the event")
    for code in sorted(codes - used):
        yield Problem(f"F.{code}", "form belongs to no event")


def _check_form(study: Study, form: Form) -> Iterable[Problem]:
    where = form.oid
    if not _NAME.fullmatch(form.code):
        yield Problem(where, "form code must be upper-case letters, digits and _")
    yield from _text_problems(where, form.label)
    if form.help is not None:
        yield from _text_problems(where, form.help, "help text")
    for point in form.signatures:
        yield from _text_problems(f"{where}/{point.name}", point.label)
        yield from _text_problems(f"{where}/{point.name}", point.meaning, "signature meaning")
    if not form.groups:
        yield Problem(where, "form has no item groups")
    flat = [item.name for group in form.groups if not group.repeating for item in group.items]
    for name in _duplicates(flat):
        yield Problem(where, f"item {name} appears twice among non-repeating groups")
    for group in form.groups:
        yield from _check_group(study, form, group)


def _check_group(study: Study, form: Form, group: ItemGroup) -> Iterable[Problem]:
    where = form.group_oid(group)
    yield from _text_problems(where, group.label)
    if not group.items:
        yield Problem(where, "group has no items")
    for name in _duplicates(item.name for item in group.items):
        yield Problem(where, f"item {name} appears twice")
    scope = {item.name for g in form.groups for item in g.items}
    for item in group.items:
        iw = form.item_oid(group, item)
        if not _NAME.fullmatch(item.name):
            yield Problem(iw, "variable name must be upper-case letters, digits and _")
        yield from _text_problems(iw, item.label)
        if item.help is not None:
            yield from _text_problems(iw, item.help, "help text")
        if item.codelist is not None:
            try:
                listed = study.codelist(item.codelist)
            except KeyError:
                yield Problem(iw, f"codelist {item.codelist!r} does not exist")
            else:
                if listed.data_type is not item.data_type:
                    yield Problem(
                        iw, f"data type {item.data_type} differs from its codelist's "
                        f"({listed.data_type})",
                    )  # fmt: skip
        elif item.multiple:
            yield Problem(iw, "multi-select item without a codelist")
        if item.unit is not None and item.unit not in study.units:
            yield Problem(iw, f"unit {item.unit!r} does not exist")
        if item.data_type is DataType.FLOAT and item.decimals is None:
            yield Problem(iw, "float item without decimals")
        for label, r in (("hard", item.hard), ("soft", item.soft)):
            if r is None:
                continue
            if item.data_type not in _NUMERIC:
                yield Problem(iw, f"{label} range on a {item.data_type} item")
            if r.low is not None and r.high is not None and r.low > r.high:
                yield Problem(iw, f"{label} range low > high")
        if item.must_be is not None:
            try:
                parse_value(item, item.must_be)
            except ValueError_ as exc:
                yield Problem(iw, f"must_be does not parse: {exc.message.en}")
        if item.pattern is not None:
            try:
                re.compile(item.pattern)
            except re.error as exc:
                yield Problem(iw, f"pattern does not compile: {exc}")
        if item.default is not None:
            try:
                parse_value(item, item.default)
            except ValueError_ as exc:
                yield Problem(iw, f"default does not parse: {exc.message.en}")
        if item.condition is not None:
            yield from _check_condition(study, iw, item.condition, scope)
        elif item.req is Req.CONDITIONAL:
            yield Problem(iw, "conditional item without a condition", warning=True)
        yield from _check_item_derivation(study, form, group, item, iw)


def _check_condition(study: Study, where: str, source: str, scope: set[str]) -> Iterable[Problem]:
    try:
        expression = parse(source)
    except ExpressionError as exc:
        yield Problem(where, f"condition: {exc}")
        return
    for name in sorted(expression.names):
        if "." in name:
            if study.resolve(name) is None:
                yield Problem(where, f"condition names unknown item {name}")
        elif name not in scope:
            yield Problem(where, f"condition names unknown item {name}")


def _check_item_derivation(
    study: Study, form: Form, group: ItemGroup, item, where: str
) -> Iterable[Problem]:
    if item.req is Req.DERIVED:
        if item.derivation is None:
            yield Problem(where, "derived item names no derivation")
            return
        if item.derivation == ASSIGNED:
            return
        try:
            derivation = study.derivation(item.derivation)
        except KeyError:
            yield Problem(where, f"derivation {item.derivation} is not registered")
            return
        refs = {study.resolve(ref) for ref in derivation.outputs}
        if not any(d is not None and d.item is item and d.form is form for d in refs):
            yield Problem(where, f"derivation {item.derivation} does not list it as an output")
    elif item.derivation is not None:
        yield Problem(where, "only derived (D) items name a derivation")


def _check_codelists(study: Study) -> Iterable[Problem]:
    used = {item.codelist for d in study.item_definitions() if (item := d.item).codelist}
    for codelist in study.codelists:
        where = codelist.oid
        if not _NAME.fullmatch(codelist.name):
            yield Problem(where, "codelist name must be upper-case letters, digits and _")
        yield from _text_problems(where, codelist.label)
        if not codelist.items:
            yield Problem(where, "codelist has no items")
        for code in _duplicates(codelist.codes()):
            yield Problem(where, f"code {code!r} appears twice")
        for entry in codelist.items:
            if not entry.code.strip():
                yield Problem(where, "empty code")
            yield from _text_problems(f"{where}/{entry.code}", entry.label, "decode")
            if codelist.data_type is DataType.INTEGER and not entry.code.lstrip("-").isdigit():
                yield Problem(where, f"code {entry.code!r} of an integer codelist")
        if codelist.name not in used:
            yield Problem(where, "codelist is used by no item", warning=True)


def _check_derivations(study: Study) -> Iterable[Problem]:
    for dup in _duplicates(d.id for d in study.derivations):
        yield Problem(dup, "derivation id is not unique")
    for derivation in study.derivations:
        where = f"derivation {derivation.id}"
        yield from _text_problems(where, derivation.label)
        yield from _text_problems(where, derivation.method, "method")
        if derivation.function is None:
            yield Problem(where, "has no function")
        if not derivation.outputs and not derivation.subject_outputs:
            yield Problem(where, "computes nothing (no outputs)")
        for ref in (*derivation.inputs, *derivation.outputs):
            if study.resolve(ref) is None:
                yield Problem(where, f"names unknown item {ref}")
        for ref in derivation.outputs:
            target = study.resolve(ref)
            if target is not None and target.item.derivation != derivation.id:
                yield Problem(where, f"output {ref} is not derived by {derivation.id}")


def _check_checks(study: Study) -> Iterable[Problem]:
    ids = [c.id for c in study.checks]
    for dup in _duplicates(ids):
        yield Problem(dup, "check id is not unique")
    for check_id in SPEC_CHECKS:
        if check_id not in ids:
            yield Problem(check_id, "edit check of CRF_SPEC.md §5 is missing")
    codes = {f.code for f in study.forms}
    for check in study.checks:
        where = f"check {check.id}"
        yield from _text_problems(where, check.label)
        for code in check.forms:
            if code not in codes:
                yield Problem(where, f"triggered by unknown form {code!r}")
        for ref in check.items:
            if study.resolve(ref) is None:
                yield Problem(where, f"reads unknown item {ref}")


def _check_parameters() -> Iterable[Problem]:
    for name, label, _marker in StudyParameters.describe():
        yield from _text_problems(f"parameter {name}", label)
