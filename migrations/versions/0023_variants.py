"""catalogue: product variants (a family's parent and its variant rows)

Revision ID: 0023
Revises: 0022a
Create Date: 2026-12-07 01:00:00

A variant is a product row whose ``parent_id`` names its family's parent (the row with the
page); ``variant_axes`` on the parent says which options the variants differ in, and
``price_varies`` whether listings say "from". Every product so far is a family of one: it
keeps its row, page, cart lines and orders as they are.

The parent's stock is the sum of its active variants' stock. Triggers keep it as stock moves
(checkout, cancellations, returns, the owner's edits), adding and subtracting the difference,
so concurrent sales of two variants both count. On SQLite the foreign key needs a rebuild of
"product" (batch mode), which keeps the full-text triggers (0006) by making them again.
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022a'
branch_labels = None
depends_on = None

OLD_LISTING = ['active', 'category_id', 'price_cents', 'sale_price_cents', 'sale_starts_on',
               'sale_ends_on', 'stock', 'material']
NEW_LISTING = [*OLD_LISTING, 'parent_id']

SQLITE_TRIGGERS = [
    "CREATE TRIGGER product_family_stock_ai AFTER INSERT ON product "
    "WHEN new.parent_id IS NOT NULL AND new.active BEGIN "
    "UPDATE product SET stock = stock + new.stock WHERE id = new.parent_id; END",
    "CREATE TRIGGER product_family_stock_ad AFTER DELETE ON product "
    "WHEN old.parent_id IS NOT NULL AND old.active BEGIN "
    "UPDATE product SET stock = stock - old.stock WHERE id = old.parent_id; END",
    # Old share out, new share in: covers a stock change, (de)activation and a move.
    "CREATE TRIGGER product_family_stock_au AFTER UPDATE OF stock, active, parent_id ON product "
    "WHEN old.parent_id IS NOT NULL OR new.parent_id IS NOT NULL BEGIN "
    "UPDATE product SET stock = stock - old.stock WHERE id = old.parent_id AND old.active; "
    "UPDATE product SET stock = stock + new.stock WHERE id = new.parent_id AND new.active; END",
]
POSTGRESQL_TRIGGER = [
    """CREATE FUNCTION product_family_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.parent_id IS NOT NULL AND OLD.active THEN
    UPDATE product SET stock = stock - OLD.stock WHERE id = OLD.parent_id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.parent_id IS NOT NULL AND NEW.active THEN
    UPDATE product SET stock = stock + NEW.stock WHERE id = NEW.parent_id;
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER product_family_stock AFTER INSERT OR DELETE OR UPDATE OF stock, active, "
    "parent_id ON product FOR EACH ROW EXECUTE FUNCTION product_family_stock()",
]


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # The foreign key must be a table constraint (a REFERENCES clause added to a column
        # keeps its ON DELETE, but SQLAlchemy cannot read it back, and models and migrations
        # would differ): a batch rebuild, which loses the table's triggers (0006's search
        # index), so they are read first and made again after.
        with _triggers_kept():
            with op.batch_alter_table('product') as batch:
                batch.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
                batch.create_foreign_key(op.f('fk_product_parent_id_product'), 'product',
                                         ['parent_id'], ['id'], ondelete='CASCADE')
    else:
        op.add_column('product', sa.Column('parent_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_product_parent_id_product'), 'product', 'product',
                              ['parent_id'], ['id'], ondelete='CASCADE')
    op.add_column('product', sa.Column('variant_axes', sa.String(length=40), nullable=False,
                                       server_default=''))
    op.add_column('product', sa.Column('price_varies', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.create_index(op.f('ix_product_parent_id'), 'product', ['parent_id'], unique=False)
    op.drop_index('ix_product_listing', table_name='product')
    op.create_index('ix_product_listing', 'product', NEW_LISTING, unique=False)
    for statement in (SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite"
                      else POSTGRESQL_TRIGGER):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("product_family_stock_ai", "product_family_stock_ad",
                     "product_family_stock_au"):
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER product_family_stock ON product")
        op.execute("DROP FUNCTION product_family_stock()")
    # Variants become products of their own again; their parents stay, without stock.
    op.execute("UPDATE product SET parent_id = NULL")
    op.drop_index('ix_product_listing', table_name='product')
    op.create_index('ix_product_listing', 'product', OLD_LISTING, unique=False)
    op.drop_index(op.f('ix_product_parent_id'), table_name='product')
    op.drop_column('product', 'price_varies')
    op.drop_column('product', 'variant_axes')
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f('fk_product_parent_id_product'), 'product', type_='foreignkey')
        op.drop_column('product', 'parent_id')
        return
    # SQLite drops no column that a foreign key uses: the table is rebuilt (batch mode).
    with _triggers_kept():
        with op.batch_alter_table('product') as batch:
            batch.drop_constraint(op.f('fk_product_parent_id_product'), type_='foreignkey')
            batch.drop_column('parent_id')


@contextmanager
def _triggers_kept():
    """Rebuild "product" (SQLite batch mode) keeping its triggers and CHECK constraints."""
    bind = op.get_bind()
    kept = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                "AND tbl_name = 'product'").scalars().all()
    yield
    for statement in kept:
        op.execute(statement)
    table = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' "
                                 "AND name = 'product'").scalar()
    for check in ("price_not_negative", "stock_not_negative"):
        if check not in table:  # reflection lost it: never leave the table weaker
            raise RuntimeError(f"product lost its CHECK constraint {check}")
