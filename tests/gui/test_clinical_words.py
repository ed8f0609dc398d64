"""Issue 16: messages shown to site roles speak in clinical words — item labels and visit
names — never a check ID, an item reference ("IE.RFICDAT"), a variable name ("WEIGHT") or a
code ("COMPLICATION_PRESENT"); the data manager gets those on a details line.

Scans every finding of a small demo database (4 synthetic subjects) and of crafted entries with
out-of-range and impossible values, through the same function the form screen uses."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.core.conftest import PASSWORD, enrol_one
from tnt_desktop.services.form_entries import FormEntry, RowEntry
from tnt_desktop.services.form_entry import preview_form

CHECK_ID = re.compile(r"\b(?:[A-Z]{1,4}-\d{2}[A-Z]?|REQUIRED)\b")
CAPITALS = re.compile(r"(?<![\w.])[A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)*(?![\w])")


def technical_words(study, text: str) -> list[str]:
    names = {item.name for form in study.forms for _g, item in form.items()
             if not re.search(rf"\b{item.name}\b", item.label.en)}  # "ECOG": a clinical word
    codes = {entry.code for cl in study.codelists for entry in cl.items if "_" in entry.code}
    found = [m.group(0) for m in CHECK_ID.finditer(text)]
    for match in CAPITALS.finditer(text):
        token = match.group(0)
        if "." in token or (len(token) >= 3 and token in names) or token in codes:
            found.append(token)
    return found


CRAFTED = [  # (event, form, values, rows)
    ("SE.SCR", "DM", {"WEIGHT": "500.0", "HEIGHT": "20.0", "BRTHDAT": "2030-01-01",
                      "ENRDAT": "2099-01-01"}, {}),
    ("SE.SCR", "IE", {"RFICDAT": "2099-01-15", "SCRDAT": "1990-01-01", "INC01": "N"}, {}),
    ("SE.RT", "RT", {}, {"FX": [RowEntry(values={"FXNUM": "1", "FXGIVEN": "Y",
                                               "FXDAT": "1999-01-01", "FXDOSE": "9.0"}),
                                RowEntry(values={"FXNUM": "1", "FXGIVEN": "N"})]}),
    ("SE.WND", "WND", {"WNDDAT": "2099-01-01", "WNDSTAT": "COMPLICATION_PRESENT"}, {}),
    ("SE.C1", "CT", {"CYD1DAT": "1999-01-01", "CYWEIGHT": "300.0"}, {}),
    ("SE.SCR", "LB", {"LBDAT": "2099-02-02"}, {}),
]


def _shown(context, findings, code):
    from tnt_desktop.gui.wording import describe_finding

    return [(f, describe_finding(context, f, code)) for f in findings]


def test_no_site_message_names_a_check_or_a_variable(trial, context_for, tmp_path):
    from tnt_desktop.demo import generate_demo
    from tnt_desktop.services import auth
    from tnt_desktop.services.casebook import form_values, open_casebook
    from tnt_desktop.services.subject_list import subject_rows

    coordinator = trial.user("coordinator")
    context = context_for(coordinator)
    study = coordinator.study
    key = enrol_one(coordinator)
    seen: list[tuple[object, str]] = []
    for event, code, values, rows in CRAFTED:
        entry = FormEntry(key, event, code, values=dict(values), rows=dict(rows))
        seen += _shown(context, preview_form(coordinator, entry, today=date(2026, 6, 1)).findings,
                       code)  # fmt: skip
    demo = tmp_path / "demo.db"
    generate_demo(demo, 4, seed=3, password=PASSWORD)
    site = auth.login(demo, "coordinator", PASSWORD)
    try:
        demo_context = context_for(site)
        for row in subject_rows(site):
            for event in open_casebook(site, row.key).events:
                for form in event.forms:
                    if form.started:
                        snapshot = form_values(site, row.key, event.event, event.repeat,
                                               form.form)  # fmt: skip
                        seen += _shown(demo_context, [f.finding for f in snapshot.findings],
                                       form.form)  # fmt: skip
    finally:
        site.db.close()
    assert len(seen) >= 10  # the crafted values do raise findings
    technical = [(f.check_id, text, technical_words(study, text)) for f, text in seen
                 if technical_words(study, text)]  # fmt: skip
    assert not technical, "\n".join(map(str, technical[:20]))
    # the message before the wording did speak in codes: the test can fail
    assert any(technical_words(study, f.message.en) for f, _text in seen)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_data_manager_gets_the_details_line(trial, context_for, lang):
    from tnt_desktop.gui.wording import describe_finding

    coordinator = trial.user("coordinator")
    key = enrol_one(coordinator)
    entry = FormEntry(key, "SE.SCR", "DM", values={"WEIGHT": "500.0"})
    findings = preview_form(coordinator, entry).findings
    assert findings
    manager = context_for(trial.user("datamanager"), lang)
    site = context_for(coordinator, lang)
    for finding in findings:
        shown = describe_finding(manager, finding, "DM")
        first, _, detail = shown.partition("\n")
        assert not technical_words(coordinator.study, first)
        assert f"[{finding.check_id}]" in detail
        assert describe_finding(site, finding, "DM") == first


def test_an_automatic_query_reads_in_clinical_words_at_the_site(qtbot, trial, context_for):
    from tests.gui.test_form_view import open_form
    from tnt_desktop.services import queries
    from tnt_desktop.services.form_entry import save_form

    site = trial.user("coordinator")
    subject = enrol_one(site)
    save_form(site, FormEntry(subject, "SE.SCR", "DM", values={"HEIGHT": "210"},
                              reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    key = "SOFT-RANGE|SE.SCR#1|DM.HEIGHT|"
    save_form(site, FormEntry(subject, "SE.SCR", "DM", complete=True,
                              overrides={key: "very tall, measured twice"}))  # fmt: skip
    [auto] = queries.list_queries(site, subject)
    view = open_form(qtbot, context_for(site), subject, "SE.SCR", "DM")
    assert view.review.panel.select(auto.id)
    thread = view.review.panel.thread_view.toPlainText()
    assert "Raised automatically" in thread and "Height" in thread
    assert not technical_words(site.study, thread), thread
