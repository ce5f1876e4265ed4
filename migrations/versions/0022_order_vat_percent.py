"""order.vat_percent: the VAT rate an order was placed at (its invoice uses it)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 00:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch rebuild of "order"): every order placed so far was placed
    # at the 18 % the shop charged before the rate became a setting.
    op.add_column('order', sa.Column('vat_percent', sa.Integer(), nullable=False,
                                     server_default='18'))


def downgrade():
    with op.batch_alter_table('order') as batch:
        batch.drop_column('vat_percent')
