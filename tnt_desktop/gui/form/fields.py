"""What the form screen holds per main item (`Field`), and the typed values its show-if
conditions read (this form's, and other forms' `FORM.NAME`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QGridLayout, QLabel, QToolButton, QWidget

from tnt_desktop.gui.form.item_widgets import ItemEditor
from tnt_desktop.study.model import Item, ItemGroup
from tnt_desktop.study.values import ValueError_, parse_value


@dataclass
class Field:
    """One non-repeating item on the screen."""

    item: Item
    group: ItemGroup
    editor: ItemEditor
    label: QLabel
    help_button: QToolButton | None
    messages: QLabel | None = None  # created on the first finding
    baseline: tuple[str, str | None] = ("", None)  # (value, reason) as loaded
    touched: bool = False  # the user edited it (matters for editable derived items)
    applicable: bool = True
    widgets: list[QWidget] = field(default_factory=list)
    grid: QGridLayout | None = None  # where the messages go: (grid_row, column 2)
    grid_row: int = 0


def _typed(item: Item, text: str | None) -> Any:
    if not text:
        return None
    try:
        return parse_value(item, text)
    except (ValueError_, ValueError, ArithmeticError):
        return None


class _OtherForms:
    """Values of other forms for conditions written `FORM.NAME` (first instance, read once);
    `load(code)` reads one form's typed values (the view's `_load_other_form`)."""

    def __init__(self, load: Callable[[str], dict[str, Any]]) -> None:
        self.load = load
        self.cache: dict[str, dict[str, Any]] = {}

    def value(self, ref: str) -> Any:
        code, name = ref.split(".", 1)
        if code not in self.cache:
            self.cache[code] = self.load(code)
        return self.cache[code].get(name)
