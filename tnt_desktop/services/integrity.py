"""`admin verify`: database integrity (SQLite + SQLCipher page HMACs) and the audit chain."""

from __future__ import annotations

from dataclasses import dataclass

from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.audit import ChainReport, verify_chain
from tnt_desktop.storage.database import integrity_problems
from tnt_desktop.study.model import Text


@dataclass(frozen=True)
class VerifyReport:
    integrity: list[str]
    chain: ChainReport

    @property
    def ok(self) -> bool:
        return not self.integrity and self.chain.ok

    def message(self) -> Text:
        if self.ok:
            return Text(
                f"database intact; audit trail verified ({self.chain.entries} entries)",
                f"数据库完整；稽查轨迹校验通过（{self.chain.entries} 条记录）",
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
        return Text(" / ".join(parts_en), " / ".join(parts_zh))


def verify(app: AppSession) -> VerifyReport:
    """Check the file and the chain; the check itself is audited (INTEGRITY_VERIFIED)."""
    app.require(Permission.VERIFY_AUDIT)
    problems = integrity_problems(app.db.path, app.key)
    with app.transaction(write=False) as session:
        chain = verify_chain(session)
    report = VerifyReport(problems, chain)
    with app.transaction() as session:
        app.audit(session, "INTEGRITY_VERIFIED", detail=report.message().en[:500])
    return report
