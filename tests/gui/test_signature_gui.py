"""Electronic signatures in the GUI (issue 6): the investigator signs F01 through the signature
dialog — the acknowledgement and the user name the first time, a wrong password refused with
the dialog still open and nothing signed —, the form shows the signer, the time and the meaning,
an edit afterwards shows "Signature broken — re-signature required" and offers re-signing; other
roles get no Sign button."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialog

from tests.core.conftest import PASSWORD, enrol_one
from tests.gui.test_form_view import open_form
from tnt_desktop.gui.signature_dialog import SignatureDialog
from tnt_desktop.services import signatures
from tnt_desktop.services.casebook import form_values
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.signatures import SignatureState


@pytest.fixture
def team(trial):
    return {role: trial.user(role) for role in ("coordinator", "investigator", "monitor")}


@pytest.fixture
def subject(team) -> str:
    sid = enrol_one(team["coordinator"])
    save_form(team["coordinator"], FormEntry(sid, "SE.SCR", "IE", complete=True))
    return sid


def status(app, sid: str) -> str:
    return form_values(app, sid, "SE.SCR", 1, "IE").status


@pytest.mark.req("REQ-ES-01", "REQ-ES-02", "REQ-ES-05")
def test_signing_through_the_dialog(qtbot, team, subject, context_for, monkeypatch):
    inv = team["investigator"]
    view = open_form(qtbot, context_for(inv), subject, "SE.SCR", "IE")
    strip = view.review.signatures
    button = strip.sign_buttons["IESIG"]
    assert button.isVisibleTo(view) and button.text() == "Sign…"
    assert "Not signed" in strip.labels["IESIG"].text()
    attempts: list[dict] = []

    def exec_(dialog: SignatureDialog) -> int:
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        attempts.append({"ack": dialog.ack_box is not None,
                         "username": dialog.username.isVisibleTo(dialog),
                         "meaning": dialog.meaning.text()})  # fmt: skip
        assert dialog.ack_box is not None  # the first signature: acknowledge first
        dialog.username.setText(inv.username)
        dialog.password.setText("wrong password")
        assert not ok.isEnabled()  # not without accepting the statement
        dialog.ack_box.setChecked(True)
        assert ok.isEnabled()
        dialog.accept()  # wrong password: refused, the dialog stays
        assert dialog.result() != QDialog.DialogCode.Accepted and dialog.signed is None
        assert dialog.error.isVisibleTo(dialog) and "wrong" in dialog.error.text()
        assert dialog.password.text() == ""  # cleared after every attempt
        assert signatures.signatures(inv, subject) == []
        dialog.password.setText(PASSWORD)
        dialog.accept()
        assert dialog.signed is not None and dialog.password.text() == ""
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(SignatureDialog, "exec", exec_)
    button.click()
    assert attempts == [{"ack": True, "username": True, "meaning": "I confirm eligibility"}]
    assert status(inv, subject) == "SIGNED"
    [sig] = signatures.signatures(inv, subject)
    assert sig.state is SignatureState.VALID and sig.point == "IESIG"
    label = view.review.signatures.labels["IESIG"].text()
    assert sig.printed_name in label and "I confirm eligibility" in label and "UTC" in label
    assert not view.review.signatures.sign_buttons["IESIG"].isVisibleTo(view)

    # an edit breaks it: shown in red in the form view, with Re-sign…
    save_form(team["coordinator"], FormEntry(subject, "SE.SCR", "IE",
                                             values={"SCRDAT": "2025-02-04"},
                                             reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    view.reload()
    strip = view.review.signatures
    assert strip.is_broken("IESIG")
    assert "Signature broken — re-signature required" in strip.labels["IESIG"].text()
    label = strip.labels["IESIG"]
    assert label.palette().color(QPalette.ColorRole.WindowText).name() == "#b3261e"
    assert label.font().bold()
    resign = strip.sign_buttons["IESIG"]
    assert resign.isVisibleTo(view) and resign.text() == "Re-sign…"

    # the second signature of the session: no acknowledgement, no user name
    def exec_again(dialog: SignatureDialog) -> int:
        assert dialog.ack_box is None and not dialog.username.isVisibleTo(dialog)
        dialog.password.setText(PASSWORD)
        dialog.accept()
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(SignatureDialog, "exec", exec_again)
    resign.click()
    assert status(inv, subject) == "SIGNED"
    assert not view.review.signatures.is_broken("IESIG")


@pytest.mark.req("REQ-ES-03")
def test_other_roles_have_no_sign_button_and_the_casebook_shows_a_broken_signature(
        qtbot, team, subject, context_for):  # fmt: skip
    from tests.gui.test_casebook_view import make_view as make_casebook

    inv = team["investigator"]
    for role in ("coordinator", "monitor"):
        view = open_form(qtbot, context_for(team[role]), subject, "SE.SCR", "IE")
        assert view.review.signatures.isVisibleTo(view)  # the manifestation is for everyone
        assert not view.review.signatures.sign_buttons["IESIG"].isVisibleTo(view)
    dm = open_form(qtbot, context_for(inv), subject, "SE.SCR", "DM")
    assert not dm.review.signatures.isVisibleTo(dm)  # F02 has no signature point
    signatures.acknowledge(inv, PASSWORD)
    signatures.sign(inv, subject, "SE.SCR", 1, "IE", "IESIG", PASSWORD, username=inv.username)
    casebook = make_casebook(qtbot, context_for(team["monitor"]), subject)
    assert "signed by" in casebook.review.signature_label.text()
    save_form(team["coordinator"], FormEntry(subject, "SE.SCR", "IE",
                                             values={"SCRDAT": "2025-02-04"},
                                             reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    casebook.refresh()
    assert "signature broken — re-signature required" in casebook.review.signature_label.text()
    assert casebook.review.broken()
