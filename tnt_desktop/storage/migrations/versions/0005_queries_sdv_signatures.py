"""Queries, source data verification marks, electronic signatures and the signers'
acknowledgements (issue 6; CRF_SPEC.md REQ-DQ-01, REQ-DQ-03, REQ-ES-01…05).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_query",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_pk", sa.Integer(), sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("event_oid", sa.String(32), nullable=False),
        sa.Column("repeat_key", sa.Integer(), nullable=False),
        sa.Column("form_code", sa.String(16), nullable=False),
        sa.Column("group_name", sa.String(32), nullable=False),
        sa.Column("row_key", sa.Integer(), nullable=False),
        sa.Column("item_name", sa.String(32), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("origin", sa.String(12), nullable=False),
        sa.Column("check_id", sa.String(200), nullable=True),
        sa.Column("raised_by", sa.String(64), nullable=False),
        sa.Column("raised_role", sa.String(32), nullable=False),
        sa.Column("raised_utc", sa.String(32), nullable=False),
        sa.Column("updated_utc", sa.String(32), nullable=False),
    )
    op.create_index("ix_data_query_subject", "data_query", ["subject_pk", "status"])
    op.create_table(
        "query_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("query_pk", sa.Integer(), sa.ForeignKey("data_query.id"), nullable=False),
        sa.Column("ts_utc", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_query_message_query_pk", "query_message", ["query_pk"])
    op.create_table(
        "sdv_mark",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("form_pk", sa.Integer(), sa.ForeignKey("form_instance.id"), nullable=False),
        sa.Column("group_name", sa.String(32), nullable=False),
        sa.Column("row_key", sa.Integer(), nullable=False),
        sa.Column("item_name", sa.String(32), nullable=False),
        sa.Column("value_hash", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ts_utc", sa.String(32), nullable=False),
        sa.UniqueConstraint("form_pk", "group_name", "row_key", "item_name"),
    )
    op.create_index("ix_sdv_mark_form_pk", "sdv_mark", ["form_pk"])
    op.create_table(
        "e_signature",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_pk", sa.Integer(), sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("form_pk", sa.Integer(), sa.ForeignKey("form_instance.id"), nullable=False),
        sa.Column("point", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(12), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("printed_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("ts_utc", sa.String(32), nullable=False),
        sa.Column("meaning_en", sa.Text(), nullable=False),
        sa.Column("meaning_zh", sa.Text(), nullable=False),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("hash_method", sa.String(32), nullable=False),
        sa.Column("broken_utc", sa.String(32), nullable=True),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
    )
    op.create_index("ix_e_signature_subject", "e_signature", ["subject_pk"])
    op.create_index("ix_e_signature_form_pk", "e_signature", ["form_pk"])
    op.create_table(
        "signature_acknowledgement",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("ts_utc", sa.String(32), nullable=False),
        sa.Column("statement_en", sa.Text(), nullable=False),
        sa.Column("statement_zh", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("TNT Desktop migrations only go forward; restore a backup instead")
