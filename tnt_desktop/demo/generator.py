"""`generate_demo` — a new database filled with realistic synthetic subjects (issue 3, item 9).

    report = generate_demo(Path("demo.db"), subjects=60, seed=1)
    print(report.summary())

What it does, in order:

1. Creates the database with `services.auth.initialise` and one account per role, named after
   the role: admin, coordinator, investigator, monitor, datamanager. All share one password
   (the one given, else one generated with `secrets`). The accounts are made with `add_user`
   (a temporary password), then each user logs in once and `change_password`s to the shared
   password — the ordinary first-login path — so none of them is asked to change it again.
2. Plans N subjects (demo.data) with `random.Random(seed)`: every stage at least once
   when N ≥ 9 (screening, screen failed, on RT, on chemotherapy cycle 1–3, awaiting surgery,
   follow-up, completed, withdrawn, died), the rest by weight. Each subject's dates are placed so
   that *today* falls in its stage: enrolments spread over the ~29 months before today (a
   subject who completed the 24-month follow-up after surgery was enrolled 27+ months ago).
3. Enters every subject in screening-date order through the services only, logged in as the
   coordinator (most forms) and the investigator (AE, pathology, death, end of study, screen
   failure, withdrawal): `screen_subject`, `save_form`, `enrol`, `screen_fail`, `withdraw`.
   Nothing writes a table directly; every value is validated, derived and audited.
4. Reviews them as monitors, the data manager and the investigator would have by *today*
   (demo.review): SDV of screening forms, queries in every state, signed eligibility
   and casebooks, one casebook signature broken by a later correction.

Data quality on purpose: dates follow the schedule with jitter; a few are deliberately out of
window (RT machine breakdown, a late cycle, surgery, a follow-up or wound visit) so soft checks
fire. **The demo answers every OverrideRequired with a reason** (demo_data.OVERRIDE_REASONS, or a
situation-specific one) and records the protocol deviation in the DV log where one applies.
Some values are entered wrongly and then corrected with a reason for change (weight,
tumour size, a lab value, an AE grade, blood loss), so the audit trail shows corrections.
Verbatim terms, MH terms, deviations and free text are in Chinese.

The same seed gives the same subjects, stages and values; only the audit timestamps differ.
If the services do not assign AE numbers (AESPID), wound-complication rows and the death
cause that must link to an AE are left out (the report's `notes` say so).
"""

from __future__ import annotations

import random
import secrets
import string
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tnt_desktop.demo.context import DemoContext
from tnt_desktop.demo.data import Stage, choose_stages, make_plan
from tnt_desktop.demo.review import ReviewCounts, review_demo
from tnt_desktop.demo.subject import SubjectWriter
from tnt_desktop.errors import PasswordRejected
from tnt_desktop.services import auth, sequences
from tnt_desktop.services.passwords import check_password
from tnt_desktop.services.permissions import Role
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS

USERNAMES: tuple[str, ...] = tuple(role.value for role in Role)  # admin, coordinator, …

NOTES = {
    "AESPID_NOT_ASSIGNED": "the services assigned no AE number (AESPID) to new AE rows",
    "WOUND_COMPLICATIONS_LEFT_OUT": "planned wound complications were left out: a "
    "wound-complication row must link its AE by AESPID "
    "(X-33, WND-STAT are hard) and no AESPID was assigned",
    "TUBL_NOT_SAVED": "the first save of the baseline tumour form (TUBL) failed in the "
    "services (IntegrityError: UNIQUE constraint failed on item_value — the "
    "editable derived AJCC_T is written twice), so TUBL was left out",
    "DEATH_CAUSE_UNLINKED": "a treatment-related death could not be linked to its grade 5 AE "
    "(no AESPID); its cause of death was left blank",
}


@dataclass
class DemoReport:
    db_path: Path
    password: str = field(repr=False)
    subjects: int
    seed: int
    stages: dict[str, int]  # Stage value → number of subjects
    subject_stages: list[tuple[str, str]]  # (screening number or subject ID, stage), in order
    saves: int = 0
    overrides: int = 0
    corrections: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    review: ReviewCounts | None = None  # what monitors and the investigator did (demo_review)

    def summary(self) -> str:
        lines = [f"Demo database {self.db_path}: {self.subjects} subjects (seed {self.seed})"]
        lines += [f"  {stage:<17} {count}" for stage, count in self.stages.items()]
        lines.append(
            f"  {self.saves} form saves, {self.overrides} soft findings overridden "
            f"with a reason, {self.corrections} corrections with a reason for change"
        )
        lines.append(f"  accounts: {', '.join(USERNAMES)}; password: {self.password}")
        if self.review is not None:
            lines.append(f"  {self.review.summary()}")
        lines += [f"  note: {NOTES.get(note, note)}" for note in self.notes]
        lines.append(f"  {self.seconds:.1f} s")
        return "\n".join(lines)


def new_password() -> str:
    """A random password accepted by check_password for every demo account."""
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(12))
        password = f"{core[:6]}-{core[6:]}"
        try:
            for username in USERNAMES:
                check_password(username, password)
        except PasswordRejected:
            continue
        return password


def _demo_blocks(subjects: int, workstation: int) -> dict[str, str | None]:
    """Number blocks for a demo larger than its workstation's default blocks (a 300-subject
    test database): it numbers on up to the format's capacity. A demo stands alone, so the
    wider block cannot clash with another workstation's data."""
    blocks: dict[str, str | None] = {"screening_block": None, "id_block": None}
    for name, argument in ((sequences.SCREENING, "screening_block"),
                           (sequences.STUDY_ID, "id_block")):  # fmt: skip
        first, last = sequences.default_block(name, workstation)
        if subjects > last - first + 1:
            blocks[argument] = f"{first}-{sequences.CAPACITY[name]}"
    return blocks


def _accounts(db_path: Path, password: str, site_id: str, workstation: int = 1,
              subjects: int = 0) -> dict[str, AppSession]:  # fmt: skip
    """The five accounts; returns the sessions of all but the admin, still logged in."""
    auth.initialise(db_path, site_id=site_id, admin_username="admin", admin_password=password,
                    admin_display_name="Demo administrator", workstation=workstation,
                    **_demo_blocks(subjects, workstation))  # fmt: skip
    admin = auth.login(db_path, "admin", password)
    sessions = {}
    try:
        for role in USERNAMES[1:]:
            temporary = new_password()
            auth.add_user(admin, role, role, temporary, display_name=f"Demo {role}")
            app = auth.login(db_path, role, temporary)
            auth.change_password(app, temporary, password)  # first login: own password
            sessions[role] = app
    finally:
        auth.logout(admin)
    return sessions


def generate_demo(
    db_path, subjects: int, seed: int = 1, password: str | None = None,
    today: date | None = None, progress: Callable[[int, int], None] | None = None,
    site_id: str | None = None, workstation: int = 1,
) -> DemoReport:  # fmt: skip
    """Create a new demo database at `db_path` with `subjects` synthetic subjects.

    The password is checked for every account (PasswordRejected if unacceptable); an existing
    database at `db_path` raises DatabaseExists. `progress(done, total)` is called after each
    subject. `site_id` and `workstation` name the database's site and workstation (its number
    blocks, services.sequences). See the module docstring for what is generated and how."""
    started = time.monotonic()
    db_path = Path(db_path)
    if subjects < 0:
        raise ValueError("subjects must be ≥ 0")
    today = today or date.today()
    if password is None:
        password = new_password()
    else:
        for username in USERNAMES:
            check_password(username, password)
    rng = random.Random(seed)
    stages = choose_stages(rng, subjects)
    plans = [make_plan(rng, index, stage, today) for index, stage in enumerate(stages)]
    plans.sort(key=lambda plan: (plan.screening, plan.index))
    sessions = _accounts(db_path, password, site_id or DEFAULT_PARAMETERS.site_id, workstation,
                         subjects)  # fmt: skip
    coordinator, investigator = sessions["coordinator"], sessions["investigator"]
    ctx = DemoContext(coordinator, investigator, today)
    done: list[tuple[str, str]] = []
    review = None
    try:
        for number, plan in enumerate(plans, 1):
            key = SubjectWriter(ctx, plan).run()
            done.append((key, plan.stage.value))
            if progress is not None:
                progress(number, len(plans))
        review = review_demo(sessions["monitor"], sessions["datamanager"], coordinator,
                             investigator, password, done, today)  # fmt: skip
    finally:
        for app in sessions.values():
            auth.logout(app)
    counts = Counter(plan.stage for plan in plans)
    return DemoReport(
        db_path=db_path, password=password, subjects=subjects, seed=seed,
        stages={stage.value: counts.get(stage, 0) for stage in Stage}, subject_stages=done,
        saves=ctx.saves, overrides=ctx.overrides, corrections=ctx.corrections,
        seconds=time.monotonic() - started, notes=sorted(ctx.notes), review=review,
    )  # fmt: skip
