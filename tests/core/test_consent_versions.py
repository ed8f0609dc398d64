"""Consent versions as configuration (CRF_SPEC.md clarification 24): an administrator records a
version the ethics committee approved; ICVER's choices, validation, the data dictionary and the
ODM metadata then offer it; entered data keep their version; every addition is audited."""

from __future__ import annotations

from datetime import date

import pytest

from tests.core.conftest import audit_entries, screen_eligible
from tnt_desktop.errors import ConflictError, PermissionDenied
from tnt_desktop.services import consent_versions as cv
from tnt_desktop.services.casebook import form_values
from tnt_desktop.services.form_entries import FormEntry, ValidationFailed
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.study.definition import get_study

TODAY = date(2026, 12, 7)


def test_the_definition_ships_v1_0_without_a_placeholder_decode(admin):
    versions = cv.list_versions(admin)
    assert [v.label for v in versions] == ["V1.0"]
    assert versions[0].builtin and versions[0].version_date is None
    decode = get_study().codelist("ICFVER").decode("V1.0")
    assert "YYYY" not in decode and "YYYY" not in get_study().codelist("ICFVER").decode(
        "V1.0", "zh")


def test_an_added_version_is_audited_and_offered_with_its_real_dates(trial, admin):
    version = cv.add_version(admin, "V1.1", "2026-03-01", date(2026, 4, 2), today=TODAY)
    assert (version.label, version.version_date, version.approval_date, version.added_by) == (
        "V1.1", date(2026, 3, 1), date(2026, 4, 2), "admin")
    assert version.decode.en == "V1.1, dated 2026-03-01 (ethics approval 2026-04-02)"
    assert "2026-04-02" in version.decode.zh
    entry = audit_entries(admin, action="CONSENT_VERSION_ADDED")
    assert len(entry) == 1 and entry[0].username == "admin" and entry[0].new_value == "V1.1"
    assert "2026-03-01" in entry[0].detail and "2026-04-02" in entry[0].detail
    assert admin.study.codelist("ICFVER").codes() == ("V1.0", "V1.1")  # this session at once
    coordinator = trial.user("coordinator")  # a later login reads the configured list
    codelist = coordinator.study.codelist("ICFVER")
    assert codelist.codes() == ("V1.0", "V1.1")
    assert codelist.decode("V1.1", "en") == version.decode.en
    assert [v.label for v in cv.list_versions(coordinator)] == ["V1.0", "V1.1"]


def test_a_subject_consented_on_an_amended_form_can_be_entered_and_keeps_its_version(
        trial, admin):  # fmt: skip
    coordinator = trial.user("coordinator")
    with pytest.raises(ValidationFailed) as refused:
        screen_eligible(coordinator, ICVER="V1.1")
    assert refused.value.findings[0].items == ("IE.ICVER",)
    earlier = screen_eligible(coordinator)  # V1.0
    cv.add_version(admin, "V1.1", "2026-03-01", "2026-04-02", today=TODAY)
    coordinator = trial.user("coordinator", "coordinator2")
    amended = screen_eligible(coordinator, ICVER="V1.1")
    save_form(coordinator, FormEntry(earlier, "SE.SCR", "IE", values={"SCRDAT": "2025-02-04"},
                                     reason="TRANSCRIPTION_ERROR"))  # V1.0 still valid
    assert form_values(coordinator, amended, "SE.SCR", 1, "IE").values["ICVER"] == "V1.1"
    assert form_values(coordinator, earlier, "SE.SCR", 1, "IE").values["ICVER"] == "V1.0"


def test_the_dictionary_and_odm_metadata_read_the_configured_list(admin):
    from lxml import etree

    from tnt_desktop.exports.odm_metadata import build_study_element
    from tnt_desktop.services.export_read import ExportProfile
    from tnt_desktop.study.dictionary import dictionary_rows

    cv.add_version(admin, "V2.0", "2026-05-01", "2026-06-01", today=TODAY)
    rows = [r for r in dictionary_rows(admin.study) if r["variable"] == "ICVER"]
    assert rows and "V2.0" in str(rows[0])
    xml = etree.tostring(build_study_element(admin.study, ExportProfile.SPONSOR_CODED)).decode()
    assert 'CodedValue="V2.0"' in xml and "2026-06-01" in xml


def test_only_the_administrator_adds_and_bad_input_is_refused(trial, admin):
    coordinator = trial.user("coordinator")
    with pytest.raises(PermissionDenied):
        cv.add_version(coordinator, "V1.1", "2026-03-01", "2026-04-02", today=TODAY)
    for label, version, approval, words in [
        ("V 1.1", "2026-03-01", "2026-04-02", "label"),
        ("V1.1", "2026-13-01", "2026-04-02", "not a date"),
        ("V1.1", "2026-05-01", "2026-04-02", "after the ethics approval"),
        ("V1.1", "2026-03-01", "2027-01-01", "in the future"),
    ]:  # fmt: skip
        with pytest.raises(cv.ConsentVersionRejected) as info:
            cv.add_version(admin, label, version, approval, today=TODAY)
        assert words in info.value.message.en and info.value.message.zh
    cv.add_version(admin, "V1.0", "2024-05-06", "2024-06-01", today=TODAY)  # its dates, once
    with pytest.raises(ConflictError):
        cv.add_version(admin, "v1.0", "2024-05-06", "2024-06-01", today=TODAY)
    assert cv.list_versions(admin)[0].decode.en.startswith("V1.0, dated 2024-05-06")
    assert audit_entries(admin, action="CONSENT_VERSION_ADDED")[0].new_value == "V1.0"
