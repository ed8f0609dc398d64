"""Electronic signatures (issue 6; CRF_SPEC.md REQ-ES-01…05, REQ-AT-01, REQ-AT-06): only the
investigator signs, by re-entering the password (and the user name the first time in a
session), after acknowledging once that the signature is legally binding; the signature binds
a SHA-256 of the signed data, and any later change — through the application or behind its
back — breaks it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.core.conftest import PASSWORD, audit_entries, enrol_one
from tnt_desktop.errors import AccountLocked, PermissionDenied
from tnt_desktop.services import sdv, workflow
from tnt_desktop.services import signatures as sg
from tnt_desktop.services.form_entries import FormEntry, OverrideRequired
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.signatures import (
    AcknowledgementRequired,
    NotSignable,
    SignaturePasswordWrong,
    SignatureState,
    UnknownSignaturePoint,
    UserNameRequired,
)
from tnt_desktop.storage import keyslots
from tnt_desktop.storage.models import SignatureAcknowledgement

CJK = re.compile(r"[\u4e00-\u9fff]")
IE = ("SE.SCR", 1, "IE")
EOS = ("SE.EOS", 1, "EOS")
EOS_VALUES = {"EOTSTAT": "CONSENT_WITHDRAWN", "EOSSTAT": "CONSENT_WITHDRAWN",
              "WDSCOPE": "TREATMENT_ONLY", "EOSDAT": "2025-06-01",
              "LASTCONT": "2025-06-01"}  # fmt: skip


def save(app, entry: FormEntry):
    """save_form, confirming any soft finding with a reason."""
    try:
        return save_form(app, entry)
    except OverrideRequired as exc:
        entry.overrides = {key: "confirmed with the source" for key, _f in exc.findings}
        return save_form(app, entry)


@pytest.fixture
def team(trial):
    return {role: trial.user(role)
            for role in ("coordinator", "investigator", "monitor", "datamanager")}  # fmt: skip


@pytest.fixture
def subject_id(team) -> str:
    """An enrolled subject whose F01 is complete."""
    sid = enrol_one(team["coordinator"])
    assert save_form(team["coordinator"], FormEntry(sid, *IE[:1], "IE",
                                                    complete=True)).status == "COMPLETE"
    return sid


def ready(investigator) -> None:
    sg.acknowledge(investigator, PASSWORD)


def sign_ie(investigator, sid: str, **kw):
    kw.setdefault("username", investigator.username)
    return sg.sign(investigator, sid, *IE, "IESIG", PASSWORD, **kw)


def status_of(app, sid: str, form=IE) -> str:
    with app.transaction(write=False) as session:
        subject = workflow.find_subject(session, sid)
        return workflow.find_form_instance(session, subject, *form).status


def bilingual(exc: pytest.ExceptionInfo) -> None:
    assert exc.value.message.en and CJK.search(exc.value.message.zh)


# ---- who signs, and how ----------------------------------------------------------------------
@pytest.mark.req("REQ-ES-01", "REQ-ES-02", "REQ-ES-03", "REQ-AT-06")
def test_investigator_signs_eligibility(team, subject_id):
    inv = team["investigator"]
    ready(inv)
    view = sign_ie(inv, subject_id)
    assert (view.point, view.scope, view.username, view.role) == (
        "IESIG", "FORM", "investigator", "investigator")
    assert view.printed_name == "investigator"  # the account's display name
    assert view.meaning.en == "I confirm eligibility" and CJK.search(view.meaning.zh)
    assert view.ts_utc.endswith("Z") and len(view.data_hash) == 64
    assert view.state is SignatureState.VALID
    assert status_of(inv, subject_id) == "SIGNED"
    [entry] = audit_entries(inv, action="SIGNED")
    assert (entry.subject_key, entry.form_code, entry.old_value, entry.new_value) == (
        subject_id, "IE", "COMPLETE", "SIGNED")
    assert view.data_hash in entry.detail and "I confirm eligibility" in entry.detail
    assert PASSWORD not in str([vars(e) for e in audit_entries(inv)])
    [listed] = sg.signatures(team["monitor"], subject_id)
    assert listed == view


@pytest.mark.req("REQ-ES-01", "REQ-AC-01")
@pytest.mark.parametrize("role", ["admin", "coordinator", "monitor", "datamanager"])
def test_every_other_role_is_refused(trial, team, subject_id, role):
    app = trial.admin if role == "admin" else team[role]
    with pytest.raises(PermissionDenied):
        sg.sign(app, subject_id, *IE, "IESIG", PASSWORD, username=app.username)
    with pytest.raises(PermissionDenied):
        sg.acknowledge(app, PASSWORD)
    assert status_of(team["investigator"], subject_id) == "COMPLETE"
    assert sg.signatures(team["investigator"], subject_id) == []


@pytest.mark.req("REQ-ES-01", "REQ-AC-03")
def test_wrong_password_is_refused_counted_and_nothing_signed(trial, team, subject_id):
    inv = team["investigator"]
    ready(inv)
    with pytest.raises(SignaturePasswordWrong) as exc:
        sg.sign(inv, subject_id, *IE, "IESIG", "not-my-password", username="investigator")
    bilingual(exc)
    assert "not signed" in exc.value.message.en and "wrong user name or password" in (
        exc.value.message.en)
    assert "not-my-password" not in exc.value.message.en
    assert sg.signatures(inv, subject_id) == []
    assert status_of(inv, subject_id) == "COMPLETE"
    assert keyslots.KeySlotFile.load(trial.keys_path).slots["investigator"].failures == 1
    failed = audit_entries(inv, action="SIGNATURE_FAILED")
    assert len(failed) == 1 and "not-my-password" not in str(vars(failed[0]))
    # another person's user name is refused the same way
    with pytest.raises(SignaturePasswordWrong):
        sg.sign(inv, subject_id, *IE, "IESIG", PASSWORD, username="coordinator")
    # the right password signs and resets the failure count
    sign_ie(inv, subject_id)
    assert keyslots.KeySlotFile.load(trial.keys_path).slots["investigator"].failures == 0


@pytest.mark.req("REQ-AC-03")
def test_repeated_wrong_signature_passwords_lock_the_account(trial, team, subject_id):
    inv = team["investigator"]
    ready(inv)
    for _ in range(keyslots.MAX_FAILURES_BEFORE_LOCK - 1):
        with pytest.raises(SignaturePasswordWrong):
            sg.sign(inv, subject_id, *IE, "IESIG", "wrong-one", username="investigator")
    with pytest.raises(AccountLocked):  # the fifth failure locks the account, as a login's would
        sg.sign(inv, subject_id, *IE, "IESIG", "wrong-one", username="investigator")
    with pytest.raises(AccountLocked):  # even with the right password, until the back-off ends
        sign_ie(inv, subject_id)
    assert sg.signatures(inv, subject_id) == []


@pytest.mark.req("REQ-ES-01")
def test_first_signature_of_a_session_needs_the_user_name(trial, team, subject_id):
    inv = team["investigator"]
    ready(inv)
    assert sg.username_required(inv)
    with pytest.raises(UserNameRequired) as exc:
        sg.sign(inv, subject_id, *IE, "IESIG", PASSWORD)
    bilingual(exc)
    sign_ie(inv, subject_id)
    assert not sg.username_required(inv)
    # later signings in the same session: the password alone
    save(team["coordinator"], FormEntry(subject_id, "SE.SCR", "IE", values={"SCRDAT": "2025-02-04"},
                                        reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    sg.sign(inv, subject_id, *IE, "IESIG", PASSWORD)
    # a new login session asks for the user name again
    again = trial.login("investigator", PASSWORD)
    assert sg.username_required(again)


@pytest.mark.req("REQ-ES-05", "REQ-AT-06")
def test_acknowledgement_is_required_before_the_first_signature(team, subject_id):
    inv = team["investigator"]
    assert sg.needs_acknowledgement(inv)
    with pytest.raises(AcknowledgementRequired) as exc:
        sign_ie(inv, subject_id)
    bilingual(exc)
    with pytest.raises(SignaturePasswordWrong):
        sg.acknowledge(inv, "wrong password")
    assert sg.needs_acknowledgement(inv)
    sg.acknowledge(inv, PASSWORD)
    assert not sg.needs_acknowledgement(inv)
    with inv.transaction(write=False) as session:
        row = session.get(SignatureAcknowledgement, "investigator")
        assert row.ts_utc.endswith("Z") and row.statement_en == sg.ACKNOWLEDGEMENT.en
        assert row.statement_zh == sg.ACKNOWLEDGEMENT.zh and CJK.search(row.statement_zh)
    [entry] = audit_entries(inv, action="SIGNATURE_ACKNOWLEDGED")
    assert entry.username == "investigator" and entry.new_value == sg.ACKNOWLEDGEMENT.en
    assert "legally binding" in sg.ACKNOWLEDGEMENT.en
    sign_ie(inv, subject_id)


@pytest.mark.req("REQ-ES-04", "REQ-DQ-04")
def test_only_a_complete_or_verified_form_can_be_signed(team):
    coordinator, inv = team["coordinator"], team["investigator"]
    ready(inv)
    sid = enrol_one(coordinator)  # F01 saved, not complete
    with pytest.raises(NotSignable) as exc:
        sign_ie(inv, sid)
    bilingual(exc)
    with pytest.raises(NotSignable):  # no F13 yet
        sg.sign(inv, sid, *EOS, "EOSSIG", PASSWORD, username="investigator")
    with pytest.raises(UnknownSignaturePoint):
        sg.sign(inv, sid, *IE, "EOSSIG", PASSWORD, username="investigator")
    save_form(coordinator, FormEntry(sid, "SE.SCR", "IE", complete=True))
    sdv.verify_form(team["monitor"], sid, *IE)
    assert sign_ie(inv, sid).state is SignatureState.VALID
    assert status_of(inv, sid) == "SIGNED"
    with pytest.raises(NotSignable):  # already signed
        sign_ie(inv, sid)
    workflow.lock_form(team["datamanager"], sid, *IE)
    with pytest.raises(NotSignable):
        sign_ie(inv, sid)
    assert len(sg.signatures(inv, sid)) == 1


# ---- broken signatures ------------------------------------------------------------------------
@pytest.mark.req("REQ-ES-03", "REQ-AT-01", "REQ-AT-06", "REQ-DQ-04")
def test_an_edit_breaks_the_eligibility_signature_and_it_can_be_signed_again(team, subject_id):
    inv, coordinator = team["investigator"], team["coordinator"]
    ready(inv)
    first = sign_ie(inv, subject_id)
    # saving without a change keeps the signature
    save_form(coordinator, FormEntry(subject_id, "SE.SCR", "IE", values={"ICVER": "V1.0"}))
    assert status_of(inv, subject_id) == "SIGNED"
    assert sg.signatures(inv, subject_id)[0].state is SignatureState.VALID

    result = save(coordinator, FormEntry(subject_id, "SE.SCR", "IE",
                                         values={"SCRDAT": "2025-02-04"},
                                         reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    assert result.status == "COMPLETE"
    assert status_of(inv, subject_id) == "COMPLETE"
    [broken] = sg.signatures(inv, subject_id)
    assert broken.state is SignatureState.BROKEN and broken.broken_utc is not None
    assert broken.data_hash == first.data_hash
    [entry] = audit_entries(inv, action="SIGNATURE_BROKEN")
    assert (entry.subject_key, entry.form_code, entry.username) == (subject_id, "IE",
                                                                   "coordinator")  # fmt: skip
    assert "re-signature required" in entry.detail
    assert sg.BROKEN_TEXT.en == "signature broken — re-signature required"

    again = sg.sign(inv, subject_id, *IE, "IESIG", PASSWORD)
    assert again.state is SignatureState.VALID and again.data_hash != first.data_hash
    old, new = sg.signatures(inv, subject_id)
    assert (old.id, old.state, old.superseded_by) == (first.id, SignatureState.BROKEN, again.id)
    assert new == again and new.current
    current = sg.current_signatures(sg.signatures(inv, subject_id))
    assert current[("SE.SCR", 1, "IE", "IESIG")].id == again.id
    assert status_of(inv, subject_id) == "SIGNED"


@pytest.mark.req("REQ-ES-03", "REQ-ES-04", "REQ-AT-06")
def test_a_signed_casebook_is_broken_by_an_edit_of_another_form(team, subject_id):
    inv, coordinator = team["investigator"], team["coordinator"]
    ready(inv)
    save(coordinator, FormEntry(subject_id, "SE.EOS", "EOS", values=dict(EOS_VALUES),
                                complete=True))  # fmt: skip
    view = sg.sign(inv, subject_id, *EOS, "EOSSIG", PASSWORD, username="investigator")
    assert view.scope == "CASEBOOK" and view.meaning.en == "I approve the casebook"
    assert status_of(inv, subject_id, EOS) == "SIGNED"
    # an edit of F02 (another form) changes the signed casebook
    save(coordinator, FormEntry(subject_id, "SE.SCR", "DM", values={"WEIGHT": "71.0"},
                                reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    [broken] = sg.signatures(inv, subject_id)
    assert broken.state is SignatureState.BROKEN and broken.broken_utc
    assert status_of(inv, subject_id, EOS) == "COMPLETE"
    [entry] = audit_entries(inv, action="SIGNATURE_BROKEN")
    assert entry.form_code == "EOS" and "casebook" in entry.detail
    statuses = [(e.form_code, e.old_value, e.new_value)
                for e in audit_entries(inv, action="FORM_STATUS")]  # fmt: skip
    assert ("EOS", "SIGNED", "COMPLETE") in statuses
    # the casebook is signed again
    assert sg.sign(inv, subject_id, *EOS, "EOSSIG", PASSWORD).state is SignatureState.VALID


@pytest.mark.req("REQ-ES-03")
def test_a_change_made_outside_the_application_reads_broken(trial, team, subject_id):
    inv = team["investigator"]
    ready(inv)
    sign_ie(inv, subject_id)
    with inv.transaction() as session:  # tampering with raw SQL, bypassing the write path
        session.execute(text(
            "UPDATE item_value SET value = 'V9.9' WHERE item_name = 'ICVER'"))  # fmt: skip
    [view] = sg.signatures(inv, subject_id)
    assert view.state is SignatureState.BROKEN
    assert view.broken_utc is None  # never marked by the write path: detected on reading
    # a second reader sees the same
    assert sg.signatures(team["monitor"], subject_id)[0].state is SignatureState.BROKEN


@pytest.mark.req("REQ-ES-03")
def test_the_hash_covers_only_the_signed_form(team, subject_id):
    inv, coordinator = team["investigator"], team["coordinator"]
    ready(inv)
    sign_ie(inv, subject_id)
    save(coordinator, FormEntry(subject_id, "SE.SCR", "DM", values={"WEIGHT": "71.0"},
                                reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    [view] = sg.signatures(inv, subject_id)
    assert view.state is SignatureState.VALID
    assert audit_entries(inv, action="SIGNATURE_BROKEN") == []


@pytest.mark.req("REQ-ES-01")
def test_a_frozen_subject_can_be_signed_a_locked_one_cannot(team, subject_id):
    inv, dm = team["investigator"], team["datamanager"]
    ready(inv)
    workflow.freeze_subject(dm, subject_id)
    assert sign_ie(inv, subject_id).state is SignatureState.VALID
    workflow.lock_subject(dm, subject_id)
    with pytest.raises(workflow.SubjectLocked):
        sg.sign(inv, subject_id, *EOS, "EOSSIG", PASSWORD)


# ---- manifestation in the exports -------------------------------------------------------------
def _signed_and_broken(team, subject_id):
    """F01 signed then broken and F13 (casebook) signed, valid."""
    inv, coordinator = team["investigator"], team["coordinator"]
    ready(inv)
    sign_ie(inv, subject_id)
    save(coordinator, FormEntry(subject_id, "SE.SCR", "IE", values={"SCRDAT": "2025-02-04"},
                                reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    save(coordinator, FormEntry(subject_id, "SE.EOS", "EOS", values=dict(EOS_VALUES),
                                complete=True))  # fmt: skip
    sg.sign(inv, subject_id, *EOS, "EOSSIG", PASSWORD)


@pytest.mark.req("REQ-ES-02", "REQ-ES-03")
@pytest.mark.parametrize("transactional", [False, True])
def test_odm_export_carries_signatures_and_validates(team, subject_id, tmp_path, transactional):
    from lxml import etree

    from tests.core.test_odm import SCHEMA_DIR
    from tnt_desktop.exports.odm_export import export_odm
    from tnt_desktop.exports.odm_import import import_odm
    from tnt_desktop.exports.odm_metadata import ODM_NS
    from tnt_desktop.services.export_read import ExportProfile

    _signed_and_broken(team, subject_id)
    n = f"{{{ODM_NS}}}"
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "ODM1-3-2.xsd")))
    out = tmp_path / "site.xml"
    export_odm(team["investigator"], out, profile=ExportProfile.SITE_ARCHIVE,
               transactional=transactional)  # fmt: skip
    tree = etree.parse(str(out))
    assert schema.validate(tree), list(schema.error_log)[:5]
    forms = {f.get("FormOID"): f for f in tree.iter(f"{n}FormData")}
    ie, eos = forms["F.IE"], forms["F.EOS"]
    for form, point in ((ie, "SD.IE.IESIG"), (eos, "SD.EOS.EOSSIG")):
        [signature] = form.findall(f"{n}Signature")
        assert signature.find(f"{n}SignatureRef").get("SignatureOID") == point
        assert signature.find(f"{n}DateTimeStamp").text.endswith("Z")
        user_oid = signature.find(f"{n}UserRef").get("UserOID")
        [user] = [u for u in tree.iter(f"{n}User") if u.get("OID") == user_oid]
        assert user.get("UserType") == "Investigator"
        assert signature.find(f"{n}LocationRef").get("LocationOID")
        assert tree.find(f".//{n}SignatureDef[@OID='{point}']") is not None
    comments = [c.text for c in ie.iter(f"{n}Comment")]
    assert any("signature broken — re-signature required" in c for c in comments)
    assert not any("signature broken" in (c.text or "") for c in eos.iter(f"{n}Comment"))
    # the sponsor's coded file: the signer by role only, and it validates too
    coded = tmp_path / "coded.xml"
    export_odm(team["datamanager"], coded, transactional=transactional)
    coded_tree = etree.parse(str(coded))
    assert schema.validate(coded_tree), list(schema.error_log)[:5]
    assert len(list(coded_tree.iter(f"{n}Signature"))) == 2
    assert not list(coded_tree.iter(f"{n}LoginName"))  # users by role only (REQ-PI-05)
    if not transactional:
        # import accepts a file with Signature elements; it never creates signatures
        report = import_odm(team["coordinator"], out)
        assert not report.refused
        assert len(sg.signatures(team["investigator"], subject_id)) == 2


@pytest.mark.req("REQ-ES-02", "REQ-ES-03", "REQ-DQ-03")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_casebook_shows_signer_and_broken_state(team, subject_id, tmp_path, lang):
    import shutil

    from tests.core.test_pdf import pdf_text, squeeze
    from tnt_desktop.exports.pdf_casebook import casebook_pdf
    from tnt_desktop.services import sdv
    from tnt_desktop.services.export_read import ExportProfile

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed")
    _signed_and_broken(team, subject_id)
    sdv.mark_sdv(team["monitor"], subject_id, *IE, [("", 0, "INC01")])
    progress = sdv.sdv_progress(team["monitor"], subject_id)
    out = tmp_path / f"casebook_{lang}.pdf"
    casebook_pdf(team["investigator"], subject_id, out, lang,
                 ExportProfile.SITE_ARCHIVE)  # fmt: skip
    text = squeeze(pdf_text(out))
    sig = sg.signatures(team["investigator"], subject_id)[-1]
    assert squeeze(sig.ts_utc[:19].replace("T", " ")) in text
    assert squeeze("investigator (investigator,") in text  # printed name (user name, role)
    if lang == "en":
        assert squeeze("signature broken") in text and squeeze("re-signature required") in text
        assert squeeze("I approve the casebook") in text
        assert squeeze(f"critical items verified {progress.critical_verified} / "
                       f"{progress.critical_total}") in text  # fmt: skip
    else:
        assert squeeze("签名已失效") in text and squeeze("需重新签名") in text
        assert squeeze("我批准本病例报告表") in text
        assert squeeze(f"关键条目已核查 {progress.critical_verified} / "
                       f"{progress.critical_total}") in text  # fmt: skip
    assert progress.critical_verified == 1
