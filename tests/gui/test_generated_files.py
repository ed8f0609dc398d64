"""Generated files are current: compiled .ui modules and the translation catalogue."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "tnt_desktop_zh_CN.ts"
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*(?::[^}]*)?\}")


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@pytest.mark.parametrize("ui", sorted((ROOT / "ui").glob("*.ui")), ids=lambda p: p.name)
def test_compiled_ui_module_is_current(ui):
    sys.path.insert(0, str(ROOT / "packaging"))
    from uic import compile_ui, target

    assert target(ui).read_text() == compile_ui(ui), "run packaging/uic.py"


def _messages(path: Path) -> list[tuple[str, str, ET.Element]]:
    tree = ET.parse(path)
    found = []
    for context in tree.getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found.append((name, message.findtext("source") or "", message))
    return found


def test_every_entry_is_translated_with_the_same_placeholders():
    messages = _messages(TS)
    assert messages, "the catalogue is empty"
    problems = []
    for context, source, message in messages:
        translation = message.find("translation")
        text = (translation.text or "") if translation is not None else ""
        kind = translation.get("type") if translation is not None else "missing"
        if kind in ("unfinished", "missing") or not text.strip():
            problems.append(f"{context}: untranslated {source!r}")
        elif sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
            problems.append(f"{context}: placeholders differ in {source!r} → {text!r}")
    assert problems == []


def test_catalogue_holds_every_string_of_the_sources(tmp_path):
    fresh = tmp_path / "fresh.ts"
    sys.path.insert(0, str(ROOT / "packaging"))
    from translations import sources

    subprocess.run([_tool("pyside6-lupdate"), *sources(), "-no-obsolete", "-locations", "none",
                    "-ts", str(fresh)], check=True, capture_output=True)  # fmt: skip
    wanted = {(c, s) for c, s, _ in _messages(fresh)}
    have = {(c, s) for c, s, _ in _messages(TS)}
    assert sorted(wanted - have) == [], "run packaging/translations.py and translate"


def test_compiled_catalogue_matches_its_source(tmp_path):
    fresh = tmp_path / "fresh.qm"
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(fresh)], check=True,
                   capture_output=True)  # fmt: skip
    assert TS.with_suffix(".qm").read_bytes() == fresh.read_bytes(), "run packaging/translations.py"
