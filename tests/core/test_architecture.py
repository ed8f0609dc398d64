"""The house's shape (issue 19): no import circle anywhere in `tnt_desktop/` (a deferred import
inside a function counts: it still ties two rooms together; `tools.import_graph` reads them
all), and no module over 600 lines outside the generated `ui_*.py` files, the Alembic
migrations and the form declarations (`study/forms/`). A module that grows past the limit is
split by what each part owns (docs/architecture.md)."""

from __future__ import annotations

from pathlib import Path

from tools.import_graph import circles, graph

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tnt_desktop"
MAX_LINES = 600


def measured_modules(package: Path = PACKAGE) -> list[Path]:
    """Every module the line limit applies to."""
    return [path for path in sorted(package.rglob("*.py"))
            if not path.name.startswith("ui_")
            and "migrations" not in path.relative_to(package).parts
            and path.relative_to(package).parts[:2] != ("study", "forms")]  # fmt: skip


def test_no_import_circle_in_the_package():
    found = [" ↔ ".join(circle) for circle in circles(graph(ROOT))]
    assert found == []


def test_no_module_over_600_lines():
    long = {str(path.relative_to(ROOT)): lines for path in measured_modules()
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_graph_sees_a_deferred_circle(tmp_path):
    """The check can fail: two modules that import each other, one only inside a function."""
    package = tmp_path / "tnt_desktop"
    (package / "rooms").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "rooms" / "__init__.py").write_text("", encoding="utf-8")
    (package / "rooms" / "a.py").write_text("from tnt_desktop.rooms import b\n", encoding="utf-8")
    (package / "rooms" / "b.py").write_text(
        "def later():\n    from . import a\n    return a\n", encoding="utf-8")
    (package / "rooms" / "c.py").write_text("import tnt_desktop.rooms.a\n", encoding="utf-8")
    assert circles(graph(tmp_path)) == [["tnt_desktop.rooms.a", "tnt_desktop.rooms.b"]]


def test_the_line_limit_skips_only_generated_migrations_and_form_declarations():
    measured = {str(path.relative_to(PACKAGE)) for path in measured_modules()}
    assert "services/form_entry.py" in measured
    assert "study/checks/form_rules.py" in measured
    assert not any(name.startswith(("study/forms/", "storage/migrations/")) for name in measured)
    assert not any(Path(name).name.startswith("ui_") for name in measured)
