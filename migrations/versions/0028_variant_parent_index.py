"""catalogue: ix_product_parent_id holds variants only (a partial index)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 03:45:00

With every product in it, SQLite's statistics (rows per distinct value, NULLs counted as one
value among ~275) made "parent_id IS NULL" look selective: every listing, the related products
and the home page walked the ~10,000 products without a family through this index instead of
their category in ix_product_listing (4-5 ms a query at 10,000 products; bench/RESULTS.md,
2026-12-07). Only a family's variants are looked up by parent_id, so the index keeps only
them. A plain drop and create: no table rebuild, the search-index triggers stay.
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

VARIANTS_ONLY = sa.text('parent_id IS NOT NULL')


def upgrade():
    op.drop_index(op.f('ix_product_parent_id'), table_name='product')
    op.create_index(op.f('ix_product_parent_id'), 'product', ['parent_id'], unique=False,
                    sqlite_where=VARIANTS_ONLY, postgresql_where=VARIANTS_ONLY)
    # Fresh statistics for the planner (SQLite keeps them in sqlite_stat1; PostgreSQL's own).
    op.execute('ANALYZE')


def downgrade():
    op.drop_index(op.f('ix_product_parent_id'), table_name='product')
    op.create_index(op.f('ix_product_parent_id'), 'product', ['parent_id'], unique=False)
