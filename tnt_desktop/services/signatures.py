"""Electronic signatures (issue 6, CRF_SPEC.md REQ-ES-01…05, REQ-AT-06; 21 CFR 11.50, 11.70,
11.100, 11.200).

The investigator signs a form's signature point (F01 IESIG "I confirm eligibility") or, with
F13's EOSSIG, the whole casebook, by re-entering the password (`sign`). The first signature of
a login session also needs the user name (REQ-ES-01: both components, later ones at least the
password); a wrong password is refused like a failed login (it counts toward the account
lock-out and is audited, SIGNATURE_FAILED). Before a signer's first signature they acknowledge
once that the e-signature is the legal equivalent of their handwritten signature
(`acknowledge`, stored and dated in signature_acknowledgement, audited).

A signature records the user name, the printed name (the account's display name), the role,
the UTC time, the meaning of the point and a SHA-256 over the canonical signed data
(`signed_data_hash`): the stored values of the form, or of every form of the subject for the
casebook. Since issue 14 it is also an Ed25519 signature by the signer's own key (unwrapped from
their key slot at login, certified by the site key) over that hash, the meaning, the time and
what was signed (`esig_fields`, 21 CFR 11.70): recomputing the hash after changing the data
cannot repair it, and a row forged with raw SQL reads INVALID (`esig_problem`). Signatures made
before the upgrade (ids up to the setting `trust.legacy_esig_max_id`) stay hash-only.

The one write path calls `check_signatures` after every save: a valid signature whose
hash no longer matches is marked broken (`broken_utc`, audit SIGNATURE_BROKEN "re-signature
required") and a SIGNED form returns to COMPLETE. `signatures` recomputes the hash on every
read, so data changed outside the application (raw SQL) read BROKEN too. Signing again after a
break makes a new signature; the broken one is kept, `superseded_by` the new one.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from tnt_desktop.errors import AccountLocked, TntError
from tnt_desktop.services.clinical_data import find_subject
from tnt_desktop.services.key_file import load_slots, save_slots
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.audit import utc_now_text
from tnt_desktop.storage.models import (
    ESignature,
    EventInstance,
    FormInstance,
    ItemValue,
    SignatureAcknowledgement,
    Subject,
    User,
)
from tnt_desktop.study.model import SignaturePoint, Text

ACKNOWLEDGEMENT = Text(
    "I acknowledge that my electronic signature in TNT Desktop is the legally binding "
    "equivalent of my handwritten signature (21 CFR 11.100(c); Electronic Signature Law of the "
    "People's Republic of China), that I will not share my password, and that I am "
    "accountable for every record I sign.",
    "本人确认：本人在 TNT Desktop 中的电子签名与本人手写签名具有同等法律效力（21 CFR "
    "11.100(c)；《中华人民共和国电子签名法》），本人不会向他人透露密码，并对本人签署的每一份"
    "记录负责。",
)
HASH_METHOD = "SHA-256/TNT-SIG-1"
CASEBOOK_POINTS = frozenset({"EOSSIG"})  # F13: the investigator approves the whole casebook
SIGNABLE = frozenset({"COMPLETE", "VERIFIED"})
BROKEN_TEXT = Text("signature broken — re-signature required", "签名已失效 — 需重新签名")

_signed_in: weakref.WeakSet[AppSession] = weakref.WeakSet()  # sessions that signed once


class SignatureState(StrEnum):
    VALID = "VALID"
    BROKEN = "BROKEN"  # the signed data changed since: re-signature required
    INVALID = "INVALID"  # not made by its signer's certified key: forged or altered


INVALID_TEXT = Text("signature invalid — not made by the signer's key (forged or altered); "
                    "run admin verify",
                    "签名无效 — 非签名人密钥所签（伪造或被改动）；请运行 admin verify")
SIGNATURE_STATE_LABELS: dict[SignatureState, Text] = {
    SignatureState.VALID: Text("valid", "有效"),
    SignatureState.BROKEN: BROKEN_TEXT,
    SignatureState.INVALID: INVALID_TEXT,
}


@dataclass(frozen=True)
class SignatureView:
    id: int
    subject_key: str
    event_oid: str
    repeat_key: int
    form_code: str
    point: str
    scope: str  # FORM or CASEBOOK
    username: str
    printed_name: str
    role: str
    ts_utc: str
    meaning: Text
    data_hash: str
    state: SignatureState
    broken_utc: str | None
    superseded_by: int | None = None  # a later signature of the same point (after a break)

    @property
    def current(self) -> bool:
        return self.superseded_by is None


# ---- errors -----------------------------------------------------------------------------------
class SignatureError(TntError):
    """A signature the current state does not allow."""


class AcknowledgementRequired(SignatureError):
    def __init__(self, username: str) -> None:
        super().__init__(
            Text(f"not signed: {username} must first acknowledge that the electronic signature "
                 "is legally binding",
                 f"未签名：{username} 须先确认电子签名具有法律约束力")
        )  # fmt: skip


class UserNameRequired(SignatureError):
    def __init__(self) -> None:
        super().__init__(
            Text("not signed: the first signature of a session needs your user name and "
                 "password",
                 "未签名：本次登录的首次签名须输入用户名和密码")
        )  # fmt: skip


class SignaturePasswordWrong(SignatureError):
    exit_code = 6

    def __init__(self, username: str, remaining: int) -> None:
        super().__init__(
            Text(f"not signed: wrong user name or password for {username}; {remaining} "
                 "attempt(s) left before the account locks",
                 f"未签名：用户 {username} 的用户名或密码错误；再错 {remaining} 次账户将被锁定")
        )  # fmt: skip


class NotSignable(SignatureError):
    def __init__(self, what: str, status: str) -> None:
        from tnt_desktop.services.workflow import status_label

        super().__init__(
            Text(f"not signed: {what} is {status_label(status, 'en').lower()}; only a complete "
                 "or verified form can be signed",
                 f"未签名：{what} 当前为{status_label(status, 'zh')}，只能签署已完成或已核查的表单")
        )  # fmt: skip


class UnknownSignaturePoint(SignatureError):
    def __init__(self, form_code: str, point: str) -> None:
        super().__init__(
            Text(f"{form_code} has no signature point {point}", f"{form_code} 没有签名点 {point}")
        )


# ---- the signed data --------------------------------------------------------------------------
def _canonical(header: list, rows) -> bytes:
    lines = [json.dumps(header, ensure_ascii=False, separators=(",", ":"))]
    lines += sorted(json.dumps(list(r), ensure_ascii=False, separators=(",", ":")) for r in rows)
    return "\n".join(lines).encode("utf-8")


def _form_rows(session: Session, form_pk: int):
    t = ItemValue.__table__
    return session.execute(
        select(t.c.group_name, t.c.row_key, t.c.item_name, t.c.value, t.c.missing_reason)
        .where(t.c.form_pk == form_pk,
               (t.c.value.is_not(None)) | (t.c.missing_reason.is_not(None)))
    ).all()  # fmt: skip


def _casebook_rows(session: Session, subject_pk: int):
    t = ItemValue.__table__
    return session.execute(
        select(EventInstance.event_oid, EventInstance.repeat_key, FormInstance.form_code,
               t.c.group_name, t.c.row_key, t.c.item_name, t.c.value, t.c.missing_reason)
        .join(FormInstance, FormInstance.id == t.c.form_pk)
        .join(EventInstance, FormInstance.event_pk == EventInstance.id)
        .where(EventInstance.subject_pk == subject_pk,
               (t.c.value.is_not(None)) | (t.c.missing_reason.is_not(None)))
    ).all()  # fmt: skip


def signed_data_hash(session: Session, subject: Subject, scope: str, form: FormInstance,
                     event: str, repeat: int) -> str:  # fmt: skip
    """SHA-256 over the canonical signed data: a header line naming what is signed (scope,
    screening number — it never changes —, and for a form its event, repeat and code), then one
    JSON line per stored value or missing reason, sorted. Form status and versions are not
    part of it (signing itself changes them)."""
    if scope == "CASEBOOK":
        data = _canonical(["TNT-SIG-1", "CASEBOOK", subject.screening_number],
                          _casebook_rows(session, subject.id))  # fmt: skip
    else:
        data = _canonical(["TNT-SIG-1", "FORM", subject.screening_number, event, repeat,
                           form.form_code], _form_rows(session, form.id))  # fmt: skip
    return hashlib.sha256(data).hexdigest()


class _Hasher:
    """Current hashes of one subject's signed data, each computed once."""

    def __init__(self, session: Session, subject: Subject) -> None:
        self.session, self.subject = session, subject
        self.cache: dict[tuple, str] = {}

    def __call__(self, sig: ESignature, form: FormInstance, event: EventInstance) -> str:
        key = ("CASEBOOK",) if sig.scope == "CASEBOOK" else ("FORM", form.id)
        if key not in self.cache:
            self.cache[key] = signed_data_hash(self.session, self.subject, sig.scope, form,
                                               event.event_oid, event.repeat_key)  # fmt: skip
        return self.cache[key]


def _subject_signatures(session: Session, subject: Subject, *, valid_only: bool = False):
    query = (select(ESignature, FormInstance, EventInstance)
             .join(FormInstance, FormInstance.id == ESignature.form_pk)
             .join(EventInstance, FormInstance.event_pk == EventInstance.id)
             .where(ESignature.subject_pk == subject.id).order_by(ESignature.id))  # fmt: skip
    if valid_only:
        query = query.where(ESignature.broken_utc.is_(None))
    return session.execute(query).all()


def _view(subject: Subject, sig: ESignature, event: EventInstance, form_code: str,
          current_hash: str | None, invalid: bool = False) -> SignatureView:  # fmt: skip
    """`current_hash` None: not computed, because the signature is already marked broken."""
    broken = sig.broken_utc is not None or current_hash != sig.data_hash
    state = (SignatureState.INVALID if invalid
             else SignatureState.BROKEN if broken else SignatureState.VALID)  # fmt: skip
    return SignatureView(
        sig.id, subject.key, event.event_oid, event.repeat_key, form_code, sig.point,
        sig.scope, sig.username, sig.printed_name, sig.role, sig.ts_utc,
        Text(sig.meaning_en, sig.meaning_zh), sig.data_hash, state, sig.broken_utc,
        sig.superseded_by,
    )  # fmt: skip


# ---- the Ed25519 signature (issue 14) ----------------------------------------------------------
def esig_fields(sig: ESignature, subject: Subject, event_oid: str, repeat: int,
                form_code: str) -> dict:  # fmt: skip
    """What the signer's key signs: the signed data's hash and method, the meaning (both
    languages), the time, who (name, printed name, role) and what (point, scope, subject —
    by its screening number, which never changes —, event, repeat, form)."""
    return {"data_hash": sig.data_hash, "hash_method": sig.hash_method,
            "meaning_en": sig.meaning_en, "meaning_zh": sig.meaning_zh, "ts_utc": sig.ts_utc,
            "username": sig.username, "printed_name": sig.printed_name, "role": sig.role,
            "point": sig.point, "scope": sig.scope, "subject": subject.screening_number,
            "event": event_oid, "repeat": repeat, "form": form_code}  # fmt: skip


def signer_keys(session: Session) -> tuple[dict, set[int]]:
    """Every user key by id, and the ids whose certificate verifies with the site key."""
    from tnt_desktop.services import trust
    from tnt_desktop.storage.database import DATABASE_ID_KEY
    from tnt_desktop.storage.models import UserKey

    database_id = trust.setting(session, DATABASE_ID_KEY) or ""
    site_public = trust.setting(session, trust.SITE_PUBLIC)
    keys = {row.id: row for row in session.scalars(select(UserKey))}
    certified = {i for i, row in keys.items()
                 if trust.certificate_valid(row, database_id, site_public)}  # fmt: skip
    return keys, certified


def esig_problem(sig: ESignature, subject: Subject, event: EventInstance, form: FormInstance,
                 keys: dict, certified: set[int], legacy_max_id: int
                 ) -> tuple[str, str] | None:  # fmt: skip
    """Why a signature is not its signer's (English, Chinese), or None."""
    from tnt_desktop.storage.signing import ESIG_DOMAIN, verify

    if sig.signature is None:
        if sig.id <= legacy_max_id:
            return None  # made before signing keys existed: hash-only, as it was
        return ("has no signature by the signer's key (forged)", "没有签名人密钥的签名（伪造）")
    key = keys.get(sig.key_id)
    if key is None or key.username != sig.username:
        return (f"not signed with a key of {sig.username}", f"并非以 {sig.username} 的密钥签名")
    if key.certificate is not None and key.id not in certified:
        return ("the signer's key certificate does not verify", "签名人密钥证书无法验证")
    if not verify(key.public_key, sig.signature, ESIG_DOMAIN,
                  esig_fields(sig, subject, event.event_oid, event.repeat_key,
                              form.form_code)):  # fmt: skip
        return ("the signature does not verify: its data hash, meaning, time or signer were "
                "altered", "签名无法验证：其数据散列、含义、时间或签名人被改动")
    return None


def _views(session: Session, subject: Subject,
           where: tuple[str, int, str] | None = None) -> list[SignatureView]:
    """Every signature of a subject (superseded ones included) — or only those on the form
    `where` = (event, repeat, form code) —, state recomputed. A signature already marked
    broken is not hashed again (hashing a casebook reads every value of the subject)."""
    from tnt_desktop.services import trust

    hasher = _Hasher(session, subject)
    rows = [(sig, form, event) for sig, form, event in _subject_signatures(session, subject)
            if where is None
            or (event.event_oid, event.repeat_key, form.form_code) == where]  # fmt: skip
    if not rows:
        return []
    keys, certified = signer_keys(session)
    legacy = int(trust.setting(session, trust.LEGACY_ESIG) or 0)
    return [_view(subject, sig, event, form.form_code,
                  None if sig.broken_utc is not None else hasher(sig, form, event),
                  esig_problem(sig, subject, event, form, keys, certified, legacy) is not None)
            for sig, form, event in rows]  # fmt: skip


def signatures(app: AppSession, subject_key: str) -> list[SignatureView]:
    """A subject's signatures, oldest first, each with its state recomputed from the data."""
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        return _views(session, find_subject(session, subject_key))


def form_signatures(app: AppSession, subject_key: str, event: str, repeat: int,
                    form_code: str) -> list[SignatureView]:  # fmt: skip
    """The signatures of one form instance (what the form view shows): only their data are
    hashed, so opening a form without signatures costs one query."""
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        return _views(session, find_subject(session, subject_key), (event, repeat, form_code))


def current_signatures(views: list[SignatureView]) -> dict[tuple[str, int, str, str],
                                                          SignatureView]:  # fmt: skip
    """(event, repeat, form, point) → the latest signature of that point."""
    return {(v.event_oid, v.repeat_key, v.form_code, v.point): v for v in views if v.current}


def check_signatures(app: AppSession, session: Session, subject: Subject) -> list[int]:
    """Called by the write path after values were written: break every valid signature of the
    subject whose signed data changed (audited SIGNATURE_BROKEN); a SIGNED form goes back to
    COMPLETE (audited FORM_STATUS). Returns the ids of the signatures broken."""
    rows = _subject_signatures(session, subject, valid_only=True)
    if not rows:
        return []
    session.flush()
    hasher = _Hasher(session, subject)
    now = utc_now_text()
    broken = []
    for sig, form, event in rows:
        if hasher(sig, form, event) == sig.data_hash:
            continue
        sig.broken_utc = now
        broken.append(sig.id)
        where = dict(subject_key=subject.key, event_oid=event.event_oid,
                     repeat_key=event.repeat_key, form_code=form.form_code)  # fmt: skip
        app.audit(session, "SIGNATURE_BROKEN", **where, old_value=SignatureState.VALID.value,
                  new_value=SignatureState.BROKEN.value,
                  detail=f"signature #{sig.id} {sig.point} ({sig.scope.lower()}) by "
                         f"{sig.username}: signed data changed — re-signature "
                         "required")  # fmt: skip
        if form.status == "SIGNED":
            app.audit(session, "FORM_STATUS", **where, old_value="SIGNED", new_value="COMPLETE",
                      detail=f"signature #{sig.id} broken")  # fmt: skip
            form.status = "COMPLETE"
            form.version += 1
    return broken


# ---- password, user name, acknowledgement -----------------------------------------------------
def username_required(app: AppSession) -> bool:
    """Does the next signature of this session need the user name as well (REQ-ES-01)?"""
    return app not in _signed_in


def _check_password(app: AppSession, password: str, what: str) -> None:
    """The user's password, checked by unwrapping their key slot (as a login does). A failure
    counts toward the lock-out and is audited; the password is never logged."""
    from tnt_desktop.storage.keyslots import (
        MAX_FAILURES_BEFORE_LOCK,
        BadPassword,
        KeySlotError,
    )

    slots = load_slots(app.db.path)
    locked = slots.seconds_locked(app.username)
    if locked:
        raise AccountLocked(app.username, locked)
    try:
        slots.open_slot(app.username, password or "")
    except (BadPassword, KeyError, KeySlotError):
        started = slots.record_failure(app.username)
        save_slots(slots, app.db.path)
        with app.transaction() as session:
            app.audit(session, "SIGNATURE_FAILED", detail=f"{what}: wrong user name or password")
        if started:
            raise AccountLocked(app.username, started) from None
        remaining = MAX_FAILURES_BEFORE_LOCK - slots.slots[app.username].failures
        raise SignaturePasswordWrong(app.username, max(remaining, 0)) from None
    if slots.slots[app.username].failures:
        slots.record_success(app.username)
        save_slots(slots, app.db.path)


def needs_acknowledgement(app: AppSession) -> bool:
    with app.transaction(write=False) as session:
        return session.get(SignatureAcknowledgement, app.username) is None


def acknowledge(app: AppSession, password: str) -> None:
    """The signer acknowledges, once, that the e-signature is legally binding (REQ-ES-05);
    confirmed with the password, stored with the date and audited."""
    app.require(Permission.SIGN)
    _check_password(app, password, "acknowledgement")
    with app.transaction() as session:
        if session.get(SignatureAcknowledgement, app.username) is not None:
            return
        now = utc_now_text()
        session.add(SignatureAcknowledgement(username=app.username, ts_utc=now,
                                             statement_en=ACKNOWLEDGEMENT.en,
                                             statement_zh=ACKNOWLEDGEMENT.zh))  # fmt: skip
        app.audit(session, "SIGNATURE_ACKNOWLEDGED", new_value=ACKNOWLEDGEMENT.en,
                  detail=f"{app.username} acknowledged the legal equivalence of the "
                         "electronic signature")  # fmt: skip


# ---- signing ----------------------------------------------------------------------------------
def _point(app: AppSession, form_code: str, point: str) -> SignaturePoint:
    form = app.study.form(form_code)
    found = next((p for p in form.signatures if p.name == point), None)
    if found is None:
        raise UnknownSignaturePoint(form_code, point)
    return found


def _target(session: Session, subject_key: str, event: str, repeat: int, form_code: str):
    from tnt_desktop.services.workflow import check_writable

    subject = find_subject(session, subject_key)
    check_writable(session, subject, data_entry=False)  # a frozen subject can be signed
    what = f"{subject.key} {event} #{repeat} {form_code}"
    found = session.execute(
        select(FormInstance, EventInstance)
        .join(EventInstance, FormInstance.event_pk == EventInstance.id)
        .where(EventInstance.subject_pk == subject.id, EventInstance.event_oid == event,
               EventInstance.repeat_key == repeat, FormInstance.form_code == form_code)
    ).first()  # fmt: skip
    if found is None:
        raise NotSignable(what, "NOT_STARTED")
    form, event_row = found
    if form.status not in SIGNABLE:
        raise NotSignable(what, form.status)
    return subject, form, event_row


def sign(app: AppSession, subject_key: str, event: str, repeat: int, form_code: str, point: str,
         password: str, *, username: str | None = None) -> SignatureView:  # fmt: skip
    """Sign one signature point of a complete or verified form (investigator). See the module
    docstring; the form becomes SIGNED, the signature is audited (SIGNED)."""
    app.require(Permission.SIGN)
    definition = _point(app, form_code, point)
    if username_required(app) and not (username or "").strip():
        raise UserNameRequired()
    with app.transaction(write=False) as session:  # refuse early what the password cannot fix
        if session.get(SignatureAcknowledgement, app.username) is None:
            raise AcknowledgementRequired(app.username)
        _target(session, subject_key, event, repeat, form_code)
    what = f"{point} on {subject_key} {event} #{repeat} {form_code}"
    if username is not None and username.strip() and username.strip() != app.username:
        _check_password(app, "", what)  # another person's name: a failed attempt
    _check_password(app, password, what)
    with app.transaction() as session:
        subject, form, event_row = _target(session, subject_key, event, repeat, form_code)
        user = session.scalar(select(User).where(User.username == app.username))
        scope = "CASEBOOK" if point in CASEBOOK_POINTS else "FORM"
        digest = signed_data_hash(session, subject, scope, form, event, repeat)
        sig = ESignature(
            subject_pk=subject.id, form_pk=form.id, point=point, scope=scope,
            username=app.username,
            printed_name=user.display_name if user is not None else app.display_name,
            role=app.role, ts_utc=utc_now_text(), meaning_en=definition.meaning.en,
            meaning_zh=definition.meaning.zh, data_hash=digest, hash_method=HASH_METHOD,
        )  # fmt: skip
        if app.keys is None or app.keys.signing_key is None or app.keys.key_id is None:
            raise SignatureError(Text("not signed: this login holds no signing key; log out "
                                      "and in again", "未签名：本次登录没有签名密钥；请重新登录"))
        session.add(sig)
        session.flush()
        from tnt_desktop.storage.signing import ESIG_DOMAIN
        from tnt_desktop.storage.signing import sign as ed25519_sign

        sig.key_id = app.keys.key_id
        sig.signature = ed25519_sign(app.keys.signing_key, ESIG_DOMAIN,
                                     esig_fields(sig, subject, event, repeat, form_code))
        for old in session.scalars(select(ESignature).where(
                ESignature.form_pk == form.id, ESignature.point == point,
                ESignature.id != sig.id, ESignature.superseded_by.is_(None))):  # fmt: skip
            old.superseded_by = sig.id
            if old.broken_utc is None:  # tampered outside the app, never marked
                old.broken_utc = sig.ts_utc
        old_status = form.status
        form.status = "SIGNED"
        form.version += 1
        app.audit(session, "SIGNED", subject_key=subject.key, event_oid=event,
                  repeat_key=repeat, form_code=form_code, old_value=old_status,
                  new_value="SIGNED",
                  detail=f"signature #{sig.id} {point} ({scope.lower()}) by "
                         f"{sig.printed_name} [{sig.role}]: {definition.meaning.en}; "
                         f"{HASH_METHOD} {digest}")  # fmt: skip
        session.flush()
        view = _view(subject, sig, event_row, form_code, digest)
    _signed_in.add(app)
    return view
