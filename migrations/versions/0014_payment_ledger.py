"""payments: the ledger of money movements (attempt, capture, void, refund)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 16:30:00

Every attempt already made gets its "attempt" row, and every attempt the bank already charged
(paid, or approved but held for review) its "capture" row, so the paid / refunded / balance
figures of old orders come from the same ledger as new ones.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_movement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('in_flight', sa.Integer(), nullable=True),
    sa.Column('cancels_order', sa.Boolean(), nullable=False),
    sa.Column('trans_id', sa.String(length=64), nullable=False),
    sa.Column('host_ref', sa.String(length=64), nullable=False),
    sa.Column('bank_code', sa.String(length=20), nullable=False),
    sa.Column('bank_message', sa.String(length=255), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_payment_movement_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['attempt_id'], ['payment_attempt.id'], name=op.f('fk_payment_movement_attempt_id_payment_attempt'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_payment_movement_order_id_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_movement')),
    sa.UniqueConstraint('in_flight', name=op.f('uq_payment_movement_in_flight')),
    sa.UniqueConstraint('key', name=op.f('uq_payment_movement_key'))
    )
    with op.batch_alter_table('payment_movement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_movement_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_movement_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_movement_state'), ['state'], unique=False)

    # The backfill, in plain SQL that both SQLite and PostgreSQL read the same way (literal text:
    # nothing in it comes from outside).
    op.execute(
        "INSERT INTO payment_movement (kind, state, key, trans_id, created_at, answered_at, "
        "order_id, attempt_id, amount_cents, in_flight, cancels_order, host_ref, "
        "bank_code, bank_message, actor_id, actor_email, reason, lines) "
        "SELECT 'attempt', 'done', 'attempt:' || oid, '', created_at, created_at, "
        "order_id, id, amount_cents, NULL, false, '', '', '', NULL, 'system', '', NULL "
        "FROM payment_attempt")
    op.execute(
        "INSERT INTO payment_movement (kind, state, key, trans_id, created_at, answered_at, "
        "order_id, attempt_id, amount_cents, in_flight, cancels_order, host_ref, "
        "bank_code, bank_message, actor_id, actor_email, reason, lines) "
        "SELECT 'capture', 'done', 'capture:' || oid, trans_id, updated_at, updated_at, "
        "order_id, id, amount_cents, NULL, false, '', '', '', NULL, 'system', '', NULL "
        "FROM payment_attempt WHERE status IN ('paid', 'needs_review')")


def downgrade():
    with op.batch_alter_table('payment_movement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_movement_state'))
        batch_op.drop_index(batch_op.f('ix_payment_movement_order_id'))
        batch_op.drop_index(batch_op.f('ix_payment_movement_attempt_id'))

    op.drop_table('payment_movement')
