"""Item-level validation: codelists, ranges, conditions and required answers on completion."""

from decimal import Decimal

from tnt_desktop.study.definition import get_study
from tnt_desktop.study.subject import FormRecord
from tnt_desktop.study.validation import (
    CODELIST,
    MISSING_REASON,
    NOT_APPLICABLE,
    RANGE,
    REQUIRED,
    validate_form,
)


def path_record(**values):
    return FormRecord("SE.PATH", "PATH", values=dict(values))


def ids(findings):
    return sorted((f.check_id, f.items[0]) for f in findings)


def test_values_inside_ranges_and_codelists_pass():
    form = get_study().form("PATH")
    record = path_record(PCTVIAB=Decimal("4.0"), EORTCSC="C", RSTAT="R0", CLMARGMM=Decimal("2"))
    assert validate_form(form, record) == []


def test_hard_range_refuses_and_names_value_and_range():
    form = get_study().form("PATH")
    [finding] = validate_form(form, path_record(PCTVIAB=Decimal("100.5")))
    assert (finding.check_id, finding.severity.value, finding.items) == (
        RANGE, "H", ("PATH.PCTVIAB",))  # fmt: skip
    assert "100.5" in finding.message.en and "0–100" in finding.message.en
    assert "100.5" in finding.message.zh and "超出允许范围" in finding.message.zh
    assert finding.event == "SE.PATH"


def test_unknown_code_is_refused():
    form = get_study().form("PATH")
    assert ids(validate_form(form, path_record(EORTCSC="F"))) == [(CODELIST, "PATH.EORTCSC")]


def test_answer_to_a_question_that_does_not_apply_is_flagged():
    form = get_study().form("PATH")
    found = validate_form(form, path_record(RSTAT="R2", CLMARGMM=Decimal("1.0")))
    assert ids(found) == [(NOT_APPLICABLE, "PATH.CLMARGMM")]
    assert found[0].severity.value == "S"


def test_completion_requires_every_applicable_required_answer():
    form = get_study().form("PATH")
    found = validate_form(form, path_record(RSTAT="R2"), complete=True)
    required = {f.items[0] for f in found if f.check_id == REQUIRED}
    assert "PATH.PCTVIAB" in required and "PATH.EORTCSC" in required
    assert "PATH.CLMARGMM" not in required  # conditional on R0/R1: does not apply to R2
    assert "PATH.PCTOTH" not in required  # optional
    assert "PATH.EORTCDER" not in required  # derived


def test_reason_for_missing_satisfies_required_and_must_be_known():
    form = get_study().form("PATH")
    record = path_record(RSTAT="R2")
    record.missing = {"PCTVIAB": "NOT DONE", "EORTCSC": "LOST"}
    found = validate_form(form, record, complete=True)
    required = {f.items[0] for f in found if f.check_id == REQUIRED}
    assert "PATH.PCTVIAB" not in required
    assert (MISSING_REASON, "PATH.EORTCSC") in ids(found)


def test_conditional_item_becomes_required_when_its_condition_holds():
    form = get_study().form("PATH")
    found = validate_form(form, path_record(RSTAT="R1"), complete=True)
    required = {f.items[0] for f in found if f.check_id == REQUIRED}
    assert {"PATH.CLMARGMM", "PATH.CLMARGLOC"} <= required


def test_separate_pipl_consent_must_be_yes():
    form = get_study().form("IE")
    record = FormRecord("SE.SCR", "IE", values={"ICPIPL": "N"})
    [finding] = [f for f in validate_form(form, record) if f.items == ("IE.ICPIPL",)]
    assert finding.check_id == "MUST-BE" and finding.severity.value == "H"
    record.values["ICPIPL"] = "Y"
    assert not [f for f in validate_form(form, record) if f.items == ("IE.ICPIPL",)]
