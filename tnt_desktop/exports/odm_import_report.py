"""The report of an ODM import (exports.odm_import): what was created, matched, changed,
refused and warned about, in English and Chinese."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tnt_desktop.study.model import Text


@dataclass(frozen=True)
class ImportMessage:
    subject: str | None  # the SubjectKey of the file
    where: str  # "SE.SCR#1/IE" and the items concerned
    message: Text


@dataclass(frozen=True)
class FormChange:
    subject: str  # database key
    event: str
    repeat: int
    form: str
    changed: int
    derived_changed: int


@dataclass
class ImportReport:
    file: Path
    sha256: str = ""
    file_type: str = ""
    imported: bool = False
    subjects: int = 0  # SubjectData in the file
    created: list[tuple[str, str]] = field(default_factory=list)  # (file key, database key)
    matched: list[tuple[str, str]] = field(default_factory=list)
    changed: list[FormChange] = field(default_factory=list)
    unchanged: int = 0  # form instances the file left as they were
    refused: list[ImportMessage] = field(default_factory=list)
    warnings: list[ImportMessage] = field(default_factory=list)

    @property
    def key_map(self) -> dict[str, str]:
        return dict(self.created + self.matched)

    def lines(self) -> list[Text]:
        out = []
        name = self.file.name
        if self.imported:
            out.append(Text(
                f"{name}: imported — {len(self.created)} subjects created, "
                f"{len(self.matched)} updated, {len(self.changed)} forms changed, "
                f"{self.unchanged} unchanged",
                f"{name}：已导入 — 新建受试者 {len(self.created)} 例，更新 {len(self.matched)} 例，"
                f"修改表单 {len(self.changed)} 份，未变 {self.unchanged} 份"))  # fmt: skip
        else:
            out.append(Text(
                f"{name}: nothing imported — {len(self.refused)} refusal(s); the whole file was "
                "rolled back",
                f"{name}：未导入任何数据 — 共 {len(self.refused)} 处被拒绝，整个文件已回滚"))
        for file_key, db_key in self.created:
            out.append(Text(f"created {db_key} (file {file_key})",
                            f"已新建 {db_key}（文件中为 {file_key}）"))  # fmt: skip
        for change in self.changed:
            where = f"{change.subject} {change.event}#{change.repeat}/{change.form}"
            out.append(Text(f"changed {where}: {change.changed} value(s)",
                            f"已修改 {where}：{change.changed} 个数值"))  # fmt: skip
        for label, items in ((Text("refused", "拒绝"), self.refused),
                             (Text("warning", "警告"), self.warnings)):  # fmt: skip
            for m in items:
                out.append(Text(f"{label.en}: {m.subject or '-'} {m.where}: {m.message.en}",
                                f"{label.zh}：{m.subject or '-'} {m.where}：{m.message.zh}"))
        return out

    def summary(self, lang: str = "en") -> str:
        return "\n".join(line.get(lang) for line in self.lines())

