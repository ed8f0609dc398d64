"""Per-user signing keys, signed audit chain heads and Ed25519 e-signatures (issue 14).

Existing databases keep their history: keys are made at each user's next login (the site key
at the administrator's), the first signed chain head attests every earlier entry, and
signatures made before this revision stay hash-only (`trust.legacy_esig_max_id`); see
docs/storage.md "Upgrading a database made before signing keys".

Revision ID: 0008
Revises: 0007 (the lead re-chains: written against 0005)
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"  # written on 0005; re-chained after 0007 and 0006
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_key",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False, unique=True),
        sa.Column("created_utc", sa.String(32), nullable=False),
        sa.Column("certificate", sa.String(128), nullable=True),
        sa.Column("certified_utc", sa.String(32), nullable=True),
        sa.Column("revoked_utc", sa.String(32), nullable=True),
    )
    op.create_index("ix_user_key_username", "user_key", ["username"])
    op.create_table(
        "chain_signature",
        sa.Column("audit_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    op.add_column("e_signature", sa.Column("signature", sa.String(128), nullable=True))
    op.add_column("e_signature", sa.Column("key_id", sa.Integer(), nullable=True))
    # what existed before signing: the audit head and the last hash-only e-signature
    op.execute("INSERT INTO setting (key, value) SELECT 'trust.legacy_esig_max_id', "
               "CAST(COALESCE(MAX(id), 0) AS TEXT) FROM e_signature")
    op.execute("INSERT INTO setting (key, value) SELECT 'trust.start_audit_id', "
               "CAST(COALESCE(MAX(id), 0) AS TEXT) FROM audit_entry")


def downgrade() -> None:
    raise NotImplementedError("TNT Desktop migrations only go forward; restore a backup instead")
