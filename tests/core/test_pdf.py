"""PDF exports (issue 5, item 2): casebooks, the blank annotated CRF, the study status report,
and the statistics behind the report (Clopper–Pearson interval, Kaplan–Meier).

The PDFs are checked from the outside with poppler: `pdffonts` (the CJK font is embedded) and
`pdftotext` (the text is compared with the data read through services.export_read)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tnt_desktop.demo import generate_demo
from tnt_desktop.errors import NotFound
from tnt_desktop.exports.pdf_blank_crf import blank_crf_pdf
from tnt_desktop.exports.pdf_casebook import casebook_pdf, casebooks_pdf, display_value
from tnt_desktop.exports.pdf_fonts import segments, text_width, wrap
from tnt_desktop.exports.pdf_report import (
    at_risk_at,
    binom_cdf,
    clopper_pearson,
    format_ci,
    kaplan_meier,
    km_at,
    regularized_beta,
    study_report_pdf,
)
from tnt_desktop.services import auth
from tnt_desktop.services.export_read import ExportProfile, export_subjects
from tnt_desktop.study.definition import get_study
from tnt_desktop.study.derivations import subject_level

TODAY = date(2026, 3, 16)
SEED = 7
PASSWORD = "Demo-Pass-2468"
POPPLER = all(shutil.which(tool) for tool in ("pdffonts", "pdftotext", "pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip


def squeeze(text: str) -> str:
    """Text without any whitespace: wrapped cells and pdftotext spacing do not matter."""
    return re.sub(r"\s+", "", text)


def embedded_cjk(path: Path) -> list[str]:
    """The pdffonts lines of the bundled CJK font."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    return [line for line in out.splitlines() if "DroidSansFallback" in line]


# --- statistics ------------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "n", "low", "high"), [
    (5, 20, 0.0866, 0.4910),
    (0, 10, 0.0, 0.3085),
    (10, 10, 0.6915, 1.0),
    (50, 100, 0.3983, 0.6017),
    (1, 10, 0.0025, 0.4450),
    (3, 10, 0.0667, 0.6525),
])  # fmt: skip
def test_clopper_pearson_known_values(x, n, low, high):
    lower, upper = clopper_pearson(x, n)
    assert lower == pytest.approx(low, abs=6e-5)
    assert upper == pytest.approx(high, abs=6e-5)


def test_clopper_pearson_bounds_solve_the_binomial_tails():
    for x, n in ((3, 7), (12, 51), (40, 51)):
        lower, upper = clopper_pearson(x, n)
        tail_up = sum(math.comb(n, k) * lower**k * (1 - lower) ** (n - k) for k in range(x, n + 1))
        tail_down = sum(math.comb(n, k) * upper**k * (1 - upper) ** (n - k) for k in range(x + 1))
        assert tail_up == pytest.approx(0.025, abs=1e-9)
        assert tail_down == pytest.approx(0.025, abs=1e-9)
    with pytest.raises(ValueError):
        clopper_pearson(3, 2)
    with pytest.raises(ValueError):
        clopper_pearson(0, 0)


def test_regularized_beta_and_binomial_cdf():
    for x in (0.1, 0.37, 0.5, 0.93):
        assert regularized_beta(x, 1, 1) == pytest.approx(x, abs=1e-12)
        assert regularized_beta(x, 3, 1) == pytest.approx(x**3, abs=1e-12)
        assert regularized_beta(x, 1, 4) == pytest.approx(1 - (1 - x) ** 4, abs=1e-12)
    assert regularized_beta(0.5, 7.5, 7.5) == pytest.approx(0.5, abs=1e-12)
    assert regularized_beta(0.0, 2, 3) == 0.0 and regularized_beta(1.0, 2, 3) == 1.0
    for n, p in ((20, 0.25), (51, 0.6), (100, 0.03)):
        for k in range(0, n + 1, max(1, n // 9)):
            direct = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))
            assert binom_cdf(k, n, p) == pytest.approx(direct, abs=1e-10)
    assert binom_cdf(-1, 5, 0.3) == 0.0 and binom_cdf(5, 5, 0.3) == 1.0


def test_kaplan_meier_hand_computed():
    # times 1 2 2+ 3 4+ 5: S(1) = 5/6; S(2) = 5/6 · 4/5 = 2/3 (the one censored at 2 was at risk
    # at 2); S(3) = 2/3 · 2/3 = 4/9 (3 at risk); 4 censored; S(5) = 4/9 · 0/1 = 0
    steps = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    assert [s.time for s in steps] == [1, 2, 3, 4, 5]
    assert [s.at_risk for s in steps] == [6, 5, 3, 2, 1]
    assert [s.events for s in steps] == [1, 1, 1, 0, 1]
    assert [s.censored for s in steps] == [0, 1, 0, 1, 0]
    expected = [5 / 6, 2 / 3, 4 / 9, 4 / 9, 0.0]
    assert [s.survival for s in steps] == pytest.approx(expected)
    # Greenwood: Var S(1) = S² · 1/(6·5); Var S(2) = S² · (1/30 + 1/(5·4))
    assert steps[0].variance == pytest.approx((5 / 6) ** 2 / 30)
    assert steps[1].variance == pytest.approx((2 / 3) ** 2 * (1 / 30 + 1 / 20))
    assert km_at(steps, 0.5) == 1.0
    assert km_at(steps, 2.5) == pytest.approx(2 / 3)
    assert km_at(steps, 99) == 0.0
    assert at_risk_at(steps, 0, 6) == 6
    assert at_risk_at(steps, 3, 6) == 3
    assert kaplan_meier([], []) == []
    only_censored = kaplan_meier([4, 8], [0, 0])
    assert [s.survival for s in only_censored] == [1.0, 1.0]


# --- text layout ---------------------------------------------------------------------------


def test_mixed_text_is_cut_into_font_runs_and_wrapped():
    runs = segments("ECOG 体能状态 0–2 分")
    assert [font for font, _ in runs] == ["Helvetica", "TNT-CJK", "Helvetica", "TNT-CJK"]
    assert "".join(run for _, run in runs) == "ECOG 体能状态 0–2 分"
    text = ("放疗进行中/加速器故障顺延一天，放疗医师已确认（RT schedule confirmed by the "
            "oncologist）")
    lines = wrap(text, 120, 8)
    assert len(lines) > 1
    assert all(text_width(line, 8) <= 120 + 0.01 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line.startswith(("，", "）")) or line.endswith("（") for line in lines)


# --- the demo and the documents --------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdfdemo") / "demo.db"
    generate_demo(path, 12, seed=SEED, password=PASSWORD, today=TODAY)
    return path


@pytest.fixture(scope="module")
def manager(demo):
    app = auth.login(demo, "datamanager", PASSWORD)
    yield app
    auth.logout(app)


@pytest.fixture(scope="module")
def coordinator(demo):
    app = auth.login(demo, "coordinator", PASSWORD)
    yield app
    auth.logout(app)


@pytest.fixture(scope="module")
def subject(manager):
    """The sponsor-export subject with the most forms (treated, operated, followed up)."""
    return max((s for s in export_subjects(manager) if s.subject_id),
               key=lambda s: len(s.data.records))  # fmt: skip


@pytest.fixture(scope="module")
def casebooks(manager, subject, tmp_path_factory):
    folder = tmp_path_factory.mktemp("casebooks")
    paths = {}
    for lang in ("en", "zh"):
        paths[lang] = folder / f"casebook_{lang}.pdf"
        result = casebook_pdf(manager, subject.key, paths[lang], lang=lang)
        assert result.pages >= 5 and result.subject_key == subject.key
    return paths


def _coded_values(subject, lang: str) -> set[str]:
    """Decoded codelist answers of the subject's main items (short ones: a cell never wraps
    them), as the casebook should print them."""
    study = get_study()
    found: set[str] = set()
    for record in subject.data.records:
        form = study.form(record.form)
        for name, value in record.values.items():
            item = form.item(name)
            if item is None or not item.codelist or item.multiple:
                continue
            shown = display_value(study, item, value, lang)
            if 2 <= len(shown) <= 14:
                found.add(shown)
    return found


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_casebook_embeds_the_cjk_font(casebooks, lang):
    lines = embedded_cjk(casebooks[lang])
    assert lines, "the CJK font is not in the PDF"
    for line in lines:
        emb = line.split()[-5]  # columns: name type encoding emb sub uni object ID
        assert emb == "yes", line


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.req("REQ-ARC-01")
def test_casebook_text_matches_the_exported_data(casebooks, subject, lang):
    text = pdf_text(casebooks[lang])
    flat = squeeze(text)
    assert subject.key in text
    assert subject.screening_number in text
    if lang == "en":
        assert "page 1 of" in text and "Subject casebook" in text
    else:
        assert "第 1 页" in text and squeeze("受试者病例报告表") in flat
    expected = _coded_values(subject, lang)
    assert len(expected) >= 8
    missing = [value for value in expected if squeeze(value) not in flat]
    assert not missing, missing
    if lang == "zh":
        assert any(re.search(r"[\u4e00-\u9fff]", value) for value in expected)
    dm = subject.data.form("DM")
    assert dm.values["ENRDAT"].isoformat() in text
    assert "not signed" in text if lang == "en" else "未签名" in text
    for point in ("IESIG", "EOSSIG"):
        assert point in text
    info = subprocess.run(["pdfinfo", str(casebooks[lang])], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip
    assert "CONFIDENTIAL — coded data — TNT-STS" in info  # pdftotext drops diagonal text


def test_every_page_carries_the_watermark_header_and_footer():
    from io import BytesIO

    from tnt_desktop.exports.pdf_common import PageInfo, PdfWriter
    from tnt_desktop.study.model import Text

    sink = BytesIO()
    info = PageInfo(Text("Test", "测试"), "TNT-STS", subject="TNT-01-042")
    with PdfWriter(sink, info, compress=False) as writer:
        for number in range(120):
            writer.paragraph(f"line {number} 第 {number} 行")
    data = sink.getvalue()
    pages = writer.page
    assert pages >= 2
    assert data.count(b"(CONFIDENTIAL \\227 coded data \\227 TNT-STS)") == pages
    assert data.count(b"(Subject TNT-01-042)") == pages
    assert data.count(b"(page 1 of )") == 1 and data.count(f"(page {pages} of )".encode()) == 1


@needs_poppler
@pytest.mark.req("REQ-PI-01")
def test_sponsor_casebook_holds_no_identifier(casebooks, coordinator, subject, tmp_path):
    study = get_study()
    identifiers = {(d.form.code, d.item.name) for d in study.item_definitions()
                   if d.item.identifier}  # fmt: skip
    site = next(s for s in export_subjects(coordinator, ExportProfile.SITE_ARCHIVE)
                if s.key == subject.key)  # fmt: skip
    values = []
    for record in site.data.records:
        for name, value in record.values.items():
            if (record.form, name) in identifiers and value is not None:
                values.append(value.isoformat() if hasattr(value, "isoformat") else str(value))
    assert len(values) >= 3, values  # the demo stores name, birth date, record number…
    for lang in ("en", "zh"):
        flat = squeeze(pdf_text(casebooks[lang]))
        leaked = [v for v in values if squeeze(v) in flat]
        assert not leaked, (lang, leaked)
    # the site archive does show them: the check above could have failed
    archive = tmp_path / "site.pdf"
    casebook_pdf(coordinator, subject.key, archive, lang="zh", profile=ExportProfile.SITE_ARCHIVE)
    flat = squeeze(pdf_text(archive))
    assert all(squeeze(v) in flat for v in values if len(v) <= 14)
    assert "SITE_ARCHIVE" in pdf_text(archive)


@pytest.mark.req("REQ-PI-06")
def test_no_sponsor_casebook_without_consent_to_transfer(manager, coordinator, tmp_path):
    refused = [s.key for s in export_subjects(coordinator, ExportProfile.SITE_ARCHIVE)
               if s.data.value("IE.ICXFER") == "N"]  # fmt: skip
    assert refused, "the demo has a subject who refused transfer"
    with pytest.raises(NotFound):
        casebook_pdf(manager, refused[0], tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    with pytest.raises(NotFound):
        casebook_pdf(manager, "TNT-01-999", tmp_path / "y.pdf")


@needs_poppler
@pytest.mark.req("REQ-ARC-01")
def test_batch_streams_one_file_per_subject(manager, tmp_path):
    seen: list[tuple[int, str]] = []
    batch = casebooks_pdf(manager, tmp_path / "all", lang="en",
                          progress=lambda done, key: seen.append((done, key)))  # fmt: skip
    exported = [s.key for s in export_subjects(manager)]
    assert [f.subject_key for f in batch.files] == exported
    assert [done for done, _key in seen] == list(range(1, len(exported) + 1))
    for item in batch.files:
        assert item.path.is_file() and item.path.read_bytes().startswith(b"%PDF")
        assert item.subject_key in pdf_text(item.path)
    assert batch.pages == sum(f.pages for f in batch.files) and not batch.cancelled
    assert not list((tmp_path / "all").glob("*.part"))
    some = casebooks_pdf(manager, tmp_path / "some", subjects=exported[:2])
    assert some.subjects == 2
    stopped = casebooks_pdf(manager, tmp_path / "none", cancelled=lambda: True)
    assert stopped.cancelled and stopped.subjects == 0


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.req("REQ-SEC-03")
def test_blank_crf_lists_every_form_and_oid(tmp_path, lang):
    study = get_study()
    path = tmp_path / f"blank_{lang}.pdf"
    pages = blank_crf_pdf(study, path, lang)
    assert pages > len(study.forms)
    assert all(line.split()[-5] == "yes" for line in embedded_cjk(path)) and embedded_cjk(path)
    text = pdf_text(path)
    flat = squeeze(text)
    for form in study.forms:
        assert re.search(rf"\b{form.number}\b", text), form.number
        assert form.oid in text
        assert squeeze(form.label.get(lang)) in flat
    definitions = study.item_definitions()
    sample = definitions[::9] + [d for d in definitions if d.item.identifier]
    for definition in sample:
        assert definition.oid in text, definition.oid
    for name in ("CL.SEX", "CL.HISTSTS", "CL.CTCAE50", "D-13"):
        assert name in text
    assert ("page 1 of" in text) if lang == "en" else ("第 1 页" in text)


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_shows_the_primary_endpoint_with_its_exact_interval(manager, tmp_path, lang):
    path = tmp_path / f"report_{lang}.pdf"
    result = study_report_pdf(manager, path, lang=lang, today=TODAY)
    data = result.data
    # recount the primary endpoint independently from export_read + subject_level
    x = n = 0
    for subject in export_subjects(manager):
        if subject.subject_id is None:
            continue
        values = subject_level(subject.data, manager.params, cutoff=TODAY)
        if values["TRTFL"] == "Y" and values["RESP_AC"] in ("Y", "N"):
            n += 1
            x += values["RESP_AC"] == "Y"
    assert (data.primary.x, data.primary.n) == (x, n) and n >= 3
    text = pdf_text(path)
    assert format_ci(clopper_pearson(x, n)) in text
    assert format_ci(clopper_pearson(data.per_protocol.x, data.per_protocol.n)) in text
    assert re.search(rf"\b{x}\b", text)
    if lang == "en":
        assert "Clopper–Pearson" in text and "MWC90" in text and "page 1 of" in text
        assert "Enrolled per month" in text and "Protocol deviations" in text
    else:
        assert squeeze("主要终点") in squeeze(text) and "MWC120" in text
        assert embedded_cjk(path) and all(line.split()[-5] == "yes" for line in embedded_cjk(path))
    events = data.survival["OSENR"].events
    if events:
        assert ("at risk" in text) if lang == "en" else ("风险人数" in text)
    assert sum(data.scores.values()) == n
    assert data.enrolment_by_month()[-1][2] == data.enrolled
    assert "CRF_SPEC" not in text  # no internal document cited


@needs_poppler
def test_pages_render_to_png(casebooks, tmp_path):
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(casebooks["zh"]),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    assert list(tmp_path.glob("page*.png"))


@needs_poppler
def test_an_empty_study_still_gives_a_report_and_no_casebook(trial, tmp_path):
    """A new database: the report says there is nothing yet instead of failing."""
    manager = trial.user("datamanager")
    result = study_report_pdf(manager, tmp_path / "empty.pdf")
    assert result.data.in_export == 0 and result.data.primary.n == 0
    text = pdf_text(tmp_path / "empty.pdf")
    assert "No subject enrolled yet." in text and "page 1 of" in text
    assert casebooks_pdf(manager, tmp_path / "none").subjects == 0


def test_a_casebook_can_be_written_to_memory(manager, subject):
    from io import BytesIO

    from tnt_desktop.exports.pdf_casebook import casebook_audit, write_casebook

    buffer = BytesIO()
    audit = casebook_audit(manager, subject, ExportProfile.SPONSOR_CODED)
    assert audit and all(view.username or view.role for view in audit)
    pages = write_casebook(buffer, manager.study, subject, audit, lang="zh")
    assert pages >= 5 and buffer.getvalue().startswith(b"%PDF")
    assert buffer.getvalue().rstrip().endswith(b"%%EOF")
