"""Full-text search over ``product.search_text``, which is already folded (no diacritics, no case).

SQLite: an FTS5 table with external content kept in sync by triggers; it holds active
products only (migration 0006), so a search with no other filter is counted and ranked in the
index alone (``index_count``, ``index_ranked``), never reading a product row it will not show.
PostgreSQL: a GIN index on the stored column ``search_tsv`` (``to_tsvector('simple',
search_text)``) queried with prefix terms.
The indexes are made by migrations 0001 (FTS5) and 0005 (the stored column).
Both see only ASCII word tokens (``text.tokens``), so user input never reaches the
query syntax of either engine.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, Select, literal_column, text
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..text import tokens
from .models import Product

#: At most this many words of a query are searched; the rest add little and cost a lot.
MAX_TERMS = 8


def terms(query: str | None) -> list[str]:
    """Return the folded words of ``query`` that will be searched."""
    return tokens(query)[:MAX_TERMS]


def condition(words: list[str]) -> ColumnElement[bool]:
    """Return a condition on Product: every word matches as a prefix.

    An ``IN (subquery)``, so the engine runs the full-text query once, never per product.
    """
    if _sqlite():
        ids = text("SELECT rowid FROM product_fts WHERE product_fts MATCH :fts").bindparams(
            fts=_fts5_expression(words)
        )
        return Product.id.in_(ids.columns(rowid=Integer))
    return _tsvector().op("@@")(_tsquery(words))


#: A page sorted by a column walks that column's index when the words match at least WALK_FROM
#: products and the page starts within the first 1/WALK_PART of them: SQLite reads the index in
#: order, keeps the matches and stops once the page is full. Reading every match's row and
#: sorting costs ~1-2 µs a match; a walk costs little when matches are spread over the order but
#: up to a scan of the whole index (~20 ms at 100,000 products) when they gather at its far end
#: (cheap chairs sorted by falling price). So it is taken only where sorting would cost as much:
#: measured on 100,000 products, bench/RESULTS.md. The planner cannot know how many products a
#: match keeps, so the walk is asked for by name (``INDEXED BY``, catalogue/services.py).
WALK_FROM, WALK_PART = 10_000, 4


def walk_pays(matches: int, offset: int) -> bool:
    return _sqlite() and matches >= WALK_FROM and offset * WALK_PART < matches


def index_count(words: list[str]) -> int | None:
    """Return how many active products match, counted in the index alone (SQLite), else None."""
    if not _sqlite():
        return None
    statement = text("SELECT count(*) FROM product_fts WHERE product_fts MATCH :fts")
    return db.session.scalar(statement.bindparams(fts=_fts5_expression(words))) or 0


def index_ranked(statement: Select, words: list[str], limit: int, offset: int) -> Select | None:
    """Return ``statement`` (on active products, no other filter) restricted to one page of the
    best matches, best first, the page being taken in the index before any product row is read.
    None where the engine has no such index (PostgreSQL ranks with ``ranked``)."""
    if not _sqlite():
        return None
    hits = (
        text("SELECT rowid AS id, rank FROM product_fts WHERE product_fts MATCH :fts "
             "ORDER BY rank, rowid LIMIT :limit OFFSET :offset")
        .bindparams(fts=_fts5_expression(words), limit=limit, offset=offset)
        .columns(id=Integer, rank=Float)
        .subquery("fts")
    )
    return statement.join(hits, hits.c.id == Product.id).order_by(hits.c.rank, Product.id)


def ranked(statement: Select, words: list[str]) -> tuple[Select, ColumnElement]:
    """Restrict ``statement`` like ``condition`` and return it with a best-first rank."""
    if _sqlite():
        hits = (
            text("SELECT rowid AS id, rank FROM product_fts WHERE product_fts MATCH :fts")
            .bindparams(fts=_fts5_expression(words))
            .columns(id=Integer, rank=Float)
            .subquery("fts")
        )
        return statement.join(hits, hits.c.id == Product.id), hits.c.rank
    query = _tsquery(words)
    return statement.where(_tsvector().op("@@")(query)), -db.func.ts_rank(_tsvector(), query)


def _sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _fts5_expression(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)


def _tsvector():
    # The stored column to_tsvector('simple', search_text) that the GIN index covers (migration
    # 0005): ranking and filtering read it instead of computing it again for every row.
    return literal_column("product.search_tsv")


def _tsquery(words: list[str]):
    return db.func.to_tsquery("simple", " & ".join(f"{w}:*" for w in words))
