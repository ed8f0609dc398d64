"""When a soft finding becomes a query (issue 16, item 4).

A soft "unusual value" finding on a form still in progress is shown beside its field but asks
for no confirmation and raises no query: the coordinator may be half-way through the source
document (RT with 4 of 5 fractions entered is not yet "4 fractions delivered"). It becomes a
question for the site — confirm with a reason, which raises the automatic query — when the form
is marked complete (or stays complete after an edit), or when the value is final by its own rule
(`FINAL_BY_RULE`: RT once every planned fraction has an answer).
"""

from __future__ import annotations

from collections.abc import Callable

from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import FormRecord


def _rt_all_fractions_answered(record: FormRecord, params: StudyParameters) -> bool:
    planned = record.values.get("RTPLFX") or params.rt_fractions
    answered = [row for row in record.group_rows("FX") if row.get("FXGIVEN") in ("Y", "N")]
    return len(answered) >= int(planned)


FINAL_BY_RULE: dict[str, Callable[[FormRecord, StudyParameters], bool]] = {
    "RT": _rt_all_fractions_answered,
}


def soft_findings_are_final(form_code: str, record: FormRecord, params: StudyParameters, *,
                            completing: bool) -> bool:  # fmt: skip
    """Do this save's soft findings need the site's confirmation (and become queries)?
    `completing`: the form is being marked complete, or was complete and stays so."""
    rule = FINAL_BY_RULE.get(form_code)
    return completing or (rule is not None and rule(record, params))
