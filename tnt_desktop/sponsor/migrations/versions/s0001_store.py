"""The sponsor store: the clinical tables of storage.models as of workstation schema 0005
(the consolidated study) and the store's own tables (sponsor.models).

Revision ID: s0001
Revises:
"""

from alembic import op

from tnt_desktop.sponsor.models import StoreBase
from tnt_desktop.storage.models import Base

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # The clinical tables are the workstation's models, created from them: a later workstation
    # migration that changes one of them needs its store migration too (test_sponsor_store
    # compares the store's columns with the models).
    Base.metadata.create_all(bind)
    StoreBase.metadata.create_all(bind)


def downgrade() -> None:
    bind = op.get_bind()
    StoreBase.metadata.drop_all(bind)
    Base.metadata.drop_all(bind)
