"""orders and returns: the day an order was delivered, the withdrawals and returns

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 21:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch): rebuilding "order" on SQLite would cascade into its lines.
    op.add_column('order', sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True))
    # Orders delivered before this column: their last change is the best day known (the
    # delivery is the final status, so nothing changed them after it).
    op.execute('UPDATE "order" SET delivered_at = updated_at WHERE status = \'delivered\'')
    op.create_table(
        'order_return',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refund_claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refund_method', sa.String(length=10), nullable=True),
        sa.Column('refund_cents', sa.Integer(), nullable=True),
        sa.Column('refunded_by', sa.String(length=254), nullable=True),
        sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reject_reason', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_order_return_order_id_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_return')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_order_return_idempotency_key')),
    )
    op.create_index(op.f('ix_order_return_order_id'), 'order_return', ['order_id'])
    op.create_index(op.f('ix_order_return_state'), 'order_return', ['state'])
    op.create_table(
        'order_return_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('return_id', sa.Integer(), nullable=False),
        sa.Column('order_line_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'],
                                name=op.f('fk_order_return_line_order_line_id_order_line')),
        sa.ForeignKeyConstraint(['return_id'], ['order_return.id'], ondelete='CASCADE',
                                name=op.f('fk_order_return_line_return_id_order_return')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_return_line')),
    )
    op.create_index(op.f('ix_order_return_line_order_line_id'), 'order_return_line',
                    ['order_line_id'])
    op.create_index(op.f('ix_order_return_line_return_id'), 'order_return_line', ['return_id'])


def downgrade():
    op.drop_table('order_return_line')
    op.drop_table('order_return')
    op.drop_column('order', 'delivered_at')
