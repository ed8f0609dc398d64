"""Partial index for the subject list and dashboard: the main-group dates and statuses the visit
schedule reads (study.schedule.SCHEDULE_ITEM_NAMES as of this revision), so that listing 5,000
subjects does not scan every stored value. A later change of that list is a new revision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NAMES = (
    "SCRDAT", "SFREAS", "ENRDAT", "RTSTDAT", "RTENDAT", "CYGIVEN", "CYD1DAT", "IMGDAT",
    "SURGYN", "SURGDAT", "PATHDAT", "WNDDAT", "FUDAT", "SSSTAT", "DTHDAT", "EOTSTAT", "EOTDAT",
    "EOSDAT", "EOSSTAT", "WDSCOPE",
)  # fmt: skip
WHERE = "group_name = '' AND item_name IN ({})".format(", ".join(f"'{n}'" for n in NAMES))


def upgrade() -> None:
    op.create_index(
        "ix_item_value_schedule", "item_value", ["item_name", "form_pk", "value"],
        sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE),
    )  # fmt: skip


def downgrade() -> None:
    raise NotImplementedError("TNT Desktop migrations only go forward; restore a backup instead")
