"""Issuing invoices and credit notes: when, with which number, and what they say.

An invoice is issued when an order is paid by card (``order_paid``) or, in cash, when it is
delivered (``order_closed`` with DELIVERED): the moment the sale is complete. A credit note is
issued when money goes back: a card refund or void turned "done" (``payments.refund_done``) or
a cash refund the returns area records (``credit_note``). Signals are sent after their commit
and their receivers only log a failure, so ``issue_missing`` (a periodic job) issues what a
receiver missed. Every function here owns its transaction and is idempotent: one invoice per
order, one credit note per refund.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import String, cast, exists, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import shoptime, trader
from ..database import begin_write
from ..extensions import db
from ..i18n import LOCALES
from ..kosovo import municipality_name
from ..money import vat_in
from ..orders.models import CARD, DELIVERED, PAID, PROCESSING, SHIPPED, Order, OrderLine
from ..payments.models import DONE, REFUND, VOID, PaymentMovement
from ..returns.models import ReturnLine
from . import documents, numbering
from .models import CREDIT_NOTE, INVOICE, CreditNote, Invoice

#: Card orders are invoiced once paid, whatever they became since (except cancelled before
#: the sweep saw them: their money went back the same day and no sale happened).
_CARD_SOLD = (PAID, PROCESSING, SHIPPED, DELIVERED)
#: How far back the sweep looks: what a failed receiver missed lately, not the shop's history
#: from before invoices existed (those sales had their fiscal receipts).
SWEEP_DAYS = 7
DELIVERY = "delivery"
ASSEMBLY = "assembly"
#: The fee the shop added for paying in instalments: part of the price paid, VAT included.
INSTALMENT_FEE = "instalment_fee"
ADJUSTMENT = "adjustment"


def due(order: Order) -> bool:
    """A card order once paid; any order once delivered (cash is paid on delivery)."""
    return order.status == DELIVERED or (order.payment_method == CARD
                                         and order.status in _CARD_SOLD)


def issue(order_id: int, now: datetime | None = None) -> Invoice | None:
    """The order's invoice, issued now if it is due and has none; None if not due."""
    now = now or shoptime.now()
    order = _locked(order_id)
    try:
        if order is None:
            return None
        found = invoice_of(order_id)
        if found is None and due(order):
            found = _issue(order, now)
        db.session.commit()
        return found
    except IntegrityError:  # another process issued it first (the order lock makes it rare)
        db.session.rollback()
        return invoice_of(order_id)


def invoice_of(order_id: int) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.order_id == order_id))


def _locked(order_id: int) -> Order | None:
    # The order's row lock (PostgreSQL) or the write lock (SQLite) makes a second issue of the
    # same order wait, then find the first one's invoice.
    begin_write()
    return db.session.scalar(select(Order).where(Order.id == order_id).with_for_update()
                             .options(selectinload(Order.lines))
                             .execution_options(populate_existing=True))


def _issue(order: Order, now: datetime) -> Invoice:
    year = shoptime.shop_day(now).year
    seq = numbering.take(INVOICE, year)
    data = snapshot(order)
    invoice = Invoice(order_id=order.id, year=year, seq=seq,
                      number=numbering.formatted(INVOICE, year, seq), issued_at=now,
                      total_cents=data["total_cents"], vat_cents=data["vat_cents"], data=data)
    db.session.add(invoice)
    db.session.flush()
    return invoice


def snapshot(order: Order) -> dict:
    """Everything the invoice prints, frozen: trader, buyer, lines without VAT, VAT, totals.

    The VAT rate is the order's, the one its prices included when placed: a rate changed in
    the settings since (a cash order is invoiced at delivery) applies to later orders only."""
    rate = order.vat_percent
    lines = [_line(line.name, line.sku, line.quantity, line.line_total_cents, rate)
             for line in order.lines]
    # Assembly is a service of its own: one line per product assembled, with its VAT.
    lines += [_line(ASSEMBLY, line.sku, line.quantity, line.assembly_cents, rate)
              | {"item": line.name}
              for line in order.lines if line.assembly_unit_cents is not None]
    if order.delivery_cents:
        lines.append(_line(DELIVERY, "", 1, order.delivery_cents, rate))
    if order.instalment_fee_cents:
        lines.append(_line(INSTALMENT_FEE, "", 1, order.instalment_fee_cents, rate))
    with force_locale(LOCALES.get(order.language, "sq_XK")):
        seller = trader.details()
        data = {
            "language": order.language,
            "order_number": order.number,
            "order_date": order.created_at.isoformat(),
            "payment_method": order.payment_method,
            # Paid by card in this many instalments with this bank's card (None: in full).
            "instalments": order.instalments,
            "instalment_bank": order.instalment_bank,
            "delivery_method": order.delivery_method,
            "pickup_store": order.pickup_store_name or "",
            # The day chosen at checkout; it is not changed after placing, so it can be frozen.
            "delivery_day": order.delivery_day.isoformat() if order.delivery_day else "",
            "trader": {"legal_name": seller.legal_name, "name": seller.name,
                       "nrb": seller.nrb, "nf": seller.nf, "vat_number": seller.vat_number,
                       "address": str(seller.address), "phone": seller.phone,
                       "email": seller.email},
            "customer": {"name": f"{order.first_name} {order.last_name}".strip(),
                         "email": order.email, "phone": order.phone, "street": order.street,
                         "municipality": municipality_name(order.municipality),
                         "postal_code": order.postal_code},
            "company": ({"name": order.company_name, "nrb": order.company_nrb,
                         "address": order.company_address} if order.company_name else None),
        }
    return data | totals(lines)


def _line(name: str, sku: str, quantity: int, gross_cents: int, rate: int) -> dict:
    """A document line: the price with VAT is what the customer paid; the rest derives from it
    (VAT inside it, rounded once per line, so the lines add up to the total paid)."""
    vat = vat_in(gross_cents, rate)
    return {"name": name, "sku": sku, "quantity": quantity, "vat_rate": rate,
            "unit_net_cents": round((gross_cents - vat) / quantity) if quantity else 0,
            "net_cents": gross_cents - vat, "vat_cents": vat, "gross_cents": gross_cents}


def totals(lines: list[dict]) -> dict:
    """The lines and their sums, with the VAT per rate (Kosovo has 18 % and 8 %)."""
    rates: dict[int, dict] = {}
    for line in lines:
        group = rates.setdefault(line["vat_rate"], {"rate": line["vat_rate"], "net_cents": 0,
                                                     "vat_cents": 0})
        group["net_cents"] += line["net_cents"]
        group["vat_cents"] += line["vat_cents"]
    return {"lines": lines, "vat": [rates[r] for r in sorted(rates)],
            "net_cents": sum(line["net_cents"] for line in lines),
            "vat_cents": sum(line["vat_cents"] for line in lines),
            "total_cents": sum(line["gross_cents"] for line in lines)}


def credit_note(order_id: int, amount_cents: int, lines: list[dict] | None, now: datetime,
                *, key: str, reason: str = "") -> CreditNote | None:
    """The credit note for money given back on ``order_id`` (``key`` names that refund: the
    same key twice returns the first note). ``lines`` are the ledger's shape
    ``[{"name", "sku", "quantity", "cents"}]`` (cents with VAT); an amount that differs from
    them is shown as one adjustment line. The order's invoice is issued first if it has none
    (money was paid, since some goes back). The customer gets the PDF by e-mail, through the
    outbox, in the same transaction. None when there is nothing to credit (amount 0, no order).
    """
    order = _locked(order_id)
    try:
        found = db.session.scalar(select(CreditNote).where(CreditNote.key == key))
        if found is not None or order is None or amount_cents <= 0:
            db.session.commit()
            return found
        invoice = invoice_of(order_id) or _issue(order, now)
        note = _credit(order, invoice, amount_cents, lines or [], now, key, reason)
        documents.send_credit_note(order, invoice, note)
        db.session.commit()
        return note
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(CreditNote).where(CreditNote.key == key))


def _credit(order, invoice, amount_cents, lines, now, key, reason) -> CreditNote:
    rate = invoice.data["vat"][0]["rate"] if invoice.data["vat"] else \
        trader.details().vat_rate_percent
    if not lines and amount_cents == invoice.total_cents:
        # All the money back (a cancelled order's void or refund): the invoice's own lines.
        credited = [dict(line) for line in invoice.data["lines"]]
    else:
        credited = [_line(line["name"], line.get("sku", ""), line["quantity"], line["cents"],
                          rate) for line in lines]
        rest = amount_cents - sum(line["cents"] for line in lines)
        if rest:
            credited.append(_line(ADJUSTMENT, "", 1, rest, rate))
    year = shoptime.shop_day(now).year
    seq = numbering.take(CREDIT_NOTE, year)
    kept = {k: invoice.data[k] for k in ("language", "order_number", "trader", "customer",
                                         "company")}
    data = kept | {"invoice_number": invoice.number,
                   "invoice_date": invoice.issued_at.isoformat(), "reason": reason} | totals(
        credited)
    note = CreditNote(invoice_id=invoice.id, key=key, year=year, seq=seq,
                      number=numbering.formatted(CREDIT_NOTE, year, seq), issued_at=now,
                      total_cents=data["total_cents"], vat_cents=data["vat_cents"], data=data)
    db.session.add(note)
    db.session.flush()
    return note


def credit_for_movement(movement_id: int, now: datetime | None = None) -> CreditNote | None:
    """The credit note of a card void or refund the bank did ("done"); None otherwise."""
    movement = db.session.get(PaymentMovement, movement_id)
    if movement is None or movement.kind not in (VOID, REFUND) or movement.state != DONE:
        db.session.rollback()
        return None
    order_id, amount, lines = movement.order_id, movement.amount_cents, movement.lines
    reason = movement.reason
    db.session.rollback()
    return credit_note(order_id, amount, lines if movement.kind == REFUND else None,
                       now or shoptime.now(), key=f"movement:{movement_id}", reason=reason)


def issue_missing(now: datetime) -> tuple[int, int]:
    """Issue the invoices and credit notes a failed receiver left out (recent ones only):
    ``(invoices, credit notes)`` issued."""
    since = now - timedelta(days=SWEEP_DAYS)
    orders = list(db.session.scalars(select(Order.id).where(
        Order.updated_at >= since,
        or_(Order.status == DELIVERED,
            (Order.payment_method == CARD) & Order.status.in_(_CARD_SOLD)),
        ~exists().where(Invoice.order_id == Order.id)).order_by(Order.id)))
    key = literal("movement:") + cast(PaymentMovement.id, String)
    movements = list(db.session.scalars(select(PaymentMovement.id).where(
        PaymentMovement.kind.in_((VOID, REFUND)), PaymentMovement.state == DONE,
        PaymentMovement.answered_at >= since,
        ~exists().where(CreditNote.key == key)).order_by(PaymentMovement.id)))
    db.session.rollback()
    invoices = sum(issue(order_id, now) is not None for order_id in orders)
    notes = sum(credit_for_movement(movement_id, now) is not None for movement_id in movements)
    return invoices, notes


# Receivers, connected in lesnamax.connect_signals.

def on_order_paid(_sender, order: Order, **_extra) -> None:
    issue(order.id)


def on_order_closed(_sender, order: Order, **_extra) -> None:
    if order.status == DELIVERED:  # a cancelled order is closed too, and sold nothing
        issue(order.id)


def on_refund_done(_sender, order: Order, movement: PaymentMovement, **_extra) -> None:
    credit_for_movement(movement.id)


def on_cash_refunded(_sender, order: Order, ret, **_extra) -> None:
    """returns.signals.cash_refunded: the owner handed money back in cash for a return."""
    lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
    by_id = {line.id: line for line in lines}
    taken = db.session.execute(
        select(ReturnLine.order_line_id, ReturnLine.quantity).where(ReturnLine.return_id == ret.id)
    ).all()
    credited = [{"name": by_id[line_id].name, "sku": by_id[line_id].sku, "quantity": quantity,
                 "cents": by_id[line_id].unit_price_cents * quantity}
                for line_id, quantity in taken if line_id in by_id]
    credit_note(order.id, ret.refund_cents or 0, credited, shoptime.now(),
                key=f"return:{ret.id}", reason=ret.reason or "")
