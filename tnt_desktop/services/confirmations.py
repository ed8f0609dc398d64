"""The site's confirmations of soft edit-check findings (check_override), as exports show them.

A confirmation is a person's act: someone at the site judged a soft finding acceptable and gave a
reason (form_entry stores it with the save that needed it). The ODM export carries them in the
TNT extension (`tnt:Confirmation`, exports.odm_extension) so that an import into another
database applies exactly these and invents none.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tnt_desktop.services.clinical_data import find_subject
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.models import CheckOverride, EventInstance, FormInstance, User


@dataclass(frozen=True)
class ConfirmationView:
    event_oid: str
    repeat_key: int
    form_code: str
    finding_key: str  # form_entry.finding_key: CHECK|EVENT#REPEAT|ITEM|ROWKEY
    reason: str
    username: str
    role: str
    ts_utc: str

    @property
    def check_id(self) -> str:
        return self.finding_key.split("|", 1)[0]

    @property
    def item_ref(self) -> str:
        """FORM.ITEM or FORM.GROUP.ITEM, or "" for a finding about the whole form."""
        parts = self.finding_key.split("|")
        return parts[2] if len(parts) == 4 else ""

    @property
    def row_key(self) -> int | None:
        last = self.finding_key.rsplit("|", 1)[-1]
        return int(last) if last.isdigit() else None


def subject_confirmations(app: AppSession, subject_key: str) -> list[ConfirmationView]:
    """Every confirmed soft finding of one subject, in the order they were given."""
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        subject = find_subject(session, subject_key)
        rows = session.execute(
            select(EventInstance.event_oid, EventInstance.repeat_key, FormInstance.form_code,
                   CheckOverride.finding_key, CheckOverride.reason, CheckOverride.username,
                   User.role, CheckOverride.ts_utc)
            .join(FormInstance, FormInstance.id == CheckOverride.form_pk)
            .join(EventInstance, EventInstance.id == FormInstance.event_pk)
            .outerjoin(User, User.username == CheckOverride.username)
            .where(EventInstance.subject_pk == subject.id)
            .order_by(CheckOverride.id)
        ).all()  # fmt: skip
    return [ConfirmationView(event, repeat, form, key, reason, user, role or "unknown", ts)
            for event, repeat, form, key, reason, user, role, ts in rows]  # fmt: skip
