"""Full-text search over ``product.search_text``, which is already folded (no diacritics, no case).

SQLite: an FTS5 table with external content kept in sync by triggers.
PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)`` queried with prefix terms.
Both indexes are created by the first migration (``migrations/versions/0001_catalogue.py``).
Both see only ASCII word tokens (``text.tokens``), so user input never reaches the
query syntax of either engine.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, Select, text
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..text import tokens
from .models import Product

#: At most this many words of a query are searched; the rest add little and cost a lot.
MAX_TERMS = 8

def terms(query: str | None) -> list[str]:
    """Return the folded words of ``query`` that will be searched."""
    return tokens(query)[:MAX_TERMS]


def apply(statement: Select, words: list[str]) -> tuple[Select, ColumnElement]:
    """Restrict ``statement`` (over Product) to products matching every word as a prefix.

    Return the new statement and a rank expression that sorts best matches first.
    """
    if db.engine.dialect.name == "sqlite":
        expression = " ".join(f'"{w}"*' for w in words)
        hits = (
            text("SELECT rowid AS id, rank FROM product_fts WHERE product_fts MATCH :fts")
            .bindparams(fts=expression)
            .columns(id=Integer, rank=Float)
            .subquery("fts")
        )
        return statement.join(hits, hits.c.id == Product.id), hits.c.rank
    expression = " & ".join(f"{w}:*" for w in words)
    vector = db.func.to_tsvector("simple", Product.search_text)
    query = db.func.to_tsquery("simple", expression)
    return statement.where(vector.op("@@")(query)), -db.func.ts_rank(vector, query)
