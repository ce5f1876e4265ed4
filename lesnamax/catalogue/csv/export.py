"""Products as CSV, streamed out: one line per product, a family's parent first and its
variants after it, in the columns the import reads back (``plan.COLUMNS``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select

from ... import audit
from ...extensions import db
from ..models import Category, Product
from . import plan
from .plan import COLUMNS, MODEL_FIELDS
from .rows import FIELD, FORMULA_START


def export_csv(actor: audit.Actor) -> Iterator[str]:
    """Record the export and return the CSV text in pieces (UTF-8 BOM first, for Excel).

    The pieces are read on a connection of their own, so the response can be streamed after
    the request (and its session) has ended, and a download that is never read costs nothing.
    """
    count = db.session.scalar(select(func.count(Product.id))) or 0
    slugs = dict(db.session.execute(select(Category.id, Category.slug)).all())
    audit.record_now(actor, "csv.export", "product", None, str(count))
    return _export_lines(db.engine, slugs)


def _export_lines(engine, slugs: dict[int, str]) -> Iterator[str]:
    table = Product.__table__
    parent = table.alias("parent")
    columns = [table.c[name] for name in MODEL_FIELDS if name != "category_id"]
    # A family's lines together: its parent, then its variants (as Shopify's product CSV).
    query = (select(table.c.category_id, *columns, parent.c.sku.label("family_sku"))
             .outerjoin(parent, parent.c.id == table.c.parent_id)
             .order_by(func.coalesce(table.c.parent_id, table.c.id),
                       table.c.parent_id.is_not(None), table.c.id))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    # yield_per: rows arrive in batches, so 100,000 products never sit in memory at once.
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=plan.CHUNK).execute(query)
        for partition in result.partitions():
            buffer.seek(0)
            buffer.truncate()
            for row in partition:
                writer.writerow(_cells(row._mapping, slugs))
            yield buffer.getvalue()


def _cells(row, slugs: dict[int, str]) -> list[str]:
    cells = []
    for name in COLUMNS:
        if name == "category":
            value = slugs.get(row["category_id"], "")
        else:  # stock_exported: the stock again, to tell the owner's edits from sales later
            value = row["stock" if name == "stock_exported" else FIELD.get(name, name)]
        if value is None:
            cells.append("")
        elif name in ("price", "sale_price"):
            cells.append(f"{value // 100}.{value % 100:02d}")
        elif isinstance(value, bool):
            cells.append("1" if value else "0")
        elif isinstance(value, date):
            cells.append(value.isoformat())
        elif isinstance(value, str) and value.startswith(FORMULA_START):
            cells.append("'" + value)
        else:
            cells.append(str(value))
    return cells
