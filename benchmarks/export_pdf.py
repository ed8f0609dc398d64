"""PDF casebook benchmark (issue 5, benchmarks): pages per second against reportlab alone, and
growth to many subjects.

    .venv/bin/python benchmarks/export_pdf.py [--demo 51] [--subjects 1000] [--keep DIR]

1. The demo generator enters `--demo` subjects through the services; `casebooks_pdf` writes one
   casebook per exported subject (reading through services.export_read, the audit trail and the
   subject-level derivations, laying out, drawing, embedding the CJK subset): pages per second.
2. The same run again with a recording PdfWriter: every string (font runs already cut, positions
   already computed), rule and shaded rectangle of every page is kept. The baseline then draws
   exactly those pages with reportlab alone in a minimal loop — setFont / drawString per font
   run, line, rect, the watermark, showPage, save to a file (same compression, same fonts) — and
   its pages per second are the reference. Goal: ours ≥ 50 % of the baseline.
3. The database grows to `--subjects` by copying the demo subjects' rows (subject, events, forms,
   values and their audit entries, under new keys) with raw SQL — a benchmark may; the export
   reads through the services — and the batch runs again in a child process that reports its
   wall time and peak resident memory (VmHWM, benchmarks/measure.py). The time for 5,000
   subjects is extrapolated linearly from the largest run when `--subjects` is smaller: a full
   5,000-subject run takes about 25 minutes on the reference machine (every casebook is ~16
   pages, ~0.3 s), the whole default benchmark about 12 minutes.

Prints a table; asserts nothing (shared, noisy machines).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import peak_mb  # noqa: E402  (benchmarks/measure.py)
from reportlab import rl_config  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from scratch_rows import copy_subject  # noqa: E402  (benchmarks/scratch_rows.py)

from tnt_desktop.demo import generate_demo  # noqa: E402
from tnt_desktop.exports import pdf_casebook, pdf_common, pdf_fonts  # noqa: E402
from tnt_desktop.exports.pdf_casebook import casebooks_pdf  # noqa: E402
from tnt_desktop.services import auth  # noqa: E402
from tnt_desktop.storage.engine import connect_raw  # noqa: E402
from tnt_desktop.storage.keyslots import KeySlotFile, keyslot_path  # noqa: E402

PASSWORD = "Bench-Export-2026!"
TODAY = date(2026, 3, 16)
USER = "datamanager"


# --- 1 and 2: ours against reportlab alone ---------------------------------------------------


class RecordingWriter(pdf_common.PdfWriter):
    """A PdfWriter that also keeps what it draws, page by page, for the baseline."""

    documents: ClassVar[list[list[list[tuple]]]] = []

    def __init__(self, *args, **kwargs) -> None:
        self.pages: list[list[tuple]] = []
        RecordingWriter.documents.append(self.pages)
        super().__init__(*args, **kwargs)

    def _new_page(self) -> None:
        self.pages.append([])
        super()._new_page()

    def text(self, x, y, text, size, *, bold=False, color=pdf_fonts.BLACK, align="left"):
        clean = pdf_fonts.clean(text)
        left = x
        if align != "left":
            width = pdf_fonts.text_width(clean, size, bold)
            left -= width if align == "right" else width / 2
        runs = []
        for font, run in pdf_fonts.segments(clean, bold):
            runs.append((font, run, left))
            left += pdfmetrics.stringWidth(run, font, size)
        self.pages[-1].append(("t", runs, y, size, bold, color))
        super().text(x, y, text, size, bold=bold, color=color, align=align)

    def fill_rect(self, x, y, width, height, color):
        self.pages[-1].append(("r", x, y, width, height, color))
        super().fill_rect(x, y, width, height, color)

    def rule(self, x1, y1, x2, y2, color=pdf_fonts.RULE, width=0.5):
        self.pages[-1].append(("l", x1, y1, x2, y2, color, width))
        super().rule(x1, y1, x2, y2, color, width)

    def close(self) -> int:
        pages = super().close()
        for page in self.pages:
            page.append(("n", pages))  # the total in "page x of y"
        return pages


def baseline(documents: list[list[list[tuple]]], out_dir: Path, watermark: str) -> float:
    """Draw the recorded pages with reportlab alone; returns the seconds taken."""
    out_dir.mkdir(parents=True, exist_ok=True)
    a85 = rl_config.useA85
    rl_config.useA85 = 0
    start = time.perf_counter()
    try:
        for index, pages in enumerate(documents):
            c = Canvas(str(out_dir / f"baseline_{index}.pdf"), pagesize=A4, pageCompression=1)
            for page in pages:
                for op in page:
                    kind = op[0]
                    if kind == "t":
                        _kind, runs, y, size, bold, color = op
                        c.setFillColorRGB(*color)
                        for font, run, x in runs:
                            c.setFont(font, size)
                            if bold and font == pdf_fonts.CJK:
                                c.setStrokeColorRGB(*color)
                                c.setLineWidth(size * 0.035)
                                c.drawString(x, y, run, mode=2)
                            else:
                                c.drawString(x, y, run)
                    elif kind == "r":
                        _kind, x, y, w, h, color = op
                        c.setFillColorRGB(*color)
                        c.rect(x, y, w, h, stroke=0, fill=1)
                    elif kind == "l":
                        _kind, x1, y1, x2, y2, color, width = op
                        c.setStrokeColorRGB(*color)
                        c.setLineWidth(width)
                        c.line(x1, y1, x2, y2)
                    elif kind == "n":
                        c.setFont(pdf_fonts.LATIN, 7)
                        c.drawString(A4[0] - 58, 26, str(op[1]))
                c.saveState()
                c.translate(A4[0] / 2, A4[1] / 2)
                c.rotate(52)
                c.setFillColorRGB(*pdf_fonts.WATERMARK_COLOR)
                c.setFillAlpha(0.16)
                c.setFont(pdf_fonts.LATIN_BOLD, 34)
                c.drawCentredString(0, -11, watermark)
                c.restoreState()
                c.showPage()
            c.save()
    finally:
        rl_config.useA85 = a85
    return time.perf_counter() - start


def ours_against_baseline(db: Path, work: Path) -> dict:
    app = auth.login(db, USER, PASSWORD)
    try:
        pdf_fonts.register_fonts()  # once per process (≈ 0.7 s): not a per-page cost
        start = time.perf_counter()
        batch = casebooks_pdf(app, work / "ours")
        ours = time.perf_counter() - start
        RecordingWriter.documents = []
        original = pdf_casebook.PdfWriter
        pdf_casebook.PdfWriter = RecordingWriter
        try:
            casebooks_pdf(app, work / "recorded")
        finally:
            pdf_casebook.PdfWriter = original
        pages = sum(len(d) for d in RecordingWriter.documents)
        assert pages == batch.pages, (pages, batch.pages)
        reference = baseline(RecordingWriter.documents, work / "baseline", pdf_fonts.WATERMARK)
    finally:
        auth.logout(app)
    return {"subjects": batch.subjects, "pages": batch.pages, "ours_s": ours,
            "baseline_s": reference}  # fmt: skip


# --- 3: many subjects ------------------------------------------------------------------------



AUDIT_COLUMNS = ("ts_utc, username, role, action, event_oid, repeat_key, form_code, group_name, "
                 "row_key, item_name, old_value, new_value, reason_code, reason_text, detail, "
                 "app_version, metadata_version, prev_hash, hash")  # fmt: skip


def replicate(db: Path, total: int) -> int:
    """Copy the existing subjects (with their audit entries, under new keys) until there are
    `total`; returns how many were added."""
    key = KeySlotFile.load(keyslot_path(db)).unwrap("admin", PASSWORD)
    connection = connect_raw(db, key)
    try:
        connection.execute("BEGIN IMMEDIATE")
        templates = list(connection.execute(
            "SELECT id, screening_number, subject_id FROM subject ORDER BY id"))  # fmt: skip
        existing = len(templates)
        added = 0
        while existing + added < total:
            template, screening, subject_id = templates[added % len(templates)]
            added += 1
            tag = f"-{added:05d}"
            copy_subject(connection, template, tag)
            for old in {k for k in (screening, subject_id) if k}:
                connection.execute(
                    f"INSERT INTO audit_entry (subject_key, {AUDIT_COLUMNS}) SELECT ? ,"
                    f" {AUDIT_COLUMNS} FROM audit_entry WHERE subject_key = ? ORDER BY id",
                    (old + tag, old))  # fmt: skip
        # the chain head must name the last entry, or the next login appends a clashing id
        last_id, last_hash = connection.execute(
            "SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()  # fmt: skip
        connection.execute("UPDATE setting SET value = ? WHERE key = 'audit.head'",
                           (f"{last_id}:{last_hash}",))  # fmt: skip
        connection.execute("COMMIT")
    finally:
        connection.close()
    return added


def child(db: str, out: str) -> None:
    """Run in a fresh process: one batch, then wall time and peak memory as JSON."""
    app = auth.login(Path(db), USER, PASSWORD)
    start = time.perf_counter()
    batch = casebooks_pdf(app, Path(out))
    seconds = time.perf_counter() - start
    auth.logout(app)
    print(json.dumps({"subjects": batch.subjects, "pages": batch.pages, "seconds": seconds,
                      "peak_mb": peak_mb()}))  # fmt: skip


def run_child(db: Path, out: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(db), str(out)], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=int, default=51)
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="tnt-pdf-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = work / "bench.db"
        if not db.exists():
            started = time.perf_counter()
            generate_demo(db, args.demo, seed=1, password=PASSWORD, today=TODAY)
            seconds = time.perf_counter() - started
            print(f"demo of {args.demo} subjects generated in {seconds:.0f} s")
        r = ours_against_baseline(db, work)
        ours_pps = r["pages"] / r["ours_s"]
        base_pps = r["pages"] / r["baseline_s"]
        print(f"\n{'':38}{'subjects':>9}{'pages':>7}{'seconds':>9}{'pages/s':>9}")
        print(f"{'casebooks_pdf (services → PDF files)':38}{r['subjects']:>9}{r['pages']:>7}"
              f"{r['ours_s']:>9.1f}{ours_pps:>9.1f}")
        print(f"{'reportlab alone, same pages':38}{'':>9}{r['pages']:>7}"
              f"{r['baseline_s']:>9.1f}{base_pps:>9.1f}")
        print(f"ratio {ours_pps / base_pps * 100:.0f} % of reportlab alone (goal ≥ 50 %)")
        small = run_child(db, work / "small")
        added = replicate(db, args.subjects)
        large = run_child(db, work / "large")
        print(f"\n{'batch in a child process':26}{'subjects':>9}{'pages':>7}{'seconds':>9}"
              f"{'peak MB':>9}")
        for label, result in (("demo", small), (f"+{added} copies", large)):
            print(f"{label:26}{result['subjects']:>9}{result['pages']:>7}"
                  f"{result['seconds']:>9.1f}{result['peak_mb']:>9.0f}")
        per_subject = large["seconds"] / large["subjects"]
        growth = (large["seconds"] / small["seconds"]) / (large["subjects"] / small["subjects"])
        print(f"per subject {per_subject:.2f} s; time grows {growth:.2f}× as fast as the subject "
              f"count ({small['subjects']} → {large['subjects']})")
        if large["subjects"] < 5000:
            estimate = per_subject * 5000
            print(f"5,000 subjects, extrapolated from the per-subject time of the largest run: "
                  f"{estimate / 60:.0f} min = {estimate / small['seconds']:.0f}× the "
                  f"{small['subjects']}-subject time (strictly linear would be "
                  f"{5000 / small['subjects']:.0f}×; goal ≤ 120× the 51-subject time). Memory "
                  "stays flat: one subject at a time, bounded layout caches.")


if __name__ == "__main__":
    main()
