"""The PDFs of invoices and credit notes, and the e-mail that carries a credit note.

Rendered from the snapshot the document kept at issue, never from the order as it is now:
the same PDF comes out in ten years. Only the labels follow the reader's language.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import mail, pdf
from ..i18n import LOCALES
from ..orders.models import Order
from ..shoptime import shop_day
from .models import CreditNote, Invoice

PDF = "application/pdf"


def invoice_pdf(invoice: Invoice, language: str) -> bytes:
    """The invoice as issued. Nothing recorded after issue is printed on it (the fiscal receipt
    number of a cash sale is shown on the order pages instead): an issued invoice's PDF must
    come out the same whatever the owner records later."""
    with force_locale(LOCALES.get(language, "sq_XK")):
        day = invoice.data.get("delivery_day")  # absent from invoices issued before days
        return pdf.render("invoice", doc=invoice, data=invoice.data,
                          issued=_day(invoice.issued_at),
                          delivery_day=date.fromisoformat(day).strftime("%d.%m.%Y") if day else "")


def credit_note_pdf(note: CreditNote, language: str) -> bytes:
    with force_locale(LOCALES.get(language, "sq_XK")):
        return pdf.render("credit_note", doc=note, data=note.data, issued=_day(note.issued_at),
                          invoice_issued=_day(datetime.fromisoformat(note.data["invoice_date"])))


def response(document: bytes, number: str) -> Response:
    """Shown in the browser (inline), never kept by a shared cache: it names the buyer."""
    answer = Response(document, mimetype=PDF)
    answer.headers["Content-Disposition"] = f'inline; filename="{filename(number)}"'
    answer.headers["Cache-Control"] = "private, no-store"
    return answer


def filename(number: str) -> str:
    return f"lesnamax-{number}.pdf"


def send_credit_note(order: Order, invoice: Invoice, note: CreditNote) -> bool:
    """Write the credit note's e-mail, its PDF attached, into the outbox, in the caller's
    transaction (sent once, after the commit); False when the order has no address left."""
    if not order.email:
        return False
    language = order.language if order.language in LOCALES else "sq"
    document = credit_note_pdf(note, language)
    with mail.in_a_request(), force_locale(LOCALES[language]):
        link = current_app.config["BASE_URL"].rstrip("/") + url_for(
            "orders.show", number=order.number)
        mail.send(order.email, _("Credit note for your order %(number)s", number=order.number),
                  "credit_note", order=order, invoice=invoice, note=note, link=link,
                  attachments=[mail.Attachment(filename(note.number), document)])
    return True


def _day(moment: datetime) -> str:
    return shop_day(moment).strftime("%d.%m.%Y")
