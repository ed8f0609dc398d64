"""The demo's review phase (issue 6, item 6): what monitors, the data manager and the
investigator have done by *today*, so that every screen and every export shows the GCP workflow.

After `generate_demo` has entered the subjects, `review_demo` — through the services only, as
the monitor, the data manager, the coordinator and the investigator — does, in subject order:

1. **SDV**: the monitor verifies the complete screening forms (F01 IE, F02 DM, F04 TUBL, F15 LB)
   of the first two thirds of the enrolled subjects (`sdv.verify_form`, which marks every
   stored item verified).
2. **Queries**: on every third enrolled subject the monitor asks about the weight (DM.WEIGHT);
   they cycle through the life cycle: left open; answered by the coordinator; answered and
   closed; answered, re-opened, answered again. The data manager raises one form-level query on
   a pathology form. Overridden soft checks raised AUTO queries already during entry.
3. **Signatures**: the investigator acknowledges the legal meaning once, signs eligibility
   (IESIG) of every enrolled subject whose F01 is complete, and approves the casebook (EOSSIG)
   of every subject whose F13 is complete.
4. **A broken signature**: the monitor queries the last-contact date of the first subject with
   an approved casebook; the coordinator corrects it with the query as the reason for change;
   the casebook signature is broken ("re-signature required") and left so.

Deterministic: the same subjects get the same reviews (only timestamps differ).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from tnt_desktop.services import queries, sdv, signatures
from tnt_desktop.services.casebook import open_casebook
from tnt_desktop.services.entry_session import Confirm, EntrySession, EntryState
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.session import AppSession

SDV_FORMS = ("IE", "DM", "TUBL", "LB")
SIGNABLE = ("COMPLETE", "VERIFIED")
NOT_ENROLLED = ("SCREENING", "SCREEN_FAILED")

WEIGHT_QUERY = "请核对体重与原始记录（护理记录单）是否一致。/ Please confirm the weight against " \
    "the nursing chart."
WEIGHT_ANSWER = "已核对护理记录单，体重与原始记录一致。/ Checked against the nursing chart: the " \
    "weight is as recorded."
CLOSE_TEXT = "回复已确认，质疑关闭。/ Answer accepted, query closed."
REOPEN_TEXT = "请同时提供称重日期。/ Please also give the date of weighing."
SECOND_ANSWER = "称重日期与生命体征日期相同。/ Weighed on the day of the vital signs."
PATH_QUERY = "请上传病理报告扫描件的编号以便核查。/ Please give the scanned pathology report's " \
    "reference for verification."
LASTCONT_QUERY = "原始记录中的最后联系日期晚一天，请核对。/ The source shows the last " \
    "contact one day later; please check."
CHECKED = "已核对原始记录 / checked against the source"


@dataclass
class ReviewCounts:
    verified_forms: int = 0
    queries: dict[str, int] = field(default_factory=dict)  # status → count (manual queries)
    signatures: int = 0
    broken: list[str] = field(default_factory=list)  # subject keys with a broken signature

    def summary(self) -> str:
        states = ", ".join(f"{n} {s.lower()}" for s, n in sorted(self.queries.items()))
        return (f"review: {self.verified_forms} forms verified (SDV); queries raised by the "
                f"monitor: {states or 'none'}; {self.signatures} signatures"
                + (f", broken: {', '.join(self.broken)}" if self.broken else ""))  # fmt: skip


def _forms(app: AppSession, key: str) -> dict[tuple[str, int, str], str]:
    """(event, repeat, form) → status of every started form of a subject."""
    book = open_casebook(app, key)
    return {(e.event, e.repeat, f.form): f.status for e in book.events for f in e.forms
            if f.started}  # fmt: skip


def _count(counts: ReviewCounts, status: str) -> None:
    counts.queries[status] = counts.queries.get(status, 0) + 1


def review_demo(monitor: AppSession, datamanager: AppSession, coordinator: AppSession,
                investigator: AppSession, password: str, subject_stages: Sequence[tuple[str, str]],
                today: date) -> ReviewCounts:  # fmt: skip
    counts = ReviewCounts()
    enrolled = [key for key, stage in subject_stages if stage not in NOT_ENROLLED]
    forms = {key: _forms(monitor, key) for key in enrolled}
    # 1. SDV
    for key in enrolled[: (2 * len(enrolled) + 2) // 3]:
        for (event, repeat, code), status in forms[key].items():
            if code in SDV_FORMS and status == "COMPLETE":
                sdv.verify_form(monitor, key, event, repeat, code)
                counts.verified_forms += 1
    # 2. queries
    for n, key in enumerate(enrolled[::3]):
        if ("SE.SCR", 1, "DM") not in forms[key]:
            continue
        qid = queries.raise_query(monitor, key, "SE.SCR", 1, "DM", WEIGHT_QUERY,
                                  item_name="WEIGHT")  # fmt: skip
        step = n % 4
        if step >= 1:
            queries.answer_query(coordinator, qid, WEIGHT_ANSWER)
        if step == 2:
            queries.close_query(monitor, qid, CLOSE_TEXT)
        if step == 3:
            queries.reopen_query(monitor, qid, REOPEN_TEXT)
            queries.answer_query(coordinator, qid, SECOND_ANSWER)
        _count(counts, ("OPEN", "ANSWERED", "CLOSED", "ANSWERED")[step])
    with_path = next((k for k in enrolled if any(c == "PATH" for _, _, c in forms[k])), None)
    if with_path is not None:
        event, repeat, _ = next(w for w in forms[with_path] if w[2] == "PATH")
        queries.raise_query(datamanager, with_path, event, repeat, "PATH", PATH_QUERY)
        _count(counts, "OPEN")
    # 3. signatures (each subject's forms read again: SDV changed their status)
    approved: list[str] = []
    for key in enrolled:
        current = _forms(investigator, key)
        for (event, repeat, code), point in ((("SE.SCR", 1, "IE"), "IESIG"),
                                             (("SE.EOS", 1, "EOS"), "EOSSIG")):  # fmt: skip
            if current.get((event, repeat, code)) not in SIGNABLE:
                continue
            if signatures.needs_acknowledgement(investigator):
                signatures.acknowledge(investigator, password)
            signatures.sign(investigator, key, event, repeat, code, point, password,
                            username=investigator.username)  # fmt: skip
            counts.signatures += 1
            if point == "EOSSIG":
                approved.append(key)
    # 4. one approved casebook broken by a correction answering a query
    for key in approved:  # the first whose correction the checks accept
        _count(counts, "ANSWERED")
        if _break_by_correction(monitor, coordinator, key, today):
            counts.broken.append(key)
            break
    return counts


def _break_by_correction(monitor: AppSession, coordinator: AppSession, key: str,
                         today: date) -> bool:  # fmt: skip
    from tnt_desktop.services.casebook import form_values

    snapshot = form_values(coordinator, key, "SE.EOS", 1, "EOS")
    last = snapshot.values.get("LASTCONT")
    if not last:
        return False
    qid = queries.raise_query(monitor, key, "SE.EOS", 1, "EOS", LASTCONT_QUERY,
                              item_name="LASTCONT")  # fmt: skip
    corrected = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    entry = FormEntry(key, "SE.EOS", "EOS", values={"LASTCONT": corrected}, complete=True,
                      reason="QUERY_RESPONSE", reason_text=f"Query #{qid}: 已按原始记录更正",
                      expected_version=snapshot.version)  # fmt: skip
    step = EntrySession(coordinator, entry, today=today).run(
        lambda asked: Confirm({f.key: CHECKED for f in asked.findings})
        if asked.state is EntryState.NEEDS_OVERRIDES else None)  # fmt: skip
    if step.state is not EntryState.SAVED:
        queries.answer_query(coordinator, qid, "原始记录无误，未修改。/ Source checked: unchanged.")
        return False
    queries.answer_query(coordinator, qid, f"已更正为 {corrected}。/ Corrected to {corrected}.")
    return True
