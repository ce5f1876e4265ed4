"""One campaign message: written in its reader's language when it is sent, with the chosen
products at that day's price, and the unsubscribe headers of RFC 2369 and RFC 8058.

The unsubscribe link carries a signed token naming the customer and the campaign (never the
address in clear); it does not expire, as a link in an old message must still work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import mail
from ..catalogue.models import Product
from ..extensions import db
from ..i18n import LOCALES
from .models import Campaign, CampaignProduct

_SALT = "newsletter-unsubscribe"
#: The most products one campaign shows.
MAX_PRODUCTS = 8


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(user_id: int, campaign_id: int) -> str:
    return _serializer().dumps([user_id, campaign_id])


def read_token(token: str) -> tuple[int, int] | None:
    """Return (user id, campaign id) from a token this shop signed; None for anything else."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        return value[0], value[1]
    return None


def unsubscribe_url(user_id: int, campaign_id: int) -> str:
    with mail.in_a_request():
        path = url_for("newsletter.unsubscribe", token=unsubscribe_token(user_id, campaign_id))
    return current_app.config["BASE_URL"].rstrip("/") + path


@dataclass(frozen=True)
class Shown:
    """A product as a message shows it, priced on the day the message is written."""

    name: str
    url: str
    price_cents: int
    regular_cents: int
    #: A family whose variants differ in price: "from" the cheapest.
    from_price: bool

    @property
    def on_sale(self) -> bool:
        return self.price_cents < self.regular_cents


def products_of(campaign_id: int) -> list[Product]:
    return list(db.session.scalars(
        select(Product).join(CampaignProduct, CampaignProduct.product_id == Product.id)
        .where(CampaignProduct.campaign_id == campaign_id)
        # A variant's family decides ``sellable`` (showcase): read with it, not one by one.
        .options(joinedload(Product.parent))
        .order_by(CampaignProduct.position, CampaignProduct.id)))


def showcase(campaign_id: int, lang: str, day: date) -> list[Shown]:
    """The campaign's products that are still on sale, priced on ``day``."""
    base = current_app.config["BASE_URL"].rstrip("/")
    shown = []
    for product in products_of(campaign_id):
        if not product.sellable:
            continue
        offer = product.offer(day)
        with mail.in_a_request():
            # A variant's own link opens its family's page with it chosen.
            path = url_for("catalogue.product", slug=product.slug)
        shown.append(Shown(product.localized("name", lang), base + path, offer.price_cents,
                           offer.regular_cents, product.is_family and product.price_varies))
    return shown


#: Stands for the reader's own unsubscribe link in a campaign's text written once per language.
_LINK = "https://unsubscribe.invalid/link"


def written(campaign: Campaign, lang: str, products: list[Shown],
            test: bool = False) -> tuple[str, str, str]:
    """The subject, text and HTML of the campaign in ``lang``, with ``_LINK`` for the
    reader's link: written once per language and run, not once per reader."""
    with mail.in_a_request(), force_locale(LOCALES.get(lang, LOCALES["sq"])):
        subject = campaign.localized("subject", lang)
        if test:
            subject = _("[Test] %(subject)s", subject=subject)
        text, html = mail.render("newsletter", subject, body=campaign.localized("body", lang),
                                 products=products, unsubscribe=_LINK)
    return subject, text, html


def compose(campaign: Campaign, to: str, user_id: int, lang: str,
            products: list[Shown], test: bool = False,
            texts: tuple[str, str, str] | None = None) -> EmailMessage:
    """The message for one reader, in ``lang``, with its unsubscribe link and headers;
    ``texts`` is what ``written`` returned for this language, if the caller kept it."""
    link = unsubscribe_url(user_id, campaign.id)
    subject, text, html = texts or written(campaign, lang, products, test)
    message = mail.assemble(to, subject, text.replace(_LINK, link), html.replace(_LINK, link))
    targets = [f"<{link}>"]
    mailto = current_app.config.get("NEWSLETTER_UNSUBSCRIBE_MAILTO") or ""
    if mailto:
        targets.append(f"<mailto:{mailto}?subject=unsubscribe>")
    # RFC 2369 (where to unsubscribe) and RFC 8058: a POST of this body to the https link
    # unsubscribes at once, so a mail client's "unsubscribe" button needs no page.
    message["List-Unsubscribe"] = ", ".join(targets)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Precedence"] = "bulk"
    return message
