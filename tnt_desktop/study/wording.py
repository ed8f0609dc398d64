"""Clinical words first (issue 16): a finding's message as a site user reads it.

Check messages are written for the data manager: qualified item references ("IE.RFICDAT"),
variable names ("WEIGHT = 500.0"), visit codes ("(SCR)"), codes of codelists
("COMPLICATION_PRESENT"). `clinical_text` rewrites such a text in one language with the study's
own words — the item's label, the visit's name, the code's decode — and `details` keeps the
technical form (check ID, references) for a details line or a tooltip. Pure Python: no Qt, no I/O;
the GUI and any report call it the same way.
"""

from __future__ import annotations

import re

from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import Finding, Item

_TOKEN = re.compile(r"(?<![\w.])(?:SE\.)?[A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*){0,2}(?![\w])")
_MIN_NAME = 3  # shorter capitals (Y, N, C3, RT, AE) are words and abbreviations, not variables


_INDEXES: dict[int, tuple[Study, tuple[dict[str, Item], dict[str, str], dict[str, object]]]] = {}


def _index(study: Study) -> tuple[dict[str, Item], dict[str, str], dict[str, object]]:
    """(item name → first item, visit code → event OID, code → label of the only codelist
    entry with that code), built once per study object."""
    cached = _INDEXES.get(id(study))
    if cached is not None and cached[0] is study:
        return cached[1]
    items: dict[str, Item] = {}
    for form in study.forms:
        for _group, item in form.items():
            items.setdefault(item.name, item)
    events = {event.oid.removeprefix("SE."): event.oid for event in study.events}
    codes: dict[str, object] = {}
    seen: dict[str, int] = {}
    for codelist in study.codelists:
        for entry in codelist.items:
            if len(entry.code) >= 4 and not entry.code.isdigit():
                seen[entry.code] = seen.get(entry.code, 0) + 1
                codes[entry.code] = entry.label
    found = items, events, {c: label for c, label in codes.items() if seen[c] == 1}
    _INDEXES[id(study)] = (study, found)
    return found


def _item(study: Study, token: str, form_code: str | None) -> Item | None:
    parts = token.split(".")
    form_codes = {form.code for form in study.forms}
    if len(parts) > 1 and parts[0] in form_codes:
        form = study.form(parts[0])
        return form.item(parts[-1], parts[1] if len(parts) == 3 else None) or form.item(parts[-1])
    if len(parts) > 1:
        return None
    if form_code is not None and form_code in form_codes:
        found = study.form(form_code).item(token)
        if found is not None:
            return found
    return _index(study)[0].get(token)


def clinical_text(study: Study, text: str, lang: str, form_code: str | None = None) -> str:
    """`text` with item references and names as labels, visit codes as visit names and codes
    as their decodes, in `lang`."""
    _items, events, codes = _index(study)

    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("SE.") and token in {e.oid for e in study.events}:
            return study.event(token).label.get(lang)
        start = match.start()
        if token in events and start > 0 and match.string[start - 1] in "(（":
            return study.event(events[token]).label.get(lang)  # "(RT, row 2)", "(SCR)"
        if len(token) < _MIN_NAME:
            return token
        item = _item(study, token, form_code)
        if item is not None and ("." in token or token == item.name):
            label = item.label.get(lang)
            if "." not in token and re.search(rf"(?<!\w){re.escape(token)}(?!\w)", label):
                return token  # a clinical word in its own label ("ECOG", "ASA")
            return label
        if token in events:
            return study.event(events[token]).label.get(lang)
        if token in codes:
            return codes[token].get(lang)  # type: ignore[attr-defined]
        return token

    for _pass in range(3):  # a label may itself name variables ("Delay (CYD1DAT − …)")
        new = _TOKEN.sub(word, text)
        if new == text:
            break
        text = new
    return text


def finding_text(study: Study, finding: Finding, lang: str, form_code: str | None = None) -> str:
    """What a site user reads for a finding (no check ID, no variable names)."""
    code = form_code or (finding.items[0].split(".")[0] if finding.items else None)
    return clinical_text(study, finding.message.get(lang), lang, code)


def details(finding: Finding, lang: str) -> str:
    """The data manager's line: check ID, the items it names, the message as written."""
    refs = ", ".join(finding.items)
    head = f"[{finding.check_id}]" + (f" {refs}" if refs else "")
    return f"{head} — {finding.message.get(lang)}"


__all__ = ["clinical_text", "details", "finding_text"]
