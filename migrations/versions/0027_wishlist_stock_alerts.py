"""account: wishlists and back-in-stock requests; a visitor's consent in the ledger

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 01:00:00

A back-in-stock request may come from a visitor, whose consent to that one e-mail is recorded
in the consent ledger without a customer: ``consent_record.user_id`` becomes nullable (a batch
rebuild of consent_record on SQLite; no trigger or search index lives on that table).
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent_record') as batch:
        batch.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
    op.create_table(
        'wishlist_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_wishlist_item_user_id_user'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'],
                                name=op.f('fk_wishlist_item_product_id_product'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wishlist_item')),
        sa.UniqueConstraint('user_id', 'product_id', name='uq_wishlist_item'),
    )
    op.create_index(op.f('ix_wishlist_item_user_id'), 'wishlist_item', ['user_id'])
    op.create_index(op.f('ix_wishlist_item_product_id'), 'wishlist_item', ['product_id'])
    op.create_table(
        'stock_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('consent_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'],
                                name=op.f('fk_stock_alert_product_id_product'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_stock_alert_user_id_user'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['consent_id'], ['consent_record.id'],
                                name=op.f('fk_stock_alert_consent_id_consent_record'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_alert')),
        sa.UniqueConstraint('product_id', 'email', name='uq_stock_alert'),
    )
    for column in ('product_id', 'user_id', 'email', 'expires_at', 'sent_at'):
        op.create_index(op.f(f'ix_stock_alert_{column}'), 'stock_alert', [column])


def downgrade():
    for column in ('product_id', 'user_id', 'email', 'expires_at', 'sent_at'):
        op.drop_index(op.f(f'ix_stock_alert_{column}'), table_name='stock_alert')
    op.drop_table('stock_alert')
    op.drop_index(op.f('ix_wishlist_item_product_id'), table_name='wishlist_item')
    op.drop_index(op.f('ix_wishlist_item_user_id'), table_name='wishlist_item')
    op.drop_table('wishlist_item')
    op.execute("DELETE FROM consent_record WHERE user_id IS NULL")
    with op.batch_alter_table('consent_record') as batch:
        batch.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
