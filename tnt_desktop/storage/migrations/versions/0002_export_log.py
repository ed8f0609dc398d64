"""Export log: who exported what, why, for whom, with which profile (CRF_SPEC.md REQ-PI-07).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ts_utc", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("recipient", sa.Text(), nullable=True),
        sa.Column("subject_count", sa.Integer(), nullable=False),
        sa.Column("files", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    raise NotImplementedError("TNT Desktop migrations only go forward; restore a backup instead")
