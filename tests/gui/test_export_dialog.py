"""The sponsor export dialog and the "export due" indicator (issue 5, items 5 and 6): real runs of
run_export through the dialog's widgets, off the GUI thread; a plain CSV folder, a passphrase
package with nothing readable on disk, Cancel leaving nothing behind, the menu action per role,
the status-bar indicator before and after an export, and input refused before anything starts."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from tests.core.conftest import enrol_one
from tnt_desktop.exports.package import PACKAGE_SUFFIX
from tnt_desktop.exports.package_open import open_package
from tnt_desktop.gui import export_run as export_run_module
from tnt_desktop.gui.export_dialog import ExportDialog
from tnt_desktop.gui.main_window import MainWindow
from tnt_desktop.gui.subject_table import OVERDUE_TEXT
from tnt_desktop.services.export_settings import export_due

PHRASE = "correct horse battery staple"
RUN_TIMEOUT = 60000



@pytest.fixture
def datamanager(trial):
    """A data manager, on a database with one enrolled subject (so the run has rows to write
    and reports progress per subject)."""
    enrol_one(trial.user("coordinator"))
    return trial.user("datamanager")


def make_dialog(qtbot, context) -> ExportDialog:
    dialog = ExportDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def choose(dialog: ExportDialog, out: Path, formats: set[str], package: bool) -> None:
    for key, box in dialog.format_boxes.items():
        box.setChecked(key in formats)
    dialog.folder.setText(str(out))
    (dialog.as_package if package else dialog.as_folder).setChecked(True)


def type_passphrase(qtbot, dialog: ExportDialog, first: str, again: str) -> None:
    dialog.use_passphrase.setChecked(True)
    for edit, text in ((dialog.passphrase, first), (dialog.passphrase_again, again)):
        edit.clear()
        qtbot.keyClicks(edit, text)


def run(qtbot, dialog: ExportDialog) -> None:
    """Press Export and wait until the run has ended (success, failure or cancel)."""
    with qtbot.waitSignal(dialog.runEnded, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        assert dialog.running
        assert not dialog.folder.isEnabled() and not dialog.export_button.isEnabled()
    assert not dialog.running


def test_plain_folder_csv_export(qtbot, datamanager, context_for, tmp_path):
    dialog = make_dialog(qtbot, context_for(datamanager))
    assert dialog.as_folder.isChecked(), "no sponsor key: a plain folder is the default"
    assert not dialog.recipient_box.isEnabled()
    out = tmp_path / "out"
    choose(dialog, out, {"csv"}, package=False)
    values: list[int] = []
    dialog.progress.valueChanged.connect(values.append)
    run(qtbot, dialog)

    result = dialog.result
    assert result is not None and result.package is None
    folder = result.folder
    assert folder is not None and folder.parent == out and folder.is_dir()
    assert sorted(p.name for p in out.iterdir()) == [folder.name]  # no .part left over
    csvs = sorted(p.name for p in (folder / "csv").glob("*.csv"))
    assert "DM.csv" in csvs and "IE.csv" in csvs
    rows = (folder / "csv" / "DM.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 2 and "TNT-01-001" in rows[1]  # the header and the enrolled subject
    assert (folder / "manifest.json").is_file() and (folder / "SHA256SUMS").is_file()
    assert not (folder / "pdf").exists() and not (folder / "odm").exists()
    assert values and values[-1] == 100 and dialog.progress.value() == 100
    assert len(values) > 2, "progress is reported along the way, not only at the end"
    assert dialog.result_label.isVisible() and not dialog.message.isVisible()
    shown = dialog.result_label.text()
    assert shown.startswith("Exported 1 subject, ") and str(folder) in shown
    assert dialog.folder.isEnabled() and dialog.export_button.isEnabled()
    assert not dialog.cancel_button.isEnabled()


def test_passphrase_package_writes_only_ciphertext(qtbot, datamanager, context_for, tmp_path):
    dialog = make_dialog(qtbot, context_for(datamanager))
    out = tmp_path / "out"
    choose(dialog, out, {"csv", "odm"}, package=True)
    assert dialog.recipient_box.isEnabled()
    assert not dialog.use_sponsor.isEnabled(), "no sponsor key in the study settings"
    type_passphrase(qtbot, dialog, PHRASE, PHRASE)
    run(qtbot, dialog)

    result = dialog.result
    assert result is not None and result.folder is None and result.package is not None
    names = sorted(p.name for p in out.rglob("*"))
    assert names == [result.package.name, result.package.name + ".sha256"]
    assert result.package.name.endswith(PACKAGE_SUFFIX)
    shown = dialog.result_label.text()
    assert str(result.package) in shown and f"SHA-256: {result.package_sha256}" in shown
    assert PHRASE not in shown and PHRASE not in dialog.status.text()
    assert dialog.passphrase.text() == "" and dialog.passphrase_again.text() == ""
    opened = open_package(result.package, passphrase=PHRASE)
    assert opened.subject_count == 1


def gate_first_progress(monkeypatch) -> threading.Event:
    """run_export, for real, but held at its first progress report until the user has pressed
    Cancel (so the test does not race a fast run). Returns an event set once it is held."""
    real = export_run_module.run_export
    held = threading.Event()

    def gated(app, out_dir, *, progress, cancel, **kwargs):
        def report(percent, text):
            progress(percent, text)
            if not held.is_set():
                held.set()
                deadline = time.monotonic() + 20
                while not cancel() and time.monotonic() < deadline:
                    time.sleep(0.01)

        return real(app, out_dir, progress=report, cancel=cancel, **kwargs)

    monkeypatch.setattr(export_run_module, "run_export", gated)
    return held


@pytest.mark.parametrize("package", [False, True], ids=["folder", "package"])
def test_cancel_leaves_nothing_and_says_so(qtbot, datamanager, context_for, tmp_path,
                                           monkeypatch, package):  # fmt: skip
    held = gate_first_progress(monkeypatch)
    dialog = make_dialog(qtbot, context_for(datamanager))
    out = tmp_path / "out"
    choose(dialog, out, {"csv", "pdf", "odm"}, package=package)
    if package:
        type_passphrase(qtbot, dialog, PHRASE, PHRASE)
    with qtbot.waitSignal(dialog.runEnded, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: held.is_set() and dialog.progress.value() > 0, timeout=20000)
        assert dialog.cancel_button.isEnabled()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        assert dialog.status.text() == "Cancelling…"
    assert dialog.result is None
    assert list(out.iterdir()) == []
    assert dialog.result_label.text() == "Export cancelled; nothing was written."
    assert not dialog.message.isVisible(), "a cancel is not an error"
    assert dialog.progress.value() == 0 and dialog.export_button.isEnabled()
    assert dialog.passphrase.text() == ""


def test_closing_during_a_run_cancels_it_first(qtbot, datamanager, context_for, tmp_path,
                                               monkeypatch):  # fmt: skip
    held = gate_first_progress(monkeypatch)
    dialog = make_dialog(qtbot, context_for(datamanager))
    out = tmp_path / "out"
    choose(dialog, out, {"csv"}, package=False)
    with qtbot.waitSignal(dialog.runEnded, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(held.is_set, timeout=20000)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc = close: asks the run to stop first
        assert dialog.isVisible(), "the dialog stays until the run has stopped"
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor", "admin"])
@pytest.mark.req("REQ-AC-02")
def test_roles_without_export_permission_get_a_disabled_action(qtbot, trial, context_for,
                                                               role):  # fmt: skip
    session = trial.user(role)
    window = MainWindow(context_for(session))
    qtbot.addWidget(window)
    assert window.act_export.shortcut().toString() == "Ctrl+E"
    assert not window.act_export.isEnabled()
    assert window.act_export in window.menu_file.actions()
    window.export_for_sponsor()
    assert window.export_dialog is None
    # "Export due" only for whoever can make the export (issue 16), and no Export button
    assert not window.status_export.isVisibleTo(window)
    assert window.act_export not in window.toolbar.actions()


def test_status_bar_says_due_until_an_export_is_made(qtbot, datamanager, context_for, tmp_path):
    context = context_for(datamanager)
    window = MainWindow(context)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.dashboard.loaded, timeout=15000):
        window.show()
    qtbot.waitExposed(window)
    caption, value = window.dashboard.cards["export"]
    assert caption.text() == "Last export — due" and value.text() == "never"
    label = window.status_export
    assert window.act_export.isEnabled() and label.isVisible()
    today = date.today()
    assert export_due(datamanager, today)
    assert label.text() == "Export due: none made yet"
    assert label.toolTip() == "No export has been made yet; an export is due"
    assert label.palette().color(QPalette.ColorRole.WindowText) == OVERDUE_TEXT

    window.act_export.trigger()
    dialog = window.export_dialog
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    choose(dialog, tmp_path / "out", {"csv"}, package=False)
    run(qtbot, dialog)
    assert dialog.result is not None

    # the dashboard on view is read again: the card shows the export, no longer due
    qtbot.waitUntil(lambda: caption.text() == "Last export", timeout=15000)
    assert value.text() != "never"
    due = export_due(datamanager, today)
    assert not due and due.since == today + timedelta(days=due.every_days)
    assert label.text() == f"Next export {due.since.isoformat()}"
    assert label.palette().color(QPalette.ColorRole.WindowText) != OVERDUE_TEXT
    assert label.toolTip().startswith("Next export due on")
    # a week later it is due again, in red, with the date it became due
    context.today = lambda: today + timedelta(days=due.every_days)
    window.update_export_due()
    assert label.text() == f"Export due since {due.since.isoformat()}"
    assert label.palette().color(QPalette.ColorRole.WindowText) == OVERDUE_TEXT
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_bad_passphrase_is_refused_before_anything_starts(qtbot, datamanager, context_for,
                                                          tmp_path):  # fmt: skip
    dialog = make_dialog(qtbot, context_for(datamanager))
    out = tmp_path / "out"
    choose(dialog, out, {"csv"}, package=True)

    type_passphrase(qtbot, dialog, "short", "short")
    qtbot.keyClick(dialog.passphrase_again, Qt.Key.Key_Return)  # Enter = Export
    assert dialog.task is None and not out.exists()
    assert dialog.message.isVisible()
    assert dialog.message.text() == "The passphrase must have at least 10 characters."

    type_passphrase(qtbot, dialog, PHRASE, PHRASE + "!")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.task is None and not out.exists()
    assert dialog.message.text() == "The two passphrases do not match."
    assert dialog.passphrase_again.text() == ""

    for box in dialog.format_boxes.values():
        box.setChecked(False)
    type_passphrase(qtbot, dialog, PHRASE, PHRASE)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.task is None and not out.exists()
    assert dialog.message.text() == "Choose at least one format."


def test_a_bad_key_file_is_reported_in_the_dialog(qtbot, datamanager, context_for, tmp_path):
    garbage = tmp_path / "garbage.asc"
    garbage.write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\nnonsense\n")
    dialog = make_dialog(qtbot, context_for(datamanager, "zh"))
    out = tmp_path / "out"
    choose(dialog, out, {"csv"}, package=True)
    dialog.set_key_file(str(garbage))
    assert dialog.use_key_file.isChecked() and "不是可用的 OpenPGP 公钥" in dialog.message.text()
    run(qtbot, dialog)  # the service refuses it too, before writing anything
    assert dialog.result is None and dialog.message.isVisible()
    shown = dialog.message.text()
    assert "garbage.asc" in shown and "不是可用的 OpenPGP 公钥" in shown
    assert not out.exists() or list(out.iterdir()) == []


def test_the_dialog_offers_define_xml_and_dataset_json(qtbot, datamanager, context_for, tmp_path):
    """Issue 18: two more formats, unchecked by default, labelled in Chinese too; a run with them
    writes define.xml and one Dataset-JSON file per CSV dataset."""
    chinese = make_dialog(qtbot, context_for(datamanager, "zh"))
    assert "数据集元数据" in chinese.format_boxes["define"].text()
    assert "每个数据集一个文件" in chinese.format_boxes["dsjson"].text()
    chinese.close()
    dialog = make_dialog(qtbot, context_for(datamanager))
    assert not dialog.format_boxes["define"].isChecked()
    assert not dialog.format_boxes["dsjson"].isChecked()
    assert "Define-XML 2.1" in dialog.format_boxes["define"].text()
    choose(dialog, tmp_path / "out", {"csv", "define", "dsjson"}, package=False)
    run(qtbot, dialog)
    folder = dialog.result.folder
    assert (folder / "define.xml").is_file()
    stems = {p.stem for p in (folder / "csv").glob("*.csv")} - {"data_dictionary"}
    assert {p.stem for p in (folder / "dsjson").glob("*.json")} == stems
    assert dialog.result.formats == ("csv", "define", "dsjson")


def test_the_data_manager_sets_the_data_cut_off(qtbot, datamanager, context_for, tmp_path):
    """Clarification 23: the cut-off is set when exporting; today by default, never later, and
    the run (manifest, result line) states the day chosen. Labelled in Chinese too."""
    import json

    chinese = make_dialog(qtbot, context_for(datamanager, "zh"))
    assert chinese.cutoff_label.text().startswith("数据截止日")
    chinese.close()
    dialog = make_dialog(qtbot, context_for(datamanager))
    today = date.today()
    assert dialog.cutoff.date().toPython() == today
    dialog.cutoff.setDate(dialog.cutoff.date().addDays(5))  # clamped: no cut-off after today
    assert dialog.cutoff.date().toPython() == today
    chosen = today - timedelta(days=10)
    dialog.cutoff.setDate(chosen)
    choose(dialog, tmp_path / "out", {"csv"}, package=False)
    run(qtbot, dialog)
    manifest = json.loads((dialog.result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_cutoff"] == chosen.isoformat()
    assert chosen.isoformat() in dialog.result_label.text()
