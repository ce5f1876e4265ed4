"""What a visitor's message does: one row and one e-mail to the shop, in one transaction.

Nothing is mailed to the sender. Their address is not verified, so an acknowledgement by
e-mail would let anyone make the shop's mail server send our text to any address they type (a
spam relay with our name on it, and a way to flood someone's inbox); the acknowledgement is on
screen only.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from limits import parse
from sqlalchemy import delete

from .. import mail, outbox, ratelimit, trader
from ..extensions import db
from ..i18n import LOCALES
from .models import ContactMessage

#: The owner reads the shop's mail in Albanian.
OWNER_LANGUAGE = "sq"


def _address_keys(email: str, phone: str) -> list[str]:
    keys = []
    for kind, value in (("email", email.lower()), ("phone", phone)):
        if value:
            keys.append(f"contact:{kind}:" + hashlib.sha256(value.encode()).hexdigest()[:32])
    return keys


def address_allowed(email: str, phone: str) -> bool:
    """Count one message for each address given; False when one of them has sent
    ``CONTACT_LIMIT_PER_ADDRESS`` already (from any IP address: one inbox cannot be flooded
    with the shop's attention, nor the owner's with one sender's)."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return True
    item = parse(config["CONTACT_LIMIT_PER_ADDRESS"])
    hits = [ratelimit.hit(key, item.get_expiry())[0] for key in _address_keys(email, phone)]
    return all(count <= item.amount for count in hits)


def receive(values: dict, language: str) -> ContactMessage:
    """Keep the message and write the shop's e-mail about it, committed together."""
    message = ContactMessage(name=values["name"], email=values["email"] or "",
                             phone=values["phone"] or "", body=values["message"],
                             language=language)
    db.session.add(message)
    db.session.flush()
    to = trader.details().email
    with mail.in_a_request(), force_locale(LOCALES[OWNER_LANGUAGE]):
        link = current_app.config["BASE_URL"].rstrip("/") + url_for("admin.messages")
        subject = _("Message from the website: %(name)s", name=message.name)
        composed = mail.compose(to, subject, "contact_message", message=message, link=link)
    if message.email:
        # The owner's "Reply" goes to the sender; the message itself comes from the shop.
        composed["Reply-To"] = message.email
    outbox.add(composed)
    db.session.commit()
    return message


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st becomes the last
    day of a shorter month)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def purge(now: datetime, months: int) -> int:
    """Delete messages older than ``months`` (the retention the privacy page states)."""
    cutoff = months_before(now, months)
    removed = db.session.execute(
        delete(ContactMessage).where(ContactMessage.created_at < cutoff)).rowcount
    db.session.commit()
    return removed
