"""contact: messages sent from /contact, listed in admin and purged after their retention

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contact_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('handled_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['handled_by_id'], ['user.id'],
                                name=op.f('fk_contact_message_handled_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_message')),
    )
    op.create_index(op.f('ix_contact_message_created_at'), 'contact_message', ['created_at'],
                    unique=False)
    op.create_index(op.f('ix_contact_message_handled_by_id'), 'contact_message',
                    ['handled_by_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_contact_message_handled_by_id'), table_name='contact_message')
    op.drop_index(op.f('ix_contact_message_created_at'), table_name='contact_message')
    op.drop_table('contact_message')
