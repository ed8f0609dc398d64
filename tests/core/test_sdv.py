"""Source data verification (issue 6; CRF_SPEC.md REQ-DQ-03, REQ-AT-06): the monitor marks items
or whole forms verified; a later change makes a mark stale; the 100 % SDV plan covers every
critical area and its progress is counted."""

from __future__ import annotations

import pytest

from tests.core.conftest import ELIGIBLE_IE, audit_entries, enrol_one
from tnt_desktop.errors import PermissionDenied
from tnt_desktop.services import sdv, workflow
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.sdv import SdvError, SdvProgress
from tnt_desktop.study.definition import get_study
from tnt_desktop.study.sdv_plan import AREAS, CRITICAL, is_critical

IE = ("SE.SCR", 1, "IE")
DM = ("SE.SCR", 1, "DM")


@pytest.fixture
def team(trial):
    return {role: trial.user(role)
            for role in ("coordinator", "investigator", "monitor", "datamanager")}  # fmt: skip


@pytest.fixture
def subject_id(team) -> str:
    return enrol_one(team["coordinator"])


def by_name(items):
    return {(i.group_name, i.row_key, i.item_name): i for i in items}


# ---- the plan ---------------------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-03")
def test_the_plan_covers_every_critical_area_with_real_items():
    study = get_study()
    areas = {a.key: a for a in AREAS}
    assert set(areas) == {"ELIGIBILITY", "PRIMARY_ENDPOINT", "RT_DOSE", "CHEMO_DOSE",
                          "SURGERY_DATE", "MWC", "SAE", "DEATH"}  # fmt: skip
    expected_forms = {"ELIGIBILITY": "F01", "PRIMARY_ENDPOINT": "F08", "RT_DOSE": "F05",
                      "CHEMO_DOSE": "F06", "SURGERY_DATE": "F07", "MWC": "F09", "SAE": "F10",
                      "DEATH": "F12"}  # fmt: skip
    for key, area in areas.items():
        form = study.form(area.form_code)
        assert form.number == expected_forms[key]
        assert area.label.en and area.label.zh and area.items
        names = {item.name for _g, item in form.items()}
        for name in area.items:
            assert name in names, f"{area.form_code}.{name} is not in the study definition"
            item = next(i for _g, i in form.items() if i.name == name)
            assert not item.is_derived, f"{name} is derived: verified through its sources"
            assert is_critical(area.form_code, name)
    # the anchors the spec names
    for form_code, name in [("IE", "INC01"), ("IE", "EXC09"), ("PATH", "PCTVIAB"),
                            ("PATH", "EORTCSC"), ("RT", "RTPLDOSE"), ("RT", "FXDOSE"),
                            ("CT", "EXDOSE"), ("SURG", "SURGDAT"), ("WND", "WCREOP"),
                            ("AE", "AESER"), ("AE", "AESDTH"), ("DTH", "DTHDAT"),
                            ("DTH", "DTHCAUS")]:  # fmt: skip
        assert is_critical(form_code, name), (form_code, name)
    assert not is_critical("DM", "WEIGHT") and not is_critical("IE", "SCRNUM")
    assert not is_critical("MH", "INC01")  # per form
    assert set(CRITICAL) == {a.form_code for a in AREAS}


# ---- marking ----------------------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-03", "REQ-AT-06")
def test_monitor_marks_items_and_each_mark_is_audited(team, subject_id):
    monitor = team["monitor"]
    assert sdv.mark_sdv(monitor, subject_id, *IE, [("", 0, "INC01"), ("", 0, "RFICDAT")]) == 2
    items = by_name(sdv.form_sdv(monitor, subject_id, *IE))
    inc = items[("", 0, "INC01")]
    assert (inc.critical, inc.verified, inc.stale, inc.username) == (True, True, False, "monitor")
    assert inc.ts_utc.endswith("Z")
    assert not items[("", 0, "INC02")].verified and items[("", 0, "INC02")].username is None
    assert ("", 0, "SCRNUM") not in items  # assigned by the system: not for SDV
    # marking a current mark again changes nothing
    assert sdv.mark_sdv(monitor, subject_id, *IE, [("", 0, "INC01")]) == 0
    trail = audit_entries(monitor, action="ITEM_SDV")
    assert [(e.item_name, e.new_value, e.username) for e in trail] == [
        ("INC01", "Y", "monitor"), ("RFICDAT", "2025-02-03", "monitor")]
    assert trail[0].detail == "critical item (100 % SDV)"


@pytest.mark.req("REQ-DQ-03")
@pytest.mark.parametrize("role", ["admin", "coordinator", "investigator", "datamanager"])
def test_only_the_monitor_marks(trial, team, subject_id, role):
    app = trial.admin if role == "admin" else team[role]
    with pytest.raises(PermissionDenied):
        sdv.mark_sdv(app, subject_id, *IE, [("", 0, "INC01")])
    with pytest.raises(PermissionDenied):
        sdv.unmark_sdv(app, subject_id, *IE, [("", 0, "INC01")], "wrong item")
    with pytest.raises(PermissionDenied):
        sdv.verify_form(app, subject_id, *IE)
    assert not any(i.verified for i in sdv.form_sdv(team["monitor"], subject_id, *IE))


@pytest.mark.req("REQ-DQ-03")
def test_only_stored_items_can_be_marked(team, subject_id):
    monitor = team["monitor"]
    with pytest.raises(SdvError) as exc:
        sdv.mark_sdv(monitor, subject_id, *IE, [("", 0, "SFREAS")])  # never entered
    assert exc.value.message.zh
    with pytest.raises(SdvError):
        sdv.mark_sdv(monitor, subject_id, "SE.SURG", 1, "SURG", [("", 0, "SURGDAT")])
    assert audit_entries(monitor, action="ITEM_SDV") == []


@pytest.mark.req("REQ-DQ-03", "REQ-AT-06")
def test_a_changed_value_makes_the_mark_stale_until_verified_again(team, subject_id):
    monitor, coordinator = team["monitor"], team["coordinator"]
    sdv.mark_sdv(monitor, subject_id, *DM, [("", 0, "WEIGHT"), ("", 0, "HEIGHT")])
    save_form(coordinator, FormEntry(subject_id, *DM[:1], "DM", values={"WEIGHT": "71.0"},
                                     reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    items = by_name(sdv.form_sdv(monitor, subject_id, *DM))
    weight = items[("", 0, "WEIGHT")]
    assert (weight.verified, weight.stale, weight.username) == (False, True, "monitor")
    assert items[("", 0, "HEIGHT")].verified
    assert sdv.mark_sdv(monitor, subject_id, *DM, [("", 0, "WEIGHT")]) == 1
    assert by_name(sdv.form_sdv(monitor, subject_id, *DM))[("", 0, "WEIGHT")].verified
    # removing a mark needs a reason and is audited
    with pytest.raises(SdvError):
        sdv.unmark_sdv(monitor, subject_id, *DM, [("", 0, "WEIGHT")], " ")
    assert sdv.unmark_sdv(monitor, subject_id, *DM, [("", 0, "WEIGHT")],
                          "source page was of another visit") == 1  # fmt: skip
    [removed] = audit_entries(monitor, action="ITEM_SDV_REMOVED")
    assert (removed.item_name, removed.reason_text) == ("WEIGHT",
                                                        "source page was of another visit")
    assert not by_name(sdv.form_sdv(monitor, subject_id, *DM))[("", 0, "WEIGHT")].verified


@pytest.mark.req("REQ-DQ-03", "REQ-DQ-04")
def test_verify_form_marks_every_stored_item(team, subject_id):
    monitor, coordinator = team["monitor"], team["coordinator"]
    save_form(coordinator, FormEntry(subject_id, *IE[:1], "IE", complete=True))
    sdv.verify_form(monitor, subject_id, *IE)
    items = sdv.form_sdv(monitor, subject_id, *IE)
    assert len(items) == len(ELIGIBLE_IE) and all(i.verified for i in items)
    [entry] = audit_entries(monitor, action="ITEM_SDV")
    assert entry.form_code == "IE" and f"{len(ELIGIBLE_IE)} item(s)" in entry.detail


@pytest.mark.req("REQ-DQ-03")
def test_progress_counts_critical_and_all_items(team, subject_id):
    monitor, coordinator = team["monitor"], team["coordinator"]
    critical = sum(1 for name in ELIGIBLE_IE if is_critical("IE", name))
    stored = len(ELIGIBLE_IE) + 8  # F01 and the eight F02 values of enrol_one
    assert sdv.sdv_progress(monitor, subject_id) == SdvProgress(critical, 0, stored, 0)
    sdv.mark_sdv(monitor, subject_id, *IE, [("", 0, "INC01"), ("", 0, "ICPIPL")])
    sdv.mark_sdv(monitor, subject_id, *DM, [("", 0, "WEIGHT")])
    assert sdv.sdv_progress(monitor, subject_id) == SdvProgress(critical, 1, stored, 3)
    # a second subject: the study total adds up; the subject's own numbers do not move
    other = enrol_one(coordinator)
    sdv.mark_sdv(monitor, other, *IE, [("", 0, "INC02")])
    assert sdv.sdv_progress(monitor) == SdvProgress(2 * critical, 2, 2 * stored, 4)
    assert sdv.sdv_progress(monitor, subject_id) == SdvProgress(critical, 1, stored, 3)
    # a stale mark does not count
    save_form(coordinator, FormEntry(subject_id, *DM[:1], "DM", values={"WEIGHT": "71.0"},
                                     reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    assert sdv.sdv_progress(monitor, subject_id) == SdvProgress(critical, 1, stored, 2)


@pytest.mark.req("REQ-DQ-03", "REQ-DQ-04")
def test_sdv_on_a_frozen_subject_but_not_a_locked_one(team, subject_id):
    monitor, dm = team["monitor"], team["datamanager"]
    workflow.freeze_subject(dm, subject_id)
    assert sdv.mark_sdv(monitor, subject_id, *IE, [("", 0, "INC01")]) == 1
    workflow.lock_subject(dm, subject_id)
    with pytest.raises(workflow.SubjectLocked):
        sdv.mark_sdv(monitor, subject_id, *IE, [("", 0, "INC02")])
