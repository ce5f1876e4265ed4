"""invoices: invoices and credit notes numbered per year, fiscal receipts, the company buyer

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

COMPANY = ('company_name', 'company_nrb', 'company_address')


def upgrade():
    op.create_table(
        'document_counter',
        sa.Column('series', sa.String(length=10), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('series', 'year', name=op.f('pk_document_counter')),
    )
    op.create_table(
        'invoice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('total_cents', sa.Integer(), nullable=False),
        sa.Column('vat_cents', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_invoice_order_id_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice')),
        sa.UniqueConstraint('number', name=op.f('uq_invoice_number')),
        sa.UniqueConstraint('order_id', name=op.f('uq_invoice_order_id')),
        sa.UniqueConstraint('year', 'seq', name='uq_invoice_year_seq'),
    )
    op.create_index(op.f('ix_invoice_issued_at'), 'invoice', ['issued_at'])
    op.create_table(
        'credit_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('total_cents', sa.Integer(), nullable=False),
        sa.Column('vat_cents', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'],
                                name=op.f('fk_credit_note_invoice_id_invoice')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_note')),
        sa.UniqueConstraint('key', name=op.f('uq_credit_note_key')),
        sa.UniqueConstraint('number', name=op.f('uq_credit_note_number')),
        sa.UniqueConstraint('year', 'seq', name='uq_credit_note_year_seq'),
    )
    op.create_index(op.f('ix_credit_note_invoice_id'), 'credit_note', ['invoice_id'])
    op.create_index(op.f('ix_credit_note_issued_at'), 'credit_note', ['issued_at'])
    op.create_table(
        'fiscal_receipt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by', sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['order.id'],
                                name=op.f('fk_fiscal_receipt_order_id_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fiscal_receipt')),
        sa.UniqueConstraint('order_id', name=op.f('uq_fiscal_receipt_order_id')),
    )
    # Plain ADD COLUMN (no batch): the order table keeps its rows and foreign keys as they are.
    for name in COMPANY:
        op.add_column('order', sa.Column(name, sa.String(length=200), nullable=False,
                                         server_default=''))


def downgrade():
    for name in reversed(COMPANY):
        op.drop_column('order', name)
    op.drop_table('fiscal_receipt')
    op.drop_index(op.f('ix_credit_note_issued_at'), table_name='credit_note')
    op.drop_index(op.f('ix_credit_note_invoice_id'), table_name='credit_note')
    op.drop_table('credit_note')
    op.drop_index(op.f('ix_invoice_issued_at'), table_name='invoice')
    op.drop_table('invoice')
    op.drop_table('document_counter')
