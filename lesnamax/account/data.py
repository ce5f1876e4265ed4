"""The right of access (export) and the right to erasure, for one customer, and the purge of
old IP addresses: what the privacy policy promises, acting on accounts (so in the account area,
which comes after privacy and may use its consent ledger and disclosures)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from ..extensions import db
from ..kosovo import municipality_name
from ..orders.models import CLOSED_ON_ERASURE, Order
from ..orders.services import orders_of
from ..privacy.models import ConsentRecord
from ..privacy.services import consent_history, disclosure_data, disclosures_of
from ..returns.manage import open_order_ids
from . import signals, stock_alerts, wishlist
from .models import LoginEvent, ProfileChange, User, new_session_token


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export(user: User) -> dict:
    """Return everything the shop holds about ``user``, as plain data (for JSON and HTML)."""
    logins = db.session.scalars(
        select(LoginEvent).where(LoginEvent.user_id == user.id).order_by(LoginEvent.at.desc())
    )
    changes = db.session.scalars(
        select(ProfileChange)
        .where(ProfileChange.user_id == user.id)
        .order_by(ProfileChange.at.desc())
    )
    exported = {
        "profile": {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "phone": user.phone,
            "street": user.street,
            "municipality": municipality_name(user.municipality),
            "postal_code": user.postal_code,
            "language": user.language,
            "registered_at": _iso(user.created_at),
            "registered_from_ip": user.created_ip,
        },
        "consents": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "policy_version": c.policy_version.version,
                # Which document the version numbers: "privacy" or "terms" (of sale).
                "document": c.policy_version.kind,
                "at": _iso(c.at),
                "ip": c.ip,
                "user_agent": c.user_agent,
                # A withdrawal made from a newsletter's unsubscribe link names its campaign.
                "campaign": c.campaign_id,
            }
            for c in consent_history(user)
        ],
        "logins": [{"at": _iso(e.at), "ip": e.ip, "outcome": e.outcome} for e in logins],
        "profile_changes": [{"field": c.field, "at": _iso(c.at), "ip": c.ip} for c in changes],
        "orders": [_order(order) for order in orders_of(user.id)],
        # The only disclosure the policy allows (to competent authorities), shown to the person.
        "disclosures": [disclosure_data(d) for d in disclosures_of(user.id)],
        "wishlist": wishlist.export(user.id),
        # Made while logged in, or typed as a visitor with this account's address.
        "back_in_stock_requests": stock_alerts.export(user),
    }
    # What the areas to the right hold (the newsletters sent to the customer, …).
    for _receiver, sections in signals.exporting.send(user, user=user):
        exported.update(sections or {})
    return exported


def _order(order) -> dict:
    return {
        "number": order.number,
        "placed_at": _iso(order.created_at),
        "status": order.status,
        "total_cents": order.total_cents,
        "payment_method": order.payment_method,
        # Paid by card in instalments with this bank's card (None: in full), and their fee.
        "instalments": order.instalments,
        "instalment_bank": order.instalment_bank,
        "instalment_fee_cents": order.instalment_fee_cents,
        "delivery_method": order.delivery_method,
        "delivery_day": order.delivery_day.isoformat() if order.delivery_day else None,
        "pickup_store": order.pickup_store_name,
        "assembly_cents": order.assembly_cents,
        "delivery_address": f"{order.street}, {municipality_name(order.municipality)} "
        f"{order.postal_code}".strip(),
        "phone": order.phone,
        "ip": order.ip,
        "lines": [
            {"name": line.name, "sku": line.sku, "quantity": line.quantity,
             "unit_price_cents": line.unit_price_cents,
             "assembly_unit_cents": line.assembly_unit_cents}
            for line in order.lines
        ],
    }


def erase(user: User, now: datetime) -> None:
    """Erase every personal field of ``user`` and end all sessions.

    The row itself stays (anonymised) so that records the law requires us to keep for
    accounting, such as orders, still point somewhere; they carry their own copies.
    """
    # Before the address is blanked: requests typed with it as a visitor go too.
    stock_alerts.erase(user)
    wishlist.erase(user.id)
    # First, in this transaction: what later areas keep refers to the consents and the address.
    signals.erasing.send(user, user=user)
    for model in (ConsentRecord, LoginEvent, ProfileChange):
        db.session.execute(delete(model).where(model.user_id == user.id))
    user.email = f"erased-{user.id}@erased.invalid"
    user.password_hash = "!"  # matches no password
    user.first_name = user.last_name = user.phone = user.street = ""
    user.municipality = user.postal_code = ""
    user.created_ip = None
    user.session_token = new_session_token()
    user.erased_at = now
    # Disclosures to authorities stay as they are: they record a legal obligation we met
    # (who asked, on what basis, what was handed over) and may have to be shown again to the
    # authority or a court; the row still points at this anonymised account.
    # Orders stay for the accounts (amounts, products, dates), without the person. An open
    # order keeps the contact it needs to be delivered and confirmed (performing the contract)
    # until it is delivered or cancelled; erase_closed_orders() erases it then. A failed card
    # payment counts as closed: the erased customer cannot log in to pay it.
    db.session.execute(update(Order).where(Order.user_id == user.id).values(ip=None))
    _blank_contacts(Order.user_id == user.id, Order.status.in_(CLOSED_ON_ERASURE))
    db.session.commit()


#: An order's copy of its customer's contact, blanked when the customer is erased.
_CONTACT = {"email": "", "first_name": "", "last_name": "", "phone": "", "street": "",
            "postal_code": ""}


def returning_numbers(user_id: int) -> list[str]:
    """Numbers of the user's orders with an open return: their contact is kept until the
    return is closed (the delete page says so)."""
    return list(db.session.scalars(
        select(Order.number).where(Order.user_id == user_id, Order.id.in_(open_order_ids()))
        .order_by(Order.created_at, Order.id)))


def _blank_contacts(*where) -> int:
    # An order with an open return (a withdrawal the customer made before erasing) keeps its
    # contact until the return is closed: the refund, its e-mail and a cash hand-back need it
    # (returns.signals.return_closed erases it then).
    return db.session.execute(
        update(Order).where(*where, Order.id.not_in(open_order_ids())).values(**_CONTACT)
        .execution_options(synchronize_session=False)
    ).rowcount or 0


def erase_closed_orders(order_id: int | None = None) -> int:
    """Erase the contact kept on closed orders of erased customers (delivered, cancelled, or
    a failed card payment, e.g. one purge-expired has just given up on).

    Called when the owner closes an order (``order_id``) and by ``flask purge-expired`` for
    every order (in case an order was closed some other way); returns how many changed.
    """
    where = [Order.user_id.in_(select(User.id).where(User.erased_at.is_not(None))),
             Order.status.in_(CLOSED_ON_ERASURE), Order.email != ""]
    if order_id is not None:
        where.append(Order.id == order_id)
    changed = _blank_contacts(*where)
    db.session.commit()
    return changed


def on_order_closed(_sender, order: Order, **_extra) -> None:
    """The owner closed an order (orders.signals.order_closed) or its return
    (returns.signals.return_closed): erase what it kept, if it must."""
    erase_closed_orders(order.id)


def purge_ip_addresses(now: datetime, days: int) -> int:
    """Blank every recorded IP address older than ``days``; return how many rows changed."""
    cutoff = now - timedelta(days=days)
    changed = 0
    for model, column, ip in (
        (LoginEvent, LoginEvent.at, LoginEvent.ip),
        (ProfileChange, ProfileChange.at, ProfileChange.ip),
        (ConsentRecord, ConsentRecord.at, ConsentRecord.ip),
        (User, User.created_at, User.created_ip),
        (Order, Order.created_at, Order.ip),
    ):
        result = db.session.execute(
            update(model).where(column < cutoff, ip.is_not(None)).values({ip.key: None})
        )
        changed += result.rowcount or 0
    db.session.commit()
    return changed
