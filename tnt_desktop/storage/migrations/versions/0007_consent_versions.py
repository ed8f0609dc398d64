"""Consent form versions as configuration (CRF_SPEC.md clarification 24): the versions the
ethics committee approved after the study definition was written.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_version",
        sa.Column("label", sa.String(16), primary_key=True),
        sa.Column("version_date", sa.String(10), nullable=False),
        sa.Column("approval_date", sa.String(10), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_utc", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("TNT Desktop migrations only go forward; restore a backup instead")
