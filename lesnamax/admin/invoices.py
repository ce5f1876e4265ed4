"""Admin: the invoices of a year, an order's invoice and credit notes as PDF, and the fiscal
receipt number of a cash sale."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import audit, htmx
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
    return documents.response(documents.invoice_pdf(found.invoice, current_code()),
                              found.invoice.number)


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
    typed = request.form.get("receipt", "")
    try:
        invoices.record_receipt(order.id, typed, current_actor())
    except invoices.AlreadyRecorded as recorded:
        return _refused(order, typed, 409, _(
            "This order's fiscal receipt number was already recorded (%(number)s); it cannot "
            "be changed, so “%(typed)s” was not saved.", number=recorded.number,
            typed=" ".join(typed.split())[:40]))
    except invoices.NotCash:
        return _refused(order, typed, 422,
                        _("Only a cash sale gets a fiscal receipt number here."))
    except ValueError:
        return _refused(order, typed, 422, _("Type the fiscal receipt number as printed: up "
                                             "to 40 letters, digits, dashes or slashes."))
    message = _("The fiscal receipt number was recorded.")
    if htmx.is_partial():
        return _section(order, {"message": message, "kind": "success"})
    flash(message, "success")
    return redirect(url_for("admin.order", number=number), 303)


def _refused(order, typed: str, code: int, message: str):
    """The documents section (htmx) or the order page again with the message and the number
    as typed, so nothing typed is lost."""
    state = {"typed": typed, "message": message, "kind": "error"}
    if htmx.is_partial():
        return _section(order, state), code
    return order_pages._page(order.number, None, code, receipt_form=state)


def _section(order, state: dict) -> str:
    return render_template("admin/orders/_documents.html", order=order, receipt_form=state)


def _order(number: str):
    if not _NUMBER.match(number):
        abort(404)
    return manage_orders.current(number) or abort(404)
