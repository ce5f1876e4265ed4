"""core and orders: the shop's settings and stores the owner edits; the store a pickup order
is collected from

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 21:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # No rows: the first request seeds them from the configuration (lesnamax/shopsettings.py).
    op.create_table(
        'shop_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('legal_name', sa.String(length=200), nullable=False),
        sa.Column('trade_name', sa.String(length=100), nullable=False),
        sa.Column('nrb', sa.String(length=20), nullable=False),
        sa.Column('nf', sa.String(length=20), nullable=False),
        sa.Column('vat_number', sa.String(length=20), nullable=False),
        sa.Column('address_sq', sa.String(length=300), nullable=False),
        sa.Column('address_en', sa.String(length=300), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('viber', sa.String(length=20), nullable=False),
        sa.Column('whatsapp', sa.String(length=20), nullable=False),
        sa.Column('hours_sq', sa.Text(), nullable=False),
        sa.Column('hours_en', sa.Text(), nullable=False),
        sa.Column('delivery', sa.JSON(), nullable=False),
        sa.Column('free_delivery_from_cents', sa.Integer(), nullable=False),
        sa.Column('vat_standard_percent', sa.Integer(), nullable=False),
        sa.Column('vat_reduced_percent', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_settings')),
    )
    op.create_table(
        'store',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('address_sq', sa.String(length=300), nullable=False),
        sa.Column('address_en', sa.String(length=300), nullable=False),
        sa.Column('hours_sq', sa.Text(), nullable=False),
        sa.Column('hours_en', sa.Text(), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('latitude', sa.Numeric(precision=8, scale=5), nullable=True),
        sa.Column('longitude', sa.Numeric(precision=8, scale=5), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_store')),
    )
    # Plain ADD COLUMN (no batch rebuild of "order": see 0016 and env.py). No foreign key:
    # SQLite adds one only inline, which it reflects without its name or ON DELETE; stores are
    # hidden, never deleted, and the order keeps the store's name besides.
    op.add_column('order', sa.Column('pickup_store_id', sa.Integer(), nullable=True))
    op.add_column('order', sa.Column('pickup_store_name', sa.String(length=100), nullable=True))


def downgrade():
    op.drop_column('order', 'pickup_store_name')
    op.drop_column('order', 'pickup_store_id')
    op.drop_table('store')
    op.drop_table('shop_settings')
