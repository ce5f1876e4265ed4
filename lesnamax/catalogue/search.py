"""Full-text search over ``product.search_text``, which is already folded (no diacritics, no case).

SQLite: an FTS5 table with external content kept in sync by triggers.
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
    if db.engine.dialect.name == "sqlite":
        ids = text("SELECT rowid FROM product_fts WHERE product_fts MATCH :fts").bindparams(
            fts=_fts5_expression(words)
        )
        return Product.id.in_(ids.columns(rowid=Integer))
    return _tsvector().op("@@")(_tsquery(words))


def ranked(statement: Select, words: list[str]) -> tuple[Select, ColumnElement]:
    """Restrict ``statement`` like ``condition`` and return it with a best-first rank."""
    if db.engine.dialect.name == "sqlite":
        hits = (
            text("SELECT rowid AS id, rank FROM product_fts WHERE product_fts MATCH :fts")
            .bindparams(fts=_fts5_expression(words))
            .columns(id=Integer, rank=Float)
            .subquery("fts")
        )
        return statement.join(hits, hits.c.id == Product.id), hits.c.rank
    query = _tsquery(words)
    return statement.where(_tsvector().op("@@")(query)), -db.func.ts_rank(_tsvector(), query)


def _fts5_expression(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)


def _tsvector():
    # The stored column to_tsvector('simple', search_text) that the GIN index covers (migration
    # 0005): ranking and filtering read it instead of computing it again for every row.
    return literal_column("product.search_tsv")


def _tsquery(words: list[str]):
    return db.func.to_tsquery("simple", " & ".join(f"{w}:*" for w in words))
