"""`study check` passes on the TNT-STS definition and catches each kind of broken definition."""

from dataclasses import replace

import pytest

from tnt_desktop.study.definition import get_study
from tnt_desktop.study.forms._build import D, R, boolean, coded, group
from tnt_desktop.study.model import Event, Form, T
from tnt_desktop.study.selfcheck import SPEC_CHECKS, SPEC_FORMS, check_study


@pytest.fixture(scope="module")
def study():
    return get_study()


def errors(study):
    return [p for p in check_study(study) if not p.warning]


def test_the_tnt_sts_definition_passes(study):
    assert errors(study) == []


def test_every_spec_form_and_check_is_present(study):
    assert {f.number for f in study.forms} == set(SPEC_FORMS)
    assert set(SPEC_CHECKS) <= {c.id for c in study.checks}


def _with_form(study, form):
    extra_event = Event("SE.TEST", T("Test", "测试"), (form.code,))
    return replace(study, forms=(*study.forms, form), events=(*study.events, extra_event))


def _form(*items, code="ZZ"):
    return Form(code, "F99", T("Test form", "测试表"), (group("MAIN", "Main", "主要", *items),))


def _messages(study):
    return " / ".join(str(p) for p in errors(study))


def test_unknown_codelist_is_reported(study):
    bad = _with_form(study, _form(coded("X", "X item", "X 项", "NOPE", R)))
    assert "codelist 'NOPE' does not exist" in _messages(bad)


def test_condition_with_unknown_item_is_reported(study):
    bad = _with_form(study, _form(boolean("X", "X item", "X 项", R, condition="GHOST == 'Y'")))
    assert "condition names unknown item GHOST" in _messages(bad)


def test_condition_that_does_not_parse_is_reported(study):
    bad = _with_form(study, _form(boolean("X", "X item", "X 项", R, condition="X ==")))
    assert "does not parse" in _messages(bad)


def test_missing_chinese_label_is_reported(study):
    bad = _with_form(study, _form(boolean("X", "X item", "", R)))
    assert "label has no Chinese text" in _messages(bad)


def test_untranslated_chinese_label_is_reported(study):
    bad = _with_form(study, _form(boolean("X", "Tumour size", "Tumour size", R)))
    assert "looks untranslated" in _messages(bad)


def test_unregistered_derivation_is_reported(study):
    bad = _with_form(study, _form(boolean("X", "X item", "X 项", D, derivation="D-99")))
    assert "derivation D-99 is not registered" in _messages(bad)


def test_duplicate_oid_is_reported(study):
    bad = replace(study, forms=(*study.forms, study.forms[0]))
    assert f"{study.forms[0].oid}: OID is not unique" in _messages(bad)


def test_event_with_unknown_form_is_reported(study):
    bad = replace(study, events=(*study.events, Event("SE.X", T("X", "某事件"), ("NOFORM",))))
    assert "refers to unknown form 'NOFORM'" in _messages(bad)


def test_missing_spec_check_is_reported(study):
    bad = replace(study, checks=tuple(c for c in study.checks if c.id != "TIM-05"))
    assert "TIM-05: edit check of CRF_SPEC.md §5 is missing" in _messages(bad)


def test_missing_form_is_reported(study):
    bad = replace(study, forms=tuple(f for f in study.forms if f.number != "F11b"))
    assert "F11b: form of CRF_SPEC.md §3 is missing" in _messages(bad)
