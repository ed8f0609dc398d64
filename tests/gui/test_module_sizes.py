"""The GUI stays a house a newcomer can find their way in (issue 19): no module over 600 lines
(generated ui_*.py excepted), no class over 450, and no CSS in Python — styles live in
resources/styles/app.qss and only gui/styles.py sets a stylesheet. Reads the sources (AST); no
Qt needed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GUI = Path(__file__).resolve().parents[2] / "tnt_desktop" / "gui"
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 450


def modules() -> list[Path]:
    return sorted(p for p in GUI.rglob("*.py") if not p.name.startswith("ui_"))


def module_problems(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    where = path.relative_to(GUI.parent).as_posix()
    problems = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        problems.append(f"{where}: {lines} lines (at most {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            if size > MAX_CLASS_LINES:
                problems.append(f"{where}: class {node.name} {size} lines "
                                f"(at most {MAX_CLASS_LINES})")  # fmt: skip
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "setStyleSheet" and path.name != "styles.py"):  # fmt: skip
            problems.append(f"{where}:{node.lineno}: setStyleSheet outside gui/styles.py "
                            "(style with object names or properties in app.qss, or the palette)")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                node.func.attr == "setStyleSheet") and any(_literal(a) for a in node.args):
            problems.append(f"{where}:{node.lineno}: a CSS string in Python")
    return problems


def _literal(node: ast.expr) -> bool:
    """A string written in the code: "…", f"…" or a concatenation of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _literal(node.left) or _literal(node.right)
    return False


def test_the_gui_package_is_found():
    assert len(modules()) > 20 and (GUI / "form" / "view.py") in modules()


def test_no_module_or_class_too_big_and_no_css_in_python():
    problems = [p for path in modules() for p in module_problems(path)]
    assert problems == []


@pytest.mark.parametrize("source, expected", [
    ("x = 1\n" * 601, "601 lines"),
    ("class Big:\n" + "    a = 1\n" * 450, "class Big 451 lines"),
    ("label.setStyleSheet('color: red')\n", "a CSS string in Python"),
    ("label.setStyleSheet(f'color: {c}')\n", "setStyleSheet outside gui/styles.py"),
])  # fmt: skip
def test_the_rules_catch_what_they_name(tmp_path, monkeypatch, source, expected):
    path = tmp_path / "gui" / "some_view.py"
    path.parent.mkdir()
    path.write_text(source, encoding="utf-8")
    monkeypatch.setitem(globals(), "GUI", tmp_path / "gui")
    assert any(expected in p for p in module_problems(path))
