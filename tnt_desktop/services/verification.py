"""What `admin verify` checks beyond the file and the hash chain (issue 14).

1. **Keys**: every user key's certificate against the site key the database names, and that
   the key file names the same site key.
2. **Chain head signatures**: every signed head verifies with the certified key of the user it
   names; every entry between two signed heads is that user's (or SYSTEM's, caused by them);
   nothing after the last signed head. A chain recomputed by anyone holding the raw database key
   keeps its hashes consistent, but the signed heads then no longer match — and new signatures
   need a user's private key, which only that user's password unwraps.
3. **Replay**: the audit trail's data entries, replayed in order, must give exactly the values
   stored; a value without its audit entry (or differing from it) is damage.
4. **E-signatures**: each one's Ed25519 signature by its signer over the signed data's hash,
   meaning and time; a signature still marked valid whose data changed is damage.
5. **Key slots**: each slot's signature, and that its public key is the one the database
   certifies for its user; a slot for an unknown or deactivated account.

Each finding names its place (audit entry, subject/form/item, signature id, slot).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tnt_desktop.services import trust
from tnt_desktop.services.session import SYSTEM_USER
from tnt_desktop.storage.keyslots import KeySlotFile
from tnt_desktop.storage.models import (
    AuditEntry,
    ChainSignature,
    ESignature,
    EventInstance,
    FormInstance,
    ItemValue,
    Subject,
    User,
    UserKey,
)
from tnt_desktop.storage.signing import CHAIN_DOMAIN, chain_fields, verify

DATA_ACTIONS = frozenset({"DATA_ENTERED", "DATA_CHANGED", "DATA_CLEARED", "DERIVED_VALUE",
                          "ID_ASSIGNED"})  # fmt: skip
BATCH = 2000


@dataclass(frozen=True)
class Finding:
    place: str
    en: str
    zh: str
    notice: bool = False  # worth reading, not damage (e.g. a key awaiting certification)

    def text(self, lang: str) -> str:
        return f"{self.place}: {self.zh if lang == 'zh' else self.en}"


def _keys(session: Session, database_id: str) -> tuple[dict[int, UserKey], set[int],
                                                       list[Finding]]:  # fmt: skip
    site_public = trust.setting(session, trust.SITE_PUBLIC)
    rows = {row.id: row for row in session.scalars(select(UserKey))}
    certified, findings = set(), []
    for row in rows.values():
        if row.certificate is None:
            findings.append(Finding(f"key #{row.id} of {row.username}",
                                    "awaits certification at the administrator's next login",
                                    "等待管理员下次登录时认证", notice=True))  # fmt: skip
        elif trust.certificate_valid(row, database_id, site_public):
            certified.add(row.id)
        else:
            findings.append(Finding(f"key #{row.id} of {row.username}",
                                    "its certificate does not verify with the site key",
                                    "其证书无法用中心密钥验证"))  # fmt: skip
    return rows, certified, findings


def _entries(session: Session) -> Iterator:
    """The trail in chain order as plain rows (no ORM objects: a trail has 10^5 entries)."""
    table = AuditEntry.__table__
    yield from session.execute(select(table).order_by(table.c.id)
                               .execution_options(yield_per=BATCH))  # fmt: skip


def check_chain_signatures(session: Session, database_id: str) -> list[Finding]:
    keys, certified, findings = _keys(session, database_id)
    start = int(trust.setting(session, trust.START_AUDIT) or 0)
    signatures = {s.audit_id: s for s in session.scalars(select(ChainSignature))}
    segment: list[tuple[int, str]] = []  # (id, username) since the last signed head
    seen = set()
    for entry in _entries(session):
        seen.add(entry.id)
        if entry.id > start:
            segment.append((entry.id, entry.username))
        sig = signatures.get(entry.id)
        if sig is None:
            continue
        place = f"audit entry {entry.id}"
        key = keys.get(sig.key_id)
        if key is None or key.username != sig.username:
            findings.append(Finding(place, f"chain head signed with an unknown key of "
                                    f"{sig.username}", f"链头由 {sig.username} 的未知密钥签名"))
        elif not verify(key.public_key, sig.signature, CHAIN_DOMAIN,
                        chain_fields(entry.id, entry.hash, sig.username)):  # fmt: skip
            findings.append(Finding(place, f"the signature of {sig.username} over this chain "
                                    "head does not verify (the trail was rewritten or the "
                                    "signature forged)",
                                    f"{sig.username} 对该链头的签名无法验证（稽查轨迹被改写或"
                                    "签名被伪造）"))  # fmt: skip
        elif sig.key_id not in certified and key.certificate is not None:
            findings.append(Finding(place, f"signed by {sig.username} with a key the site "
                                    "never certified",
                                    f"由 {sig.username} 以未经中心认证的密钥签名"))
        elif key.revoked_utc is not None and key.revoked_utc < entry.ts_utc:
            findings.append(Finding(place, f"signed by {sig.username} with a key revoked on "
                                    f"{key.revoked_utc}", f"由 {sig.username} 以已于 "
                                    f"{key.revoked_utc} 撤销的密钥签名"))  # fmt: skip
        others = sorted({u for _, u in segment if u not in (sig.username, SYSTEM_USER)})
        if others:
            first = next(i for i, u in segment if u in others)
            findings.append(Finding(f"audit entry {first}", f"entries of {', '.join(others)} "
                                    f"are covered by a chain head signed by {sig.username}",
                                    f"{', '.join(others)} 的记录由 {sig.username} 签名的链头覆盖"))
        segment = []
    if segment:
        findings.append(Finding(f"audit entries {segment[0][0]}–{segment[-1][0]}",
                                "not covered by any signed chain head (added outside the "
                                "application)", "未被任何已签名的链头覆盖（在应用程序之外添加）"))
    for audit_id in sorted(set(signatures) - seen):
        findings.append(Finding(f"chain signature for entry {audit_id}",
                                "names an audit entry that does not exist",
                                "指向不存在的稽查记录"))  # fmt: skip
    return findings


# ---- replay -----------------------------------------------------------------------------------
def _shown(value: str | None, missing: str | None) -> str | None:
    return f"[{missing}]" if missing else value


def check_replay(session: Session) -> list[Finding]:
    """Replay every data entry of the trail and compare with every stored value."""
    subjects: dict[str, tuple[int, str]] = {}
    for pk, number, subject_id in session.execute(
            select(Subject.id, Subject.screening_number, Subject.subject_id)):
        subjects[number] = (pk, number)
        if subject_id:
            subjects[subject_id] = (pk, subject_id)
    replayed: dict[tuple, tuple[str | None, int]] = {}
    for entry in _entries(session):
        if entry.action not in DATA_ACTIONS or not entry.item_name or not entry.subject_key:
            continue
        subject = subjects.get(entry.subject_key)
        if subject is None:
            continue
        key = (subject[0], entry.event_oid, entry.repeat_key or 1, entry.form_code,
               entry.group_name or "", entry.row_key or 0, entry.item_name)  # fmt: skip
        replayed[key] = (entry.new_value, entry.id)
    names = {pk: name for pk, name in subjects.values()}
    findings = []
    stored_keys = set()
    query = (select(EventInstance.subject_pk, EventInstance.event_oid, EventInstance.repeat_key,
                    FormInstance.form_code, ItemValue.group_name, ItemValue.row_key,
                    ItemValue.item_name, ItemValue.value, ItemValue.missing_reason)
             .join(FormInstance, FormInstance.id == ItemValue.form_pk)
             .join(EventInstance, EventInstance.id == FormInstance.event_pk)
             .execution_options(yield_per=BATCH))  # fmt: skip
    for pk, event, repeat, form, group, row, item, value, missing in session.execute(query):
        shown = _shown(value, missing)
        if shown is None:
            continue
        key = (pk, event, repeat, form, group or "", row or 0, item)
        stored_keys.add(key)
        expected = replayed.get(key)
        place = (f"{names.get(pk, pk)} {event} #{repeat} {form} "
                 f"{item}{f' [{group} row {row}]' if group else ''}")  # fmt: skip
        if expected is None:
            findings.append(Finding(place, f"value {shown!r} has no audit entry",
                                    f"数值 {shown!r} 没有稽查记录"))  # fmt: skip
        elif expected[0] != shown:
            findings.append(Finding(place, f"stored {shown!r} but the audit trail (entry "
                                    f"{expected[1]}) says {expected[0]!r}",
                                    f"存储值为 {shown!r}，而稽查轨迹（第 {expected[1]} 条）为 "
                                    f"{expected[0]!r}"))  # fmt: skip
    for key, (new_value, audit_id) in replayed.items():
        if new_value is not None and key not in stored_keys:
            pk, event, repeat, form, group, row, item = key
            findings.append(Finding(
                f"{names.get(pk, pk)} {event} #{repeat} {form} {item}",
                f"the audit trail (entry {audit_id}) says {new_value!r} but no value is stored",
                f"稽查轨迹（第 {audit_id} 条）为 {new_value!r}，但未存储任何数值"))  # fmt: skip
    return findings


# ---- e-signatures and key slots ---------------------------------------------------------------
def check_esignatures(session: Session, database_id: str) -> list[Finding]:
    from tnt_desktop.services.signatures import esig_problem, signed_data_hash

    keys, certified, _ = _keys(session, database_id)
    legacy = int(trust.setting(session, trust.LEGACY_ESIG) or 0)
    findings = []
    rows = session.execute(
        select(ESignature, FormInstance, EventInstance, Subject)
        .join(FormInstance, FormInstance.id == ESignature.form_pk)
        .join(EventInstance, EventInstance.id == FormInstance.event_pk)
        .join(Subject, Subject.id == EventInstance.subject_pk).order_by(ESignature.id)).all()
    for sig, form, event, subject in rows:
        place = (f"e-signature #{sig.id} ({sig.point}, {subject.key} {event.event_oid} "
                 f"#{event.repeat_key} {form.form_code}, {sig.username})")  # fmt: skip
        problem = esig_problem(sig, subject, event, form, keys, certified, legacy)
        if problem is not None:
            findings.append(Finding(place, *problem))
            continue
        if sig.broken_utc is None:
            current = signed_data_hash(session, subject, sig.scope, form, event.event_oid,
                                       event.repeat_key)  # fmt: skip
            if current != sig.data_hash:
                findings.append(Finding(place, "the signed data changed outside the "
                                        "application (the signature was never marked broken)",
                                        "签名数据在应用程序之外被改动（签名未被标记为失效）"))
    return findings


def check_key_slots(session: Session, slots: KeySlotFile | None, keys_path) -> list[Finding]:
    if slots is None:
        return [Finding(str(keys_path), "the key file cannot be read", "无法读取密钥文件")]
    findings = []
    site_public = trust.setting(session, trust.SITE_PUBLIC)
    if slots.site_public != site_public:
        findings.append(Finding(str(keys_path), "names another site key than the database",
                                "所载中心密钥与数据库不一致"))  # fmt: skip
    users = {u.username: u for u in session.scalars(select(User))}
    for name in sorted(slots.slots):
        place = f"{keys_path}, slot {name}"
        user = users.get(name)
        if user is None or not user.active:
            findings.append(Finding(place, "a slot for an account that is unknown or "
                                    "deactivated", "该密钥槽属于未知或已停用的账户"))  # fmt: skip
            continue
        key = trust.current_key(session, name)
        if key is None:
            findings.append(Finding(place, "no signing key yet (made at this user's next "
                                    "login)", "尚无签名密钥（将在该用户下次登录时生成）",
                                    notice=True))  # fmt: skip
            continue
        problem = slots.slot_problem(name, key.public_key)
        if problem is not None:
            findings.append(Finding(place, problem, "密钥槽签名无效或被替换"))
    return findings
