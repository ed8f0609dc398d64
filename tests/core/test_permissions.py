"""Roles × services (issue 3, item 4; CRF_SPEC.md build decision 8): every role is allowed or
refused exactly as the one table in services/permissions.py says, a refusal writes nothing, and
the administrator never writes clinical data."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from tests.core import conftest
from tests.core.conftest import DM_VALUES, ROLES, Trial, audit_count
from tnt_desktop.errors import PermissionDenied
from tnt_desktop.services import auth, subjects
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.permissions import (
    ACTION_TEXT,
    PERMISSIONS,
    Permission,
    Role,
    allowed,
)
from tnt_desktop.storage import keyslots

pytestmark = pytest.mark.req("REQ-AC-02")

_names = itertools.count(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One database with a logged-in user of every role and a coordinator to prepare data."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "DEFAULT_KDF", dict(conftest.FAST_KDF))
        trial = Trial(tmp_path_factory.mktemp("roles") / "roles.db")
        users = {role: trial.user(role) for role in ROLES}
        yield trial, users
        trial.close()


def _screened(world) -> str:
    _trial, users = world
    return conftest.screen_eligible(users["coordinator"])


def _ineligible(world) -> str:
    _trial, users = world
    return conftest.screen_eligible(users["coordinator"], INC02="N")


def _enrolled(world) -> str:
    _trial, users = world
    return subjects.enrol(users["coordinator"], _screened(world))


# service → (permission it needs, preparation by the coordinator, the call under test)
SERVICES = {
    "save_form": (
        Permission.ENTER_DATA, _screened,
        lambda app, number: save_form(app, FormEntry(
            number, "SE.SCR", "IE", values={"SCRDAT": "2025-02-04"},
            reason="TRANSCRIPTION_ERROR")),
    ),
    "add_user": (
        Permission.MANAGE_USERS, lambda world: f"user{next(_names)}",
        lambda app, name: auth.add_user(app, name, "monitor", conftest.TEMPORARY),
    ),
    "enrol": (Permission.ENTER_DATA, _screened, subjects.enrol),
    "screen_subject": (
        Permission.ENTER_DATA, lambda world: None, lambda app, _: subjects.screen_subject(app),
    ),
    "screen_fail": (
        Permission.ENTER_DATA, _ineligible,
        lambda app, number: subjects.screen_fail(app, number, "INCL_NOT_MET"),
    ),
    "withdraw": (
        Permission.ENTER_DATA, _enrolled,
        lambda app, subject_id: subjects.withdraw(app, subject_id, "TREATMENT_ONLY",
                                                  date(2025, 6, 1)),
    ),
    "list_subjects": (
        Permission.VIEW_DATA, lambda world: None, lambda app, _: subjects.list_subjects(app),
    ),
    "list_users": (
        Permission.MANAGE_USERS, lambda world: None, lambda app, _: auth.list_users(app),
    ),
}  # fmt: skip


@pytest.mark.req("REQ-AC-01")
def test_the_table_covers_every_role_and_every_permission_has_words():
    assert set(PERMISSIONS) == set(Role)
    assert set(ACTION_TEXT) == set(Permission)
    assert {r.value for r in Role} == set(ROLES)
    assert not allowed("superuser", Permission.VIEW_DATA)  # an unknown role may do nothing


@pytest.mark.parametrize("service", list(SERVICES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_or_refused_exactly_per_the_table(world, role, service):
    _trial, users = world
    app = users[role]
    permission, prepare, call = SERVICES[service]
    argument = prepare(world)
    before = audit_count(users["coordinator"])
    if permission in PERMISSIONS[Role(role)]:
        call(app, argument)  # neither PermissionDenied nor anything else
        if service not in {"list_subjects", "list_users"}:
            assert audit_count(users["coordinator"]) > before
        return
    with pytest.raises(PermissionDenied) as info:
        call(app, argument)
    message = info.value.message
    assert role in message.en and app.username in message.en
    assert ACTION_TEXT[permission].en in message.en and ACTION_TEXT[permission].zh in message.zh
    assert audit_count(users["coordinator"]) == before  # a refusal writes nothing


@pytest.mark.req("REQ-AC-04")
def test_the_admin_never_writes_or_reads_clinical_data(world):
    _trial, users = world
    admin = users["admin"]
    for permission in (Permission.ENTER_DATA, Permission.VIEW_DATA, Permission.VIEW_IDENTIFIERS,
                       Permission.SIGN, Permission.VERIFY, Permission.EXPORT):  # fmt: skip
        assert not allowed("admin", permission)
    number = _screened(world)
    subject_id = _enrolled(world)
    before = audit_count(admin)
    calls = [
        lambda: subjects.screen_subject(admin),
        lambda: subjects.enrol(admin, number),
        lambda: subjects.screen_fail(admin, number, "INCL_NOT_MET"),
        lambda: subjects.withdraw(admin, subject_id, "TREATMENT_ONLY", date(2025, 6, 1)),
        lambda: save_form(admin, FormEntry(subject_id, "SE.SCR", "DM",
                                           values=dict(DM_VALUES))),
        lambda: subjects.list_subjects(admin),
    ]  # fmt: skip
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert audit_count(admin) == before


def test_only_site_roles_enter_data():
    writers = {role for role in Role if allowed(role, Permission.ENTER_DATA)}
    assert writers == {Role.COORDINATOR, Role.INVESTIGATOR}
    assert {role for role in Role if allowed(role, Permission.MANAGE_USERS)} == {Role.ADMIN}
