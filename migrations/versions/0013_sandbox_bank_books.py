"""payments: the sandbox bank's books (its approved transactions) and its API fault switch

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 16:20:00

The sandbox bank answers NestPay's XML API (status, void, credit) from these rows; they must be
shared by every process (web workers, job consumer, tests), so they are tables, not memory.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sandbox_transaction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('oid', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('trans_id', sa.String(length=64), nullable=False),
        sa.Column('auth_code', sa.String(length=32), nullable=False),
        sa.Column('host_ref', sa.String(length=32), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_transaction')),
    )
    with op.batch_alter_table('sandbox_transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_transaction_oid'), ['oid'], unique=False)
    op.create_table(
        'sandbox_api_fault',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_api_fault')),
    )


def downgrade():
    op.drop_table('sandbox_api_fault')
    with op.batch_alter_table('sandbox_transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_transaction_oid'))
    op.drop_table('sandbox_transaction')
