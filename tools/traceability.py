"""The requirement traceability matrix: CRF_SPEC.md requirement → tests → status.

    .venv/bin/python -m tools.traceability                 # writes docs/traceability.md
    .venv/bin/python -m tools.traceability --check         # exit 1 if the file is stale

The requirements are the ids of CRF_SPEC.md §9.2 (REQ-AT … REQ-ARC) and §10 (REQ-PI), held in
`REQUIREMENTS` below rather than parsed from the spec, which lives outside the repository (the
spec writes the ids with a non-breaking hyphen, U+2011; here they are plain ASCII). Each one
carries the status the product claims:

- "implemented": the software meets the requirement; tests prove it (at least one must exist);
- "partial": some of it is built and tested; `note` says what is missing;
- "not yet": nothing to test yet; `planned` says where it will come from (an issue, or
  "organisational — outside the software" for SOPs, training and the like).

A test names the requirements it proves with a pytest marker (registered in pyproject.toml)::

    @pytest.mark.req("REQ-AT-01", "REQ-DQ-02")
    def test_a_change_needs_a_reason(...): ...

    pytestmark = pytest.mark.req("REQ-SEC-01")   # every test of the module

`collect_tests` reads those marks statically (ast), so the matrix needs no test run; marks must
be written literally as `pytest.mark.req("…")` or `mark.req("…")`. Pure Python: no Qt, no
pytest import.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path("docs") / "traceability.md"
TESTS_DIR = "tests"
SPEC_NAME = "CRF_SPEC.md"
COMMAND = ".venv/bin/python -m tools.traceability"

ID_PATTERN = re.compile(r"REQ-[A-Z]+-\d{2}")
_SPEC_ID = re.compile(r"REQ[-\u2010\u2011]([A-Z]+)[-\u2010\u2011](\d{2})")


class Status(StrEnum):
    IMPLEMENTED = "implemented"
    PARTIAL = "partial"
    NOT_YET = "not yet"


# where what is missing will come from
ISSUE_6 = "issue 6 (GCP workflow)"
ISSUE_7 = "issue 7 (packaging)"
ORGANISATIONAL = "organisational — outside the software"
UNSCHEDULED = "not scheduled in an issue yet"
_PLAN_ORDER = (ISSUE_6, ISSUE_7, UNSCHEDULED, ORGANISATIONAL)


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    status: Status
    note: str = ""  # what is built, what is missing, caveats
    planned: str = ""  # where the missing part will come from

    @property
    def group(self) -> str:
        return self.id.split("-")[1]


GROUPS: dict[str, str] = {
    "AT": "Audit trail",
    "AC": "Access control & users",
    "ES": "Electronic signatures",
    "DQ": "Data quality & corrections",
    "VAL": "Validation & change control",
    "SEC": "Security, backup, continuity",
    "ARC": "Retention & archiving",
    "PI": "Personal information and data minimisation, §10",
}

_I, _P, _N = Status.IMPLEMENTED, Status.PARTIAL, Status.NOT_YET

REQUIREMENTS: tuple[Requirement, ...] = (
    # ---- audit trail ------------------------------------------------------------------------
    Requirement(
        "REQ-AT-01",
        "Every create, modify or delete of a data item, query, signature, user account or role "
        "writes an audit record (old/new value, user, UTC time, reason after first save, keys)",
        _P,
        "Data items (entered, changed, cleared, row removed), subjects, queries (every step), "
        "SDV marks, signatures (signed, broken, failed attempts, acknowledgement) and user "
        "accounts are audited with old → new value, user and role, UTC time, reason code and "
        "text, and the subject/event/form/item keys; a change after the first save needs a "
        "reason. A role cannot be changed after an account is created. Local-time display is "
        "in the PDF casebook and the query panel: the application has no audit viewer.",
        "when an account is created and cannot be changed, so there is no role-change event.",
    ),
    Requirement(
        "REQ-AT-02",
        "The audit trail cannot be switched off or edited: append-only table, SHA-256 hash "
        "chain, daily integrity job",
        _P,
        "No setting switches the trail off; SQL triggers refuse UPDATE and DELETE; every entry "
        "is chained by SHA-256 and the chain head is kept, so edits, deletions, reordering and "
        "forged entries are detected and named. The chain is verified on demand (`admin "
        "verify`, exit 8) and before every restore; there is no scheduled daily verification "
        "yet.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-AT-03",
        "Controlled redaction of personal information entered in the wrong field: two-person "
        "approval, tombstone with the justification",
        _N,
        "No redaction procedure: the trail cannot be modified at all.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-AT-04",
        "Timestamps from a trusted clock, stored in UTC, shown in local time with the offset; "
        "offline entries flagged as client time",
        _P,
        "Audit times are stored in UTC (ISO 8601 with Z) and the PDF casebook shows them in "
        "local time with the offset. The clock is the workstation's: there is no trusted "
        "(server/NTP) clock, no client-time flag and no re-stamping, which need the "
        "client–server deployment of CRF_SPEC.md §9.3.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-AT-05",
        "Logs of user-account creation, role changes, log-ins and failed log-ins",
        _I,
        "USER_ADDED (with the role), USER_DEACTIVATED, PASSWORD_CHANGED, PASSWORD_RESET, LOGIN, "
        "LOGIN_FAILED (with the count) and LOGOUT are in the hash-chained trail. Roles are set "
        "when an account is created and cannot be changed, so there is no role-change event.",
    ),
    Requirement(
        "REQ-AT-06",
        "Workflow actions (form complete, SDV, queries, freeze, lock, sign) are audited as well "
        "as data entry",
        _I,
        "Form status changes (FORM_STATUS), screening, enrolment, screen failure, withdrawal, "
        "check overrides, SDV (FORM_VERIFIED, ITEM_SDV, ITEM_SDV_REMOVED), queries "
        "(QUERY_OPENED, QUERY_ANSWERED, QUERY_CLOSED, QUERY_REOPENED), form lock and unlock, "
        "subject freeze and lock, the database lock and signatures (SIGNED, SIGNATURE_BROKEN, "
        "SIGNATURE_FAILED, SIGNATURE_ACKNOWLEDGED) are audited with old → new state and the "
        "reason, in the transaction of the change; the GUI, the CLI and the ODM import reach "
        "them through the same services.",
    ),
    Requirement(
        "REQ-AT-07",
        "A human-readable audit report per subject, form or field, exportable (PDF/ODM), for "
        "monitors and inspectors",
        _P,
        "The PDF casebook has a per-subject audit summary (entries per form, every change with "
        "its reason, overridden checks) and the transactional ODM export carries an "
        "AuditRecord for every value. Missing: a report per form or per field and an audit "
        "view in the application. The ODM tests (test_odm.py, test_odm_streaming.py) do not "
        "carry marks yet.",
        UNSCHEDULED,
    ),
    # ---- access control ---------------------------------------------------------------------
    Requirement(
        "REQ-AC-01",
        "Unique named accounts, no shared accounts; the ten roles of CRF_SPEC.md §9.2",
        _P,
        "Accounts are named and unique, each with its own password and key slot. Five roles "
        "exist (administrator, research coordinator, investigator, monitor, data manager); "
        "radiation oncologist, pathologist, surgeon, statistician and auditor/inspector do not.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-AC-02",
        "Role-based, form-level permissions; e-signature rights only for users on the "
        "delegation log, revoked at the end date",
        _P,
        "One role → permission table is enforced by every service and mirrored by the GUI "
        "(read-only forms, disabled actions); a refusal writes nothing. Permissions are per "
        "action, the same for every form (no form-level rights), and there is no delegation "
        "log with effective dates.",
        f"{ISSUE_6} for the e-signature rights; form-level rights {UNSCHEDULED}",
    ),
    Requirement(
        "REQ-AC-03",
        "Passwords: 10+ characters with complexity, lock-out after 5 failures, expiry, forced "
        "change at first log-in, 15-minute idle lock, logged admin reset",
        _P,
        "Built: 10 characters with two character classes and not the user name, for every way "
        "of setting a password; a timed lock-out after 5 failures (30 s, doubling up to 1 h, "
        "kept across restarts; an admin reset lifts it); forced change of a temporary or reset "
        "password before any service call; "
        "idle lock after 15 minutes; admin reset audited. Missing: password expiry/rotation. "
        "The identity check before a reset is a site procedure.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-AC-04",
        "Site-only data (names, national ID, MRN, phone, address, full DOB) visible only to "
        "site roles",
        _I,
        "Items flagged as identifiers are returned only to roles with VIEW_IDENTIFIERS "
        "(coordinator, investigator); monitors, the data manager and the administrator never "
        "see them in the application (stricter than the on-site access the spec allows).",
    ),
    # ---- electronic signatures ---------------------------------------------------------------
    Requirement(
        "REQ-ES-01",
        "Signing requires re-entry of user ID and password (first signing of a session), at "
        "least the password afterwards",
        _I,
        "services.signatures.sign checks the password against the user's key slot (a failure "
        "counts toward the lock-out and is audited, the password is never stored or logged); "
        "the first signature of a login session also needs the user name; the GUI's signature "
        "dialog asks for it only then.",
    ),
    Requirement(
        "REQ-ES-02",
        "Signature manifestation (printed name, date/time, meaning) on screen, in PDF casebooks "
        "and in the ODM",
        _I,
        "The form view and the casebook show printed name, local time with UTC and meaning; "
        "the PDF casebook prints them (by role in the sponsor profile, REQ-PI-05); the ODM has "
        "a Signature (UserRef, LocationRef, SignatureRef to the SignatureDef with its Meaning, "
        "DateTimeStamp) on every signed form.",
    ),
    Requirement(
        "REQ-ES-03",
        "A signature is bound to a hash of the signed data; a later change breaks it and is "
        "audited",
        _I,
        "SHA-256 over the canonical signed data (the form, or the whole casebook for F13); the "
        "one write path marks a signature broken when its data change (SIGNATURE_BROKEN, the "
        "form back to complete) and a hash that no longer matches the stored data reads broken "
        "even when changed outside the application; shown as 're-signature required' in the "
        "GUI, the PDF casebook and the ODM (Annotation comment).",
    ),
    Requirement(
        "REQ-ES-04",
        "Signature points: eligibility, RT plan, surgery, pathology, SAE, casebook approval",
        _P,
        "All six points are declared in the study definition and `sign` accepts each of them; "
        "eligibility (F01 IESIG) and casebook approval (F13 EOSSIG) are required, offered in "
        "the GUI and tested (build decision 9). The RT plan, surgery, pathology and SAE "
        "sign-offs belong to roles (radiation oncologist, surgeon, pathologist) that do not "
        "exist yet.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-ES-05",
        "Each signer acknowledges, before first use, that the e-signature equals the handwritten "
        "one (stored, dated)",
        _I,
        "signatures.acknowledge stores the statement (both languages) with the UTC date, "
        "confirmed with the password and audited; `sign` refuses before it; the signature "
        "dialog asks for it the first time. The legal confirmation under the PRC Electronic "
        "Signature Law is the hospital's.",
    ),
    # ---- data quality ----------------------------------------------------------------------
    Requirement(
        "REQ-DQ-01",
        "Edit checks as in CRF_SPEC.md §5, configurable, versioned and unit-tested; queries with "
        "an audited life cycle",
        _I,
        "The 45 checks of §5 (TIM-01…TIM-10 and the X checks) and the form rules of §3 exist "
        "once each, take their limits and windows from the study parameters, are unit-tested "
        "at their boundaries and run on every save (hard checks refuse the save, soft checks "
        "need an audited override reason, which raises a query). Queries: open → answered → "
        "closed / re-opened, every step audited, raised by monitors and the data manager, "
        "answered by the site, in the GUI, the PDF casebook, QUERIES.csv and the ODM "
        "(extension namespace).",
    ),
    Requirement(
        "REQ-DQ-02",
        "A correction is attributed to a person or the system and justified; derivations "
        "audited as SYSTEM with the method version",
        _I,
        "Every change after the first save needs a reason from a closed list (OTHER needs a "
        "text) and is audited with the user; derived values and assigned numbers are audited as "
        "SYSTEM with the derivation id and the application version. The source records "
        "themselves stay at the site.",
    ),
    Requirement(
        "REQ-DQ-03",
        "SDV flags per field/form for the monitor; risk-based SDV plan",
        _I,
        "The monitor ticks items (bound to a hash of the value: a later change makes the mark "
        "stale) or verifies a whole form; the 100 % plan of REQ-DQ-03 (eligibility, EORTC "
        "score, RT dose, chemotherapy doses, surgery date, MWC, SAEs, deaths) is "
        "study.sdv_plan; progress per subject and for the study in the casebook, the "
        "dashboard and the PDF casebook.",
    ),
    Requirement(
        "REQ-DQ-04",
        "Form states Not started → In progress → Complete → SDV'd → Frozen → Locked; database "
        "lock before final analysis",
        _I,
        "Not started, In progress, Complete, Verified (SDV), Signed and Locked per form; "
        "subject freeze (no data entry, queries still possible) and lock; the database lock; "
        "unlocks need a reason; an edit of a verified or signed form returns it to Complete "
        "with a reason for change. Locks refuse the GUI, save_form, enrolment, screen failure, "
        "withdrawal, the ODM import and the CLI; the GUI opens locked data read-only with the "
        "reason. The documented approval of an unlock by the PI and the data manager is a site "
        "procedure: the application records the data manager's reason.",
    ),
    # ---- validation ------------------------------------------------------------------------
    Requirement(
        "REQ-VAL-01",
        "Risk-based computerised system validation: requirements → specification → test "
        "scripts → traceability matrix → report",
        _P,
        "The critical functions named by the spec (eligibility derivation, BSA and dose "
        "calculations, EORTC score and primary endpoint, audit trail) have automated tests, and "
        "this matrix traces requirements to tests and is kept current by a test. Missing: "
        "functional specification, IQ/OQ/PQ scripts and the validation report.",
        f"installation checks with {ISSUE_7}; documents {ORGANISATIONAL}",
    ),
    Requirement(
        "REQ-VAL-02",
        "Change control: versioned releases; CRF changes create a new ODM MetaDataVersion, data "
        "migrated with reconciliation",
        _P,
        "Every audit entry records the application and metadata versions, every form instance "
        "its metadata version; "
        "schema changes are Alembic migrations run after an automatic encrypted backup, and a "
        "database from a newer release is refused. There is one metadata version so far: "
        "activating an amended CRF version with data migration and reconciliation is not "
        "built; impact assessment is a procedure.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-VAL-03",
        "Release gate: a configuration or amendment is activated only after its ethics approval "
        "is recorded",
        _N,
        "No ethics-approval record or activation step.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-VAL-04",
        "Version-controlled documentation; training records per user, access only after "
        "training",
        _N,
        "User manual, SOPs and training records are site documents; the software does not "
        "record training.",
        ORGANISATIONAL,
    ),
    # ---- security ---------------------------------------------------------------------------
    Requirement(
        "REQ-SEC-01",
        "Encryption at rest (AES-256 or SM4), TLS 1.2+ for client–server traffic, no clear text "
        "in temporary files",
        _I,
        "SQLCipher 4 (AES-256) under a random key wrapped per user (scrypt + AES-GCM); the "
        "database, its WAL, the key file and backups hold no readable value; files are "
        "owner-only. The desktop application has no client–server traffic, so TLS does not "
        "apply yet; SM4 is not offered. Encrypted packages never write clear text to disk "
        "(test_package.py, not yet marked); a plain export is clear text by the user's choice.",
    ),
    Requirement(
        "REQ-SEC-02",
        "Automated encrypted backups, at least daily, to hospital-controlled storage; a "
        "documented, periodically tested restore",
        _I,
        "An encrypted, checked backup is written once per local day while the application is "
        "in use and at every logout, rotated (newest 14 kept) into a folder the administrator "
        "chooses; restore is documented (docs/storage.md), refuses damaged or foreign backups "
        "and keeps the replaced file. Choosing storage inside the hospital and running the "
        "restore drill periodically are site procedures.",
    ),
    Requirement(
        "REQ-SEC-03",
        "Contingency: paper back-up CRFs with the same fields, controlled back-entry, reconciled "
        "data with the origin flagged",
        _P,
        "The blank annotated CRF (PDF, every form, item and OID, both languages) serves as the "
        "paper back-up. Back-entered data are not flagged with their origin and there is no "
        "reconciliation step.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-SEC-04",
        "Issue/helpdesk log with criticality; periodic review of recurring issues",
        _N,
        "A site procedure.",
        ORGANISATIONAL,
    ),
    Requirement(
        "REQ-SEC-05",
        "Security incident and personal-data breach procedure with notification",
        _N,
        "A site procedure (the application log keeps no patient data or secrets).",
        ORGANISATIONAL,
    ),
    Requirement(
        "REQ-SEC-06",
        "Compliance with the hospital's Multi-Level Protection Scheme when on the hospital "
        "network",
        _N,
        "To be confirmed with the hospital IT department.",
        ORGANISATIONAL,
    ),
    # ---- archiving --------------------------------------------------------------------------
    Requirement(
        "REQ-ARC-01",
        "Retention for 5+ years; archive as ODM 1.3.2 Transactional Archival=\"Yes\", PDF "
        "casebooks and define-style metadata",
        _P,
        "PDF casebooks of every subject (with signatures, queries and the audit summary), the "
        "transactional ODM (Archival=\"Yes\", with its metadata, AuditRecords and Signature "
        "elements) and the data dictionary are produced. Retention is the site's duty.",
        ORGANISATIONAL,
    ),
    Requirement(
        "REQ-ARC-02",
        "Archived records stay readable without the application (open formats, documented)",
        _I,
        "CSV (UTF-8, ISO dates) with a data dictionary and R/SAS readers that type every "
        "column, CDISC ODM 1.3.2 XML and PDF.",
    ),
    # ---- personal information (§10) ----------------------------------------------------------
    Requirement(
        "REQ-PI-01",
        "Direct identifiers stay at the site: the SPONSOR_CODED export drops them "
        "unconditionally",
        _I,
        "Identifier items are removed before anything is serialised, and an identifier that "
        "still reaches a writer stops the export. They are stored in the encrypted database "
        "with the other values (flagged per item, hidden from roles without "
        "VIEW_IDENTIFIERS), not in a separate identity-vault table.",
    ),
    Requirement(
        "REQ-PI-02",
        "The date of birth is never exported; AGE (and BRTHYR if needed) is",
        _I,
        "BRTHDAT is an identifier item; AGE is derived and exported. No BRTHYR item exists.",
    ),
    Requirement(
        "REQ-PI-03",
        "A PUBLIC_SHARE profile (study days instead of dates) for sharing outside the "
        "institution",
        _N,
        "Only the SPONSOR_CODED and SITE_ARCHIVE profiles exist.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-PI-04",
        "Free text is exported only after a pattern scan (ID numbers, mobile numbers, the "
        "subject's name) and manual review",
        _I,
        "services/free_text_scan.py, in the one export read path: every free-text value, the "
        "audit trail's free texts and reasons, query messages and the sponsor payload are "
        "scanned for the subject's own name, phone, national ID and record number (exact and "
        "normalised) and for patterns (18-digit ID with its check digit, mobile numbers, "
        "e-mail, the site's record-number pattern). A hit is withheld (a marker), listed in the "
        "export log and raised to the site as a query: the manual review is the site's, which "
        "corrects the record with a reason or answers that it is no identifier. A query's own "
        "message is withheld and logged, never queried back.",
    ),
    Requirement(
        "REQ-PI-05",
        "Staff names stay at the site: sponsor exports name user OIDs and roles",
        _I,
        "The ODM, PDF, QUERIES.csv and package exports name people by role and user OID; "
        "login names and printed names only in the site archive.",
    ),
    Requirement(
        "REQ-PI-06",
        "Export blocked for subjects with ICXFER = N or withdrawn consent, according to the "
        "withdrawal scope",
        _I,
        "Subjects with ICXFER = N are left out of every sponsor export. Every withdrawal scope "
        "of CL:WDSCOPE keeps the data collected before the withdrawal, so no scope blocks the "
        "export by itself.",
    ),
    Requirement(
        "REQ-PI-07",
        "Every export is logged: who, purpose, profile, recipient, subject count",
        _I,
        "An export log row and an EXPORT audit entry per export, with the file hashes.",
    ),
    Requirement(
        "REQ-PI-08",
        "Genetic data (HGR) leave the institution only after HGR review",
        _I,
        "Molecular test items are flagged HGR and dropped from every sponsor export; there is "
        "no cross-border export.",
    ),
    Requirement(
        "REQ-PI-09",
        "A cross-border transfer switch, off by default, enabled only with an uploaded legal "
        "basis",
        _N,
        "No cross-border transfer exists, hence no switch.",
        UNSCHEDULED,
    ),
    Requirement(
        "REQ-PI-10",
        "Data-subject requests handled through the site; deletion requests balanced against "
        "retention, decision recorded",
        _N,
        "Handled by the site; corrections go through the audited write path and the software "
        "has no deletion function.",
        ORGANISATIONAL,
    ),
)

BY_ID: dict[str, Requirement] = {r.id: r for r in REQUIREMENTS}


def normalise_id(text: str) -> str:
    """`REQ‑AT‑01` (the spec's non-breaking hyphens) → `REQ-AT-01`."""
    return _SPEC_ID.sub(lambda m: f"REQ-{m.group(1)}-{m.group(2)}", text)


def spec_ids(text: str) -> list[str]:
    """Every requirement id named in the text of CRF_SPEC.md, ASCII, sorted, once each."""
    return sorted({f"REQ-{m.group(1)}-{m.group(2)}" for m in _SPEC_ID.finditer(text)})


def spec_differences(text: str) -> tuple[list[str], list[str]]:
    """(ids the spec names that the table lacks, ids of the table the spec does not name): the
    spec is the developers' document, not part of the repository; `--spec FILE` compares."""
    named = set(spec_ids(text))
    return sorted(named - set(BY_ID)), sorted(set(BY_ID) - named)


# ---- reading the marks --------------------------------------------------------------------------
@dataclass(frozen=True)
class TestRef:
    """One test function (or method) and the requirement ids its marks name."""

    __test__ = False  # not a pytest test class, whatever imports it

    path: str  # relative to the repository root, with forward slashes
    name: str  # "test_x", or "TestClass::test_x"
    line: int
    ids: tuple[str, ...]  # as written in the marks (module, class, function), once each
    module_ids: tuple[str, ...] = ()  # those of the module's `pytestmark`

    @property
    def nodeid(self) -> str:
        return f"{self.path}::{self.name}"


def _is_req_mark(node: ast.AST) -> bool:
    """`pytest.mark.req(…)` or `mark.req(…)`."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr != "req":
        return False
    owner = node.func.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
        isinstance(owner, ast.Name) and owner.id == "mark"
    )


def _mark_ids(node: ast.AST) -> list[str]:
    """The ids of one `req` mark; an argument that is not a string literal is returned as
    `<not a literal: …>` so that the id check reports it."""
    assert isinstance(node, ast.Call)
    ids = []
    for arg in node.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            ids.append(arg.value)
        else:
            ids.append(f"<not a literal: {ast.unparse(arg)}>")
    return ids


def _marks_in(expression: ast.AST | None) -> list[str]:
    """Ids of the `req` marks in a decorator or a `pytestmark` value (a mark or a list)."""
    if expression is None:
        return []
    if isinstance(expression, ast.List | ast.Tuple):
        return [i for element in expression.elts for i in _marks_in(element)]
    return _mark_ids(expression) if _is_req_mark(expression) else []


def _pytestmark(body: Sequence[ast.stmt]) -> list[str]:
    ids: list[str] = []
    for statement in body:
        if isinstance(statement, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets):
                ids.extend(_marks_in(statement.value))
        elif isinstance(statement, ast.AnnAssign):
            target = statement.target
            if isinstance(target, ast.Name) and target.id == "pytestmark":
                ids.extend(_marks_in(statement.value))
    return ids


def _decorated(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list[str]:
    return [i for decorator in node.decorator_list for i in _marks_in(decorator)]


def _unique(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


def source_tests(source: str, path: str) -> list[TestRef]:
    """Every test function of one test module (as pytest collects them by default: functions
    `test*`, methods `test*` of classes `Test*`), with the ids of their `req` marks."""
    tree = ast.parse(source, filename=path)
    module = _pytestmark(tree.body)
    found: list[TestRef] = []
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions) and node.name.startswith("test"):
            ids = _unique([*module, *_decorated(node)])
            found.append(TestRef(path, node.name, node.lineno, ids, _unique(module)))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            owner = [*module, *_decorated(node), *_pytestmark(node.body)]
            for method in node.body:
                if isinstance(method, functions) and method.name.startswith("test"):
                    ids = _unique([*owner, *_decorated(method)])
                    found.append(TestRef(path, f"{node.name}::{method.name}", method.lineno,
                                         ids, _unique(module)))  # fmt: skip
    return found


def _is_test_file(path: Path) -> bool:
    return path.suffix == ".py" and (path.name.startswith("test_") or path.stem.endswith("_test"))


def collect_tests(tests_root: Path, root: Path | None = None) -> list[TestRef]:
    """Every test under `tests_root` (marked or not), in file and line order. Paths are given
    relative to `root` (default: the parent of `tests_root`)."""
    tests_root = Path(tests_root)
    root = Path(root) if root is not None else tests_root.parent
    found: list[TestRef] = []
    for path in sorted(tests_root.rglob("*.py")):
        parts = path.relative_to(tests_root).parts
        if not _is_test_file(path) or any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue
        relative = path.relative_to(root).as_posix()
        found.extend(source_tests(path.read_text(encoding="utf-8"), relative))
    return found


def requirement_tests(tests: Iterable[TestRef]) -> dict[str, list[TestRef]]:
    """Requirement id → the tests that name it (ids as written, unknown ones included)."""
    table: dict[str, list[TestRef]] = {}
    for test in tests:
        for requirement_id in test.ids:
            table.setdefault(requirement_id, []).append(test)
    return table


def unknown_ids(tests: Iterable[TestRef]) -> dict[str, list[str]]:
    """Ids used in marks that are not in REQUIREMENTS → the tests that use them."""
    unknown: dict[str, list[str]] = {}
    for test in tests:
        for requirement_id in test.ids:
            if requirement_id not in BY_ID:
                unknown.setdefault(requirement_id, []).append(test.nodeid)
    return unknown


def table_problems(requirements: Sequence[Requirement] = REQUIREMENTS) -> list[str]:
    """Inconsistencies of the requirement table itself (ids, groups, notes, plans)."""
    problems = []
    seen: set[str] = set()
    for requirement in requirements:
        if requirement.id in seen:
            problems.append(f"{requirement.id} is listed twice")
        seen.add(requirement.id)
        if not ID_PATTERN.fullmatch(requirement.id):
            problems.append(f"{requirement.id!r} is not an ASCII id like REQ-AT-01")
        elif requirement.group not in GROUPS:
            problems.append(f"{requirement.id}: unknown group {requirement.group}")
        if not requirement.title.strip():
            problems.append(f"{requirement.id} has no title")
        if requirement.status is not Status.IMPLEMENTED and not requirement.note.strip():
            problems.append(f"{requirement.id} is {requirement.status} but says nothing about "
                            "what is missing")  # fmt: skip
        if requirement.status is Status.NOT_YET and not requirement.planned.strip():
            problems.append(f"{requirement.id} is not yet built but names no issue or owner")
        if any("|" in text for text in (requirement.title, requirement.note, requirement.planned)):
            problems.append(f"{requirement.id}: '|' would break the Markdown table")
    return problems


def untested_claims(tests: Iterable[TestRef],
                    requirements: Sequence[Requirement] = REQUIREMENTS) -> list[str]:  # fmt: skip
    """Requirements claimed "implemented" that no test names."""
    covered = requirement_tests(tests)
    return [r.id for r in requirements if r.status is Status.IMPLEMENTED and not covered.get(r.id)]


# ---- the Markdown document ----------------------------------------------------------------------
def _test_cell(requirement_id: str, tests: list[TestRef]) -> str:
    """The tests of one requirement, file::function, one per line; a file whose module-level
    `pytestmark` names the requirement is listed once, as the whole file."""
    if not tests:
        return "—"
    lines: list[str] = []
    for test in tests:
        if requirement_id in test.module_ids:
            whole = f"`{test.path}` (every test)"
            if whole not in lines:
                lines.append(whole)
        else:
            lines.append(f"`{test.nodeid}`")
    return "<br>".join(lines)


def _status_cell(requirement: Requirement) -> str:
    return f"**{requirement.status}**" if requirement.status is Status.IMPLEMENTED else str(
        requirement.status)  # fmt: skip


def _note_cell(requirement: Requirement) -> str:
    parts = [requirement.note.strip()]
    if requirement.planned:
        parts.append(f"*Next:* {requirement.planned}.")
    return " ".join(p for p in parts if p) or "—"


def render(tests: Sequence[TestRef], requirements: Sequence[Requirement] = REQUIREMENTS) -> str:
    """docs/traceability.md: a summary, then one table per requirement group."""
    covered = requirement_tests(tests)
    # counted so that a test added to a file marked as a whole leaves the document unchanged
    functions = [t for t in tests if any(i in BY_ID and i not in t.module_ids for i in t.ids)]
    whole_files = {t.path for t in tests if any(i in BY_ID for i in t.module_ids)}
    statuses = list(Status)
    out: list[str] = [
        "# Requirement traceability matrix",
        "",
        "<!-- Generated; do not edit. Change the table in tools/traceability.py or the",
        f"     @pytest.mark.req marks in tests/, then run: {COMMAND} -->",
        "",
        "Each software requirement of CRF_SPEC.md §9.2 (REQ-AT … REQ-ARC) and §10 (REQ-PI), the "
        "status the product claims, and the tests that prove it. A test names the requirements "
        'it proves with `@pytest.mark.req("REQ-AT-01", …)` (or a module-level `pytestmark`); '
        f"this file is generated from those marks by `{COMMAND}` and "
        "`tests/core/test_traceability.py` fails when it is stale, when a requirement claimed "
        "implemented has no test, or when a mark names an unknown id.",
        "",
        "- **implemented**: the software meets the requirement; the tests listed prove it.",
        "- partial: part of it is built and tested; the note says what is missing.",
        "- not yet: nothing to test yet; the note says where it will come from.",
        "",
        "`pytest -m req` runs every marked test; the node ids below can be given to pytest as "
        "they are.",
        "",
        "## Summary",
        "",
        "| group | " + " | ".join(str(s) for s in statuses) + " | total |",
        "|---|" + "---:|" * (len(statuses) + 1),
    ]
    totals = dict.fromkeys(statuses, 0)
    for code, title in GROUPS.items():
        members = [r for r in requirements if r.group == code]
        if not members:
            continue
        counts = [sum(1 for r in members if r.status is s) for s in statuses]
        for status, count in zip(statuses, counts, strict=True):
            totals[status] += count
        out.append(f"| {title} (REQ-{code}) | " + " | ".join(map(str, counts))
                   + f" | {len(members)} |")  # fmt: skip
    out.append("| **all** | " + " | ".join(f"**{totals[s]}**" for s in statuses)
               + f" | **{len(requirements)}** |")  # fmt: skip
    out += [
        "",
        f"Marked: {len(functions)} test functions, and {len(whole_files)} test files as a "
        "whole (module-level `pytestmark`).",
        "",
    ]
    later: dict[str, list[str]] = {where: [] for where in _PLAN_ORDER}
    for requirement in requirements:
        if requirement.status is Status.NOT_YET:
            later.setdefault(requirement.planned, []).append(requirement.id)
    later = {where: ids for where, ids in later.items() if ids}
    if later:
        out.append("Not yet built, by where it will come from:")
        out.append("")
        for where, ids in later.items():
            out.append(f"- {where}: {', '.join(ids)}")
        out.append("")
    for code, title in GROUPS.items():
        members = [r for r in requirements if r.group == code]
        if not members:
            continue
        out += [
            f"## {title} (REQ-{code})",
            "",
            "| ID | Requirement | Status | Tests | Note |",
            "|---|---|---|---|---|",
        ]
        for r in members:
            tests_cell = _test_cell(r.id, covered.get(r.id, []))
            out.append(f"| {r.id} | {r.title} | {_status_cell(r)} | {tests_cell} | "
                       f"{_note_cell(r)} |")  # fmt: skip
        out.append("")
    return "\n".join(out)


def generate(root: Path = ROOT) -> str:
    """The matrix for the repository at `root`, from its tests/ folder."""
    return render(collect_tests(Path(root) / TESTS_DIR, Path(root)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.traceability",
        description="Write the requirement traceability matrix (CRF_SPEC.md §9.2, §10 → tests).",
    )
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the repository (default: the checkout this module lives in)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"the Markdown file (default: ROOT/{DEFAULT_OUT.as_posix()})")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the file differs from what would be "
                             "written")  # fmt: skip
    parser.add_argument("--spec", type=Path, default=None,
                        help=f"a copy of {SPEC_NAME}: warn about requirements it names that the "
                             "table lacks, or the other way round")  # fmt: skip
    args = parser.parse_args(argv)
    root = args.root.resolve()
    out = args.out if args.out is not None else root / DEFAULT_OUT
    if not (root / TESTS_DIR).is_dir():
        print(f"no {TESTS_DIR}/ folder in {root}: run this from a checkout", file=sys.stderr)
        return 2
    tests = collect_tests(root / TESTS_DIR, root)
    problems = [*table_problems(), *(f"unknown id {i!r} in {', '.join(where)}"
                                     for i, where in unknown_ids(tests).items())]  # fmt: skip
    if args.spec is not None:
        lacking, extra = spec_differences(args.spec.read_text(encoding="utf-8"))
        problems += [f"{i} is in {args.spec.name} but not in the table" for i in lacking]
        problems += [f"{i} is in the table but not in {args.spec.name}" for i in extra]
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    text = render(tests)
    if args.check:
        current = out.read_text(encoding="utf-8") if out.exists() else None
        if current != text:
            print(f"{out} is stale: run `{COMMAND}` and commit the result", file=sys.stderr)
            return 1
        print(f"{out} is current")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
