"""Admin: the invoices of a year, an order's invoice and credit notes as PDF, and the fiscal
receipt number of a cash sale."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..i18n import current_code
from ..invoices import documents
from ..invoices import manage as invoices
from ..invoices.models import CreditNote
from ..orders import manage as manage_orders
from ..text import whole_number
from . import bp, current_actor
from . import orders as order_pages

_NUMBER = re.compile(r"^[A-Z]{2}-\d{4}-\d{6,9}$")  # as admin/orders.py


@bp.get("/invoices")
def invoice_list():
    years = invoices.years()
    year = whole_number(request.args.get("year"), 4)
    year = year if year in years else years[0]
    page = invoices.search(year, whole_number(request.args.get("page"), 6) or 1)
    return render_template("admin/invoices/list.html", active_page="invoice_list", page=page,
                           year=year, years=years, args={"year": year})


@bp.get("/orders/<number>/invoice.pdf")
def order_invoice(number: str):
    order = _order(number)
    found = invoices.documents_of(order.id)
    if found.invoice is None:
        abort(404)
    audit.record_now(current_actor(), "invoice.view", "order", order.number,
                     found.invoice.number)
    return documents.response(documents.invoice_pdf(found.invoice, current_code(),
                                                    found.receipt), found.invoice.number)


@bp.get("/orders/<number>/credit-notes/<int:note_id>.pdf")
def order_credit_note(number: str, note_id: int):
    order = _order(number)
    found = invoices.documents_of(order.id)
    note = db.session.get(CreditNote, note_id)
    if note is None or found.invoice is None or note.invoice_id != found.invoice.id:
        abort(404)
    audit.record_now(current_actor(), "invoice.view", "order", order.number, note.number)
    return documents.response(documents.credit_note_pdf(note, current_code()), note.number)


@bp.post("/orders/<number>/fiscal-receipt")
def order_fiscal_receipt(number: str):
    order = _order(number)
    try:
        invoices.record_receipt(order.id, request.form.get("receipt", ""), current_actor())
    except invoices.NotCash:  # no receipt field on a card order's page: said at the top
        return order_pages._page(number, None, 422,
                                 _("Only a cash sale gets a fiscal receipt number here."))
    except ValueError:
        return _refused(number, _("Type the fiscal receipt number as printed: up to 40 "
                                  "letters, digits, dashes or slashes."))
    flash(_("The fiscal receipt number was recorded."), "success")
    return redirect(url_for("admin.order", number=number), 303)


def _refused(number: str, message: str):
    """The order page again, answered 422, with the message next to the receipt's field (not
    in the status panel, which is about the status) and what was typed kept in it."""
    return order_pages._page(number, None, 422, receipt_error=message,
                             receipt_typed=request.form.get("receipt", "")[:100])


def _order(number: str):
    if not _NUMBER.match(number):
        abort(404)
    return manage_orders.current(number) or abort(404)
