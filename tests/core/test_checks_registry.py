"""The check registry: every check of CRF_SPEC.md §5 once, bilingual, reading real items, and
run_checks selecting the checks a form save triggers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.core.test_checks_support import TODAY, P, record, subject
from tnt_desktop.study.checks import CHECKS, TODAY_CHECKS, check_by_id, checks_for, run_checks
from tnt_desktop.study.definition import get_study
from tnt_desktop.study.model import Severity
from tnt_desktop.study.selfcheck import SPEC_CHECKS

pytestmark = pytest.mark.req("REQ-DQ-01")


def test_every_spec_check_exists_once():
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids))
    spec = [i for i in ids if i.startswith(("TIM-", "X-"))]
    assert len(spec) == 45 and set(spec) == set(SPEC_CHECKS)
    # the form-level rules of §3 carry the form code: CT-MESNA, PATH-PCTSUM, …
    assert all(i.split("-")[0] in {f.code for f in get_study().forms} for i in set(ids) - set(spec))


def test_checks_are_bilingual_and_read_items_of_the_definition():
    study = get_study()
    codes = {f.code for f in study.forms}
    for check in CHECKS:
        assert check.label.en and check.label.zh and check.label.en != check.label.zh
        assert check.forms and set(check.forms) <= codes, check.id
        for ref in check.items:
            assert study.resolve(ref) is not None, (check.id, ref)


def test_severities_follow_the_spec():
    hard = {"TIM-10", "X-01", "X-02", "X-11", "X-13", "X-14", "X-15", "X-17", "X-19", "X-20",
            "X-21", "X-22", "X-23", "X-24", "X-25", "X-29", "X-33", "X-40", "X-41", "X-43",
            "X-44", "X-45"}
    cross = {"X-28", "X-42"}
    for check in CHECKS:
        if check.id not in SPEC_CHECKS:
            continue  # form-level rules: their severities are tested in test_checks_form_rules
        expected = Severity.HARD if check.id in hard else (
            Severity.CROSS if check.id in cross else Severity.SOFT)
        assert check.severity is expected, check.id
    assert check_by_id("TIM-05").dv_category == "SURGERY_TIMING"
    assert check_by_id("X-27").dv_category == "CHEMO_DOSE"


def _busy_subject():
    rt = record("SE.RT", "RT", RTSTDAT=date(2025, 3, 3), RTENDAT=date(2025, 3, 12), RTOTT=10,
                RTNFX=5)
    path = record("SE.PATH", "PATH", EORTCSC="C", EORTCDER="D", PCTVIAB=Decimal("12.0"))
    fu = record("SE.FU", "FU", FUDAT=TODAY.replace(year=TODAY.year + 1), SSSTAT="ALIVE")
    return subject(rt, path, fu)


def test_run_checks_by_form():
    data = _busy_subject()
    rt_ids = {c.id for c in checks_for(["RT"])}
    assert {"TIM-01", "TIM-02", "TIM-10", "X-25", "X-01", "X-02"} <= rt_ids
    assert "X-30" not in rt_ids
    found = run_checks(data, P, forms=["RT"], today=TODAY)
    assert {f.check_id for f in found} <= rt_ids
    assert {"TIM-01", "X-02"} <= {f.check_id for f in found}
    everything = run_checks(data, P, today=TODAY)
    assert {"TIM-01", "X-02", "X-30"} <= {f.check_id for f in everything}
    path_ids = {f.check_id for f in run_checks(data, P, forms=["PATH"], today=TODAY)}
    assert "X-30" in path_ids and "TIM-01" not in path_ids
    assert path_ids <= {c.id for c in checks_for(["PATH"])}


def test_today_is_an_argument():
    data = _busy_subject()
    later = TODAY.replace(year=TODAY.year + 2)
    assert "X-02" not in {f.check_id for f in run_checks(data, P, today=later)}
    assert TODAY_CHECKS == {"X-02", "X-29"}


def test_empty_subject_yields_nothing():
    assert run_checks(subject(), P, today=TODAY) == []
