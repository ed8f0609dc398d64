"""No loop that asks for reasons or overrides exists outside the entry session (issue 13).

The "needs a reason / needs overrides / retry" conversation is held by
`services/entry_session.py` alone. An AST scan of the package fails when, anywhere else,
- an `except` names ReasonRequired or OverrideRequired (the questions a save asks are answered
  through the session, never caught and retried by hand), or
- `submit()` is called inside a loop (a hand-written copy of `EntrySession.run`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import tnt_desktop

PACKAGE = Path(tnt_desktop.__file__).parent
ROOT = PACKAGE.parent
HOME = "tnt_desktop/services/entry_session.py"
QUESTIONS = {"ReasonRequired", "OverrideRequired"}
PENDING: set[str] = set()  # the ODM importer drives the entry session too (odm_import_write)


def _names(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node)
            if isinstance(n, ast.Name | ast.Attribute)}  # fmt: skip


def conversations(source: str) -> list[tuple[int, str]]:
    """(line, what) for every hand-held conversation in `source`."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and _names(node.type) & QUESTIONS:
            found.append((node.lineno, f"except {sorted(_names(node.type) & QUESTIONS)}"))
        if isinstance(node, ast.For | ast.While | ast.AsyncFor):
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                        and inner.func.attr == "submit"):  # fmt: skip
                    found.append((inner.lineno, "submit() in a loop"))
    return found


def scan() -> dict[str, list[tuple[int, str]]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name == HOME:
            continue
        hits = conversations(path.read_text(encoding="utf-8"))
        if hits:
            found[name] = hits
    return found


def test_no_conversation_outside_the_entry_session():
    assert scan() == {}, "hold the conversation through services/entry_session.py"


def test_the_session_itself_is_where_the_questions_are_answered():
    source = (ROOT / HOME).read_text(encoding="utf-8")
    assert sorted(what for _line, what in conversations(source)) == [
        "except ['OverrideRequired']", "except ['ReasonRequired']", "submit() in a loop"]


OLD_FORM_VIEW = '''
def save(self, complete=False):
    entry = self._entry(complete)
    for _attempt in range(8):
        try:
            result = save_form(self.app, entry, today=self.context.today())
        except ReasonRequired as exc:
            dialog = ReasonForChangeDialog(exc.items, self.context.lang, self._describe_ref, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            entry.reason, entry.reason_text = dialog.reason(), dialog.reason_text()
        except OverrideRequired as exc:
            entry.overrides.update(OverrideDialog(exc.findings).overrides())
        else:
            return True
'''

HAND_WRITTEN_RUN = '''
def save(session, ask):
    step = session.submit()
    while not step.done:
        session.answer(ask(step))
        step = session.submit()
'''


def test_the_scan_finds_the_old_loops_and_a_copy_of_run():
    assert [what for _l, what in conversations(OLD_FORM_VIEW)] == [
        "except ['ReasonRequired']", "except ['OverrideRequired']"]
    assert [what for _l, what in conversations(HAND_WRITTEN_RUN)] == ["submit() in a loop"]
    tuple_form = "try:\n    pass\nexcept (TntError, form_entry.OverrideRequired):\n    pass\n"
    assert conversations(tuple_form)
