"""/contact: the form, and the acknowledgement shown once it was sent.

A personal page (never kept by the page cache): it carries a CSRF token like every form off
the catalogue, and what the visitor typed when it is shown again.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import trader
from ..extensions import limiter
from ..forms import add_error, cleaned
from ..i18n import current_code
from . import forms, services

bp = Blueprint("contact", __name__)

#: Session flag: the acknowledgement page is shown after a message only.
SENT = "contact_sent"


def _per_ip():
    # Read at request time, so the configuration (and a test) can change it.
    return current_app.config["CONTACT_REQUESTS_PER_IP"]


def links(details: trader.Trader) -> dict[str, str]:
    """Plain links that open a call, Viber or WhatsApp with the shop's numbers; nothing is
    loaded from those companies. Viber and WhatsApp numbers fall back to the phone."""
    def digits(number: str) -> str:
        return "".join(ch for ch in number if ch.isdigit())

    viber = getattr(details, "viber", "") or details.phone
    whatsapp = getattr(details, "whatsapp", "") or details.phone
    return {
        "tel": "tel:+" + digits(details.phone),
        # Viber wants the "+" of an international number, escaped in the query.
        "viber": "viber://chat?number=%2B" + digits(viber),
        "whatsapp": "https://wa.me/" + digits(whatsapp),
    }


def _page(form, status: int = 200):
    details = trader.details()
    return render_template("contact/contact.html", form=form, links=links(details),
                           shown_at=forms.shown_at_token(),
                           retention=current_app.config["CONTACT_RETENTION_MONTHS"]), status


@bp.route("/contact", methods=["GET", "POST"])
@limiter.limit(_per_ip, methods=["POST"])
def contact():
    form = forms.ContactForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.name.data = current_user.full_name
        form.email.data = current_user.email
    if not form.validate_on_submit():
        return _page(form, 422 if form.is_submitted() else 200)
    if form.website.data:
        # A robot filled the honeypot: acknowledged like anyone, kept and sent nowhere.
        session[SENT] = True
        return redirect(url_for("contact.sent"), 303)
    waited = forms.seconds_since_shown(form.shown_at.data)
    if waited is None or waited < current_app.config["CONTACT_MIN_SECONDS"]:
        add_error(form.message, _("That was very quick. Please check your message and send "
                                  "it again."))
        return _page(form, 422)
    values = cleaned(form)
    if not services.address_allowed(values["email"] or "", values["phone"] or ""):
        add_error(form.message, _("You have sent us several messages already. We will answer "
                                  "them; please wait a day before writing again, or call us."))
        return _page(form, 429)
    services.receive(values, current_code())
    session[SENT] = True
    return redirect(url_for("contact.sent"), 303)


@bp.get("/contact/sent")
def sent():
    if not session.pop(SENT, False):
        return redirect(url_for("contact.contact"), 303)
    return render_template("contact/sent.html", links=links(trader.details()))


def rate_limited():
    """Too many messages from one address (Flask-Limiter): the form again, with what was
    typed and a translated 429 (lesnamax/errors.py sends the refusal here)."""
    form = forms.ContactForm()
    add_error(form.message, _("Too many messages from your connection. Please wait an hour, "
                              "or call us."))
    return _page(form, 429)
