"""Initial schema: settings, counters, users, subjects, events, forms, values, audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from tnt_desktop.storage.audit import TRIGGERS_SQL

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "setting",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "counter",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("password_changed_utc", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "subject",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.String(10), nullable=False),
        sa.Column("screening_number", sa.String(20), nullable=False, unique=True),
        sa.Column("subject_id", sa.String(20), nullable=True, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("enrolled_utc", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "event_instance",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_pk", sa.Integer(), sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("event_oid", sa.String(32), nullable=False),
        sa.Column("repeat_key", sa.Integer(), nullable=False),
        sa.UniqueConstraint("subject_pk", "event_oid", "repeat_key"),
    )
    op.create_index("ix_event_instance_subject_pk", "event_instance", ["subject_pk"])
    op.create_table(
        "form_instance",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_pk", sa.Integer(), sa.ForeignKey("event_instance.id"), nullable=False),
        sa.Column("form_code", sa.String(16), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("metadata_version", sa.String(32), nullable=False),
        sa.Column("has_errors", sa.Boolean(), nullable=False),
        sa.Column("has_warnings", sa.Boolean(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("updated_utc", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("event_pk", "form_code"),
    )
    op.create_index("ix_form_instance_event_pk", "form_instance", ["event_pk"])
    op.create_table(
        "item_value",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("form_pk", sa.Integer(), sa.ForeignKey("form_instance.id"), nullable=False),
        sa.Column("group_name", sa.String(32), nullable=False),
        sa.Column("row_key", sa.Integer(), nullable=False),
        sa.Column("item_name", sa.String(32), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("missing_reason", sa.String(20), nullable=True),
        sa.Column("derived", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("form_pk", "group_name", "row_key", "item_name"),
    )
    op.create_index("ix_item_value_form_pk", "item_value", ["form_pk"])
    op.create_table(
        "check_override",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("form_pk", sa.Integer(), sa.ForeignKey("form_instance.id"), nullable=False),
        sa.Column("finding_key", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ts_utc", sa.String(32), nullable=False),
        sa.UniqueConstraint("form_pk", "finding_key"),
    )
    op.create_index("ix_check_override_form_pk", "check_override", ["form_pk"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ts_utc", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject_key", sa.String(20), nullable=True),
        sa.Column("event_oid", sa.String(32), nullable=True),
        sa.Column("repeat_key", sa.Integer(), nullable=True),
        sa.Column("form_code", sa.String(16), nullable=True),
        sa.Column("group_name", sa.String(32), nullable=True),
        sa.Column("row_key", sa.Integer(), nullable=True),
        sa.Column("item_name", sa.String(32), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason_code", sa.String(32), nullable=True),
        sa.Column("reason_text", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("app_version", sa.String(32), nullable=False),
        sa.Column("metadata_version", sa.String(32), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_subject", "audit_entry", ["subject_key"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in TRIGGERS_SQL:
            op.execute(statement)
    else:  # PostgreSQL (sponsor-side consolidation): the same refusal as a rule-free trigger
        op.execute(
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'audit trail is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
        )


def downgrade() -> None:
    raise NotImplementedError("TNT Desktop migrations only go forward; restore a backup instead")
