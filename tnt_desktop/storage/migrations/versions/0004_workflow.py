"""Form and subject workflow (issue 6, CRF_SPEC.md REQ-DQ-04): the status a locked form returns
to when it is unlocked, and a subject's data state (OPEN, FROZEN, LOCKED). The database lock is
a setting row and needs no schema change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("form_instance", sa.Column("status_before_lock", sa.String(20), nullable=True))
    op.add_column("subject", sa.Column("data_state", sa.String(10), nullable=False,
                                       server_default="OPEN"))  # fmt: skip


def downgrade() -> None:
    raise NotImplementedError("TNT Desktop migrations only go forward; restore a backup instead")
