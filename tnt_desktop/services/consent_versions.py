"""Informed consent form versions as configuration (CRF_SPEC.md clarification 24).

ICVER's codelist (ICFVER) holds the consent versions the ethics committee approved. The study
definition ships the first (V1.0); when an amendment is approved, an administrator records the
new version here — label, version date, approval date — in the database, audited
(CONSENT_VERSION_ADDED). Versions are only ever added: data entered on an earlier version keep it.
The dates of a version the definition ships (V1.0) may be recorded once the same way.

Every place that offers or checks ICVER — the form's choices, validation, the CSV decodes, the
data dictionary and the ODM metadata — reads `AppSession.study`, whose ICFVER codelist is the
configured list (`study_with_versions`, applied at login by `services.auth` and after each
`add_version`):

    list_versions(app) -> list[ConsentVersion]          # any signed-in user
    add_version(app, "V1.1", version_date, approval_date) -> ConsentVersion   # admin only
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tnt_desktop.errors import ConflictError, TntError
from tnt_desktop.services.permissions import Permission, allowed
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.audit import utc_now_text
from tnt_desktop.storage.models import ConsentVersion as ConsentVersionRow
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import CodeItem, Codelist, Text

CODELIST = "ICFVER"
LABEL_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,15}")


class ConsentVersionRejected(TntError):
    """A consent version that cannot be recorded (bad label or dates)."""


@dataclass(frozen=True)
class ConsentVersion:
    """One approved consent form version: its ICVER code and dates (None: not recorded yet,
    for a version the study definition ships)."""

    label: str
    version_date: date | None = None
    approval_date: date | None = None
    added_by: str | None = None  # None: from the study definition, dates not recorded
    added_utc: str | None = None
    builtin: bool = False  # shipped in the study definition
    defined: Text | None = None  # the study definition's own decode of a shipped version

    @property
    def decode(self) -> Text:
        """What a form shows for this code: the label and its real dates (never a placeholder)."""
        if self.version_date is None or self.approval_date is None:
            return self.defined or Text(self.label, self.label)
        return Text(f"{self.label}, dated {self.version_date.isoformat()} (ethics approval "
                    f"{self.approval_date.isoformat()})",
                    f"{self.label}，版本日期 {self.version_date.isoformat()}（伦理批准 "
                    f"{self.approval_date.isoformat()}）")  # fmt: skip


# ---- reading ----------------------------------------------------------------------------------
def _rows(session: Session) -> list[ConsentVersionRow]:
    return list(session.scalars(
        select(ConsentVersionRow).order_by(ConsentVersionRow.approval_date,
                                           ConsentVersionRow.label)))  # fmt: skip


def _builtin_codes() -> list[CodeItem]:
    """The versions the study definition itself ships (the configured study replaces them)."""
    from tnt_desktop.study.definition import get_study

    return list(get_study().codelist(CODELIST).items)


def versions_in(session: Session, study: Study | None = None) -> list[ConsentVersion]:
    """The configured list inside the caller's transaction: the definition's versions (with the
    dates recorded for them, if any) first, then the added ones by approval date."""
    rows = {row.label: row for row in _rows(session)}
    result = []
    for code in _builtin_codes():
        row = rows.pop(code.code, None)
        result.append(_version(code.code, row, builtin=True, defined=code.label))
    result += [_version(label, row, builtin=False) for label, row in rows.items()]
    return result


def _version(label: str, row: ConsentVersionRow | None, *, builtin: bool,
             defined: Text | None = None) -> ConsentVersion:  # fmt: skip
    if row is None:
        return ConsentVersion(label, builtin=builtin, defined=defined)
    return ConsentVersion(label, date.fromisoformat(row.version_date),
                          date.fromisoformat(row.approval_date), row.added_by, row.added_utc,
                          builtin, defined)  # fmt: skip


def study_with_versions(study: Study, versions: list[ConsentVersion]) -> Study:
    """`study` with its ICFVER codelist replaced by the configured versions (decodes with the
    real dates). Every other part of the study is shared, unchanged."""
    old = study.codelist(CODELIST)
    codelist = Codelist(old.name, old.label,
                        tuple(CodeItem(v.label, v.decode) for v in versions),
                        old.data_type, old.extensible)  # fmt: skip
    return dataclasses.replace(
        study, codelists=tuple(codelist if c.name == CODELIST else c for c in study.codelists))


def apply_configured(app: AppSession, session: Session) -> None:
    """Give `app` the study whose ICFVER codelist is this database's configured list (called at
    login, inside its transaction, and after a version is added)."""
    app.study = study_with_versions(app.study, versions_in(session, app.study))


def list_versions(app: AppSession) -> list[ConsentVersion]:
    """The approved consent versions (any signed-in user: the administrator's screen and the
    site's forms both show them)."""
    for permission in (Permission.VIEW_DATA, Permission.CHANGE_SETTINGS):
        if allowed(app.role, permission):
            app.require(permission)
            break
    else:
        app.require(Permission.VIEW_DATA)  # refuses, with the usual message
    with app.transaction(write=False) as session:
        return versions_in(session, app.study)


# ---- adding ------------------------------------------------------------------------------------
def _as_date(value: date | str, what: Text) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConsentVersionRejected(Text(f"{what.en} {value!r} is not a date (YYYY-MM-DD)",
                                          f"{what.zh} {value!r} 不是日期（YYYY-MM-DD）")) from None


def add_version(app: AppSession, label: str, version_date: date | str,
                approval_date: date | str, *, today: date | None = None) -> ConsentVersion:
    """Record a consent version the ethics committee approved (administrator only; audited as
    CONSENT_VERSION_ADDED). The version date may not be after the approval date, nor the
    approval after today. A label already configured is refused; a label the study definition
    ships gets its dates recorded, once."""
    app.require(Permission.CHANGE_SETTINGS)
    clean = (label or "").strip()
    if not LABEL_PATTERN.fullmatch(clean):
        raise ConsentVersionRejected(Text(
            f"consent version label {label!r}: use 1–16 letters, digits, '.', '_' or '-' "
            "starting with a letter or digit, e.g. V1.1",
            f"知情同意书版本号 {label!r}：请使用 1–16 个字母、数字、“.”、“_”或“-”，"
            "以字母或数字开头，例如 V1.1"))  # fmt: skip
    version = _as_date(version_date, Text("version date", "版本日期"))
    approval = _as_date(approval_date, Text("approval date", "批准日期"))
    today = today or date.today()
    if version > approval:
        raise ConsentVersionRejected(Text(
            f"the version date {version} is after the ethics approval date {approval}",
            f"版本日期 {version} 晚于伦理批准日期 {approval}"))  # fmt: skip
    if approval > today:
        raise ConsentVersionRejected(Text(
            f"the ethics approval date {approval} is in the future",
            f"伦理批准日期 {approval} 晚于今天"))  # fmt: skip
    with app.transaction() as session:
        known = {v.label.upper(): v for v in versions_in(session, app.study)}
        existing = known.get(clean.upper())
        if existing is not None and (existing.added_by is not None or existing.label != clean):
            raise ConflictError(Text(
                f"consent version {existing.label} is already recorded; versions are never "
                "changed (entered data keep theirs)",
                f"知情同意书版本 {existing.label} 已记录；版本不可修改（已录入数据保留其版本）"))
        row = ConsentVersionRow(label=clean, version_date=version.isoformat(),
                                approval_date=approval.isoformat(), added_by=app.username,
                                added_utc=utc_now_text())  # fmt: skip
        session.add(row)
        app.audit(session, "CONSENT_VERSION_ADDED", form_code="IE", item_name="ICVER",
                  new_value=clean,
                  detail=f"ICFVER {clean}: version date {version.isoformat()}, ethics approval "
                         f"{approval.isoformat()}"
                         + (" (dates of a version the study definition ships)"
                            if existing is not None else ""))  # fmt: skip
        session.flush()
        apply_configured(app, session)
        return next(v for v in versions_in(session, app.study) if v.label == clean)


__all__ = [
    "ConsentVersion",
    "ConsentVersionRejected",
    "add_version",
    "apply_configured",
    "list_versions",
    "study_with_versions",
    "versions_in",
]
