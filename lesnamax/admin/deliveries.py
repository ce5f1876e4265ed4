"""Admin: the day's deliveries and pickups, a list the owner prints for the van and the
counter (``/admin/deliveries?day=YYYY-MM-DD``)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request
from flask_babel import gettext as _

from .. import shopsettings
from ..cart.pricing import PICKUP
from ..orders import manage as manage_orders
from ..shoptime import shop_today
from . import bp


def _day(raw: str | None) -> date | None:
    """The day asked for; today when none is given; None when it is not a date."""
    if not raw:
        return shop_today()
    try:
        return date.fromisoformat(raw.strip()) if len(raw.strip()) == 10 else None
    except ValueError:
        return None


@bp.get("/deliveries")
def deliveries():
    day = _day(request.args.get("day"))
    if day is None or not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        # Shown with the day picker, so the owner can correct it there.
        return render_template(
            "admin/deliveries.html", active_page="deliveries", day=None,
            typed=request.args.get("day", "")[:40], orders=[], pickups=[],
            problem=_("Write the day as a date, e.g. %(example)s.",
                      example=shop_today().isoformat())), 400
    orders = manage_orders.deliveries_on(day)
    shop = shopsettings.current()
    return render_template(
        "admin/deliveries.html", active_page="deliveries", day=day, typed=day.isoformat(),
        orders=[o for o in orders if o.delivery_method != PICKUP],
        pickups=[o for o in orders if o.delivery_method == PICKUP],
        previous=day - timedelta(days=1), next=day + timedelta(days=1),
        store_of=lambda order: shop.store(order.pickup_store_id), problem=None)
