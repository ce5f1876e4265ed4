"""cart: a secret token for visitor carts; order: the cart it was placed from (one order per cart)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 04:00:00

A visitor's session named its cart by id alone, so an id that was never saved (a failed first
add) could later name another visitor's cart (SQLite reuses ids). The session now holds the id
and a random token, and a visitor cart is found only with both. Visitor carts saved before this
revision have no token and are no longer found (their visitors start a new cart).

``order.cart_id`` is unique: a second order from one cart (two review tabs placed at once) is
refused by the database even if the cart's conditional claim were bypassed.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cart', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=43), nullable=True))
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cart_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_order_cart_id_cart'), 'cart', ['cart_id'],
                                    ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_order_cart_id'), ['cart_id'], unique=True)


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_cart_id'))
        batch_op.drop_constraint(batch_op.f('fk_order_cart_id_cart'), type_='foreignkey')
        batch_op.drop_column('cart_id')
    with op.batch_alter_table('cart', schema=None) as batch_op:
        batch_op.drop_column('token')
