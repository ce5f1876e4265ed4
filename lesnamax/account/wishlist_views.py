"""The wishlist: the hearts on cards and product pages, their state, and /account/wishlist.

Cards are rendered once for everybody (lesnamax/cards.py) and catalogue pages are shared
(lesnamax/pagecache.py), so a heart there holds no person: it is a plain "save" form, without
a token (the cross-origin check guards it, as it guards add to cart). A small private request,
``GET /account/wishlist/hearts?ids=…``, answers with the saved hearts of the products on the
page (out of band) and, on a product page, the customer's own back-in-stock form: only that
answer is personal, and it is never cached. A visitor gets an empty 204 without a query.
Without JavaScript every heart is the "save" form, the product page says so after a save, and
removing is done on the wishlist page.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.exceptions import BadRequest

from .. import htmx
from ..site import safe_next
from ..text import whole_number
from ..web import visit
from . import stock_alerts, wishlist
from .views import bp

#: Hearts filled in per request: a page shows at most a few dozen products.
MAX_HEARTS = 60


def _product_id():
    raw = request.form.get("product", "")
    number = whole_number(raw, 9)
    if number is None:
        error = BadRequest()
        error.lesnamax_message = _("This product could not be found. Please reload the page.")
        raise error
    product = wishlist.sellable(number)
    if product is None:
        abort(404)
    return product


def _back(product) -> str:
    """Where a plain form goes back to: the page it was on (same site only), else the product."""
    referrer = request.referrer or ""
    own = request.host_url.rstrip("/")
    if referrer.startswith(own + "/"):
        return safe_next(referrer[len(own):])
    return url_for("catalogue.product", slug=product.slug)


def _heart(product, saved: bool, status: int = 200, message: str = ""):
    return htmx.respond(render_template("account/_heart.html", product=product, saved=saved,
                                        big=request.form.get("big") == "1",
                                        message=message), status)


@bp.post("/wishlist/add")
def wishlist_add():
    product = _product_id()
    if not current_user.is_authenticated:
        message = _("Log in or register to keep a wishlist.")
        if htmx.is_htmx():
            # 200: htmx swaps only 2xx and the form errors (base.html), and the heart must
            # say why nothing was saved.
            return _heart(product, False, 200, message)
        flash(message, "info")
        return redirect(url_for("account.login", next=_back(product)), 303)
    try:
        wishlist.add(current_user.id, product)
    except wishlist.WishlistFull:
        message = ngettext(
            "Your wishlist is full (%(num)d product). Remove it to save a new one.",
            "Your wishlist is full (%(num)d products). Remove some to save new ones.",
            wishlist.MAX_ITEMS)
        if htmx.is_htmx():
            return _heart(product, False, 422, message)
        flash(message, "error")
        return redirect(_back(product), 303)
    if htmx.is_htmx():
        return _heart(product, True)
    flash(_("Saved to your wishlist."), "success")
    return redirect(_back(product), 303)


@bp.post("/wishlist/remove")
@login_required
def wishlist_remove():
    product = _product_id()
    wishlist.remove(current_user.id, product.id)
    if htmx.is_htmx():
        if request.form.get("from") == "list":  # the row goes from the wishlist page
            return htmx.respond("")
        return _heart(product, False)
    flash(_("Removed from your wishlist."), "success")
    return redirect(_back(product), 303)


@bp.get("/wishlist/hearts")
def wishlist_hearts():
    """The saved hearts among ``ids`` (out of band), and the product page's personal
    back-in-stock form (``alert``): see the module docstring."""
    if not current_user.is_authenticated:
        return htmx.respond("", 204)
    ids = {number for raw in request.args.get("ids", "").split(",")[:MAX_HEARTS]
           if (number := whole_number(raw, 9)) is not None}
    saved = wishlist.saved_ids(current_user.id, ids)
    alert_product = None
    number = whole_number(request.args.get("alert", ""), 9)
    if number is not None:
        alert_product = wishlist.sellable(number)
    waiting = (stock_alerts.waiting_for(alert_product.id, current_user.email)
               if alert_product is not None and not alert_product.in_stock else None)
    return htmx.respond(render_template(
        "account/_hearts.html", products=wishlist.products_by_id(saved),
        big=request.args.get("big", type=int), alert_product=alert_product, waiting=waiting,
        token=stock_alerts.stop_token(waiting) if waiting else None))


@bp.get("/wishlist")
@login_required
def wishlist_page():
    return render_template("account/wishlist.html",
                           products=wishlist.products(current_user.id),
                           alerts=stock_alerts.of_customer(current_user),
                           stop_token=stock_alerts.stop_token)


@bp.post("/wishlist/alerts/<int:alert_id>/stop")
@login_required
def wishlist_alert_stop(alert_id: int):
    if not stock_alerts.cancel(current_user, alert_id, visit(), datetime.now(UTC)):
        abort(404)
    flash(_("You will not get that e-mail."), "success")
    return redirect(url_for("account.wishlist_page"), 303)
