"""Delivery days and assembly: the day an order is delivered (and its booked slot), each
store's pickup days, a product's assembly fee and the assembly an order line chose

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs: no batch rebuild of "product" (it would drop the search triggers).
    op.add_column('product', sa.Column('assembly_fee_cents', sa.Integer(), nullable=True))
    op.add_column('order', sa.Column('delivery_day', sa.Date(), nullable=True))
    op.add_column('order', sa.Column('delivery_area', sa.String(length=60), nullable=True))
    op.add_column('order', sa.Column('assembly_cents', sa.Integer(), nullable=False,
                                     server_default='0'))
    op.create_index(op.f('ix_order_delivery_day'), 'order', ['delivery_day'], unique=False)
    op.add_column('order_line', sa.Column('assembly_unit_cents', sa.Integer(), nullable=True))
    op.add_column('store', sa.Column('pickup_days', sa.String(length=7), nullable=False,
                                     server_default='123456'))
    op.create_table(
        'delivery_slot',
        sa.Column('area', sa.String(length=60), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('booked', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('area', 'day', name=op.f('pk_delivery_slot')),
    )


def downgrade():
    op.drop_table('delivery_slot')
    with op.batch_alter_table('store') as batch:
        batch.drop_column('pickup_days')
    with op.batch_alter_table('order_line') as batch:
        batch.drop_column('assembly_unit_cents')
    op.drop_index(op.f('ix_order_delivery_day'), table_name='order')
    with op.batch_alter_table('order') as batch:
        batch.drop_column('assembly_cents')
        batch.drop_column('delivery_area')
        batch.drop_column('delivery_day')
    op.drop_column('product', 'assembly_fee_cents')
