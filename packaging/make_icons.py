"""Draw the application icon: the initials "TNT" in white on a blue rounded square.

Writes into resources/icons/ (the files are committed; run this again only to change the design):

    tnt-desktop.svg                  the source drawing (also used by the .deb: hicolor/scalable)
    tnt-desktop-{16,…,256}.png       rendered from the SVG (window icon, hicolor sizes)
    tnt-desktop.ico                  Windows: 16, 24, 32, 48, 64 and 256 px (PNG entries)

The letters are drawn as plain rectangles and polygons, not with a font, so every machine renders
the same icon. Rendering uses Qt's SVG renderer (PySide6, already a dependency); the .ico is
written by hand (an ICONDIR with PNG-compressed entries, understood by Windows Vista and later),
so no imaging library is needed.

    .venv/bin/python packaging/make_icons.py [OUT_DIR]
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "tnt-desktop"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 256)

# A 256 × 256 drawing. Letters 88 px high, 56 px wide, strokes 18 px, 10 px apart, centred.
_TOP, _HEIGHT, _WIDTH, _STROKE, _GAP = 78, 88, 56, 18, 10
_LEFT = (256 - 3 * _WIDTH - 2 * _GAP) // 2


def _letter_t(x: int) -> str:
    stem = x + (_WIDTH - _STROKE) // 2
    return (f'<rect x="{x}" y="{_TOP}" width="{_WIDTH}" height="{_STROKE}"/>'
            f'<rect x="{stem}" y="{_TOP}" width="{_STROKE}" height="{_HEIGHT}"/>')  # fmt: skip


def _letter_n(x: int) -> str:
    bottom = _TOP + _HEIGHT
    right = x + _WIDTH - _STROKE
    return (f'<rect x="{x}" y="{_TOP}" width="{_STROKE}" height="{_HEIGHT}"/>'
            f'<rect x="{right}" y="{_TOP}" width="{_STROKE}" height="{_HEIGHT}"/>'
            f'<polygon points="{x},{_TOP} {x + _STROKE},{_TOP} {x + _WIDTH},{bottom} '
            f'{right},{bottom}"/>')  # fmt: skip


def svg() -> str:
    step = _WIDTH + _GAP
    letters = _letter_t(_LEFT) + _letter_n(_LEFT + step) + _letter_t(_LEFT + 2 * step)
    underline = _TOP + _HEIGHT + 16
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">\n'
        '  <defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0" stop-color="#2E78D2"/><stop offset="1" stop-color="#1A4F9C"/>'
        "</linearGradient></defs>\n"
        '  <rect x="8" y="8" width="240" height="240" rx="48" ry="48" fill="url(#bg)"/>\n'
        f'  <g fill="#FFFFFF">{letters}</g>\n'
        f'  <rect x="{_LEFT}" y="{underline}" width="{3 * _WIDTH + 2 * _GAP}" height="8" '
        'rx="4" fill="#9CC3F0"/>\n'
        "</svg>\n"
    )


def render_png(svg_text: str, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg_text.encode("utf-8")))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """An .ico holding each PNG as is (ICONDIR, one ICONDIRENTRY per size, then the images)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def make_icons(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # for QImage, SVG
    out.mkdir(parents=True, exist_ok=True)
    text = svg()
    written = [out / f"{NAME}.svg"]
    written[0].write_text(text, encoding="utf-8")
    pngs = {size: render_png(text, size) for size in sorted(set(PNG_SIZES) | set(ICO_SIZES))}
    for size in PNG_SIZES:
        path = out / f"{NAME}-{size}.png"
        path.write_bytes(pngs[size])
        written.append(path)
    path = out / f"{NAME}.ico"
    path.write_bytes(ico({size: pngs[size] for size in ICO_SIZES}))
    written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "icons"
    for written_path in make_icons(target):
        print(written_path.relative_to(target.parent) if target in written_path.parents
              else written_path)  # fmt: skip
