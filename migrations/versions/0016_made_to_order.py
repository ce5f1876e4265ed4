"""catalogue and orders: a product made to order (no 14-day withdrawal), copied onto its lines

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN, not batch mode: on SQLite a batch rebuilds "product" and loses the
    # triggers that keep its search index (0006) in step.
    for table in ('product', 'order_line'):
        op.add_column(table, sa.Column('made_to_order', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))


def downgrade():
    for table in ('order_line', 'product'):
        op.drop_column(table, 'made_to_order')
