"""Placing the order from the review page: one call decides, the view only renders its answer.

Every way a "place order" POST can end is here, in the order it is decided: an order already
placed with this key or from this cart (a second click, a re-post, another tab) is found first,
even though its cart is gone by now; then the page's own state (cart, steps, form) and the
policy; then ``orders.place_order``, whose single write transaction claims the cart, checks the
figures the page showed, takes the stock and writes the order with the acceptance of the
terms of sale (every order) and of a new privacy policy (when one is in force).
Once it is committed, ``order_placed`` is sent, and its receiver confirms a cash order by
e-mail (orders/signals.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..account.models import User
from ..orders import services as orders
from ..orders.models import Order
from ..privacy import services as privacy
from ..privacy.models import TERMS
from ..web import Visit

#: The order of this review's cart was placed, by this request or a twin of it.
PLACED = "placed"
#: An order placed earlier with this key, or from the cart this page showed, was found.
FOUND = "found"
#: Nothing is in the cart (and no order was found for it).
EMPTY = "empty"
#: A checkout step before the review has no data.
UNFINISHED = "unfinished"
#: The form did not validate (its CSRF token expired, a field was tampered with).
EXPIRED = "expired"
#: Prices, stock or delivery differ from what the page showed; nothing was ordered.
CHANGED = "changed"
#: A line asks for more than is left; nothing was ordered.
OUT_OF_STOCK = "out_of_stock"
#: The delivery day chosen has no room left (another order took it); nothing was ordered.
DAY_TAKEN = "day_taken"
#: A new privacy policy is in force and its box was not ticked.
NEEDS_POLICY = "needs_policy"
#: The terms of sale in force were not accepted (their box is required for every order).
NEEDS_TERMS = "needs_terms"
#: The box was ticked next to a version of the terms no longer in force.
TERMS_CHANGED = "terms_changed"


@dataclass(frozen=True)
class Ask:
    """What the review page posted, parsed by the view, and who posts it from where."""

    user: User  # the logged-in customer
    visit: Visit  # where from: kept with the order and with a policy acceptance
    key: str | None  # the idempotency key; None when not of the review page's making (then
    # ``valid`` is False too)
    reviewed_cart_id: int | None  # the cart the page showed
    cart_id: int | None  # the customer's open cart now, None when it has no lines
    delivery: orders.Delivery | None  # None while a checkout step is unfinished
    seen: str  # the fingerprint of the figures the page showed
    valid: bool  # the form validated (CSRF token included)
    accepted_policy: bool
    accepted_terms: bool
    terms_seen: int | None  # the version of the terms shown next to the box
    language: str
    today: date


@dataclass(frozen=True)
class Placement:
    outcome: str
    order: Order | None = None
    short: orders.OutOfStock | None = None
    #: The order found was placed by another tab (another key) from the same cart.
    another_window: bool = False


def place(ask: Ask) -> Placement:
    """Place the order ``ask`` describes, or say why not (see the module docstring)."""
    # With items in the cart the cart check below catches another tab's order; an empty cart
    # may be this very order's (its twin emptied it a moment ago), so both are looked for now.
    found = orders.already_placed(ask.user.id, ask.key,
                                  ask.reviewed_cart_id if ask.cart_id is None else None)
    if found is not None:
        return _answer(FOUND, found, ask)
    if ask.cart_id is None:
        return Placement(EMPTY)
    if ask.delivery is None:
        return Placement(UNFINISHED)
    if not ask.valid:
        return Placement(EXPIRED)
    if ask.reviewed_cart_id != ask.cart_id:
        # A review page of an earlier cart: the same items added again would match its
        # fingerprint and make a second order the customer never reviewed.
        found = orders.already_placed(ask.user.id, cart_id=ask.reviewed_cart_id)
        return _answer(FOUND, found, ask) if found is not None else Placement(CHANGED)
    needs_policy = privacy.needs_acceptance(ask.user, ask.today)
    # The contract is made on the terms in force: accepted with every order (none in force
    # only before the first version was published, as in a database from before them).
    terms_in_force = privacy.state(ask.today, TERMS).in_force
    needs_terms = terms_in_force is not None
    missing_terms = needs_terms and not ask.accepted_terms
    other_terms = needs_terms and ask.accepted_terms and ask.terms_seen != terms_in_force
    if (needs_policy and not ask.accepted_policy) or missing_terms or other_terms:
        # The page shown again must carry today's figures: a change is said first.
        holds = orders.figures_hold(orders.priced_lines(ask.cart_id), ask.delivery, ask.seen)
        if not holds:
            return Placement(CHANGED)
        if other_terms:
            return Placement(TERMS_CHANGED)
        return Placement(NEEDS_TERMS if missing_terms else NEEDS_POLICY)

    def accept(order: Order) -> None:
        # In the order's own transaction: the order and the acceptances are kept together.
        if needs_terms:
            order.terms_version = privacy.accept_terms(ask.user, ask.visit, ask.today,
                                                       order.id).version
        if needs_policy:
            privacy.record_acceptance(ask.user, ask.visit, ask.today, order_id=order.id)

    try:
        order = orders.place_order(
            ask.cart_id, ask.user.id, ask.delivery, ask.key, ip=ask.visit.ip,
            language=ask.language, policy_version=privacy.state(ask.today).in_force,
            seen=ask.seen, with_order=accept)
    except orders.FiguresChanged:
        return Placement(CHANGED)
    except orders.DayTaken:
        return Placement(DAY_TAKEN)
    except orders.OutOfStock as short:
        return Placement(OUT_OF_STOCK, short=short)
    except orders.EmptyCart:
        return Placement(EMPTY)
    except orders.KeyTaken:
        return Placement(EXPIRED)
    return _answer(PLACED, order, ask)


def _answer(outcome: str, order: Order, ask: Ask) -> Placement:
    return Placement(outcome, order, another_window=order.idempotency_key != ask.key)
