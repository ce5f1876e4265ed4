""""Tell me when it is back": one e-mail, sent once, when a sold-out product or variant returns.

A customer or a visitor asks on the product page, giving their consent to this one purpose
(``privacy.models.BACK_IN_STOCK`` in the consent ledger; a visitor's record has no customer
and goes with the request). Nobody can flood a stranger's inbox through the form: requests are
limited per IP address (views) and per e-mail address from anywhere (``address_allowed``), one
address has at most ``STOCK_ALERT_MAX_WAITING`` requests waiting, and each request brings one
e-mail at most.

Sending is a periodic job (``notify_due``, every minute in lesnamax/tasks.py): whatever made the
stock come back (the owner's edit, a CSV import, a cancelled order, a received return), the job
finds it. Each request is claimed by a conditional UPDATE (``sent_at`` from NULL) in the same
transaction that writes its e-mail to the outbox, so two jobs running at once, after two stock
returns at once, write one e-mail; a rolled-back claim writes none.

Every e-mail carries a signed stop link (and RFC 8058's one-click ``List-Unsubscribe``): it
deletes every request of that address, and for a customer records the withdrawal. Requests are
deleted ``STOCK_ALERT_DAYS`` after they were made, sent or not (``purge``, hourly).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import mail, outbox, ratelimit
from ..catalogue.models import Product
from ..database import begin_write
from ..extensions import db
from ..i18n import LOCALES
from ..privacy import services as privacy
from ..privacy.models import BACK_IN_STOCK, ConsentRecord
from ..shoptime import shop_day
from .models import StockAlert, User

_SALT = "stock-alert-stop"

#: What ``ask`` did.
CREATED, ALREADY, IN_STOCK, TOO_MANY = "created", "already", "in_stock", "too_many"


def normalise(email: str) -> str:
    return (email or "").strip().lower()


def _address_key(email: str) -> str:
    return "stock-alert:email:" + hashlib.sha256(normalise(email).encode()).hexdigest()[:32]


def address_allowed(email: str) -> bool:
    """Count one request for ``email``; False past STOCK_ALERT_LIMIT_PER_ADDRESS (from any IP
    address), or when the address already has STOCK_ALERT_MAX_WAITING requests waiting."""
    config = current_app.config
    waiting = db.session.scalar(select(func.count(StockAlert.id)).where(
        StockAlert.email == normalise(email), StockAlert.sent_at.is_(None))) or 0
    if waiting >= int(config["STOCK_ALERT_MAX_WAITING"]):
        return False
    if not config.get("RATELIMIT_ENABLED", True):
        return True
    item = parse(config["STOCK_ALERT_LIMIT_PER_ADDRESS"])
    return ratelimit.hit(_address_key(email), item.get_expiry())[0] <= item.amount


def waiting_for(product_id: int, email: str) -> StockAlert | None:
    return db.session.scalar(select(StockAlert).where(
        StockAlert.product_id == product_id, StockAlert.email == normalise(email),
        StockAlert.sent_at.is_(None)))


def ask(product: Product, email: str, user: User | None, language: str, visit,
        now: datetime) -> str:
    """Record a request for ``product`` to ``email``, with its consent; return what happened.

    ``IN_STOCK``: nothing to wait for. ``ALREADY``: the same request is waiting (nothing new
    is recorded). ``TOO_MANY``: the address's limits (see ``address_allowed``).
    """
    if product.in_stock:
        return IN_STOCK
    email = normalise(email)
    if waiting_for(product.id, email) is not None:
        return ALREADY
    if not address_allowed(email):
        return TOO_MANY
    begin_write()
    # A request already sent (the product sold out again since) is asked anew: its old row
    # and consent make way for the new ones.
    _delete(select(StockAlert.id).where(StockAlert.product_id == product.id,
                                        StockAlert.email == email))
    consent = ConsentRecord(user_id=user.id if user is not None else None,
                            purpose=BACK_IN_STOCK, granted=True,
                            policy_version_id=privacy.in_force(shop_day(now)).id,
                            ip=visit.ip, user_agent=(visit.user_agent or "")[:300], at=now)
    db.session.add(consent)
    db.session.flush()
    days = int(current_app.config["STOCK_ALERT_DAYS"])
    db.session.add(StockAlert(product_id=product.id, user_id=user.id if user else None,
                              email=email, language=language if language in LOCALES else "sq",
                              created_at=now, expires_at=now + timedelta(days=days),
                              consent_id=consent.id))
    try:
        db.session.commit()
    except IntegrityError:  # the same request sent twice at once (PostgreSQL: no write lock)
        db.session.rollback()
        return ALREADY
    return CREATED


def due_ids(now: datetime) -> list[int]:
    """Requests waiting whose product is active and in stock again."""
    return list(db.session.scalars(
        select(StockAlert.id).join(Product, Product.id == StockAlert.product_id)
        .where(StockAlert.sent_at.is_(None), StockAlert.expires_at > now,
               Product.sellable, Product.stock > 0)
        .order_by(StockAlert.id)))


def notify_due(now: datetime) -> int:
    """Write the e-mail of every request whose product is back; return how many were written.

    One transaction per request: the claim and its e-mail commit together or not at all.
    """
    written = 0
    for alert_id in due_ids(now):
        begin_write()
        claimed = db.session.execute(
            update(StockAlert).where(StockAlert.id == alert_id, StockAlert.sent_at.is_(None))
            .values(sent_at=now).execution_options(synchronize_session=False)).rowcount
        alert = db.session.get(StockAlert, alert_id) if claimed == 1 else None
        product = db.session.get(Product, alert.product_id) if alert is not None else None
        if product is None or not product.sellable or product.stock <= 0:
            # Another job sent it, or the stock went again between the query and the claim.
            db.session.rollback()
            continue
        outbox.add(_message(alert, product))
        db.session.commit()
        written += 1
    return written


def stop_token(alert: StockAlert) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).dumps(
        {"a": alert.id, "e": alert.email})


def address_of(token: str) -> str | None:
    """The address a stop link was made for, or None when it is forged or malformed."""
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    return data["e"]


def stop(email: str, visit, now: datetime) -> int:
    """Delete every request of ``email`` (the stop link); return how many there were.

    A customer's withdrawal is recorded in their ledger; a visitor's consent goes with the
    request, as nothing of them is left to send to.
    """
    email = normalise(email)
    begin_write()
    customers = set(db.session.scalars(select(StockAlert.user_id).where(
        StockAlert.email == email, StockAlert.user_id.is_not(None))))
    removed = _delete(select(StockAlert.id).where(StockAlert.email == email))
    if removed:
        policy = privacy.in_force(shop_day(now))
        for user_id in customers:
            db.session.add(ConsentRecord(user_id=user_id, purpose=BACK_IN_STOCK, granted=False,
                                         policy_version_id=policy.id, ip=visit.ip,
                                         user_agent=(visit.user_agent or "")[:300], at=now))
    db.session.commit()
    return removed


def cancel(user: User, alert_id: int, visit, now: datetime) -> bool:
    """A customer stops one of their own requests (the wishlist page)."""
    begin_write()
    removed = _delete(select(StockAlert.id).where(StockAlert.id == alert_id,
                                                  _of(user)))
    if removed:
        privacy.record_consent(user, BACK_IN_STOCK, False, privacy.in_force(shop_day(now)),
                               visit)
    db.session.commit()
    return bool(removed)


def _delete(ids) -> int:
    """Delete the requests ``ids`` selects, and the visitors' consents given for them."""
    rows = db.session.execute(select(StockAlert.id, StockAlert.consent_id, StockAlert.user_id)
                              .where(StockAlert.id.in_(ids))).all()
    if not rows:
        return 0
    db.session.execute(delete(StockAlert).where(StockAlert.id.in_([r[0] for r in rows])))
    visitors = [consent for _id, consent, user_id in rows if consent and user_id is None]
    if visitors:
        db.session.execute(delete(ConsentRecord).where(ConsentRecord.id.in_(visitors),
                                                       ConsentRecord.user_id.is_(None)))
    return len(rows)


def purge(now: datetime) -> int:
    """Delete the requests past ``expires_at`` (sent or not); return how many.

    Also a visitor's consent whose request went with its product (deleted by the owner: the
    database drops the request, and cannot know the consent is the visitor's alone)."""
    removed = _delete(select(StockAlert.id).where(StockAlert.expires_at <= now))
    db.session.execute(delete(ConsentRecord).where(
        ConsentRecord.user_id.is_(None), ConsentRecord.purpose == BACK_IN_STOCK,
        ConsentRecord.id.not_in(select(StockAlert.consent_id)
                                .where(StockAlert.consent_id.is_not(None)))))
    db.session.commit()
    return removed


def _of(user: User):
    # A customer's requests: made while logged in, or typed as a visitor with their address.
    return or_(StockAlert.user_id == user.id, StockAlert.email == normalise(user.email))


def of_customer(user: User) -> list[tuple[StockAlert, Product]]:
    return list(db.session.execute(
        select(StockAlert, Product).join(Product, Product.id == StockAlert.product_id)
        .where(_of(user)).order_by(StockAlert.created_at.desc(), StockAlert.id.desc())).all())


def export(user: User) -> list[dict]:
    return [{"sku": product.sku, "name": product.name_sq, "email": alert.email,
             "language": alert.language, "asked_at": alert.created_at.isoformat(),
             "expires_at": alert.expires_at.isoformat(),
             "sent_at": alert.sent_at.isoformat() if alert.sent_at else None}
            for alert, product in of_customer(user)]


def erase(user: User) -> None:
    """Delete the customer's requests (the caller commits: part of the account's erasure).
    Called before the address is blanked, so requests typed with it as a visitor go too."""
    _delete(select(StockAlert.id).where(_of(user)))


def _message(alert: StockAlert, product: Product):
    language = alert.language if alert.language in LOCALES else "sq"
    with mail.in_a_request(), force_locale(LOCALES[language]):
        base = current_app.config["BASE_URL"].rstrip("/")
        name = product.localized("name", language)
        link = base + url_for("catalogue.product", slug=product.slug, lang=language)
        stop_link = base + url_for("alerts.stop", token=stop_token(alert), lang=language)
        days = int(current_app.config["STOCK_ALERT_DAYS"])
        # A customer is greeted by name; a visitor typed only an address.
        customer = db.session.get(User, alert.user_id) if alert.user_id else None
        composed = mail.compose(alert.email, _("Back in stock: %(name)s", name=name),
                                "back_in_stock", product=product, name=name, link=link,
                                stop_link=stop_link, days=days,
                                first_name=customer.first_name if customer else "")
    # RFC 2369 and RFC 8058: mail clients offer their own one-click "unsubscribe", which
    # POSTs to the same signed link (lesnamax/account/alert_views.py).
    composed["List-Unsubscribe"] = f"<{stop_link}>"
    composed["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return composed
