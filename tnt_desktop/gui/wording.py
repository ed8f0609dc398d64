"""A finding as the person at the screen reads it (issue 16): clinical words for everyone —
the item's label, the visit's name (study/wording.py) — and, for the data manager who works
with check IDs and variable names (and the monitor reviewing the checks), a details line under
it. `finding_tooltip` gives the same details for a tooltip."""

from __future__ import annotations

from tnt_desktop.gui.context import GuiContext
from tnt_desktop.study.model import Finding
from tnt_desktop.study.wording import details, finding_text

# who works with check IDs and variable names: the data manager, and the monitor who reviews
# the edit checks with them; site roles (coordinator, investigator) read clinical words only
DETAIL_ROLES = frozenset({"datamanager", "monitor"})


def shows_details(context: GuiContext) -> bool:
    return str(context.session.role) in DETAIL_ROLES


def describe_finding(context: GuiContext, finding: Finding, form_code: str | None = None) -> str:
    text = finding_text(context.session.study, finding, context.lang, form_code)
    if shows_details(context):
        text += "\n    " + details(finding, context.lang)
    return text


def finding_tooltip(context: GuiContext, finding: Finding) -> str:
    return details(finding, context.lang)
