"""What the owner does with campaigns: write, change (while a draft), test, send; audited."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from .. import audit, outbox, shoptime
from ..account.models import User
from ..catalogue.models import Product
from ..extensions import db
from ..pagination import Page, paginate
from . import audience, messages, sending
from .models import DRAFT, Campaign, CampaignProduct, CampaignRecipient

PAGE_SIZE = 25
FIELDS = ("subject_sq", "subject_en", "body_sq", "body_en")


def listing(page: int) -> Page:
    return paginate(select(Campaign), page, PAGE_SIZE,
                    order_by=(Campaign.created_at.desc(), Campaign.id.desc()))


def counts(campaign_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(sent, unsubscribed) per campaign, for the list."""
    r = CampaignRecipient
    rows = db.session.execute(
        select(r.campaign_id, func.count().filter(r.sent_at.is_not(None)),
               func.count().filter(r.unsubscribed_at.is_not(None)))
        .where(r.campaign_id.in_(campaign_ids)).group_by(r.campaign_id)).all()
    return {campaign_id: (sent or 0, left or 0) for campaign_id, sent, left in rows}


def products_by_sku(skus: list[str]) -> tuple[list[Product], list[str]]:
    """The active products with these SKUs, in the order given, and the SKUs not found."""
    found = {p.sku.lower(): p for p in db.session.scalars(
        select(Product).where(func.lower(Product.sku).in_([s.lower() for s in skus]),
                              Product.sellable))}
    return ([found[s.lower()] for s in skus if s.lower() in found],
            [s for s in skus if s.lower() not in found])


def _set_products(campaign: Campaign, products: list[Product]) -> None:
    db.session.execute(delete(CampaignProduct).where(CampaignProduct.campaign_id == campaign.id))
    for position, product in enumerate(products):
        db.session.add(CampaignProduct(campaign_id=campaign.id, product_id=product.id,
                                       position=position))


def create(values: dict, products: list[Product], actor: audit.Actor) -> Campaign:
    campaign = Campaign(**{f: values[f] for f in FIELDS}, created_by_id=actor.user_id)
    db.session.add(campaign)
    db.session.flush()
    _set_products(campaign, products)
    audit.record(actor, "newsletter.create", "newsletter", campaign.id)
    db.session.commit()
    return campaign


def update_draft(campaign: Campaign, values: dict, products: list[Product],
                 actor: audit.Actor) -> bool:
    """Change a draft; False if it is no longer one (sending began meanwhile)."""
    if campaign.status != DRAFT:
        return False
    for name in FIELDS:
        setattr(campaign, name, values[name])
    _set_products(campaign, products)
    audit.record(actor, "newsletter.edit", "newsletter", campaign.id)
    db.session.commit()
    return True


def send_test(campaign: Campaign, actor: audit.Actor) -> str:
    """Send the campaign to the owner, in Albanian and in English, through the outbox;
    return the address written to."""
    owner = db.session.get(User, actor.user_id)
    today = shoptime.shop_today()
    for lang in ("sq", "en"):
        outbox.add(messages.compose(campaign, owner.email, owner.id, lang,
                                    messages.showcase(campaign.id, lang, today), test=True))
    audit.record(actor, "newsletter.test", "newsletter", campaign.id, owner.email)
    db.session.commit()
    return owner.email


def preview(campaign: Campaign, lang: str, actor: audit.Actor) -> str:
    """The HTML of the message as a customer in ``lang`` would get it (written to the owner)."""
    owner = db.session.get(User, actor.user_id)
    message = messages.compose(campaign, owner.email, owner.id, lang,
                               messages.showcase(campaign.id, lang, shoptime.shop_today()))
    return message.get_body(("html",)).get_content()


def send(campaign_id: int, actor: audit.Actor) -> int | None:
    """Address the campaign to the customers consenting now and queue the job; None if it
    was not a draft (a second click)."""
    total = sending.start(campaign_id, datetime.now(UTC))
    if total is None:
        return None
    audit.record_now(actor, "newsletter.send", "newsletter", campaign_id,
                     f"recipients={total}")
    sending.queue(campaign_id)
    return total


def audience_count() -> int:
    return audience.count()

