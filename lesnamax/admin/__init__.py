"""The shop owner's pages under /admin: one blueprint, guarded in one place.

Each admin area is its own module (dashboard, products, categories, …) that adds views to
``bp``; they are imported at the bottom so that they can import ``bp`` from here. What the
pages do lives in the areas, in ``<area>/manage.py`` (and ``orders/reports.py`` for the
dashboard's figures); this package holds the blueprint, its guard, the forms and the views.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from ..audit import Actor

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin():
    # The only access check of the admin area: every view below inherits it, so a new page
    # cannot be left open by forgetting a decorator (tests/test_admin_access.py walks them all).
    if not current_user.is_authenticated:
        return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
    if not current_user.is_admin:
        abort(403)
    return None


@bp.after_request
def no_store(response):
    # Admin pages show personal data and live figures: never keep them in any cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.vary.add("Cookie")
    return response


@bp.context_processor
def admin_helpers():
    from flask import current_app

    # The navigation shows only pages that exist, so areas can be added one at a time.
    return {"admin_endpoints": frozenset(current_app.view_functions)}


def current_actor() -> Actor:
    """The admin making this request, for the audit trail."""
    return Actor(user_id=current_user.id, email=current_user.email, ip=request.remote_addr)


from . import (  # noqa: E402 - the modules below register their views on ``bp``
    audit,
    categories,
    csv_io,
    customers,
    dashboard,
    deliveries,
    images,
    invoices,
    messages,
    newsletter,
    order_money,
    orders,
    policy,
    products,
    returns,
    settings,
    variants,
)

__all__ = ["audit", "bp", "categories", "csv_io", "current_actor", "customers", "dashboard",
           "deliveries", "images", "invoices", "messages", "newsletter", "order_money", "orders",
           "policy", "products", "returns", "settings", "variants"]
