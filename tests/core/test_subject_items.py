"""The subject-level derived values: declared once (study/subject_items.py), exported typed."""

from __future__ import annotations

from tnt_desktop.study.definition import get_study
from tnt_desktop.study.derivations import DERIVATIONS
from tnt_desktop.study.dictionary import dictionary_rows
from tnt_desktop.study.model import Req
from tnt_desktop.study.subject_items import SUBJECT_FORM, SUBJECT_FORM_CODE


def test_the_pseudo_form_declares_exactly_the_derivations_subject_outputs():
    declared = [item.name for _group, item in SUBJECT_FORM.items()]
    outputs = [name for d in DERIVATIONS for name in d.subject_outputs]
    assert sorted(declared) == sorted(outputs) and len(declared) == len(set(declared))
    by_name = {name: d.id for d in DERIVATIONS for name in d.subject_outputs}
    for _group, item in SUBJECT_FORM.items():
        assert item.req is Req.DERIVED and item.derivation == by_name[item.name], item.name
        assert item.label.en and item.label.zh and not item.identifier


def test_it_is_not_a_crf_page_but_the_dictionary_lists_it():
    study = get_study()
    assert SUBJECT_FORM_CODE not in {form.code for form in study.forms}
    rows = [r for r in dictionary_rows(study) if r["form"] == SUBJECT_FORM_CODE]
    assert [r["variable"] for r in rows] == [i.name for _g, i in SUBJECT_FORM.items()]
    resp = next(r for r in rows if r["variable"] == "RESP_AC")
    assert (resp["type"], resp["derivation"], resp["codes_en"]) == ("boolean", "D-13",
                                                                     "Y, Yes | N, No")  # fmt: skip
    assert not any(r["form"] == SUBJECT_FORM_CODE
                   for r in dictionary_rows(study, subject_level=False))  # fmt: skip
