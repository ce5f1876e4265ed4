"""A customer's invoice and credit notes as PDF, from their order page."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..i18n import current_code
from ..orders.models import Order
from . import documents, manage
from .models import CreditNote

bp = Blueprint("invoices", __name__)


@bp.get("/orders/<number>/invoice.pdf")
@login_required
def invoice(number: str):
    order = _own(number)
    found = manage.documents_of(order.id)
    if found.invoice is None:
        abort(404)
    return documents.response(documents.invoice_pdf(found.invoice, current_code()),
                              found.invoice.number)


@bp.get("/orders/<number>/credit-notes/<int:note_id>.pdf")
@login_required
def credit_note(number: str, note_id: int):
    order = _own(number)
    note = db.session.get(CreditNote, note_id)
    found = manage.documents_of(order.id)
    if note is None or found.invoice is None or note.invoice_id != found.invoice.id:
        abort(404)
    return documents.response(documents.credit_note_pdf(note, current_code()), note.number)


def _own(number: str) -> Order:
    """The customer's own order; anyone else's (or none) answers as a made-up number does,
    the rule of the order page (orders/views.py): checkout needs an account, so no guests."""
    order = db.session.scalar(select(Order).where(Order.number == number))
    if order is None or order.user_id != current_user.id:
        abort(404)
    return order


@bp.app_template_global()
def order_documents(order_id: int) -> manage.Documents:
    """The order's invoice and credit notes, for the customer's and the admin's order pages
    (orders/ comes before invoices/, so its template asks here)."""
    return manage.documents_of(order_id)
