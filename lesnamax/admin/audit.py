"""The audit trail page: every admin change and every look at a customer's data."""

from __future__ import annotations

from datetime import date

from flask import render_template, request, url_for
from flask_babel import gettext as _

from .. import audit as audit_log
from ..audit import ACTION_LABELS
from ..i18n import _l
from ..shoptime import usable_day
from . import bp

SUBJECT_LABELS = {
    "product": _l("Product"), "category": _l("Category"), "order": _l("Order"),
    "user": _l("Customer"), "disclosure": _l("Disclosure"), "policy": _l("Policy version"),
    "terms": _l("Terms of sale version"),
}
SUBJECT_TYPES = tuple(SUBJECT_LABELS)
#: Where an event's record can be opened: subject type -> (endpoint, argument, as int).
SUBJECT_PAGES = {
    "product": ("admin.product_edit", "product_id", True),
    "order": ("admin.order", "number", False),
    "user": ("admin.customer", "user_id", True),
    "category": ("admin.edit_category", "category_id", True),
    "policy": ("admin.policy", "number", True),
    "terms": ("admin.terms_version", "number", True),
}


def subject_url(event) -> str | None:
    """A link to the record an event is about, when it has a page (deleted ones give 404)."""
    page = SUBJECT_PAGES.get(event.subject_type)
    if page is None or not event.subject_id:
        return None
    endpoint, argument, numeric = page
    if numeric and not event.subject_id.isdigit():
        return None
    return url_for(endpoint, **{argument: event.subject_id})


def _date(name: str, errors: dict[str, str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not usable_day(day):
        errors[name] = _("Enter a date like 2026-11-25.")
        return None
    return day


def _text(name: str, limit: int) -> str:
    # A NUL or other control character cannot be in any stored value (and PostgreSQL refuses
    # it in a query): such a filter matches nothing, so it is dropped.
    text = request.args.get(name, "").strip()[:limit]
    return "" if any(ord(c) < 32 for c in text) else text


@bp.get("/audit")
def audit():
    errors: dict[str, str] = {}
    args = request.args
    filters = audit_log.AuditFilter(
        action=args.get("action", "") if args.get("action") in ACTION_LABELS else "",
        actor=_text("actor", 254),
        subject_type=args.get("subject_type", "") if args.get("subject_type") in SUBJECT_TYPES
        else "",
        subject_id=_text("subject_id", 40),
        since=_date("since", errors), until=_date("until", errors),
    )
    found = audit_log.search(filters, args.get("page", 1, type=int))
    return render_template(
        "admin/audit.html", active_page="audit", found=found, filters=filters, errors=errors,
        actions=ACTION_LABELS, subject_types=SUBJECT_TYPES,
        subject_labels=SUBJECT_LABELS, subject_url=subject_url,
    ), 400 if errors else 200
