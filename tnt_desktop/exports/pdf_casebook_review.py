"""The casebook's review sections (exports.pdf_casebook): the e-signatures of each signature
point with their state, and the queries with their steps."""

from __future__ import annotations

from typing import Any

from tnt_desktop.exports.pdf_common import Cell, Column
from tnt_desktop.exports.pdf_fonts import ACCENT, WARN, local_time
from tnt_desktop.services.export_read import (
    ExportProfile,
)
from tnt_desktop.study.model import Form, SignaturePoint


class ReviewSections:
    """Mixed into the casebook: needs `w`, `study`, `subject`, `lang`, `profile`,
    `signature_views`, `sdv`, `queries`, `t` and `_event_label`."""

    # signatures ---------------------------------------------------------------------------
    def _signature_points(self) -> list[tuple[Form, SignaturePoint]]:
        present = {code for (_e, _r, code) in self.subject.forms}
        points = []
        for form in self.study.forms:
            for point in form.signatures:
                if form.code in present or point.first_release:
                    points.append((form, point))
        return points

    signature_views: list | tuple = ()  # services.signatures.SignatureView, set per book
    sdv: Any = None  # services.sdv.SdvProgress of the subject; None: no SDV line

    def _signed(self, code: str, point: str) -> list:
        """The current signatures of one point of a form (one per form instance)."""
        return [v for v in self.signature_views
                if v.form_code == code and v.point == point and v.superseded_by is None]

    def _signer(self, view) -> str:
        from tnt_desktop.services.permissions import ROLE_LABELS, Role

        try:
            role = ROLE_LABELS[Role(view.role)].get(self.lang)
        except ValueError:
            role = view.role
        if self.profile is ExportProfile.SITE_ARCHIVE:
            return f"{view.printed_name} ({view.username}, {role})"
        return role  # coded export: people by role only (REQ-PI-05)

    def _signature_state(self, view) -> tuple[str, Any]:
        if view.state == "INVALID":  # issue 14: not made by the signer's key (forged, altered)
            return self.t("signature INVALID — not made by the signer's key; run admin verify",
                          "签名无效（INVALID）— 非签名人密钥所签；请运行 admin verify"), WARN
        if view.state == "BROKEN":
            return self.t("signature broken (BROKEN) — re-signature required",
                          "签名已失效（BROKEN）— 需重新签名"), WARN  # fmt: skip
        return self.t("signed — signature valid (VALID)", "已签名 — 签名有效（VALID）"), ACCENT

    def _utc(self, ts: str) -> str:
        return f"{ts[:19].replace('T', ' ')} UTC"

    def _signatures(self) -> None:
        points = self._signature_points()
        if not points and self.sdv is None:
            return
        self.w.heading(self.t("Signatures", "电子签名"), 2,
                       right=self.t("manifestation per 21 CFR 11.50 (REQ-ES-02)",
                                    "签名显示（REQ-ES-02）"))  # fmt: skip
        rows = []
        for form, point in points:
            head = Cell(point.name, bold=True, sub=f"{form.number} {form.label.get(self.lang)}")
            meaning = self.t("Meaning: ", "含义：") + point.meaning.get(self.lang)
            views = self._signed(form.code, point.name)
            if not views:
                rows.append([head, Cell(point.label.get(self.lang), sub=meaning),
                             Cell(self.t("not signed", "未签名"), color=WARN, bold=True)])
            for view in views:
                state, color = self._signature_state(view)
                rows.append([head, Cell(self._signer(view), bold=True,
                                        sub=f"{self._utc(view.ts_utc)} · "
                                            f"{self.t('Meaning: ', '含义：')}"
                                            f"{view.meaning.get(self.lang)}"),
                             Cell(state, color=color, bold=True)])  # fmt: skip
        if rows:
            self.w.table([Column(0.24, self.t("Signature", "签名")),
                          Column(0.5, self.t("Signer and meaning", "签名人及含义")),
                          Column(0.26, self.t("Status", "状态"))], rows, size=8)  # fmt: skip
        if self.sdv is not None:
            p = self.sdv
            self.w.paragraph(self.t(
                f"Source data verification: critical items verified {p.critical_verified} / "
                f"{p.critical_total}; all items verified {p.verified} / {p.total}",
                f"源数据核查：关键条目已核查 {p.critical_verified} / {p.critical_total}；"
                f"全部条目已核查 {p.verified} / {p.total}"), size=8)  # fmt: skip

    # queries (services.queries) ----------------------------------------------------------
    queries: list | None = None  # QueryView list; None: not read (no section)

    def _query_counts(self) -> str:
        from tnt_desktop.services.queries import QUERY_STATUS_LABELS, counts_of

        counts = counts_of(self.queries or ())
        parts = [(QUERY_STATUS_LABELS[k].get(self.lang), n) for k, n in zip(
            QUERY_STATUS_LABELS, (counts.open, counts.answered, counts.closed), strict=True)]
        return f"{counts.total} (" + ", ".join(f"{label} {n}" for label, n in parts) + ")"

    def _queries(self) -> None:
        if self.queries is None:
            return
        from tnt_desktop.services.queries import (
            QUERY_STATUS_LABELS,
            QUERY_STEP_LABELS,
            QueryStatus,
            QueryStepKind,
        )

        w, lang = self.w, self.lang
        w.heading(self.t("Queries", "质疑"), 1, right=self._query_counts())
        if not self.queries:
            w.paragraph(self.t("No queries.", "无质疑。"), size=8)
            return
        rows = []
        for q in self.queries:
            try:
                form = self.study.form(q.form_code)
                label = f"{form.number} {q.form_code}"
                item = form.item(q.item_name, q.group_name or None) if q.item_name else None
            except KeyError:
                label, item = q.form_code, None
            where = " · ".join(p for p in (q.item_name, q.group_name and
                                           f"{q.group_name}#{q.row_key}") if p)  # fmt: skip
            status = QUERY_STATUS_LABELS[QueryStatus(q.status)].get(lang) \
                if q.status in QueryStatus.__members__ else q.status
            raised = q.steps[0] if q.steps else None
            last = q.steps[-1] if q.steps else None
            who = q.raised_role if self.profile is not ExportProfile.SITE_ARCHIVE \
                else f"{q.raised_by} ({q.raised_role})"
            kind = QUERY_STEP_LABELS[QueryStepKind(last.kind)].get(lang) \
                if last is not None and last.kind in QueryStepKind.__members__ else ""
            rows.append([
                Cell(f"#{q.id} {label}", sub=self._event_label(q.event_oid, q.repeat_key)),
                Cell(item.label.get(lang) if item else (where or self.t("whole form", "整张表单")),
                     sub=where or None),
                Cell(status, bold=True, color=WARN if q.status == "OPEN" else (0, 0, 0),
                     sub=(self.t("auto: ", "自动：") + (q.check_id or "")) if q.origin == "AUTO"
                     else None),
                Cell(local_time(q.raised_utc), sub=who),
                Cell(raised.text if raised else "—"),
                Cell(f"{kind} {local_time(last.ts_utc)}" if last else "—",
                     sub=last.text if last is not None and last is not raised else None),
            ])  # fmt: skip
        w.table([Column(0.13, self.t("Form", "表单")),
                 Column(0.15, self.t("Item", "条目")),
                 Column(0.1, self.t("Status", "状态")),
                 Column(0.14, self.t("Raised", "发起")),
                 Column(0.26, self.t("Question", "问题")),
                 Column(0.22, self.t("Last step", "最后一步"))], rows, size=7.4)  # fmt: skip
