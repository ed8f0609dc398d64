"""`admin verify`: database integrity (SQLite + SQLCipher page HMACs), the audit chain, and
since issue 14 the signatures and the replay of the trail (services.verification): chain heads
signed by certified keys, every stored value explained by its audit entry, every e-signature
made by its signer's key, and the key-slot file."""

from __future__ import annotations

from dataclasses import dataclass, field

from tnt_desktop.services import verification
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.verification import Finding
from tnt_desktop.storage.audit import ChainReport, verify_chain
from tnt_desktop.storage.database import integrity_problems
from tnt_desktop.storage.keyslots import KeySlotError, KeySlotFile, keyslot_path
from tnt_desktop.study.model import Text

SHOWN = 20  # findings printed in the message; all of them are in `findings`


@dataclass(frozen=True)
class VerifyReport:
    integrity: list[str]
    chain: ChainReport
    findings: list[Finding] = field(default_factory=list)

    @property
    def damage(self) -> list[Finding]:
        return [f for f in self.findings if not f.notice]

    @property
    def ok(self) -> bool:
        return not self.integrity and self.chain.ok and not self.damage

    def message(self) -> Text:
        notices = [f for f in self.findings if f.notice]
        if self.ok:
            extra_en = "".join(f"\nnote: {f.text('en')}" for f in notices[:SHOWN])
            extra_zh = "".join(f"\n注意：{f.text('zh')}" for f in notices[:SHOWN])
            return Text(
                f"database intact; audit trail verified ({self.chain.entries} entries; "
                "signatures, stored values and key slots checked)" + extra_en,
                f"数据库完整；稽查轨迹校验通过（{self.chain.entries} 条记录；已核对签名、存储值"
                "和密钥槽）" + extra_zh,
            )
        parts_en, parts_zh = [], []
        if self.integrity:
            shown = "; ".join(self.integrity[:3])
            parts_en.append(f"integrity check failed: {shown}")
            parts_zh.append(f"完整性检查未通过：{shown}")
        if not self.chain.ok:
            parts_en.append(
                f"audit trail broken at entry {self.chain.first_bad_id}: {self.chain.problem}"
            )
            parts_zh.append(
                f"稽查轨迹在第 {self.chain.first_bad_id} 条记录处断裂：{self.chain.problem}"
            )
        damage = self.damage
        for finding in damage[:SHOWN]:
            parts_en.append(finding.text("en"))
            parts_zh.append(finding.text("zh"))
        if len(damage) > SHOWN:
            parts_en.append(f"… and {len(damage) - SHOWN} more finding(s)")
            parts_zh.append(f"……另有 {len(damage) - SHOWN} 项发现")
        return Text("\n".join(parts_en), "\n".join(parts_zh))


def _slots(app: AppSession) -> KeySlotFile | None:
    try:
        return KeySlotFile.load(keyslot_path(app.db.path))
    except KeySlotError:
        return None


def verify(app: AppSession) -> VerifyReport:
    """Check the file, the chain, the signatures, the values and the key slots; the check
    itself is audited (INTEGRITY_VERIFIED)."""
    app.require(Permission.VERIFY_AUDIT)
    problems = integrity_problems(app.db.path, app.key)
    findings: list[Finding] = []
    with app.transaction(write=False) as session:
        chain = verify_chain(session)
        if not problems:
            database_id = app.db.database_id
            findings += verification.check_chain_signatures(session, database_id)
            findings += verification.check_replay(session)
            findings += verification.check_esignatures(session, database_id)
            findings += verification.check_key_slots(session, _slots(app),
                                                     keyslot_path(app.db.path))  # fmt: skip
    report = VerifyReport(problems, chain, findings)
    with app.transaction() as session:
        app.audit(session, "INTEGRITY_VERIFIED", detail=report.message().en[:500])
    return report
