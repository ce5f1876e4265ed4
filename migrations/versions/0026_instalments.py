"""instalment plans per bank; the instalments chosen on orders and payment attempts

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'instalment_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bank', sa.String(length=40), nullable=False),
        sa.Column('counts', sa.String(length=100), nullable=False),
        sa.Column('min_total_cents', sa.Integer(), nullable=False),
        sa.Column('fee_basis_points', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_instalment_plan')),
        sa.UniqueConstraint('bank', name=op.f('uq_instalment_plan_bank')),
    )
    # Plain ADD COLUMNs (no batch rebuild): every order and attempt so far was paid in full.
    op.add_column('order', sa.Column('instalments', sa.Integer(), nullable=True))
    op.add_column('order', sa.Column('instalment_bank', sa.String(length=40), nullable=False,
                                     server_default=''))
    op.add_column('order', sa.Column('instalment_fee_cents', sa.Integer(), nullable=False,
                                     server_default='0'))
    op.add_column('payment_attempt', sa.Column('instalments', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('payment_attempt') as batch:
        batch.drop_column('instalments')
    with op.batch_alter_table('order') as batch:
        batch.drop_column('instalment_fee_cents')
        batch.drop_column('instalment_bank')
        batch.drop_column('instalments')
    op.drop_table('instalment_plan')
