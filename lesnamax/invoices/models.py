"""Invoices, credit notes, their yearly counters and the fiscal receipt numbers of cash sales.

An invoice (and a credit note) is a document the tax office may ask for years later: what it
said on the day it was issued is kept as a snapshot (``data``, JSON) and never changed. The
ORM refuses any update or delete of one (``_refuse_changes``); the fiscal receipt number the
owner records later is therefore a row of its own, not a field of the invoice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from ..catalogue.models import utcnow
from ..extensions import db

#: The counters' series: invoices "2027-000123", credit notes "KN-2027-000004".
INVOICE = "invoice"
CREDIT_NOTE = "credit"


class DocumentCounter(db.Model):
    """The last number given in one series and year. Taking a number is an UPDATE of this row
    inside the document's own transaction: a rollback gives the number back (no gap), and a
    second writer waits for the row (PostgreSQL's row lock; SQLite's one writer)."""

    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class _Document:
    """What an invoice and a credit note share: the yearly number, the figures and the snapshot
    they print. Each keeps its own link (the order, the invoice) between ``id`` and ``year``:
    ``sort_order`` places the shared columns around it, so the tables are the ones migration
    0019 made, column for column."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    total_cents: Mapped[int] = mapped_column(Integer)
    vat_cents: Mapped[int] = mapped_column(Integer)
    #: Everything the document prints, as it was at issue (see issuing.snapshot).
    data: Mapped[dict] = mapped_column(JSON)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        # The gapless yearly sequence: one number once per series and year.
        return (UniqueConstraint("year", "seq", name=f"uq_{cls.__tablename__}_year_seq"),)


class Invoice(_Document, db.Model):
    #: One invoice per order, whoever asks twice.
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True, sort_order=-1)


class CreditNote(_Document, db.Model):
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True,
                                            sort_order=-1)
    #: What the money going back was: "movement:<ledger id>" for a card refund, the returns
    #: area's own key for a cash refund. Unique: one refund, one credit note.
    key: Mapped[str] = mapped_column(String(60), unique=True, sort_order=-1)


class FiscalReceipt(db.Model):
    """The number of the fiscal receipt a cash sale was given (the courier's or the shop's
    fiscal device), recorded by the owner after the fact; one per order, recorded once
    (``manage.record_receipt`` says why). Not printed on the invoice: that prints its
    snapshot only."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    number: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(254), default="")


class Immutable(RuntimeError):
    """An issued invoice or credit note was about to be changed or deleted."""


def _refuse_changes(_mapper, _connection, target) -> None:
    raise Immutable(f"{type(target).__name__} {target.number} was issued and cannot change")


# On the shared base, so a document class added later is immutable without being named here.
event.listen(_Document, "before_update", _refuse_changes, propagate=True)
event.listen(_Document, "before_delete", _refuse_changes, propagate=True)
