"""orders: a claim on the confirmation e-mail, separate from "sent"

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06 04:00:00

``confirmation_sent_at`` used to be set before sending, as a claim, so a failed send left the
order marked confirmed forever. Now the claim has its own column (cleared again when the send
fails, or stale after a few minutes when the sender died) and ``confirmation_sent_at`` is set
only once the message went out.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmation_claimed_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_column('confirmation_claimed_at')
