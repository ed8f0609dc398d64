"""The study status report as PDF (issue 5, item 2c; issue 15; CRF_SPEC.md §6).

    result = study_report_pdf(app, Path("status.pdf"), lang="zh", cutoff=date(2026, 6, 30))

Drawn from `exports.report_model.ReportModel` (one population — the subjects of the export —
as of one data cut-off; every number recomputable from SUBJECT_LEVEL.csv and the AE, DV and
query files). Sections: key figures with the population stated; enrolment from the first to the
last enrolment; subjects by status; treatment compliance (cycles only for subjects whose
chemotherapy is over); the primary endpoint (A–E bars; A–C with its exact 95 % Clopper–Pearson
interval); wound complications (rates over the evaluable, not evaluable counted apart); adverse
events by CTCAE term and worst grade; protocol deviations; queries; Kaplan–Meier curves of OS from
enrolment and OS / LC from treatment completion, estimates "not estimable" after the longest
observed time. Percentages round half up.

The statistics live in `exports.report_stats` (re-exported here).
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from tnt_desktop.exports.pdf_common import Cell, Column, PageInfo, PdfWriter
from tnt_desktop.exports.pdf_fonts import (
    GREY,
    WATERMARK,
    WATERMARK_SITE,
    tr,
)
from tnt_desktop.exports.pdf_report_charts import (
    DAYS_PER_MONTH,
    enrolment_chart,
    hbar_chart,
    km_chart,
    score_chart,
)
from tnt_desktop.exports.report_model import ReportModel, collect, percent
from tnt_desktop.exports.report_stats import (  # re-exported for callers
    KMStep,
    _half_up,
    at_risk_at,
    binom_cdf,
    clopper_pearson,
    format_ci,
    format_pct,
    kaplan_meier,
    km_at,
    km_estimate,
    regularized_beta,
)
from tnt_desktop.services.export_read import ExportProfile
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.model import Text

TITLE = Text("Study status report", "研究进展报告")

__all__ = ["KMStep", "at_risk_at", "binom_cdf", "clopper_pearson", "format_ci", "format_pct",
           "kaplan_meier", "km_at", "km_estimate", "regularized_beta", "study_report_pdf",
           "write_report"]



# --- the document --------------------------------------------------------------------------


@dataclass
class ReportResult:
    pages: int
    data: ReportModel


def study_report_pdf(app: AppSession, out: str | os.PathLike | IO[bytes], lang: str = "en",
                     profile: ExportProfile = ExportProfile.SPONSOR_CODED, *,
                     cutoff: date | None = None, today: date | None = None,
                     generated: datetime | None = None,
                     scan: Any = None) -> ReportResult:  # fmt: skip
    """Collect (through the export read path, as of the data cut-off; `today` is its old name)
    and write the study status report."""
    model = collect(app, profile, cutoff or today, scan=scan)
    pages = write_report(out, app, model, lang=lang, generated=generated)
    return ReportResult(pages, model)


def write_report(out: str | os.PathLike | IO[bytes], app: AppSession, data: ReportModel, *,
                 lang: str = "en", generated: datetime | None = None) -> int:  # fmt: skip
    study = app.study
    params = study.parameters
    info = PageInfo(
        title=TITLE, study=f"{params.study_name} · {params.protocol_name}", lang=lang,
        header_note=tr(f"data cut-off {data.cutoff.isoformat()}",
                   f"数据截止日 {data.cutoff.isoformat()}", lang),
        profile=data.profile, metadata_version=params.metadata_version,
        watermark=WATERMARK_SITE if data.profile == ExportProfile.SITE_ARCHIVE else WATERMARK,
        **({} if generated is None else {"generated": generated}),
    )  # fmt: skip
    with PdfWriter(out, info) as writer:
        _Report(writer, app, data, lang).write()
        pages = writer.page
    return pages


def _pct(x: int, n: int) -> str:
    """"x / n (p %)", half up; "x / 0" without a denominator."""
    value = percent(x, n)
    return f"{x} / {n} ({value} %)" if value is not None else f"{x} / 0"


def _median_range(values: list[float]) -> str:
    if not values:
        return "—"
    return (f"{_half_up(statistics.median(values), 2)} ({_half_up(min(values), 2)}–"
            f"{_half_up(max(values), 2)}), n = {len(values)}")  # fmt: skip


class _Report:
    def __init__(self, writer: PdfWriter, app: AppSession, data: ReportModel, lang: str) -> None:
        self.w = writer
        self.app = app
        self.study = app.study
        self.d = data
        self.lang = lang

    def t(self, en: str, zh: str) -> str:
        return tr(en, zh, self.lang)

    def write(self) -> None:
        self._key_figures()
        self._enrolment()
        self._status()
        self._compliance()
        self._primary()
        self._wounds()
        self._adverse_events()
        self._deviations()
        self._queries()
        self._survival()

    def _kv(self, rows: list[tuple[str, str]], bold: bool = True) -> None:
        cells = [[Cell(label, color=GREY), Cell(value, bold=bold)] for label, value in rows]
        self.w.table([Column(0.5), Column(0.5)], cells, header=False)

    def _key_figures(self) -> None:
        d = self.d
        cutoff = d.cutoff.isoformat()
        self.w.heading(TITLE.get(self.lang), 1, right=self.t("data cut-off ", "数据截止日 ")
                       + cutoff)  # fmt: skip
        rows = [
            (self.t("Subjects screened (this report's population)", "已筛选受试者（本报告人群）"),
             str(d.in_export)),
            (self.t("Enrolled / target", "已入组 / 目标"), f"{d.enrolled} / {d.target}"),
            (self.t("Treated (≥ 1 RT fraction)", "已治疗（≥1 次放疗）"), str(d.treated)),
            (self.t("Surgery performed", "已手术"), str(d.surgery)),
            (self.t("Died (on or before the cut-off)", "死亡（截止日或之前）"), str(d.died)),
            (self.t("Withdrawn", "已退出"), str(d.withdrawn)),
            (self.t("Primary endpoint known (A–E or non-responder)",
                    "主要终点已确定（A–E 或无反应者）"), str(d.primary.n)),
        ]  # fmt: skip
        self._kv(rows)
        text_en = (f"Population: the {d.in_export} subjects of this export ({d.profile}), with "
                   f"their data as of the cut-off {cutoff}; every count and rate in this report "
                   "refers to them.")
        text_zh = (f"人群：本次导出（{d.profile}）的 {d.in_export} 名受试者，数据截至 {cutoff}；"
                   "本报告的所有计数和比例均基于该人群。")
        if d.left_out > 0:
            text_en += (f" {d.left_out} further subject(s) screened at the site are not included "
                        "because they did not consent to the transfer of their data to third "
                        "parties; they appear nowhere in this report.")
            text_zh += (f"另有 {d.left_out} 名在本中心筛选的受试者因不同意向第三方转移数据"
                        "而未纳入，本报告任何部分均不包含他们。")
        self.w.note(self.t(text_en, text_zh))

    def _enrolment(self) -> None:
        d = self.d
        self.w.heading(self.t("1  Enrolment over time", "1  入组进度"), 2, keep=220)
        by_month = d.enrolment_by_month()
        if not by_month:
            self.w.paragraph(self.t("No subject enrolled yet.", "尚无受试者入组。"))
            return
        self.w.drawing(enrolment_chart(by_month, d.target, self.lang, self.w.width))
        first, last = d.first_enrolment, d.last_enrolment
        months = d.enrolment_months
        rate = _half_up(d.enrolled / months) if months else "0"
        self.w.note(self.t(
            f"{d.enrolled} enrolled from {first} (first enrolment) to {last} (last enrolment), "
            f"{months} calendar month(s), {rate} per month; target {d.target}.",
            f"自 {first}（首例入组）至 {last}（末例入组）共入组 {d.enrolled} 例，历时 {months} "
            f"个自然月，平均每月 {rate} 例；目标 {d.target} 例。"))  # fmt: skip

    def _status(self) -> None:
        from tnt_desktop.exports.pdf_casebook import SUBJECT_STATUS

        self.w.heading(self.t("2  Subjects by status", "2  受试者状态"), 2, keep=150)
        rows = [(SUBJECT_STATUS[s].get(self.lang) if s in SUBJECT_STATUS else s, n)
                for s, n in sorted(self.d.by_status.items())]  # fmt: skip
        self.w.drawing(hbar_chart(rows, self.w.width))

    def _compliance(self) -> None:
        d, n_cycles = self.d, self.app.params.n_cycles
        self.w.heading(self.t("3  Treatment compliance", "3  治疗依从性"), 2, keep=120)
        rows = [
            (self.t("Treated population (≥ 1 RT fraction)", "治疗人群（≥1 次放疗）"),
             str(d.treated)),
            (self.t("RT completed per protocol (5 × 5 Gy, ≤ 7 days), of the treated",
                    "按方案完成放疗（5 × 5 Gy，≤7 天），占治疗人群"),
             _pct(d.rt_completed.x, d.rt_completed.n)),
            (self.t("Chemotherapy over / still ongoing", "化疗已结束 / 仍在进行"),
             f"{d.chemo_over} / {d.chemo_ongoing}"),
        ]  # fmt: skip
        for count in range(n_cycles, -1, -1):
            rows.append((self.t(f"AI cycles given: {count} (chemotherapy over)",
                                f"已给 AI 化疗周期：{count}（化疗已结束者）"),
                         _pct(d.cycles.get(count, 0), d.chemo_over)))  # fmt: skip
        rows += [
            (self.t("Relative dose intensity, doxorubicin — median (range)",
                    "多柔比星相对剂量强度 — 中位数（范围）"), _median_range(d.rdi["RDIDOX"])),
            (self.t("Relative dose intensity, ifosfamide — median (range)",
                    "异环磷酰胺相对剂量强度 — 中位数（范围）"), _median_range(d.rdi["RDIIFO"])),
            (self.t("RDI ≥ 0.85 (lower of the two drugs)", "RDI ≥ 0.85（两药中较低者）"),
             _pct(sum(1 for v in d.rdi["RDI"] if v >= 0.85), len(d.rdi["RDI"]))),
            (self.t("Surgery performed / not performed / pending",
                    "已手术 / 未手术 / 待定"),
             f"{d.surgery} / {d.no_surgery} / {d.surgery_pending}"),
        ]  # fmt: skip
        self._kv(rows)
        self.w.note(self.t(
            "Cycles are counted only for treated subjects whose chemotherapy is over (every "
            f"cycle given, or surgery done or documented as not done, end of study or death): "
            f"{d.chemo_ongoing} subject(s) still on radiotherapy or chemotherapy are left out. "
            "RDI: cumulative relative dose intensity at the last cycle given.",
            "仅统计化疗已结束的治疗人群（全部周期已给，或已手术/记录未手术、研究结束或死亡）："
            f"{d.chemo_ongoing} 名仍在放疗或化疗中的受试者未计入。RDI：最后一个已给药周期的"
            "累计相对剂量强度。"))  # fmt: skip

    def _rate_row(self, label: str, rate, sub: str | None = None) -> list:
        ci = clopper_pearson(rate.x, rate.n) if rate.n else None
        return [Cell(label, sub=sub), str(rate.n), Cell(str(rate.x), bold=True),
                f"{rate.pct} %" if rate.n else "—", Cell(format_ci(ci) if ci else "—", bold=True)]

    def _rate_header(self, first: str) -> list[Column]:
        return [Column(0.34, first), Column(0.1, self.t("n evaluable", "可评估例数")),
                Column(0.12, "x"), Column(0.16, self.t("Proportion", "比例")),
                Column(0.28, self.t("Exact 95 % CI", "精确 95 % 置信区间"), "Clopper–Pearson")]

    def _primary(self) -> None:
        d = self.d
        self.w.heading(self.t("4  Primary endpoint — EORTC-STBSG response A–C",
                              "4  主要终点 — EORTC-STBSG A–C 级反应"), 2, keep=200)  # fmt: skip
        self.w.drawing(score_chart(d.scores, self.lang, self.w.width))
        rows = [
            self._rate_row(self.t("Treated, outcome known", "治疗人群（结局已确定）"), d.primary,
                           self.t(f"{d.primary.pending} pending", f"{d.primary.pending} 例待定")),
            self._rate_row(self.t("Per-protocol", "符合方案人群"), d.per_protocol),
            self._rate_row(self.t("pCR (score A), treated", "病理完全缓解（A 级），治疗人群"),
                           d.pcr),
        ]  # fmt: skip
        self.w.table(self._rate_header(self.t("Population", "人群")), rows)
        self.w.note(self.t(
            "Treated population: every enrolled subject with ≥ 1 RT fraction; subjects without "
            "surgery or without evaluable pathology count as non-responders. Subjects whose "
            f"surgery or pathology is still pending ({d.primary.pending}) are not in the "
            "denominator.",
            "治疗人群：接受 ≥1 次放疗的全部入组受试者；未手术或病理不可评估者按无反应者计。"
            f"手术或病理尚未完成者（{d.primary.pending} 例）不计入分母。"))  # fmt: skip

    def _wounds(self) -> None:
        d = self.d
        self.w.heading(self.t("5  Wound complications", "5  伤口并发症"), 2, keep=90)
        rows = []
        for label, rate in (
            (self.t("Major wound complication ≤ day 90 (MWC90)",
                    "术后 90 天内主要伤口并发症（MWC90）"), d.mwc90),
            (self.t("Major wound complication ≤ day 120 (MWC120)",
                    "术后 120 天内主要伤口并发症（MWC120）"), d.mwc120),
            (self.t("Any wound complication ≤ day 90", "术后 90 天内任何伤口并发症"), d.anywc90),
        ):  # fmt: skip
            parts = []
            if rate.not_evaluable:
                parts.append(self.t(f"{rate.not_evaluable} not evaluable",
                                    f"{rate.not_evaluable} 例不可评估"))
            if rate.pending:
                parts.append(self.t(f"{rate.pending} pending", f"{rate.pending} 例待定"))
            rows.append(self._rate_row(label, rate, "; ".join(parts) or None))
        self.w.table(self._rate_header(self.t("Outcome", "结局")), rows)
        self.w.note(self.t(
            f"Operated subjects: {d.wound_evaluable}. Not evaluable: no major complication in the "
            "window and fewer post-operative days observed than the window (operated too "
            "shortly before the cut-off, or follow-up incomplete); they are left out of the "
            "denominator, which is the number of evaluable subjects printed beside each rate.",
            f"已手术受试者：{d.wound_evaluable} 例。不可评估：窗口内无主要并发症且术后观察天数不足"
            "（距截止日手术时间过短或随访不完整）；此类受试者不计入分母，分母即每项比例旁所列的"
            "可评估例数。"))  # fmt: skip

    def _adverse_events(self) -> None:
        d = self.d
        self.w.heading(self.t("6  Adverse events", "6  不良事件"), 2, keep=90)
        self.w.paragraph(self.t(
            f"{d.ae_records} adverse event(s) in {d.ae_subjects} of {d.enrolled} enrolled "
            f"subject(s); worst grade ≥ 3 in {d.ae_grade3}; serious in {d.ae_serious} "
            "(onset on or before the cut-off).",
            f"{d.enrolled} 名入组受试者中 {d.ae_subjects} 名共发生 {d.ae_records} 例不良事件；"
            f"最严重分级 ≥3 级者 {d.ae_grade3} 名；严重不良事件 {d.ae_serious} 名（发生于截止日"
            "或之前）。"), size=8.5)  # fmt: skip
        if not d.ae_terms:
            return
        terms = self.study.codelist("CTCAE50")
        rows = []
        for code, term in sorted(d.ae_terms.items(), key=lambda kv: (-kv[1].subjects, kv[0])):
            rows.append([Cell(terms.decode(code, self.lang) if code != "—" else "—", sub=code),
                         Cell(str(term.subjects), bold=True),
                         *[str(term.worst.get(g, 0) or "") for g in GRADE_COLUMNS]])
        self.w.table([Column(0.4, self.t("CTCAE term", "CTCAE 术语")),
                      Column(0.15, self.t("Subjects", "受试者")),
                      *[Column(0.09, self.t(f"G{g}", f"{g} 级")) for g in GRADE_COLUMNS]],
                     rows, size=7.6)  # fmt: skip
        self.w.note(self.t("Subjects by term and by their worst grade of that term.",
                           "按术语及该术语的最严重分级统计受试者例数。"))

    def _deviations(self) -> None:
        d = self.d
        self.w.heading(self.t("7  Protocol deviations", "7  方案偏离"), 2, keep=80)
        self.w.paragraph(self.t(
            f"{d.deviations} deviation record(s) in {d.subjects_with_dv} subject(s).",
            f"{d.subjects_with_dv} 名受试者共 {d.deviations} 条偏离记录。"), size=8.5)
        if not d.deviations:
            return
        categories = self.study.codelist("DVCAT")
        sources = self.study.codelist("DVSRC")
        rows = [[Cell(categories.decode(code, self.lang), sub=code), str(count)]
                for code, count in d.dv_category.most_common()]  # fmt: skip
        rows += [[Cell(self.t("Source: ", "来源：") + sources.decode(code, self.lang),
                       bold=True), str(count)] for code, count in d.dv_source.most_common()]
        labels = {"CONFIRMED": self.t("system-detected, confirmed by the site",
                                      "系统检出，研究中心已确认"),
                  "REJECTED": self.t("system-detected, dismissed by the site",
                                     "系统检出，研究中心已否决"),
                  "PENDING": self.t("system-detected, awaiting the site",
                                    "系统检出，待研究中心处理"),
                  "SITE": self.t("recorded by the site or monitor", "由研究中心或监查员记录")}
        rows += [[Cell(labels[key], color=GREY), str(count)]
                 for key, count in d.dv_candidates.most_common()]  # fmt: skip
        self.w.table([Column(0.8, self.t("Category", "类别")), Column(0.2, "n")], rows)

    def _queries(self) -> None:
        from tnt_desktop.services.queries import QUERY_STATUS_LABELS

        d = self.d
        self.w.heading(self.t("8  Queries", "8  质疑"), 2, keep=60)
        total = sum(d.queries.values())
        parts = ", ".join(f"{QUERY_STATUS_LABELS[k].get(self.lang)} {d.queries.get(k, 0)}"
                          for k in QUERY_STATUS_LABELS)  # fmt: skip
        self.w.paragraph(self.t(
            f"{total} queries ({parts}); raised by people {d.queries_manual}, by the system "
            f"{d.queries_auto}, of which {d.queries_pi04} about free text withheld from this "
            "export as a possible personal identifier.",
            f"共 {total} 条质疑（{parts}）；人工发起 {d.queries_manual} 条，系统发起 "
            f"{d.queries_auto} 条，其中 {d.queries_pi04} 条涉及因可能含个人身份信息而未随本次导出"
            "的自由文本。"), size=8.5)  # fmt: skip

    def _survival(self) -> None:
        d = self.d
        self.w.heading(self.t("9  Overall survival and local control",
                              "9  总生存与局部控制"), 2, keep=200)  # fmt: skip
        titles = {
            "OSENR": self.t("Overall survival from enrolment (all enrolled)",
                            "自入组起的总生存（全部入组受试者）"),
            "OSTC": self.t("Overall survival from treatment completion (treated)",
                           "自治疗完成起的总生存（治疗人群）"),
            "LCTC": self.t("Local control from treatment completion (treated)",
                           "自治疗完成起的局部控制（治疗人群）"),
        }
        for name, title in titles.items():
            survival = d.survival.get(name)
            pairs = survival.pairs if survival else []
            events = sum(1 for _d, e in pairs if e)
            if not events:
                self.w.paragraph(f"{title}: " + self.t(
                    f"no event yet among {len(pairs)} subject(s) with a time — "
                    "the Kaplan–Meier curve appears once events exist.",
                    f"{len(pairs)} 名有时间数据的受试者中尚无事件 — 出现事件后显示 "
                    "Kaplan–Meier 曲线。"), size=8.5)  # fmt: skip
                continue
            self.w.drawing(km_chart(pairs, title, self.lang, self.app.params.os_horizon_months,
                                    self.w.width))  # fmt: skip
            self.w.paragraph(self._km_line(pairs, events), size=8.2)
        self.w.note(self.t(
            "Times as of the data cut-off; censored subjects are marked by ticks. An estimate "
            "after the longest observed time is not estimable. Time from treatment completion "
            "starts when the treatment is complete (surgery done or documented as not done).",
            "时间以数据截止日为准；删失以短竖线标记。超过最长观察时间的估计值不可估计。自治疗"
            "完成起的时间自治疗完成（已手术或记录未手术）开始计算。"))  # fmt: skip

    def _km_line(self, pairs: list[tuple[int, bool]], events: int) -> str:
        steps = kaplan_meier([x for x, _e in pairs], [e for _x, e in pairs])
        horizon = self.app.params.os_horizon_months
        last = max(x for x, _e in pairs)
        shown = []
        for months in (12, horizon):
            value = km_estimate(steps, months * DAYS_PER_MONTH)
            shown.append(format_pct(value) if value is not None
                         else self.t("not estimable", "不可估计"))  # fmt: skip
        last_months = _half_up(last / DAYS_PER_MONTH)
        return self.t(
            f"n = {len(pairs)}, events = {events}, censored = {len(pairs) - events}; longest "
            f"observed time {last_months} months. Kaplan–Meier estimate at 12 months "
            f"{shown[0]}, at {horizon} months {shown[1]}.",
            f"n = {len(pairs)}，事件 {events} 例，删失 {len(pairs) - events} 例；最长观察时间 "
            f"{last_months} 个月。Kaplan–Meier 估计 12 个月 {shown[0]}，{horizon} 个月 "
            f"{shown[1]}。")  # fmt: skip


GRADE_COLUMNS = ("1", "2", "3", "4", "5")
