"""The shop owner's invoices: the yearly list, one order's documents, the fiscal receipt
number of a cash sale (audited), and the credit note the returns area calls for a cash refund.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from .. import audit, shoptime
from ..audit import Actor
from ..database import begin_write
from ..extensions import db
from ..orders.models import CASH, Order
from ..pagination import Page, paginate
from . import issuing
from .models import CreditNote, FiscalReceipt, Invoice

PER_PAGE = 50
#: What a fiscal receipt number may look like: the device's digits, letters, dashes, slashes.
RECEIPT_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z/.\- ]{0,39}$")


@dataclass
class Documents:
    """One order's invoice, credit notes and fiscal receipt (any of them may be missing)."""

    invoice: Invoice | None = None
    credit_notes: list[CreditNote] = field(default_factory=list)
    receipt: FiscalReceipt | None = None


@dataclass(frozen=True)
class Row:
    invoice: Invoice
    order_number: str
    credit_notes: list[CreditNote]
    receipt: FiscalReceipt | None


def credit_note(order_id: int, amount_cents: int, lines: list[dict] | None, now: datetime,
                *, key: str, reason: str = "") -> CreditNote | None:
    """The credit note for a refund recorded outside the card ledger (a cash refund): see
    ``issuing.credit_note``. ``key`` names the refund (``"return:<id>"``), so a second call
    for it returns the first note."""
    return issuing.credit_note(order_id, amount_cents, lines, now, key=key, reason=reason)


def documents_of(order_id: int) -> Documents:
    """One query: the order pages are within a few queries each (tests/test_query_budget)."""
    rows = db.session.execute(
        select(Invoice, CreditNote, FiscalReceipt)
        .select_from(Order)
        .outerjoin(Invoice, Invoice.order_id == Order.id)
        .outerjoin(CreditNote, CreditNote.invoice_id == Invoice.id)
        .outerjoin(FiscalReceipt, FiscalReceipt.order_id == Order.id)
        .where(Order.id == order_id).order_by(CreditNote.id)).all()
    if not rows:
        return Documents()
    invoice, _note, receipt = rows[0]
    return Documents(invoice, [note for _i, note, _r in rows if note is not None], receipt)


def years() -> list[int]:
    """The years that have invoices, newest first, and this year."""
    found = set(db.session.scalars(select(Invoice.year).distinct()))
    return sorted(found | {shoptime.shop_today().year}, reverse=True)


def search(year: int, page: int) -> Page:
    """One page of the year's invoices, newest number first, with their credit notes and
    fiscal receipts (three queries whatever the page size)."""
    query = select(Invoice).where(Invoice.year == year)
    result = paginate(query, page, PER_PAGE, order_by=(Invoice.seq.desc(),))
    invoices = result.items
    ids = [invoice.id for invoice in invoices]
    notes: dict[int, list[CreditNote]] = {}
    receipts: dict[int, FiscalReceipt] = {}
    if ids:  # the credit notes and the receipts of the page, in one query
        for note, receipt, invoice_id in db.session.execute(
                select(CreditNote, FiscalReceipt, Invoice.id).select_from(Invoice)
                .outerjoin(CreditNote, CreditNote.invoice_id == Invoice.id)
                .outerjoin(FiscalReceipt, FiscalReceipt.order_id == Invoice.order_id)
                .where(Invoice.id.in_(ids)).order_by(CreditNote.id)):
            if note is not None:
                notes.setdefault(invoice_id, []).append(note)
            if receipt is not None:
                receipts[invoice_id] = receipt
    # The order's number is in the snapshot: no query for it.
    return Page([Row(invoice, invoice.data["order_number"], notes.get(invoice.id, []),
                     receipts.get(invoice.id)) for invoice in invoices],
                result.total, result.page, result.per_page)


def count(year: int) -> int:
    return db.session.scalar(select(func.count(Invoice.id)).where(Invoice.year == year))


class NotCash(ValueError):
    """Only a cash sale gets a fiscal receipt from the shop's device (cards: the bank's)."""


class AlreadyRecorded(ValueError):
    """The order's fiscal receipt number was recorded before: it is not changed."""

    def __init__(self, number: str):
        super().__init__(number)
        self.number = number


def record_receipt(order_id: int, number: str, actor: Actor,
                   now: datetime | None = None) -> FiscalReceipt:
    """Record the fiscal receipt number of a cash order, once, audited.

    Recorded once, never corrected: the receipt is the fiscal device's own record of the sale,
    reported to the tax office as it was printed, and the customer's order page shows the
    number; a number that could be swapped later would make the shop's records say two
    things. The invoice is not touched either way (its PDF prints only its snapshot, see
    documents.invoice_pdf). The same number sent again (a double click) returns the first
    record without a second audit row. Raises LookupError, NotCash, AlreadyRecorded (another
    number was recorded) or ValueError (a number of the wrong shape)."""
    number = " ".join(number.split())
    if not RECEIPT_NUMBER.match(number):
        raise ValueError(number)
    # Two first recordings at once: the second waits for the first and then finds its row
    # (SQLite: the write lock taken before the read; PostgreSQL: the order's row lock).
    begin_write()
    try:
        order = db.session.get(Order, order_id, with_for_update=True)
        if order is None:
            raise LookupError(order_id)
        if order.payment_method != CASH:
            raise NotCash(order.number)
        receipt = db.session.scalar(select(FiscalReceipt)
                                    .where(FiscalReceipt.order_id == order_id))
        if receipt is not None:
            if receipt.number != number:
                raise AlreadyRecorded(receipt.number)
            db.session.rollback()
            return receipt
        receipt = FiscalReceipt(order_id=order_id, number=number,
                                recorded_at=now or shoptime.now(),
                                recorded_by=actor.email or "")
        db.session.add(receipt)
        audit.record(actor, "invoice.receipt", "order", order.number, number)
        db.session.commit()
        return receipt
    except (LookupError, ValueError):
        db.session.rollback()
        raise
