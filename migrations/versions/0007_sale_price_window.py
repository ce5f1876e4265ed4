"""catalogue: a regular price plus an optional dated sale price

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 04:00:00

Before, ``price_cents`` was the price charged and ``regular_price_cents`` the old price of a
discounted product, and the discount dates were shown but never applied. Now ``price_cents`` is
the regular price and ``sale_price_cents`` an optional sale price charged from
``sale_starts_on`` to ``sale_ends_on`` (shop days, inclusive; ``Product.offer``). Existing
discounts become sale prices with their dates; a "regular" price not above the price was
meaningless and is dropped. ix_product_listing takes the sale columns (price filters compare
the day's price) and ix_product_sale_price_cents is new (sorting by the day's price merges it
with ix_product_price_cents; lesnamax/catalogue/services.py ``_by_price``).

Plain ALTER TABLE statements (SQLite >= 3.35 and PostgreSQL both take them): a batch
"move and copy" on SQLite would drop the product table's full-text triggers (0006).
Downgrading puts every sale price back as the charged price, dates aside (the old meaning).
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD_LISTING = ['active', 'category_id', 'price_cents', 'stock', 'material']
NEW_LISTING = ['active', 'category_id', 'price_cents', 'sale_price_cents', 'sale_starts_on',
               'sale_ends_on', 'stock', 'material']


def upgrade():
    op.add_column('product', sa.Column('sale_price_cents', sa.Integer(), nullable=True))
    op.execute("ALTER TABLE product RENAME COLUMN discount_starts_on TO sale_starts_on")
    op.execute("ALTER TABLE product RENAME COLUMN discount_ends_on TO sale_ends_on")
    # Both right-hand sides read the row as it was before the UPDATE (SQL semantics).
    op.execute("UPDATE product SET sale_price_cents = price_cents, "
               "price_cents = regular_price_cents "
               "WHERE regular_price_cents IS NOT NULL AND regular_price_cents > price_cents")
    op.execute("UPDATE product SET sale_starts_on = NULL, sale_ends_on = NULL "
               "WHERE sale_price_cents IS NULL")
    op.execute("ALTER TABLE product DROP COLUMN regular_price_cents")
    op.drop_index('ix_product_listing', table_name='product')
    op.create_index('ix_product_listing', 'product', NEW_LISTING, unique=False)
    # Sorting by the day's price merges this index with ix_product_price_cents.
    op.create_index('ix_product_sale_price_cents', 'product', ['sale_price_cents'], unique=False)


def downgrade():
    op.drop_index('ix_product_sale_price_cents', table_name='product')
    op.drop_index('ix_product_listing', table_name='product')
    op.add_column('product', sa.Column('regular_price_cents', sa.Integer(), nullable=True))
    op.execute("UPDATE product SET regular_price_cents = price_cents, "
               "price_cents = sale_price_cents "
               "WHERE sale_price_cents IS NOT NULL AND sale_price_cents < price_cents")
    op.execute("UPDATE product SET sale_starts_on = NULL, sale_ends_on = NULL "
               "WHERE regular_price_cents IS NULL")
    op.execute("ALTER TABLE product DROP COLUMN sale_price_cents")
    op.execute("ALTER TABLE product RENAME COLUMN sale_starts_on TO discount_starts_on")
    op.execute("ALTER TABLE product RENAME COLUMN sale_ends_on TO discount_ends_on")
    op.create_index('ix_product_listing', 'product', OLD_LISTING, unique=False)
