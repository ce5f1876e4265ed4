"""newsletter: campaigns, the products they show, and one row per customer sent to

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 01:30:00

Also ``consent_record.campaign_id``: the campaign whose unsubscribe link withdrew a consent.
The recipient rows are the sending job's ledger (written before a message leaves, marked once
the server took it) and what each customer's data export lists of the newsletters.
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'newsletter_campaign',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject_sq', sa.String(length=200), nullable=False),
        sa.Column('subject_en', sa.String(length=200), nullable=False),
        sa.Column('body_sq', sa.Text(), nullable=False),
        sa.Column('body_en', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recipient_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_newsletter_campaign_created_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_campaign')),
    )
    op.create_table(
        'newsletter_product',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['newsletter_campaign.id'],
                                name=op.f('fk_newsletter_product_campaign_id_newsletter_campaign'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'],
                                name=op.f('fk_newsletter_product_product_id_product'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_product')),
    )
    op.create_index(op.f('ix_newsletter_product_campaign_id'), 'newsletter_product',
                    ['campaign_id'], unique=False)
    op.create_table(
        'newsletter_recipient',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('skipped_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('consent_record_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['newsletter_campaign.id'],
                                name=op.f('fk_newsletter_recipient_campaign_id_newsletter_campaign'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_newsletter_recipient_user_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['consent_record_id'], ['consent_record.id'],
                                name=op.f('fk_newsletter_recipient_consent_record_id_consent_record'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_recipient')),
        sa.UniqueConstraint('campaign_id', 'user_id',
                            name='uq_newsletter_recipient_campaign_user'),
    )
    op.create_index(op.f('ix_newsletter_recipient_campaign_id'), 'newsletter_recipient',
                    ['campaign_id'], unique=False)
    op.create_index(op.f('ix_newsletter_recipient_user_id'), 'newsletter_recipient',
                    ['user_id'], unique=False)
    op.create_index(op.f('ix_newsletter_recipient_sent_at'), 'newsletter_recipient',
                    ['sent_at'], unique=False)
    # The campaign whose unsubscribe link withdrew a marketing consent (no foreign key: a plain
    # ADD COLUMN on both databases, and campaigns are never deleted).
    op.add_column('consent_record', sa.Column('campaign_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('consent_record') as batch_op:
        batch_op.drop_column('campaign_id')
    op.drop_index(op.f('ix_newsletter_recipient_sent_at'), table_name='newsletter_recipient')
    op.drop_index(op.f('ix_newsletter_recipient_user_id'), table_name='newsletter_recipient')
    op.drop_index(op.f('ix_newsletter_recipient_campaign_id'), table_name='newsletter_recipient')
    op.drop_table('newsletter_recipient')
    op.drop_index(op.f('ix_newsletter_product_campaign_id'), table_name='newsletter_product')
    op.drop_table('newsletter_product')
    op.drop_table('newsletter_campaign')
