"""Subject casebooks as PDF (issue 5, item 2a; CRF_SPEC.md §9.3, REQ-AT-07, REQ-ES-02).

    casebook_pdf(app, "TNT-01-003", Path("TNT-01-003.pdf"), lang="zh")
    casebooks_pdf(app, Path("casebooks"), lang="en")      # one file per subject, streamed

A casebook shows, for one subject: the subject summary, the subject-level derived values
(primary endpoint, wound complications, OS/LC times), the signature manifestations, every form
instance in schedule order with item labels, decoded values in the chosen language, units,
missing-data reasons, derived markers and the form status, and an audit summary (entries per
form, every change made with a reason, overridden checks).

Everything is read through `services.export_read` under an export profile: with the default
SPONSOR_CODED the identifier items were removed before the data reach this module, subjects
whose consent forbids transfer are not exported, identifier values are masked in the audit
trail and people appear by role only (CRF_SPEC.md §10, REQ-PI-05). Signature manifestations
(services.signatures, REQ-ES-02): the signer, the UTC time and the meaning of each signature —
the printed name in the SITE_ARCHIVE profile, the role under SPONSOR_CODED —, and "signature
broken — re-signature required" where the signed data changed since; an SDV line gives the
critical items verified (services.sdv, REQ-DQ-03).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from tnt_desktop.errors import NotFound
from tnt_desktop.exports.pdf_casebook_audit import (  # re-exported
    FORM_STATUS,
    SUBJECT_STATUS,
    AuditSections,
    display_value,
)
from tnt_desktop.exports.pdf_casebook_review import ReviewSections
from tnt_desktop.exports.pdf_common import (
    Cell,
    Column,
    PageInfo,
    PdfWriter,
    decode_missing,
    safe_name,
    yes_no,
)
from tnt_desktop.exports.pdf_fonts import (
    ACCENT,
    GREY,
    WARN,
    WATERMARK,
    WATERMARK_SITE,
    local_time,
    tr,
)
from tnt_desktop.services.export_read import (
    AuditView,
    ExportProfile,
    ExportSubject,
    FormMeta,
    export_subjects,
    removed_items,
    subject_audit,
)
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.definition import Study
from tnt_desktop.study.derivations import subject_level
from tnt_desktop.study.model import Form, Item, ItemGroup, Text
from tnt_desktop.study.subject import FormRecord

TITLE = Text("Subject casebook", "受试者病例报告表")

# subject-level values (no form): label and, for dates/days, how to show them
SUBJECT_VALUES: tuple[tuple[str, Text], ...] = (
    ("TRTFL", Text("Treated population (≥1 RT fraction)", "治疗人群（≥1 次放疗）")),
    ("PPROTFL", Text("Per-protocol population", "符合方案人群")),
    ("EORTCFIN", Text("Final EORTC-STBSG score", "最终 EORTC-STBSG 评分")),
    ("RESP_AC", Text("Response A–C (primary endpoint)", "A–C 级反应（主要终点）")),
    ("PCRFL", Text("Pathological complete response (A)", "病理完全缓解（A 级）")),
    ("WCEVAL", Text("Evaluable for wound complications", "伤口并发症可评估")),
    ("ANYWC90", Text("Any wound complication ≤ day 90", "术后 90 天内任何伤口并发症")),
    ("MWC90", Text("Major wound complication ≤ day 90", "术后 90 天内主要伤口并发症")),
    ("MWC120", Text("Major wound complication ≤ day 120", "术后 120 天内主要伤口并发症")),
    ("MWCDAT", Text("Onset of the first major complication", "首次主要伤口并发症日期")),
    ("WCINCFU", Text("Wound follow-up < 90 days", "伤口随访不足 90 天")),
    ("RFSTDAT", Text("Study day 1 (first RT fraction)", "研究第 1 天（首次放疗）")),
    ("CHEMOEND", Text("Last chemotherapy administration", "末次化疗给药日期")),
    ("CHEMOPERIODEND", Text("End of the chemotherapy period", "化疗期结束日期")),
    ("LASTALIVE", Text("Last date known alive", "最后确认存活日期")),
    ("DTHDATIMP", Text("Death date (imputed if partial)", "死亡日期（不完整时填补）")),
    ("OSTCDAYS", Text("OS from treatment completion, days", "总生存（自治疗完成），天")),
    ("OSTCCNSR", Text("OS from treatment completion, censored", "总生存（自治疗完成）删失")),
    ("OSENRDAYS", Text("OS from enrolment, days", "总生存（自入组），天")),
    ("OSENRCNSR", Text("OS from enrolment, censored", "总生存（自入组）删失")),
    ("LCTCDAYS", Text("Local control from treatment completion, days",
                      "局部控制（自治疗完成），天")),
    ("LCTCCNSR", Text("Local control from treatment completion, censored",
                      "局部控制（自治疗完成）删失")),
    ("LCENRDAYS", Text("Local control from enrolment, days", "局部控制（自入组），天")),
    ("LCENRCNSR", Text("Local control from enrolment, censored", "局部控制（自入组）删失")),
)  # fmt: skip
ITEM_COLUMNS = (Column(0.5), Column(0.34), Column(0.16))
GRID_MAX_COLUMNS = 7  # a repeating group with more filled items is shown row by row


# --- values --------------------------------------------------------------------------------


def _plain(value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value in ("Y", "N"):
        return yes_no(value, lang)
    return str(value)


# --- the document --------------------------------------------------------------------------


@dataclass
class CasebookResult:
    subject_key: str
    path: Path | None
    pages: int


@dataclass
class BatchResult:
    out_dir: Path
    files: list[CasebookResult] = field(default_factory=list)
    cancelled: bool = False

    @property
    def subjects(self) -> int:
        return len(self.files)

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files)


def page_info(study: Study, subject: ExportSubject | None, lang: str, profile: ExportProfile,
              generated: datetime | None = None, title: Text = TITLE) -> PageInfo:  # fmt: skip
    params = study.parameters
    kwargs = {} if generated is None else {"generated": generated}
    return PageInfo(
        title=title,
        study=f"{params.study_name} · {params.protocol_name}",
        lang=lang,
        subject=None if subject is None else subject.key,
        site=None if subject is None else subject.site_id,
        profile=str(profile),
        metadata_version=params.metadata_version,
        watermark=WATERMARK_SITE if profile is ExportProfile.SITE_ARCHIVE else WATERMARK,
        **kwargs,
    )


def write_casebook(
    out: str | os.PathLike | IO[bytes], study: Study, subject: ExportSubject,
    audit: list[AuditView], *, lang: str = "en",
    profile: ExportProfile = ExportProfile.SPONSOR_CODED, generated: datetime | None = None,
    queries: list | None = None, signatures: list | None = None, sdv: Any = None,
    cutoff: date | None = None,
) -> int:  # fmt: skip
    """Write one subject's casebook from data already read through export_read (and its
    queries through services.export_read.export_queries: `queries`; its signatures and SDV
    progress: `casebook_signatures`), as of the data cut-off (default today); returns the
    number of pages."""
    with PdfWriter(out, page_info(study, subject, lang, profile, generated)) as writer:
        book = _Casebook(writer, study, subject, audit, lang, profile)
        book.queries = queries
        book.cutoff = cutoff or date.today()
        book.signature_views, book.sdv = signatures or [], sdv  # services.signatures / sdv
        book.write()
        pages = writer.page
    return pages


class _Casebook(AuditSections, ReviewSections):
    def __init__(self, writer: PdfWriter, study: Study, subject: ExportSubject,
                 audit: list[AuditView], lang: str, profile: ExportProfile) -> None:  # fmt: skip
        self.w = writer
        self.study = study
        self.subject = subject
        self.audit = audit
        self.lang = lang
        self.profile = profile
        self.removed = removed_items(study, profile)

    def t(self, en: str, zh: str) -> str:
        return tr(en, zh, self.lang)

    cutoff: date = date.max

    def write(self) -> None:
        self._summary()
        self._derived()
        self._signatures()
        for (event_oid, repeat, code), record in self._ordered():
            self._form(event_oid, repeat, code, record)
        self._queries()
        self._audit()
        self._audit_trail()

    # summary -----------------------------------------------------------------------------
    def _summary(self) -> None:
        s, w, lang = self.subject, self.w, self.lang
        w.heading(self.t("Subject ", "受试者 ") + s.key, 1,
                  right=TITLE.get(lang))  # fmt: skip
        status = SUBJECT_STATUS.get(s.status)
        instances = Counter(meta.status for meta in s.forms.values())
        forms_text = ", ".join(f"{FORM_STATUS[k].get(lang) if k in FORM_STATUS else k} {n}"
                               for k, n in sorted(instances.items()))  # fmt: skip
        versions = sorted({meta.metadata_version for meta in s.forms.values()})
        pairs = [
            (self.t("Subject ID", "受试者编号"), s.subject_id or self.t("not enrolled", "未入组")),
            (self.t("Screening number", "筛选号"), s.screening_number),
            (self.t("Site", "中心"), s.site_id),
            (self.t("Status", "状态"), status.get(lang) if status else s.status),
            (self.t("Form instances", "表单实例"), f"{len(s.forms)} ({forms_text})"),
            (self.t("Metadata version", "元数据版本"), ", ".join(versions) or "—"),
            (self.t("Export profile", "导出方案"), str(self.profile)),
            (self.t("Data cut-off", "数据截止日"), self.cutoff.isoformat()),
        ]
        if self.queries is not None:
            pairs.append((self.t("Queries", "质疑"), self._query_counts()))
        rows = []
        for i in range(0, len(pairs), 2):
            row: list[Cell | str] = []
            for label, value in pairs[i:i + 2]:
                row += [Cell(label, color=GREY), Cell(value, bold=True)]
            row += [Cell(""), Cell("")] * (2 - len(pairs[i:i + 2]))
            rows.append(row)
        w.table([Column(0.17), Column(0.33), Column(0.17), Column(0.33)], rows,
                header=False, zebra=False)  # fmt: skip
        if self.profile is ExportProfile.SPONSOR_CODED:
            w.note(self.t(
                "Coded data: direct identifiers and genetic data are not part of this document; "
                "free text that may hold a personal identifier is withheld; people are named "
                "by role.",
                "编码数据：本文件不含直接身份识别信息及遗传数据；可能含个人身份信息的自由文本已隐去；"
                "人员仅以角色表示。"))

    def _derived(self) -> None:
        s, lang = self.subject, self.lang
        if s.subject_id is None:
            return
        values = subject_level(s.data, self.study.parameters, cutoff=self.cutoff)
        shown = [(label, values.get(name)) for name, label in SUBJECT_VALUES]
        if all(v is None for _l, v in shown):
            return
        self.w.heading(self.t("Derived subject-level values", "受试者水平推导值"), 2,
                       right=self.t("computed by the system, as of the data cut-off",
                                    "系统计算，截至数据截止日"))  # fmt: skip
        rows = []
        cells = [(Cell(label.get(lang), color=GREY), Cell(_plain(value, lang)))
                 for label, value in shown]  # fmt: skip
        half = (len(cells) + 1) // 2
        for left, right in zip(cells[:half], [*cells[half:], (Cell(""), Cell(""))], strict=False):
            rows.append([*left, *right])
        self.w.table([Column(0.33), Column(0.17), Column(0.33), Column(0.17)], rows,
                     header=False, size=7.8)  # fmt: skip

    # forms -------------------------------------------------------------------------------
    def _ordered(self) -> list[tuple[tuple[str, int, str], FormRecord]]:
        by_key = {(r.event, r.repeat, r.form): r for r in self.subject.data.records}
        order: dict[tuple[str, int, str], tuple[int, int, int]] = {}
        event_index = {e.oid: i for i, e in enumerate(self.study.events)}
        for key in by_key:
            event_oid, repeat, code = key
            event = next((e for e in self.study.events if e.oid == event_oid), None)
            position = event.forms.index(code) if event and code in event.forms else 99
            order[key] = (event_index.get(event_oid, 99), repeat, position)
        return [(key, by_key[key]) for key in sorted(by_key, key=lambda k: order[k])]

    def _event_label(self, event_oid: str, repeat: int) -> str:
        try:
            event = self.study.event(event_oid)
        except KeyError:
            return event_oid
        label = event.label.get(self.lang)
        if event.repeating:
            label += f" #{repeat}"
        return f"{label} · {event_oid}"

    def _form(self, event_oid: str, repeat: int, code: str, record: FormRecord) -> None:
        w, lang = self.w, self.lang
        try:
            form = self.study.form(code)
        except KeyError:
            return
        meta: FormMeta | None = self.subject.forms.get((event_oid, repeat, code))
        w.heading(f"{form.number}  {form.label.get(lang)}  [{form.code}]", 2,
                  right=self._event_label(event_oid, repeat), keep=60)  # fmt: skip
        if meta is not None:
            status = FORM_STATUS.get(meta.status)
            parts = [
                self.t("Status: ", "状态：") + (status.get(lang) if status else meta.status),
                self.t("version ", "版本 ") + str(meta.version),
                self.t("last saved ", "最后保存 ") + local_time(meta.updated_utc),
                self.t("metadata ", "元数据 ") + meta.metadata_version,
            ]
            if meta.has_errors:
                parts.append(self.t("has errors", "存在错误"))
            if meta.has_warnings:
                parts.append(self.t("open warnings", "存在警告"))
            w.paragraph(" · ".join(parts), size=7.5,
                        color=WARN if meta.has_errors or meta.has_warnings else GREY)  # fmt: skip
        several = len([g for g in form.groups if not g.repeating]) > 1
        for group in form.groups:
            if group.repeating:
                self._rows(form, group, record)
            else:
                self._main(form, group, record, several)
        for point in form.signatures:
            views = [v for v in self._signed(code, point.name)
                     if (v.event_oid, v.repeat_key) == (event_oid, repeat)]  # fmt: skip
            for view in views:
                state, color = self._signature_state(view)
                w.paragraph(f"{point.name} — {point.label.get(lang)}: {state} · "
                            f"{self._signer(view)} · {self._utc(view.ts_utc)} "
                            f"({self.t('meaning', '含义')}: {view.meaning.get(lang)})",
                            size=7.8, color=color)  # fmt: skip
            if not views:
                w.paragraph(f"{point.name} — {point.label.get(lang)}: "
                            + self.t("not signed", "未签名")
                            + f" ({self.t('meaning', '含义')}: {point.meaning.get(lang)})",
                            size=7.8, color=WARN)  # fmt: skip

    def _shown(self, form: Form, item: Item, value: Any, missing: str | None) -> bool:
        if (form.code, item.name) in self.removed:
            return False
        return value is not None or missing is not None or item.req.value == "R"

    def _item_cells(self, form: Form, item: Item, value: Any, missing: str | None
                    ) -> list[Cell]:  # fmt: skip
        lang = self.lang
        if value is not None:
            shown = Cell(display_value(self.study, item, value, lang))
        elif missing is not None:
            shown = Cell(decode_missing(missing, lang), color=WARN)
        else:
            shown = Cell("—", color=GREY)
        notes = [item.name]
        if item.is_derived:
            notes.append(self.t("derived", "推导"))
        if missing is not None and value is None:
            notes.append(self.t("missing", "缺失"))
        return [Cell(item.label.get(lang)), shown, Cell(" · ".join(notes), color=GREY, size=6.8)]

    def _main(self, form: Form, group: ItemGroup, record: FormRecord, labelled: bool) -> None:
        rows = []
        for item in group.items:
            value = record.values.get(item.name)
            missing = record.missing.get(item.name)
            if self._shown(form, item, value, missing):
                rows.append(self._item_cells(form, item, value, missing))
        if not rows:
            return
        if labelled:
            self.w.need(36)
            self.w.paragraph(group.label.get(self.lang), size=8, bold=True, color=ACCENT)
        self.w.table(ITEM_COLUMNS, rows, header=False)

    def _rows(self, form: Form, group: ItemGroup, record: FormRecord) -> None:
        w, lang = self.w, self.lang
        rows = record.group_rows(group.name)
        missing = record.row_missing.get(group.name, {})
        w.need(40)
        w.paragraph(f"{group.label.get(lang)} — {len(rows)} "
                    + self.t("row" if len(rows) == 1 else "rows", "行"),
                    size=8, bold=True, color=ACCENT)  # fmt: skip
        if not rows:
            return
        items = [item for item in group.items
                 if (form.code, item.name) not in self.removed
                 and any(item.name in row or item.name in missing.get(i, {})
                         for i, row in enumerate(rows))]  # fmt: skip
        if len(items) <= GRID_MAX_COLUMNS:
            width = 0.94 / max(len(items), 1)
            columns = [Column(0.06, "#")] + [Column(width, i.label.get(lang), i.name)
                                             for i in items]  # fmt: skip
            body = []
            for index, row in enumerate(rows):
                cells: list[Cell | str] = [str(index + 1)]
                for item in items:
                    value = row.get(item.name)
                    reason = missing.get(index, {}).get(item.name)
                    if value is not None:
                        cells.append(Cell(display_value(self.study, item, value, lang)))
                    elif reason:
                        cells.append(Cell(decode_missing(reason, lang), color=WARN))
                    else:
                        cells.append(Cell(""))
                body.append(cells)
            w.table(columns, body, size=7.6)
            return
        for index, row in enumerate(rows):
            w.need(36)
            w.paragraph(f"{group.label.get(lang)} #{index + 1}", size=7.8, color=GREY)
            body = [self._item_cells(form, item, row.get(item.name),
                                     missing.get(index, {}).get(item.name))
                    for item in items
                    if row.get(item.name) is not None or missing.get(index, {}).get(item.name)]
            w.table(ITEM_COLUMNS, body, header=False)

# --- reading through the services --------------------------------------------------------


def casebook_audit(app: AppSession, subject: ExportSubject, profile: ExportProfile
               ) -> list[AuditView]:  # fmt: skip
    """Entries under the study ID and, before enrolment, under the screening number."""
    keys = dict.fromkeys(k for k in (subject.screening_number, subject.subject_id) if k)
    views: dict[int, AuditView] = {}
    for key in keys:
        for view in subject_audit(app, key, profile):
            views[view.id] = view
    return [views[i] for i in sorted(views)]


def casebook_queries(app: AppSession, subject: ExportSubject, profile: ExportProfile,
                     scan: Any = None) -> list:  # fmt: skip
    """The subject's queries as the profile shows them (services.export_read.export_queries),
    texts through the run's REQ-PI-04 `scan`."""
    from tnt_desktop.services.export_read import export_queries

    return export_queries(app, profile, subject_key=subject.key, scan=scan)


def casebook_signatures(app: AppSession, subject: ExportSubject) -> tuple[list, Any]:
    """The subject's signatures (state recomputed from the data) and its SDV progress."""
    from tnt_desktop.services.sdv import sdv_progress
    from tnt_desktop.services.signatures import signatures

    with app.transaction(write=False):  # both read in one transaction
        key = subject.screening_number
        return signatures(app, key), sdv_progress(app, key)


def _matches(subject: ExportSubject, key: str) -> bool:
    return key in (subject.key, subject.subject_id, subject.screening_number)


def casebook_pdf(
    app: AppSession, subject_key: str, out: str | os.PathLike | IO[bytes], lang: str = "en",
    profile: ExportProfile = ExportProfile.SPONSOR_CODED, *, generated: datetime | None = None,
    cutoff: date | None = None,
) -> CasebookResult:  # fmt: skip
    """One subject's casebook (study ID or screening number). NotFound when there is no such
    subject in the export — including a subject whose consent forbids transfer (ICXFER = N)
    under the sponsor profile."""
    for subject in export_subjects(app, profile):
        if _matches(subject, subject_key):
            audit = casebook_audit(app, subject, profile)
            signed, progress = casebook_signatures(app, subject)
            pages = write_casebook(out, app.study, subject, audit, lang=lang, profile=profile,
                                   generated=generated,
                                   queries=casebook_queries(app, subject, profile),
                                   signatures=signed, sdv=progress, cutoff=cutoff)  # fmt: skip
            path = Path(out) if isinstance(out, str | os.PathLike) else None
            return CasebookResult(subject.key, path, pages)
    raise NotFound(Text(f"no subject {subject_key} in the {profile} export",
                        f"{profile} 导出中没有受试者 {subject_key}"))  # fmt: skip


def casebooks_pdf(
    app: AppSession, out_dir: str | os.PathLike, lang: str = "en",
    profile: ExportProfile = ExportProfile.SPONSOR_CODED, *,
    subjects: Iterable[str] | None = None, generated: datetime | None = None,
    progress: Callable[[int, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None, cutoff: date | None = None,
) -> BatchResult:  # fmt: skip
    """One casebook per exported subject, `casebook_<key>.pdf` in `out_dir`, written while the
    subjects stream from export_read (one subject in memory at a time). `subjects` limits the
    batch to some keys; `progress(done, key)` after each file; `cancelled()` is polled
    between subjects (the files already written stay)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = set(subjects) if subjects is not None else None
    generated = generated or datetime.now().astimezone()
    result = BatchResult(out_dir)
    for subject in export_subjects(app, profile):
        if cancelled is not None and cancelled():
            result.cancelled = True
            break
        if wanted is not None and not any(_matches(subject, k) for k in wanted):
            continue
        path = out_dir / f"casebook_{safe_name(subject.key)}.pdf"
        audit = casebook_audit(app, subject, profile)
        signed, verified = casebook_signatures(app, subject)
        pages = write_casebook(path, app.study, subject, audit, lang=lang, profile=profile,
                               generated=generated,
                               queries=casebook_queries(app, subject, profile),
                               signatures=signed, sdv=verified, cutoff=cutoff)  # fmt: skip
        result.files.append(CasebookResult(subject.key, path, pages))
        if progress is not None:
            progress(len(result.files), subject.key)
    return result
