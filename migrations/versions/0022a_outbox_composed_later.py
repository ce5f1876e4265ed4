"""outbox: a message may be a row naming its record (kind, ref), composed when it is sent

The order confirmation is no longer composed inside the order's write transaction; its row
names the order and the job composes it after the commit (bench/RESULTS.md, 2026-12-07).

Revision ID: 0022a
Revises: 0022
Create Date: 2026-12-07 00:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022a'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch): the rows waiting to be sent stay as they are (kind "": whole).
    op.add_column('outbox_message', sa.Column('kind', sa.String(length=40), nullable=False,
                                              server_default=''))
    op.add_column('outbox_message', sa.Column('ref', sa.Integer(), nullable=True))


def downgrade():
    # A row still waiting to be composed would be sent empty by the older code: refuse.
    waiting = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM outbox_message WHERE kind != '' AND sent_at IS NULL "
        "AND failed_at IS NULL")).scalar()
    if waiting:
        raise RuntimeError(f"{waiting} outbox messages are waiting to be composed: send them "
                           "(flask purge-expired) before downgrading")
    op.drop_column('outbox_message', 'ref')
    op.drop_column('outbox_message', 'kind')
