"""How a repeating group is laid out on a 1280 px screen (issue 16).

* `entry_order(items)`: the columns in the order a person fills them — an item shown only on a
  condition comes after the items of the same row it depends on (RT fractions: "Fraction
  delivered", then its date and dose), otherwise the study's order.
* `counter_item(items)`: the row number a new row gets by itself (RT "Fraction number"): an
  integer item named …NUM.
* Wide groups (AE, wound complications, deviations, medications: more than `DETAIL_ITEMS` items)
  are shown as a short summary table of their first columns plus a row-detail panel: every item
  of the selected row as label and editor, one under another, instead of a 20-column grid.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from tnt_desktop.study.model import DataType, Item, Req

DETAIL_ITEMS = 8  # a group with more items gets the row-detail panel
SUMMARY_COLUMNS = 4  # columns of its summary table
DETAIL_LABEL_WIDTH = 240
_NAME = re.compile(r"\b[A-Z][A-Z0-9_]*\b")


def entry_order(items: Sequence[Item]) -> list[Item]:
    """The study's order, except that a conditional item waits for the siblings it names."""
    names = {item.name for item in items}
    placed: list[Item] = []
    done: set[str] = set()
    waiting: list[tuple[Item, set[str]]] = []
    for item in items:
        needs = (set(_NAME.findall(item.condition or "")) & names) - {item.name}
        waiting.append((item, needs))
        progress = True
        while progress:
            progress = False
            for entry in list(waiting):
                candidate, wanted = entry
                if wanted <= done:
                    placed.append(candidate)
                    done.add(candidate.name)
                    waiting.remove(entry)
                    progress = True
    placed.extend(item for item, _ in waiting)  # a condition on a later-only item: keep order
    return placed


def counter_item(items: Sequence[Item]) -> Item | None:
    """The item that numbers the rows by itself (an integer …NUM item the user may edit)."""
    for item in items:
        if item.data_type is DataType.INTEGER and item.name.endswith("NUM") and (
                not item.is_derived) and item.condition is None:  # fmt: skip
            return item
    return None


def uses_detail(items: Sequence[Item]) -> bool:
    return len(items) > DETAIL_ITEMS


def summary_columns(items: Sequence[Item]) -> list[Item]:
    """The summary table's columns: the first unconditional items (the row's identity)."""
    chosen = [item for item in items if item.condition is None][:SUMMARY_COLUMNS]
    return chosen or list(items[:SUMMARY_COLUMNS])


def label_text(item: Item, lang: str, unit: str = "") -> str:
    text = item.label.get(lang)
    if unit:
        text += f" ({unit})"
    if item.req is Req.REQUIRED:
        text += " *"
    return text


class DetailPage(QWidget):
    """One row's items as label + editor, one under another (editors are the row's own)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rowDetail")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(6, 6, 6, 6)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(1, 1)
        self.labels: dict[str, QLabel] = {}

    def add(self, item: Item, editor: QWidget) -> QLabel:
        row = self.grid.rowCount()
        label = QLabel(self)
        label.setObjectName(f"rowLabel_{item.name}")
        label.setWordWrap(True)
        label.setFixedWidth(DETAIL_LABEL_WIDTH)
        label.setContentsMargins(14 if item.condition else 0, 3, 0, 0)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        label.setBuddy(editor)
        self.grid.addWidget(label, row, 0)
        self.grid.addWidget(editor, row, 1, Qt.AlignmentFlag.AlignTop)
        self.labels[item.name] = label
        return label
