"""The request's cart: read from and named in the signed session.

Outside the views so that checkout (a later area) can use it without importing cart's views.
"""

from __future__ import annotations

from flask import session
from flask_login import current_user

from . import services


def current_cart(create: bool = False):
    """The one reader of the session's cart: the customer's open cart or the visitor's (found
    by id and token together). ``create`` makes a new cart that is not yet in the session:
    ``remember_cart`` puts it there once a change to it was committed."""
    user_id = current_user.id if current_user.is_authenticated else None
    if create:
        return services.cart_for_writing(session.get("cart_id"), user_id,
                                         session.get("cart_token"))
    return services.open_cart(session.get("cart_id"), user_id, session.get("cart_token"))


def remember_cart(cart) -> None:
    """Name a visitor's saved cart in the (signed) session; customers' carts go by account."""
    if cart.user_id is None:
        session["cart_id"], session["cart_token"] = cart.id, cart.token


def remember_count(lines) -> int:
    """Keep the badge's number in the signed session, so pages need no query to show it."""
    session["cart_count"] = sum(line.quantity for line in lines)
    return session["cart_count"]


#: The municipality a visitor chose in the cart, or their checkout address's: what the cart
#: and the product pages' delivery note are worked out for.
DELIVERY_TO = "delivery_to"


def remember_municipality(slug: str) -> None:
    """Keep where the visitor wants delivery (a slug of ``kosovo.BY_SLUG``) in the session;
    checkout's address step calls it too, so one choice serves every page."""
    session[DELIVERY_TO] = slug


def delivery_municipality() -> str | None:
    """Where this visitor's goods would go: chosen in the cart or at checkout, else the
    address of the customer's account; None when nothing says."""
    chosen = session.get(DELIVERY_TO)
    if chosen:
        return chosen
    if current_user.is_authenticated:
        return current_user.municipality or None
    return None
