"""Findings that are kept, not only shown (CRF_SPEC.md clarification 20).

After every save of clinical data, in the same transaction, `after_save` looks at the whole
subject as now stored and brings two things up to date:

* **Deviation candidates in the DV log (F14).** Every finding the spec calls a deviation
  candidate — TIM-01, TIM-02, TIM-03, TIM-05 in their deviation bands, TIM-07 and TIM-08 outside
  their windows, CYDOSEDEV = Y (CT-DOSEDEV), and an enrolled subject with ELIGFL = N (IE-ELIGFL)
  — has exactly one DV row with DVSRC AUTO_TIMING_CHECK / AUTO_DOSE_CHECK, its DV category, its
  check ID (DVCHKID) and the visit that triggered it (DVCHKREF). The site completes it
  (description, severity, action; DVCONF = Y) or dismisses it (DVCONF = N with DVCONFRSN), through
  the ordinary form. When the data no longer trigger it, DVWDRSN records why it was withdrawn;
  when they trigger it again, DVWDRSN is cleared. The rows are written by `form_entry.save_form`
  — the one write path — as the user whose save caused them, with a reason for change that says
  the system did it, so the audit trail names both.
* **Cross-form queries.** A TIM-xx or X-xx finding that is a query (soft or cross-form, not a
  deviation candidate) is kept as one query (origin CHECK, raised by SYSTEM) on the item it
  names, whichever form was saved — when its items span forms, or when the form it names is
  already complete (a single-form finding on a form in progress is only shown until the form is
  completed, where the site confirms it with a reason: issue 16). The query is closed by the
  system when the data no longer trigger it, and re-opened if they do again after that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tnt_desktop.services.clinical_data import LoadedSubject, load_subject
from tnt_desktop.services.form_entries import FormEntry, RowEntry, SaveResult, row_key_of
from tnt_desktop.services.queries import ORIGIN_CHECK
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.models import DataQuery, Subject
from tnt_desktop.study.checks import run_checks
from tnt_desktop.study.model import Finding, Severity
from tnt_desktop.study.subject import SubjectData

log = logging.getLogger(__name__)

# the one write path (form_entry.save_form), passed in by its caller: this module runs inside it
SaveForm = Callable[..., SaveResult]

DV_EVENT, DV_FORM, DV_GROUP = "SE.LOG", "DV", "DV"
AUTO_SOURCES = ("AUTO_TIMING_CHECK", "AUTO_DOSE_CHECK")
ELIGIBILITY_CHECK = "IE-ELIGFL"
_RUNNING = "deviation_candidates.running"  # session.info: the sync's own saves do not recurse
_DEFERRED = "deviation_candidates.deferred"  # session.info: held until `settle` (an import)

# the date a candidate occurred on (DVSTDAT): an item of the instance the finding is about
OCCURRED_ON: dict[str, str] = {
    "TIM-01": "RT.RTENDAT", "TIM-02": "CT.CYD1DAT", "TIM-03": "CT.CYD1DAT",
    "TIM-05": "SURG.SURGDAT", "TIM-07": "FU.FUDAT", "TIM-08": "WND.WNDDAT",
    "CT-DOSEDEV": "CT.CYD1DAT", ELIGIBILITY_CHECK: "DM.ENRDAT",
}  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """A deviation candidate the data imply: one DV row per (check ID, visit)."""

    check_id: str
    where: str  # DVCHKREF: the visit, "SE.C3" or "SE.FU#2" ("" for a subject-wide finding)
    category: str  # CL:DVCAT
    occurred: date | None
    source: str  # AUTO_TIMING_CHECK or AUTO_DOSE_CHECK

    @property
    def key(self) -> tuple[str, str]:
        return self.check_id, self.where


def _where(event: str | None, repeat: int | None) -> str:
    if not event:
        return ""
    return f"{event}#{repeat}" if repeat and repeat > 1 else event


def _occurred(data: SubjectData, check_id: str, event: str | None,
              repeat: int | None) -> date | None:  # fmt: skip
    ref = OCCURRED_ON.get(check_id)
    if ref is None:
        return None
    form, name = ref.split(".")
    records = [r for r in data.forms(form) if (event is None or r.event == event)
               and (repeat is None or r.repeat == repeat)]  # fmt: skip
    value = records[0].values.get(name) if records else None
    if value is None:
        record = data.form(form)
        value = record.values.get(name) if record is not None else None
    return value if isinstance(value, date) else None


def implied_candidates(data: SubjectData, findings: list[Finding], enrolled: bool
                       ) -> dict[tuple[str, str], Candidate]:  # fmt: skip
    """The deviation candidates implied by a subject's (derived) data and its findings."""
    found: dict[tuple[str, str], Candidate] = {}
    for finding in findings:
        if finding.dv_category is None:
            continue
        source = "AUTO_DOSE_CHECK" if finding.dv_category == "CHEMO_DOSE" else "AUTO_TIMING_CHECK"
        candidate = Candidate(finding.check_id, _where(finding.event, finding.repeat),
                              finding.dv_category,
                              _occurred(data, finding.check_id, finding.event, finding.repeat),
                              source)  # fmt: skip
        found.setdefault(candidate.key, candidate)
    ie = data.form("IE")
    if enrolled and ie is not None and ie.values.get("ELIGFL") == "N":
        candidate = Candidate(ELIGIBILITY_CHECK, "", "ELIGIBILITY",
                              _occurred(data, ELIGIBILITY_CHECK, None, None), "AUTO_TIMING_CHECK")
        found[candidate.key] = candidate
    return found


def query_findings(findings: list[Finding]) -> list[Finding]:
    """The TIM-xx / X-xx findings that are queries (soft or cross-form, not a deviation
    candidate): what keeps a kept query open."""
    return [f for f in findings if f.dv_category is None and f.severity is not Severity.HARD
            and f.check_id.startswith(("TIM-", "X-")) and f.items]  # fmt: skip


def kept_query_findings(loaded: LoadedSubject, findings: list[Finding]) -> list[Finding]:
    """The query findings to raise as queries now: cross-form ones always, a single-form one
    once the form it names is complete (COMPLETE, VERIFIED or SIGNED)."""
    from tnt_desktop.services.workflow import COMPLETE_OR_BEYOND

    kept = []
    for finding in query_findings(findings):
        forms = {ref.split(".")[0] for ref in finding.items}
        if len(forms) == 1:
            target = _instance_of(loaded, finding)
            if target is None or target.instance.status not in COMPLETE_OR_BEYOND:
                continue
        kept.append(finding)
    return kept


def _instance_of(loaded: LoadedSubject, finding: Finding):
    """The stored form instance the finding's first item lives in (None: not started)."""
    code = finding.items[0].split(".")[0]
    candidates = [lf for (event, repeat, form), lf in loaded.forms.items() if form == code]
    if finding.event is not None:
        exact = [lf for lf in candidates if lf.record.event == finding.event
                 and (finding.repeat is None or lf.record.repeat == finding.repeat)]  # fmt: skip
        if exact:
            return exact[0]
    return candidates[0] if len(candidates) == 1 else None


# ---- the hook -----------------------------------------------------------------------------------
def after_save(app: AppSession, session: Session, subject: Subject, today: date,
               save: SaveForm) -> None:  # fmt: skip
    """Bring the subject's deviation candidates and kept queries up to date with its stored data,
    inside the save's transaction (called by the one write path after every save, which passes
    itself as `save` to write the DV log through). Held while a use case that saves a subject
    form by form is `deferred` (it calls `settle` once)."""
    if session.info.get(_DEFERRED):
        return
    settle(app, session, subject, today, save)


@contextmanager
def deferred(session: Session) -> Iterator[None]:
    """Hold the hook while an ODM import writes a subject form by form: the file's own DV log
    (with the source's candidates) arrives after the forms that imply them, so the subject is
    brought up to date once, by `settle`, when all its forms are in."""
    held = session.info.get(_DEFERRED)
    session.info[_DEFERRED] = True
    try:
        yield
    finally:
        if held is None:
            session.info.pop(_DEFERRED, None)


def settle(app: AppSession, session: Session, subject: Subject, today: date,
           save: SaveForm) -> None:  # fmt: skip
    """The hook's work for one subject: deviation candidates and kept queries (module
    docstring), in the caller's transaction; the DV log is written through `save`."""
    if session.info.get(_RUNNING):
        return
    session.info[_RUNNING] = True
    try:
        loaded = load_subject(session, app.study, subject)
        findings = run_checks(loaded.data, app.params, today=today)
        _sync_queries(app, session, loaded, kept_query_findings(loaded, findings),
                      query_findings(findings))  # fmt: skip
        implied = implied_candidates(loaded.data, findings, subject.subject_id is not None)
        _sync_log(app, session, loaded, implied, today, save)
    finally:
        session.info.pop(_RUNNING, None)


# ---- the DV log ---------------------------------------------------------------------------------
def _sync_log(app: AppSession, session: Session, loaded: LoadedSubject,
              implied: dict[tuple[str, str], Candidate], today: date,
              save: SaveForm) -> None:  # fmt: skip
    from tnt_desktop.services.workflow import FormStatus

    log_form = loaded.form(DV_EVENT, 1, DV_FORM)
    rows = log_form.record.group_rows(DV_GROUP) if log_form is not None else []
    keys = log_form.row_keys.get(DV_GROUP, []) if log_form is not None else []
    if log_form is not None and log_form.instance.status == FormStatus.LOCKED.value:
        return  # a locked log takes no entry: the next save after unlocking adds them
    recorded: dict[tuple[str, str], tuple[int, dict]] = {}
    for key, row in zip(keys, rows, strict=True):
        if row.get("DVSRC") in AUTO_SOURCES and row.get("DVCHKID"):
            recorded.setdefault((row["DVCHKID"], row.get("DVCHKREF") or ""), (key, row))
    entries: list[RowEntry] = []
    notes: list[str] = []
    events: list[tuple[str, tuple[str, str], str | None]] = []  # (action, key, reason)
    changed = False
    for key, row in zip(keys, rows, strict=True):
        mine = next((k for k, (rk, _r) in recorded.items() if rk == key), None)
        values: dict[str, str] = {}
        if mine is not None:
            withdrawn = bool(row.get("DVWDRSN"))
            if mine in implied and withdrawn:
                values["DVWDRSN"] = ""
                notes.append(f"{_label(mine)} detected again")
                events.append(("DEVIATION_CANDIDATE_REVIVED", mine, None))
            elif mine not in implied and not withdrawn:
                values["DVWDRSN"] = (f"No longer detected: the data saved by {app.username} on "
                                     f"{today.isoformat()} no longer trigger {mine[0]}")
                notes.append(f"{_label(mine)} withdrawn, no longer triggered by the data")
                events.append(("DEVIATION_CANDIDATE_WITHDRAWN", mine, values["DVWDRSN"]))
        changed = changed or bool(values)
        entries.append(RowEntry(key=key, values=values))
    for key, candidate in implied.items():
        if key in recorded:
            continue
        occurred = candidate.occurred or today
        values = {"DVSRC": candidate.source, "DVCAT": candidate.category,
                  "DVSTDAT": min(occurred, today).isoformat(), "DVIDDAT": today.isoformat(),
                  "DVCHKID": candidate.check_id, "DVCHKREF": candidate.where}  # fmt: skip
        entries.append(RowEntry(values=values))
        notes.append(f"{_label(key)} detected")
        events.append(("DEVIATION_CANDIDATE_ADDED", key, None))
        changed = True
    if not changed:
        return
    entry = FormEntry(loaded.subject.key, DV_EVENT, DV_FORM, rows={DV_GROUP: entries},
                      reason="OTHER",
                      reason_text=("System-detected protocol deviation candidates (after a save "
                                   f"by {app.username}): " + "; ".join(notes))[:1000])  # fmt: skip
    if not _write(app, session, entry, today, save):
        return
    for action, key, reason in events:  # who caused it (the user), that the system did it
        app.audit(session, action, subject_key=loaded.subject.key, event_oid=DV_EVENT,
                  repeat_key=1, form_code=DV_FORM, new_value=_label(key), reason_text=reason,
                  detail=f"system-detected protocol deviation candidate {_label(key)} "
                         f"({implied[key].category if key in implied else 'no longer triggered'}"
                         f"), after a save by {app.username}")  # fmt: skip


def _label(key: tuple[str, str]) -> str:
    return f"{key[0]} {key[1]}".strip()


def _write(app: AppSession, session: Session, entry, today: date, save: SaveForm) -> bool:
    """Through the one write path, inside the save's transaction. A refusal (the log locked
    under us, a check on the log itself) must not undo the site's own save: it is logged and
    the candidates follow at the next save."""
    from tnt_desktop.errors import TntError

    try:  # joins the save's open transaction; a refusal undoes only its own writes
        save(app, entry, today=today)
    except TntError as exc:  # nothing of the log was written: the checks come before writes
        log.warning("deviation candidates of %s not written: %s", entry.subject, exc.message.en)
        return False
    return True


# ---- kept queries -------------------------------------------------------------------------------
def _query_keys(app: AppSession, loaded: LoadedSubject, findings: list[Finding]
                ) -> dict[tuple, Finding]:  # fmt: skip
    """(event, repeat, form, group, row key, item, check ID) of the item each finding names."""
    from tnt_desktop.services import queries

    keyed: dict[tuple, Finding] = {}
    for finding in findings:
        target = _instance_of(loaded, finding)
        if target is None:
            continue
        form = app.study.form(target.record.form)
        row_key = None
        if finding.row is not None:
            row_key = row_key_of(finding, target.row_keys, form)
        item, group, row = queries.finding_target(form, finding, row_key)
        key = (target.record.event, target.record.repeat, form.code, group or "", row or 0,
               item, finding.check_id)  # fmt: skip
        keyed.setdefault(key, finding)
    return keyed


def _sync_queries(app: AppSession, session: Session, loaded: LoadedSubject,
                  kept: list[Finding], present: list[Finding]) -> None:  # fmt: skip
    """Raise (or re-open) a query for each `kept` finding; close the system's queries whose
    finding is no longer `present` at all (a form back in progress keeps its query)."""
    from tnt_desktop.services import queries

    wanted = _query_keys(app, loaded, kept)
    still = set(_query_keys(app, loaded, present))
    existing = {}
    for query in session.scalars(select(DataQuery).where(
            DataQuery.subject_pk == loaded.subject.id,
            DataQuery.origin.in_([queries.ORIGIN_AUTO, ORIGIN_CHECK]))):  # fmt: skip
        key = (query.event_oid, query.repeat_key, query.form_code, query.group_name or "",
               query.row_key or 0, query.item_name, query.check_id)  # fmt: skip
        existing.setdefault(key, query)
    cause = f"after a save by {app.username}"
    for key, finding in wanted.items():
        query = existing.get(key)
        if query is None:
            event, repeat, form_code, group, row, item, check_id = key
            queries.raise_check_query(app, session, loaded.subject, event, repeat, form_code,
                                      item, check_id, queries.check_query_text(finding),
                                      group_name=group, row_key=row, cause=cause)  # fmt: skip
        elif query.origin == ORIGIN_CHECK and queries.closed_by_system(query):
            queries.system_step(app, session, query, loaded.subject.key, reopen=True,
                                text=f"Triggered again by the data ({cause}) / 数据再次触发该核查")
    for key, query in existing.items():
        if key in still or query.origin != ORIGIN_CHECK:
            continue
        if query.status in (queries.QueryStatus.OPEN.value, queries.QueryStatus.ANSWERED.value):
            queries.system_step(app, session, query, loaded.subject.key, reopen=False,
                                text=f"No longer triggered by the data ({cause}) / "
                                     "数据已不再触发该核查")  # fmt: skip


__all__ = [
    "AUTO_SOURCES",
    "ELIGIBILITY_CHECK",
    "ORIGIN_CHECK",
    "Candidate",
    "after_save",
    "deferred",
    "implied_candidates",
    "kept_query_findings",
    "query_findings",
    "settle",
]
