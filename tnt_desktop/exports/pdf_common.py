"""What every PDF export shares: fonts, mixed Latin/Chinese text, and a small page writer.

Fonts. Latin text is set in Helvetica (one of the PDF base-14 fonts: every viewer has it;
characters outside WinAnsi fall back to Symbol/ZapfDingbats through reportlab). Chinese is set
in the bundled TrueType font `resources/fonts/DroidSansFallbackFull.ttf`, registered once per
process and embedded (as a subset of the glyphs used) in every PDF, so that a viewer without a
CJK font still renders it. That font has no Latin glyphs, so every string is cut into runs of
one font (`segments`); widths, wrapping and drawing all go through those runs. Chinese bold is
drawn with text render mode 2 (fill + a thin stroke).

Pages. `PdfWriter` draws straight on a reportlab canvas (no platypus: a casebook page is a few
hundred strings and layout must not cost more than drawing). Every page gets the watermark
("CONFIDENTIAL — coded data — TNT-STS"), a header (study, document title, subject) and a
footer (app and metadata version, profile, generated-at time, "page x of y"). The total page
count is a form XObject filled in when the document is closed, so a document is written in one
pass. Content is added with `heading`, `paragraph`, `table` (wrapped cells, rows split across
pages, the header row repeated) and `drawing` (reportlab.graphics).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from tnt_desktop import APP_NAME, __version__
from tnt_desktop.exports.pdf_fonts import (
    ACCENT,
    ACCENT_LIGHT,
    BLACK,
    CJK,
    GREY,
    LATIN_BOLD,
    LIGHT,
    RULE,
    WATERMARK,
    WATERMARK_COLOR,
    ZEBRA,
    Color,
    clean,
    draw_text,
    register_fonts,
    segments,
    text_width,
    tr,
    utc_offset_label,
    wrap,
)
from tnt_desktop.study.model import Text

# --- the page writer -----------------------------------------------------------------------


@dataclass(frozen=True)
class PageInfo:
    """What the header and footer of every page say."""

    title: Text  # the document, e.g. "Subject casebook"
    study: str  # e.g. "TNT-STS · NCT06593899"
    lang: str = "en"
    subject: str | None = None  # header right: the subject ID of a casebook
    site: str | None = None  # header right, after the subject: its site
    header_note: str | None = None  # header right when there is no subject (e.g. the cut-off)
    profile: str | None = None
    metadata_version: str | None = None
    generated: datetime = field(default_factory=lambda: datetime.now().astimezone())
    watermark: str = WATERMARK

    @property
    def generated_text(self) -> str:
        return f"{self.generated:%Y-%m-%d %H:%M} ({utc_offset_label(self.generated)})"


@dataclass(frozen=True)
class Cell:
    """A table cell: main text, optionally a smaller grey second text (a translation, the
    variable name) below it."""

    text: str = ""
    bold: bool = False
    color: Color = BLACK
    sub: str | None = None
    size: float | None = None


@dataclass(frozen=True)
class Column:
    width: float  # a fraction of the frame width (all columns of a table sum to ≤ 1)
    header: str = ""
    sub: str | None = None  # a second, smaller header line (the variable name)


@dataclass
class _Line:
    text: str
    size: float
    bold: bool
    color: Color


PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 36.0
TOP = PAGE_HEIGHT - 50.0  # first baseline area under the header
BOTTOM = 46.0  # content never goes below this
PAD = 2.2  # cell padding (vertical), points
HPAD = 3.0  # cell padding (horizontal)
LEADING = 1.22
PAGES_FORM = "tntPageCount"


class PdfWriter:
    """One PDF being written. Use as a context manager, or call `close()`; `out` is a path
    (written atomically: a temporary file renamed at the end) or a binary file object."""

    canvas_class: type[Canvas] = Canvas  # benchmarks swap in a recording subclass
    body_size = 8.5

    def __init__(self, out: str | os.PathLike | IO[bytes], info: PageInfo, *,
                 compress: bool = True) -> None:  # fmt: skip
        register_fonts()
        self.info = info
        self.lang = info.lang
        self._target = Path(out) if isinstance(out, str | os.PathLike) else None
        if self._target is not None:
            self._target.parent.mkdir(parents=True, exist_ok=True)
            self._temp: Path | None = self._target.with_name(self._target.name + ".part")
            sink: Any = str(self._temp)
        else:
            self._temp = None
            sink = out
        self.canvas = self.canvas_class(sink, pagesize=A4, pageCompression=1 if compress else 0)
        self.canvas.setTitle(f"{info.study} — {info.title.get(self.lang)}"
                             + (f" — {info.subject}" if info.subject else ""))
        self.canvas.setAuthor(f"{APP_NAME} {__version__}")
        self.canvas.setCreator(f"{APP_NAME} {__version__}")
        self.canvas.setSubject(info.watermark)
        self.width = PAGE_WIDTH - 2 * MARGIN
        self.page = 0
        self.y = TOP
        self._closed = False
        self._new_page()

    # context manager ---------------------------------------------------------------------
    def __enter__(self) -> PdfWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def close(self) -> int:
        """Finish the document (fills in the page count); returns the number of pages."""
        if self._closed:
            return self.page
        self._closed = True
        canvas = self.canvas
        self._watermark()
        canvas.showPage()
        canvas.beginForm(PAGES_FORM)
        suffix = " 页" if self.lang.startswith("zh") else ""
        draw_text(canvas, 0, 0, f"{self.page}{suffix}", 7, color=GREY)
        canvas.endForm()
        from reportlab import rl_config

        a85 = rl_config.useA85
        rl_config.useA85 = 0  # binary Flate streams: smaller, and ASCII85 in Python is slow
        try:
            canvas.save()
        finally:
            rl_config.useA85 = a85
        if self._target is not None and self._temp is not None:
            os.replace(self._temp, self._target)
        return self.page

    def abort(self) -> None:
        self._closed = True
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)

    # drawing primitives: everything a page shows goes through these three ------------------
    def text(self, x: float, y: float, text: str, size: float, *, bold: bool = False,
             color: Color = BLACK, align: str = "left") -> None:  # fmt: skip
        """One line of mixed text in one text object; the fill colour is set only when it
        changes, and the last run needs no width (the viewer advances the cursor itself)."""
        text = clean(text)
        if align != "left":
            width = text_width(text, size, bold)
            x -= width if align == "right" else width / 2
        runs = segments(text, bold)
        canvas = self.canvas
        fake_bold = bold and any(font == CJK for font, _run in runs)
        if fake_bold:
            canvas.setStrokeColorRGB(*color)
            canvas.setLineWidth(size * 0.035)
        t = canvas.beginText(x, y)
        if color != self._fill:
            t.setFillColorRGB(*color)
            self._fill = color
        last = len(runs) - 1
        for index, (font, run) in enumerate(runs):
            t.setFont(font, size)
            if fake_bold and font == CJK:
                t.setTextRenderMode(2)
            if index == last:
                t.textLine(run)
            else:
                t.textOut(run)
            if fake_bold and font == CJK:
                t.setTextRenderMode(0)
        canvas.drawText(t)

    def fill_rect(self, x: float, y: float, width: float, height: float, color: Color) -> None:
        if color != self._fill:
            self.canvas.setFillColorRGB(*color)
            self._fill = color
        self.canvas.rect(x, y, width, height, stroke=0, fill=1)

    def rule(self, x1: float, y1: float, x2: float, y2: float, color: Color = RULE,
             width: float = 0.5) -> None:  # fmt: skip
        self.canvas.setStrokeColorRGB(*color)
        self.canvas.setLineWidth(width)
        self.canvas.line(x1, y1, x2, y2)

    # pages -------------------------------------------------------------------------------
    def _new_page(self) -> None:
        if self.page:
            self._watermark()
            self.canvas.showPage()
        self.page += 1
        self._fill: Color | None = None  # a new page starts with the default graphics state
        self._decorate()
        self.y = TOP

    def _watermark(self) -> None:
        """Drawn last, over the content, translucent (table shading cannot hide it)."""
        c, text = self.canvas, self.info.watermark
        c.saveState()
        c.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        c.rotate(52)
        c.setFillColorRGB(*WATERMARK_COLOR)
        c.setFillAlpha(0.16)
        size = 34 if len(text) < 40 else 24
        c.setFont(LATIN_BOLD, size)
        c.drawCentredString(0, -size / 3, text)
        c.restoreState()

    def _decorate(self) -> None:
        c, info, lang = self.canvas, self.info, self.lang
        # header
        top = PAGE_HEIGHT - 28
        left = f"{info.study} — {info.title.get(lang)}"
        self.text(MARGIN, top, left, 8.5, bold=True, color=ACCENT)
        if info.subject:
            label = tr("Subject ", "受试者 ", lang) + info.subject
            if info.site:
                label += tr(" · Site ", " · 中心 ", lang) + info.site
            self.text(PAGE_WIDTH - MARGIN, top, label, 9.5, bold=True, align="right")
        elif info.header_note:
            self.text(PAGE_WIDTH - MARGIN, top, info.header_note, 8.5, bold=True,
                      align="right")  # fmt: skip
        self.rule(MARGIN, top - 6, PAGE_WIDTH - MARGIN, top - 6, width=0.6)
        # footer
        base = 26
        self.rule(MARGIN, base + 10, PAGE_WIDTH - MARGIN, base + 10, width=0.6)
        parts = [f"{APP_NAME} {__version__}"]
        if info.metadata_version:
            parts.append(tr("metadata ", "元数据 ", lang) + info.metadata_version)
        if info.profile:
            parts.append(tr("profile ", "导出方案 ", lang) + info.profile)
        self.text(MARGIN, base, " · ".join(parts), 7, color=GREY)
        self.text(PAGE_WIDTH / 2 + 30, base,
                  tr("Generated ", "生成于 ", lang) + info.generated_text, 7, color=GREY,
                  align="centre")  # fmt: skip
        if lang.startswith("zh"):
            label = f"第 {self.page} 页 / 共 "
        else:
            label = f"page {self.page} of "
        right = PAGE_WIDTH - MARGIN - 22
        self.text(right, base, label, 7, color=GREY, align="right")
        c.saveState()
        c.translate(right, base)
        c.doForm(PAGES_FORM)
        c.restoreState()

    def page_break(self) -> None:
        self._new_page()

    def need(self, height: float) -> None:
        """Start a new page unless `height` points still fit on this one."""
        if self.y - height < BOTTOM:
            self._new_page()

    def space(self, height: float) -> None:
        self.y -= height

    # content -----------------------------------------------------------------------------
    def heading(self, text: str, level: int = 1, *, right: str | None = None,
                keep: float = 40.0) -> None:  # fmt: skip
        """A section heading kept with at least `keep` points of what follows."""
        if level == 1:
            size, band = 11.5, 18.0
            self.need(band + keep)
            self.y -= band
            self.fill_rect(MARGIN, self.y, self.width, band, ACCENT)
            self.text(MARGIN + 5, self.y + 5.2, text, size, bold=True, color=(1, 1, 1))
            if right:
                self.text(PAGE_WIDTH - MARGIN - 5, self.y + 5.6, right, 8,
                          color=(1, 1, 1), align="right")  # fmt: skip
            self.y -= 5
        else:
            size = 9.5
            self.need(size * 1.9 + keep)
            self.y -= size * 1.45
            self.text(MARGIN, self.y, text, size, bold=True, color=ACCENT)
            if right:
                self.text(PAGE_WIDTH - MARGIN, self.y, right, 7.5, color=GREY, align="right")
            self.rule(MARGIN, self.y - 3, PAGE_WIDTH - MARGIN, self.y - 3)
            self.y -= 6

    def paragraph(self, text: str, *, size: float | None = None, color: Color = BLACK,
                  bold: bool = False, indent: float = 0.0) -> None:  # fmt: skip
        size = size or self.body_size
        leading = size * LEADING
        for line in wrap(text, self.width - indent, size, bold):
            self.need(leading)
            self.y -= leading
            self.text(MARGIN + indent, self.y + size * 0.22, line, size, bold=bold, color=color)
        self.y -= size * 0.35

    def table(self, columns: Sequence[Column], rows: Iterable[Sequence[Cell | str]], *,
              header: bool = True, size: float | None = None, zebra: bool = True,
              grid: bool = True) -> None:  # fmt: skip
        """Rows of wrapped cells; a row taller than the space left is split line by line and
        continued on the next page under a repeated header row."""
        size = size or self.body_size
        widths = [col.width * self.width for col in columns]
        xs = [MARGIN]
        for width in widths[:-1]:
            xs.append(xs[-1] + width)
        head = ([Cell(col.header, bold=True, color=ACCENT, sub=col.sub) for col in columns]
                if header else None)  # fmt: skip
        if head is not None:
            self._row(head, widths, xs, size, fill=ACCENT_LIGHT, is_header=True)
        for index, row in enumerate(rows):
            cells = [c if isinstance(c, Cell) else Cell(str(c)) for c in row]
            fill = ZEBRA if zebra and index % 2 else None
            self._row(cells, widths, xs, size, fill=fill, grid=grid, head=head)
        self.y -= 4

    def _cell_lines(self, cell: Cell, width: float, size: float) -> list[_Line]:
        inner = max(width - 2 * HPAD, 10)
        cell_size = cell.size or size
        lines = [_Line(t, cell_size, cell.bold, cell.color)
                 for t in wrap(cell.text, inner, cell_size, cell.bold)] if cell.text else []
        if cell.sub:
            sub_size = cell_size - 1.3
            lines += [_Line(t, sub_size, False, GREY) for t in wrap(cell.sub, inner, sub_size)]
        return lines

    def _row(self, cells: Sequence[Cell], widths: Sequence[float], xs: Sequence[float],
             size: float, *, fill: Color | None = None, grid: bool = True,
             is_header: bool = False, head: Sequence[Cell] | None = None) -> None:  # fmt: skip
        columns = [self._cell_lines(cell, w, size) for cell, w in zip(cells, widths, strict=False)]
        while True:
            heights = [sum(line.size * LEADING for line in col) for col in columns]
            height = max(heights, default=0) + 2 * PAD
            height = max(height, size * LEADING + 2 * PAD)
            room = self.y - BOTTOM
            if height <= room:
                self._draw_row(columns, widths, xs, height, fill, grid)
                return
            first_line = min((col[0].size * LEADING for col in columns if col), default=size)
            if is_header or room < first_line + 2 * PAD or room < 3 * size:
                self._new_page()
                if head is not None:
                    self._row(head, widths, xs, size, fill=ACCENT_LIGHT, is_header=True)
                continue
            # split: what fits here, the rest on the next page
            now, later = [], []
            for col in columns:
                used, taken = 2 * PAD, 0
                for line in col:
                    if used + line.size * LEADING > room:
                        break
                    used += line.size * LEADING
                    taken += 1
                now.append(col[:taken])
                later.append(col[taken:])
            self._draw_row(now, widths, xs, room, fill, grid)
            columns = later
            self._new_page()
            if head is not None:
                self._row(head, widths, xs, size, fill=ACCENT_LIGHT, is_header=True)

    def _draw_row(self, columns: Sequence[list[_Line]], widths: Sequence[float],
                  xs: Sequence[float], height: float, fill: Color | None, grid: bool) -> None:
        top = self.y
        bottom = top - height
        if fill is not None:
            self.fill_rect(MARGIN, bottom, sum(widths), height, fill)
        for col, x in zip(columns, xs, strict=False):
            y = top - PAD
            for line in col:
                y -= line.size * LEADING
                self.text(x + HPAD, y + line.size * 0.24, line.text, line.size, bold=line.bold,
                          color=line.color)  # fmt: skip
        if grid:
            self.rule(MARGIN, bottom, MARGIN + sum(widths), bottom, LIGHT, 0.4)
        self.y = bottom

    def drawing(self, drawing: Drawing, *, x: float | None = None) -> None:
        """A reportlab.graphics drawing, kept whole (a new page when it does not fit)."""
        self.need(drawing.height + 4)
        left = MARGIN if x is None else x
        renderPDF.draw(drawing, self.canvas, left, self.y - drawing.height)
        self._fill = None  # the drawing set its own colours
        self.y -= drawing.height + 4

    def note(self, text: str) -> None:
        self.paragraph(text, size=7.5, color=GREY)


def decode_missing(reason: str, lang: str) -> str:
    labels = {
        "NOT DONE": Text("Not done", "未做"),
        "UNKNOWN": Text("Unknown", "不详"),
        "NOT APPLICABLE": Text("Not applicable", "不适用"),
    }
    label = labels.get(reason)
    return label.get(lang) if label else reason


def yes_no(code: str, lang: str) -> str:
    return {"Y": tr("Yes", "是", lang), "N": tr("No", "否", lang)}.get(code, code)


def safe_name(text: str) -> str:
    """A file-name-safe form of a subject key."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "subject"
