"""Document numbers without gaps: one counter row per series and year, taken in the
document's own transaction.

The number is the counter's ``last + 1``, written by one UPDATE … RETURNING. On PostgreSQL the
UPDATE locks the row until the transaction ends, so a second invoice waits and then reads the
first one's value; on SQLite ``begin_write`` already made the transaction the only writer. A
rollback undoes the increment with the document, so no number is ever lost or given twice
(a database sequence would be faster and would leave gaps, which the tax office asks about).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from .models import CREDIT_NOTE, INVOICE, DocumentCounter

_PREFIX = {INVOICE: "", CREDIT_NOTE: "KN-"}


def take(series: str, year: int) -> int:
    """The next number of ``series`` in ``year``, inside the caller's write transaction."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    # A new year's row: made by the first document of the year; a second writer racing it
    # waits for that commit and inserts nothing (ON CONFLICT DO NOTHING on both engines).
    db.session.execute(dialect.insert(DocumentCounter).values(series=series, year=year, last=0)
                       .on_conflict_do_nothing())
    return db.session.execute(
        update(DocumentCounter)
        .where(DocumentCounter.series == series, DocumentCounter.year == year)
        .values(last=DocumentCounter.last + 1)
        .returning(DocumentCounter.last)
        .execution_options(synchronize_session=False)).scalar_one()


def formatted(series: str, year: int, seq: int) -> str:
    """``2027-000123`` for an invoice, ``KN-2027-000004`` for a credit note."""
    return f"{_PREFIX[series]}{year}-{seq:06d}"
