"""Fonts, colours and mixed Latin/Chinese text for every PDF export (exports.pdf_common has the
page writer): the CJK font registered once, text cleaned for the fonts, split into Latin and
CJK runs, measured and wrapped (no line starts with closing punctuation), local times and
bilingual labels."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any

from reportlab.graphics.shapes import Group, String
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from tnt_desktop.paths import resource
from tnt_desktop.study.model import Text

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
CJK = "TNT-CJK"
CJK_FILE = "DroidSansFallbackFull.ttf"

WATERMARK = "CONFIDENTIAL — coded data — TNT-STS"
WATERMARK_SITE = "CONFIDENTIAL — site archive, contains identifiers — TNT-STS"

Color = tuple[float, float, float]
BLACK: Color = (0.0, 0.0, 0.0)
GREY: Color = (0.38, 0.38, 0.4)
LIGHT: Color = (0.8, 0.82, 0.85)
RULE: Color = (0.72, 0.75, 0.8)
ACCENT: Color = (0.11, 0.27, 0.45)  # headings, bars
ACCENT_LIGHT: Color = (0.89, 0.93, 0.97)  # table header, heading band
ZEBRA: Color = (0.965, 0.97, 0.98)
WARN: Color = (0.68, 0.24, 0.06)
WATERMARK_COLOR: Color = (0.45, 0.5, 0.58)

# superscript digits WinAnsi lacks (¹ ² ³ are there): 10⁹/L is printed 10^9/L
_SUPERSCRIPTS = {ord(c): "^" + d for c, d in zip("⁰⁴⁵⁶⁷⁸⁹⁻", "0456789-", strict=True)}
_CLOSING = set("，。、；：！？）》」』】〉”’%．,.;:!?)")  # never start a line with these
_OPENING = set("（《「『【〈“‘(")  # never end a line with these


# --- fonts ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the bundled CJK TrueType font (once per process); returns its name."""
    path = resource("fonts", CJK_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"bundled CJK font missing: {path}")
    pdfmetrics.registerFont(TTFont(CJK, str(path)))
    return CJK


@lru_cache(maxsize=1)
def _cjk_chars() -> frozenset[int]:
    """Code points the CJK font draws and Helvetica cannot (WinAnsi)."""
    register_fonts()
    font = pdfmetrics.getFont(CJK)
    latin = set()
    for code in range(0x20, 0x100):
        try:
            chr(code).encode("cp1252")
        except UnicodeEncodeError:
            continue
        latin.add(code)
    return frozenset(c for c in font.face.charToGlyph if c not in latin and c > 0x20)


_NEEDS_CLEANING = re.compile("[\x00-\x09\x0b-\x1f\u2070\u2074-\u2079\u207b]")


def clean(text: Any) -> str:
    """Printable text: tabs and control characters to spaces, superscript digits spelt out."""
    value = "" if text is None else str(text)
    if _NEEDS_CLEANING.search(value) is None:
        return value
    value = value.translate(_SUPERSCRIPTS)
    return "".join(" " if ord(c) < 0x20 and c != "\n" else c for c in value)


@lru_cache(maxsize=50_000)
def segments(text: str, bold: bool = False) -> tuple[tuple[str, str], ...]:
    """`text` cut into (font name, run) pieces: Chinese in the CJK font, the rest in Helvetica."""
    cjk = _cjk_chars()
    latin = LATIN_BOLD if bold else LATIN
    runs: list[tuple[str, str]] = []
    current_font, start = None, 0
    for index, char in enumerate(text):
        code = ord(char)
        if code in cjk:
            font = CJK
        elif code > 0x2E7F and unicodedata.category(char).startswith(("L", "N", "P", "S")):
            font = CJK  # unknown to both fonts; the CJK font shows its .notdef box
        else:
            font = latin
        if font != current_font:
            if current_font is not None:
                runs.append((current_font, text[start:index]))
            current_font, start = font, index
    if current_font is not None:
        runs.append((current_font, text[start:]))
    return tuple(runs)


@lru_cache(maxsize=50_000)
def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in segments(text, bold))


def _tokens(text: str) -> list[str]:
    """Break opportunities: words with their spaces, and every CJK character (with the closing
    punctuation that follows it)."""
    cjk = _cjk_chars()
    tokens: list[str] = []
    word = ""
    for char in text:
        if ord(char) in cjk:
            if char in _CLOSING and (tokens or word):
                if word:
                    tokens.append(word + char)
                    word = ""
                else:
                    tokens[-1] += char
                continue
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        elif char == " ":
            word += char
            tokens.append(word)
            word = ""
        else:
            if word.endswith(" "):
                tokens.append(word)
                word = ""
            word += char
    if word:
        tokens.append(word)
    merged: list[str] = []  # an opening bracket never ends a line: keep it with what follows
    for token in tokens:
        if merged and merged[-1][-1] in _OPENING:
            merged[-1] += token
        else:
            merged.append(token)
    return merged


def _split_long(token: str, width: float, size: float, bold: bool) -> list[str]:
    """A word wider than the line: cut after the last '-', '_', '/' or '.' that fits (codes,
    OIDs, derivation ids), else between characters."""
    pieces = []
    rest = token
    while rest and text_width(rest, size, bold) > width:
        fit = 1
        while fit < len(rest) and text_width(rest[:fit + 1], size, bold) <= width:
            fit += 1
        cut = max(rest.rfind(mark, 0, fit) for mark in "-_/.") + 1
        if cut <= 0 or cut < fit // 3:
            cut = fit
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


@lru_cache(maxsize=30_000)
def wrap(text: str, width: float, size: float, bold: bool = False) -> tuple[str, ...]:
    """Lines of `text` no wider than `width` points (explicit newlines kept)."""
    lines: list[str] = []
    for paragraph in clean(text).split("\n"):
        if text_width(paragraph, size, bold) <= width:
            lines.append(paragraph.rstrip())
            continue
        current, current_width = "", 0.0
        for token in _tokens(paragraph):
            token_width = text_width(token, size, bold)
            if current and current_width + text_width(token.rstrip(), size, bold) > width:
                lines.append(current.rstrip())
                current, current_width = "", 0.0
                if token.isspace():
                    continue
            if not current and token_width > width:
                pieces = _split_long(token, width, size, bold)
                lines.extend(pieces[:-1])
                token = pieces[-1]
                token_width = text_width(token, size, bold)
            current += token
            current_width += token_width
        lines.append(current.rstrip())
    return tuple(lines)


def draw_text(canvas: Canvas, x: float, y: float, text: str, size: float, *,
              bold: bool = False, color: Color = BLACK, align: str = "left") -> None:
    """Draw one line of mixed text at (x, y); `align` left, right or centre. One text object:
    each run sets its font and the text cursor advances by itself."""
    text = clean(text)
    if align != "left":
        width = text_width(text, size, bold)
        x -= width if align == "right" else width / 2
    runs = segments(text, bold)
    fake_bold = bold and any(font == CJK for font, _run in runs)
    if fake_bold:
        canvas.setStrokeColorRGB(*color)
        canvas.setLineWidth(size * 0.035)
    t = canvas.beginText(x, y)
    t.setFillColorRGB(*color)
    for font, run in runs:
        t.setFont(font, size)
        if fake_bold and font == CJK:
            t.setTextRenderMode(2)
            t.textOut(run)
            t.setTextRenderMode(0)
        else:
            t.textOut(run)
    canvas.drawText(t)


def chart_text(x: float, y: float, text: str, size: float, *, bold: bool = False,
               color: Color = BLACK, anchor: str = "start") -> Group:
    """A mixed-font label for a reportlab.graphics Drawing (anchor start, middle or end)."""
    from reportlab.lib.colors import Color as RLColor

    text = clean(text)
    width = text_width(text, size, bold)
    if anchor == "middle":
        x -= width / 2
    elif anchor == "end":
        x -= width
    group = Group()
    for font, run in segments(text, bold):
        group.add(String(x, y, run, fontName=font, fontSize=size, fillColor=RLColor(*color)))
        x += pdfmetrics.stringWidth(run, font, size)
    return group


# --- local time ----------------------------------------------------------------------------


def local_time(value: datetime | str | None, *, seconds: bool = False) -> str:
    """A stored UTC time (naive = UTC, or ISO text ending in Z) in local time with the offset."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    from datetime import UTC

    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    local = aware.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def utc_offset_label(now: datetime | None = None) -> str:
    offset = (now or datetime.now().astimezone()).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


def tr(en: str, zh: str, lang: str) -> str:
    return Text(en, zh).get(lang)
