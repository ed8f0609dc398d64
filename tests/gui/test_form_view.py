"""Generated form screens: typing into the widgets saves through the services; hard errors,
soft warnings and changes of saved data behave as the write path demands; show-if is live;
a monitor cannot edit; a whole form can be entered with the keyboard alone."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPlainTextEdit

from tests.core.conftest import DM_VALUES, ELIGIBLE_IE, audit_entries, enrol_one
from tnt_desktop.gui.form import saving as form_saving_module
from tnt_desktop.gui.form.dialogs import OverrideDialog, ReasonForChangeDialog
from tnt_desktop.gui.form.item_widgets import (
    ComboEditor,
    DerivedEditor,
    ItemEditor,
    LineEditor,
    MultiEditor,
    RadioEditor,
    TextAreaEditor,
)
from tnt_desktop.gui.form.view import FormView
from tnt_desktop.services import subjects
from tnt_desktop.services.casebook import form_values
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form

# ---- helpers shared with test_whole_subject.py -----------------------------------------------


def open_form(qtbot, context, key: str, event: str, form: str, repeat: int = 1) -> FormView:
    view = FormView(context, key, event, repeat, form)
    qtbot.addWidget(view)
    view.resize(1100, 900)
    with qtbot.waitActive(view):
        view.show()
        view.activateWindow()
    return view


def enter(qtbot, editor: ItemEditor, text: str) -> None:
    """Type a value into an editor the way a person would (keys, not setters)."""
    if isinstance(editor, RadioEditor):
        codes = [code for code, _ in editor.choices]
        key = text if len(text) == 1 else str(codes.index(text) + 1)
        qtbot.keyClicks(editor.focus_target(), key)
    elif isinstance(editor, ComboEditor):
        if editor.searchable:
            editor.combo.setFocus()
            qtbot.keyClick(editor.combo, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            qtbot.keyClicks(editor.combo, text)
            editor._commit()
        else:
            qtbot.keyClicks(editor.combo, text)
    elif isinstance(editor, LineEditor | TextAreaEditor):
        widget = editor.edit
        widget.setFocus()
        if isinstance(widget, QLineEdit):
            widget.selectAll()
        else:
            widget.selectAll()
        qtbot.keyClicks(widget, text)
        editor._commit()
    elif isinstance(editor, MultiEditor):
        wanted = set(text.split("|"))
        for index in range(editor.list.count()):
            entry = editor.list.item(index)
            if (entry.data(Qt.ItemDataRole.UserRole) in wanted) != (
                    entry.checkState() == Qt.CheckState.Checked):  # fmt: skip
                editor.list.setCurrentItem(entry)
                qtbot.keyClick(editor.list, Qt.Key.Key_Space)
    else:
        raise AssertionError(f"cannot type into {type(editor).__name__}")
    assert editor.value_text() == text, (editor.item.name, editor.value_text(), text)


def _open(editor: ItemEditor) -> bool:
    return editor.is_editable() and editor.input.isVisible() and editor.isVisible()


def fill(qtbot, view: FormView, values: dict[str, str]) -> None:
    """Type main-item values in form order; an item that a show-if still hides is typed once
    an answer (earlier or later in the form) reveals it."""
    left = [item.name for _g, item in view.form.items() if item.name in values]
    while left:
        ready = [name for name in left if _open(view.field(name))]
        assert ready, f"never shown: {left}"
        enter(qtbot, view.field(ready[0]), values[ready[0]])
        left.remove(ready[0])


def add_rows(qtbot, view: FormView, group: str, rows: list[dict[str, str]]) -> None:
    """Add rows with the Add row button and type each cell (conditions open cells as above)."""
    table = view.table(group)
    for row in rows:
        qtbot.mouseClick(table.add_button, Qt.MouseButton.LeftButton)
        index = len(table.rows) - 1
        left = [item.name for item in table.items if item.name in row]
        while left:
            ready = [name for name in left if _open(table.editor(index, name))]
            assert ready, f"row {index}: never shown: {left}"
            enter(qtbot, table.editor(index, ready[0]), row[ready[0]])
            left.remove(ready[0])


def accept_dialog(monkeypatch, kind, fill_in, calls: list | None = None) -> None:
    """Answer the next dialogs of `kind` with `fill_in(dialog)` and OK, recording each."""

    def fake_exec(dialog):
        fill_in(dialog)
        if calls is not None:
            calls.append(dialog)
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        assert ok.isEnabled(), "the dialog refuses OK with these answers"
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(kind, "exec", fake_exec)


def save_ok(view: FormView, complete: bool = False) -> None:
    assert view.save(complete), view.banner.text()


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def coordinator(trial):
    return trial.user("coordinator")


@pytest.fixture
def context(coordinator, context_for):
    return context_for(coordinator)


@pytest.fixture
def enrolled(coordinator) -> str:
    return enrol_one(coordinator, with_dm=False)


# ---- tests -----------------------------------------------------------------------------------


def test_typing_into_generated_widgets_and_saving_stores_the_values(
        qtbot, coordinator, context, enrolled):  # fmt: skip
    view = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    assert isinstance(view.field("SEX"), RadioEditor)  # two codes: radio buttons
    assert isinstance(view.field("ECOG"), ComboEditor)  # six codes: searchable combo
    assert isinstance(view.field("AGE"), DerivedEditor)
    assert not view.has_unsaved_changes()
    fill(qtbot, view, DM_VALUES)
    assert view.has_unsaved_changes()
    assert view.title.text() == "F02  Enrolment & demographics"
    # derived values appear once typing stops (the preview runs 300 ms after the last key)
    qtbot.waitUntil(lambda: view.field("AGE").value_text() == "54", timeout=3000)
    assert view.field("BSA").value_text() == "1.82"
    save_ok(view)
    assert not view.has_unsaved_changes()
    stored = form_values(coordinator, enrolled, "SE.SCR", 1, "DM")
    for name, value in DM_VALUES.items():
        assert stored.values[name] == value
    assert stored.values["AGE"] == "54" and stored.values["BMI"] == "24.2"
    assert view.snapshot.version == stored.version


def test_only_changed_items_are_sent_with_the_version(qtbot, coordinator, context, enrolled):
    save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values=dict(DM_VALUES)))
    view = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    assert not view.has_unsaved_changes()
    enter(qtbot, view.field("HEIGHT"), "170")  # the same value, typed differently
    assert view._entry(False).values == {}
    enter(qtbot, view.field("ETHNIC"), "HAN")
    entry = view._entry(False)
    assert entry.values == {"ETHNIC": "HAN"} and entry.expected_version == view.snapshot.version


def test_a_hard_error_blocks_the_save_is_shown_and_gets_the_caret(
        qtbot, coordinator, context, enrolled):  # fmt: skip
    view = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    before = view.snapshot.version
    fill(qtbot, view, {**DM_VALUES, "HEIGHT": "500.0"})
    view.refresh_preview()
    assert "outside the allowed range" in view.message_text("HEIGHT")  # live, before saving
    enter(qtbot, view.field("ECOGDAT"), "2025-02-31")  # not a real date
    assert not view.save()
    assert "not a real date" in view.message_text("ECOGDAT")
    assert "Not saved" in view.banner.text()
    focused = QApplication.focusWidget()
    assert focused is not None and (view.field("ECOGDAT").isAncestorOf(focused)
                                    or view.field("HEIGHT").isAncestorOf(focused))  # fmt: skip
    assert form_values(coordinator, enrolled, "SE.SCR", 1, "DM").version == before


@pytest.mark.req("REQ-DQ-01")
def test_a_soft_warning_needs_an_override_reason_through_the_dialog(
        qtbot, coordinator, context, enrolled, monkeypatch):  # fmt: skip
    view = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    before = view.snapshot.version
    fill(qtbot, view, {**DM_VALUES, "WEIGHT": "160.0"})
    view.refresh_preview()
    assert "outside the expected range" in view.message_text("WEIGHT")
    monkeypatch.setattr(OverrideDialog, "exec", lambda self: pytest.fail("asked in progress"))
    save_ok(view)  # issue 16: a form in progress is saved, nothing asked, the warning shown
    assert "outside the expected range" in view.message_text("WEIGHT")
    before = form_values(coordinator, enrolled, "SE.SCR", 1, "DM").version
    monkeypatch.setattr(OverrideDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert not view.save(True)  # marking complete asks
    assert form_values(coordinator, enrolled, "SE.SCR", 1, "DM").version == before
    asked: list[OverrideDialog] = []
    accept_dialog(monkeypatch, OverrideDialog, lambda d: d.set_all("weighed twice, correct"),
                  asked)  # fmt: skip
    assert view.save(True)
    assert len(asked) == 1 and len(asked[0].edits) == 1
    stored = form_values(coordinator, enrolled, "SE.SCR", 1, "DM")
    assert stored.values["WEIGHT"] == "160.0"
    assert [f.override_reason for f in stored.findings if f.override_reason] == [
        "weighed twice, correct"]
    assert "confirmed: weighed twice, correct" in view.message_text("WEIGHT")


@pytest.mark.req("REQ-AT-01", "REQ-DQ-02")
def test_changing_a_saved_value_asks_for_a_reason(
        qtbot, coordinator, context, enrolled, monkeypatch):  # fmt: skip
    save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values=dict(DM_VALUES)))
    view = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    enter(qtbot, view.field("WEIGHT"), "72.5")
    asked: list[ReasonForChangeDialog] = []

    def answer(dialog: ReasonForChangeDialog) -> None:
        dialog.set_reason("OTHER")
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        dialog.set_reason("OTHER", "scale recalibrated")

    accept_dialog(monkeypatch, ReasonForChangeDialog, answer, asked)
    save_ok(view)
    changed = asked[0].findChild(type(view.title), "changedItems").text()
    assert len(asked) == 1 and "Weight" in changed  # the label, not the variable (issue 16)
    assert "WEIGHT" not in changed
    assert form_values(coordinator, enrolled, "SE.SCR", 1, "DM").values["WEIGHT"] == "72.5"
    change = audit_entries(coordinator, action="DATA_CHANGED", item_name="WEIGHT")[-1]
    assert (change.old_value, change.new_value, change.reason_code, change.reason_text) == (
        "70.0", "72.5", "OTHER", "scale recalibrated")


def test_show_if_hides_and_reveals_conditional_items_live(qtbot, coordinator, context):
    key = subjects.screen_subject(coordinator)
    view = open_form(qtbot, context, key, "SE.SCR", "IE")
    exc02a = view.field("EXC02A")
    mdt = view.field("INC01MDT")
    assert not exc02a.isVisibleTo(view) and not mdt.isVisibleTo(view)
    enter(qtbot, view.field("EXC02"), "Y")  # no preview needed: conditions apply at once
    assert exc02a.isVisibleTo(view) and view.fields["EXC02A"].label.text().endswith("*")
    enter(qtbot, view.field("INC01"), "Y")
    assert mdt.isVisibleTo(view)
    enter(qtbot, exc02a, "Y")
    enter(qtbot, view.field("EXC02"), "N")
    assert not exc02a.isVisibleTo(view)
    assert "EXC02A" not in view._entry(False).values  # a hidden answer is not sent


def test_show_if_in_rows_and_on_derived_values(qtbot, coordinator, context, enrolled):
    ct = open_form(qtbot, context, enrolled, "SE.C1", "CT")
    assert not ct.field("CYD1DAT").isVisibleTo(ct)
    enter(qtbot, ct.field("CYGIVEN"), "Y")
    assert ct.field("CYD1DAT").isVisibleTo(ct) and ct.group_boxes["SUPPORT"].isVisibleTo(ct)
    enter(qtbot, ct.field("DOXRED"), "Y")
    assert ct.field("DOXREDPCT").isVisibleTo(ct) and not ct.field("DOXREDOTH").isVisibleTo(ct)
    enter(qtbot, ct.field("DOXREDPCT"), "OTHER")
    assert ct.field("DOXREDOTH").isVisibleTo(ct)
    ae = open_form(qtbot, context, enrolled, "SE.LOG", "AE")
    add_rows(qtbot, ae, "AE", [{"AEONGO": "Y"}])
    table = ae.table("AE")
    assert not table.editor(0, "AEENDAT").input.isVisible()
    enter(qtbot, table.editor(0, "AEONGO"), "N")
    assert table.editor(0, "AEENDAT").input.isVisible()


def test_rows_keep_their_keys_and_a_removed_row_is_removed(
        qtbot, coordinator, context, enrolled, monkeypatch):  # fmt: skip
    view = open_form(qtbot, context, enrolled, "SE.SCR", "MH")
    rows = [{"MHTERM": t, "MHCAT": "GENERAL", "MHSTDAT": "2010", "MHONGO": "N",
             "MHENDAT": "2012"} for t in ("Appendicitis", "Fracture", "Gout")]  # fmt: skip
    add_rows(qtbot, view, "MH", rows)
    fill(qtbot, view, {"DIABETES": "N", "SMOKE": "NEVER"})
    accept_dialog(monkeypatch, OverrideDialog, lambda d: d.set_all("as in the source"))
    save_ok(view)
    keys = [row.key for row in view.table("MH").rows]
    assert None not in keys and len(set(keys)) == 3
    view.table("MH").remove_row(1)
    accept_dialog(monkeypatch, ReasonForChangeDialog,
                  lambda d: d.set_reason("TRANSCRIPTION_ERROR"))  # fmt: skip
    save_ok(view)
    stored = form_values(coordinator, enrolled, "SE.SCR", 1, "MH").rows["MH"]
    assert [r.key for r in stored] == [keys[0], keys[2]]
    assert [r.values["MHTERM"] for r in stored] == ["Appendicitis", "Gout"]


def test_a_reason_for_missing_instead_of_a_value(qtbot, coordinator, context, enrolled):
    view = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    fill(qtbot, view, {k: v for k, v in DM_VALUES.items() if k != "ECOGDAT"})
    view.field("ECOGDAT").set_missing_reason("UNKNOWN")
    assert view.field("ECOGDAT").reason_button.isVisibleTo(view)
    save_ok(view)
    stored = form_values(coordinator, enrolled, "SE.SCR", 1, "DM")
    assert stored.missing["ECOGDAT"] == "UNKNOWN" and "ECOGDAT" not in stored.values
    assert view.field("ECOGDAT").missing_reason() == "UNKNOWN"


def test_a_version_conflict_says_so_and_reloads(
        qtbot, coordinator, context, enrolled, monkeypatch):  # fmt: skip
    view = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values=dict(DM_VALUES)))
    shown: list[BaseException] = []
    monkeypatch.setattr(form_saving_module, "show_error", lambda parent, exc: shown.append(exc))
    enter(qtbot, view.field("WEIGHT"), "71.0")
    assert not view.save()
    assert shown and "saved by someone else" in shown[0].message.en
    assert view.field("WEIGHT").value_text() == "70.0" and not view.has_unsaved_changes()


@pytest.mark.req("REQ-AC-02", "REQ-AC-04")
def test_a_monitor_gets_no_editable_field_and_no_save_buttons(
        qtbot, trial, coordinator, enrolled, context_for):  # fmt: skip
    save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values=dict(DM_VALUES)))
    monitor = trial.user("monitor")
    for code, event in (("DM", "SE.SCR"), ("CT", "SE.C1")):
        view = open_form(qtbot, context_for(monitor), enrolled, event, code)
        assert not view.save_button.isVisibleTo(view)
        assert not view.complete_button.isVisibleTo(view)
        for editor in view._all_editors():
            assert not editor.is_editable(), editor.item.name
            if isinstance(editor, DerivedEditor):
                continue
            for widget in editor.focus_widgets():
                if isinstance(widget, QLineEdit | QPlainTextEdit):
                    assert widget.isReadOnly() or not widget.isEnabled()
                elif widget is not editor.reason_button:
                    assert not widget.isEnabled(), editor.item.name
        for table in view.tables.values():
            assert not table.add_button.isVisibleTo(view)
        assert not view.has_unsaved_changes() and not view.save()
    dm = open_form(qtbot, context_for(monitor), enrolled, "SE.SCR", "DM")
    assert "BRTHDAT" not in dm.fields  # an identifier: withheld from a monitor
    assert dm.field("WEIGHT").value_text() == "70.0"


def test_a_whole_form_can_be_entered_with_the_keyboard_alone(qtbot, coordinator, context):
    key = subjects.screen_subject(coordinator)
    view = open_form(qtbot, context, key, "SE.SCR", "IE")
    view.setFocus()
    typed = {"INC01MDT": ELIGIBLE_IE["INC01MDT"], "ICVER": "1"}
    order = ["RFICDAT", "ICVER", "ICPIPL", "ICXFER", "SCRDAT", "INC01", "INC01A", "INC01B",
             "INC01C", "INC01D", "INC01MDT", "INC02", "INC03", "INC04", "INC05", "INC06",
             *(f"EXC0{i}" for i in range(1, 10))]  # fmt: skip
    for name in order:
        focused = QApplication.focusWidget()
        assert view.field(name).isAncestorOf(focused), (name, focused)
        text = typed.get(name, ELIGIBLE_IE[name])
        qtbot.keyClicks(focused, text.replace("-", "") if len(text) == 10 else text)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert QApplication.focusWidget() is view.save_button  # after the last field: Save
    qtbot.keyClick(view.save_button, Qt.Key.Key_Return)
    stored = form_values(coordinator, key, "SE.SCR", 1, "IE")
    assert {k: stored.values[k] for k in ELIGIBLE_IE} == ELIGIBLE_IE  # 20250203 → 2025-02-03
    assert stored.values["ELIGFL"] == "Y"
    assert view.field("ELIGFL").value_text() == "Y"


def test_tab_order_follows_the_form(qtbot, coordinator, context, enrolled):
    view = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    view.field("ENRDAT").setFocus()
    seen: list[str] = []
    for _ in range(12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert not any(f.help_button is focused for f in view.fields.values())  # issue 16
        name = next(n for n, f in view.fields.items() if f.editor.isAncestorOf(focused))
        if not seen or seen[-1] != name:
            seen.append(name)
    # the derived AGE is skipped, and so is every "?" button (F1 shows the help)
    assert seen[:6] == ["BRTHDAT", "SEX", "ETHNIC", "SUBJNAME", "SUBJPINYIN", "MRN"]


def test_chinese_labels_and_language_switch(qtbot, coordinator, context, enrolled):
    view = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    context.translations.install("zh")
    view.retranslate()
    assert "人口学" in view.title.text()
    sex = view.field("SEX")
    assert [b.text() for b in sex.buttons] == ["男", "女"]
    context.translations.install("en")
    view.retranslate()
    assert [b.text() for b in sex.buttons] == ["Male", "Female"]


def test_booleans_answer_to_y_and_n_keys(qtbot, coordinator, context):
    key = subjects.screen_subject(coordinator)
    view = open_form(qtbot, context, key, "SE.SCR", "IE")
    editor = view.field("ICPIPL")
    qtbot.keyClicks(editor.focus_target(), "y")
    assert editor.value_text() == "Y"
    qtbot.keyClicks(editor.focus_target(), "n")
    assert editor.value_text() == "N"
    qtbot.keyClick(editor.focus_target(), Qt.Key.Key_Delete)
    assert editor.value_text() == ""


def test_rows_can_be_entered_with_the_keyboard(qtbot, coordinator, context, enrolled):
    view = open_form(qtbot, context, enrolled, "SE.C1", "CT")
    table = view.table("DOXADM")
    table.add_button.setFocus()
    qtbot.keyClick(table.add_button, Qt.Key.Key_Return)  # Return on Add row: a new row
    assert len(table.rows) == 1 and table.editor(0, "EXSTDAT").isAncestorOf(
        QApplication.focusWidget())
    assert table.editor(0, "EXROUTE").value_text() == "IV"  # the item's default
    for text in ("20250228", "45.5"):
        qtbot.keyClicks(QApplication.focusWidget(), text)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert table.editor(0, "EXROUTE").isAncestorOf(QApplication.focusWidget())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert QApplication.focusWidget() is table.add_button  # after the last cell: Add row
    assert table.row_values(0) == {"EXSTDAT": "2025-02-28", "EXDOSE": "45.5", "EXROUTE": "IV"}
    qtbot.keyClick(table.editor(0, "EXDOSE").focus_target(), Qt.Key.Key_Delete,
                   Qt.KeyboardModifier.ControlModifier)  # fmt: skip
    assert table.rows == []


def test_a_date_from_the_calendar(qtbot, coordinator, context, enrolled):
    view = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    editor = view.field("VSDAT")
    editor.edit.setFocus()
    qtbot.keyClick(editor.edit, Qt.Key.Key_F4)
    assert editor.calendar.isVisible()
    editor.calendar.setSelectedDate(editor.calendar.selectedDate().addDays(-1))
    qtbot.keyClick(editor.calendar.focusWidget() or editor.calendar, Qt.Key.Key_Return)
    assert len(editor.value_text()) == 10 and view.has_unsaved_changes()


def test_conditions_on_other_forms(qtbot, coordinator, context, enrolled):
    from tnt_desktop.study.model import DataType, Item, Req, Text

    save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values=dict(DM_VALUES)))
    mh = open_form(qtbot, context, enrolled, "SE.SCR", "MH")
    male = Item("X", Text("x", "x"), DataType.BOOLEAN, Req.CONDITIONAL, condition="DM.SEX == 'M'")
    female = Item("Y", Text("y", "y"), DataType.BOOLEAN, Req.CONDITIONAL,
                  condition="DM.SEX == 'F'")  # fmt: skip
    assert mh._applicable(male) and not mh._applicable(female)
    dm = open_form(qtbot, context, enrolled, "SE.SCR", "DM")
    enter(qtbot, dm.field("SEX"), "F")  # a reference to the form itself reads what is typed
    assert dm._applicable(female) and dm.field("CHILDPOT").isVisibleTo(dm)


def test_mark_complete_names_every_missing_answer(qtbot, coordinator, context):
    key = subjects.screen_subject(coordinator)
    view = open_form(qtbot, context, key, "SE.SCR", "IE")
    enter(qtbot, view.field("ICPIPL"), "Y")
    assert not view.save(complete=True)
    assert "required" in view.message_text("RFICDAT")
    assert "required" in view.message_text("EXC09")
    assert view.field("RFICDAT").isAncestorOf(QApplication.focusWidget())
    enter(qtbot, view.field("RFICDAT"), "2025-02-03")
    view.refresh_preview()
    assert view.message_text("RFICDAT") == "" and "required" in view.message_text("EXC09")
    assert form_values(coordinator, key, "SE.SCR", 1, "IE").status != "COMPLETE"
