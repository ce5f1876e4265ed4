"""Admin: the order list, one order's record and moving an order along its statuses."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import htmx
from ..i18n import _l, current_code
from ..orders import labels
from ..orders import manage as manage_orders
from ..orders.models import CANCELLED
from ..orders.services import OutOfStock
from ..orders.status import InvalidTransition
from ..payments.manage import keeps_money, view_order
from ..shoptime import usable_day
from . import bp, current_actor, order_forms, order_money
from .order_forms import StatusForm

# "LM-2026-000123"; anything else cannot be an order number (and never reaches the database).
_NUMBER = re.compile(r"^[A-Z]{2}-\d{4}-\d{6,9}$")
#: The bank's words as the payments area stores them, for people to read.
BANK_WORDS = {
    "pending": _l("waiting for the bank"), "paid": _l("paid"), "failed": _l("failed"),
    "needs_review": _l("needs review"), "expired": _l("expired"), "review": _l("review"),
    "duplicate": _l("repeated delivery"), "ignored": _l("ignored"), "rejected": _l("rejected"),
    "browser_ok": _l("browser, approved page"), "browser_fail": _l("browser, failure page"),
    "callback": _l("bank callback"), "api-query": _l("asked through the bank's API"),
}


def _next(order, figures=None) -> list[str]:
    """The statuses offered: "cancelled" only once no card money is kept (or unanswered).

    A plain cancel would return the stock and tell the customer, and keep their money: the
    owner cancels such an order with "Cancel and give the money back" (order_money.py).
    """
    statuses = manage_orders.allowed_next(order.status)
    if CANCELLED in statuses and keeps_money(order.id, figures):
        statuses.remove(CANCELLED)
    return statuses


@bp.get("/orders")
def orders():
    filters, ignored = _filters(request.args.to_dict())
    page = manage_orders.search(filters, current_actor())
    return render_template(
        "admin/orders/list.html", active_page="orders", page=page,
        filters=filters, args=order_forms.filter_args(filters), payments=order_forms.PAYMENTS,
        ignored=[order_forms.FILTER_NAMES[name] for name in ignored])


@bp.get("/orders/<number>")
def order(number: str):
    return _page(_known(number), None, 200)


@bp.post("/orders/<number>/status")
def order_status(number: str):
    order = manage_orders.current(_known(number)) or abort(404)
    form = StatusForm().offer(order.status, _next(order))
    if request.form.get("status") == CANCELLED and keeps_money(order.id):
        return _refused(number, form, 409, _(
            "This order's card payment still holds money: use “Cancel and give the money "
            "back” below, so that the customer is refunded."))
    if not form.validate():
        return _refused(number, form, 422, _("Please correct the errors below."))
    try:
        change = manage_orders.change_status(number, form.current.data, form.status.data,
                                             current_actor(), notify=form.notify.data,
                                             note=form.note.data or "")
    except LookupError:
        abort(404)
    except manage_orders.AlreadyThere:
        return _done(number, _("The order is already in this status; nothing was changed."),
                     "info")
    except manage_orders.Stale as stale:
        return _refused(number, form, 409, _(
            "Someone changed this order meanwhile: it is now “%(status)s”. Check it and "
            "choose again.", status=labels.STATUS[stale.current]))
    except OutOfStock as short:
        return _refused(number, form, 409, ngettext(
            "Not enough stock of “%(name)s” (%(num)d left), so the order cannot take it back. "
            "Nothing was changed.",
            "Not enough stock of “%(name)s” (%(num)d left), so the order cannot take it back. "
            "Nothing was changed.", short.available,
            name=short.name_en if current_code() == "en" else short.name_sq))
    except InvalidTransition:
        return _refused(number, form, 409, _("This change of status is not allowed."))
    return _done(number, _status_message(change), "success")


def _filters(args: dict[str, str]) -> tuple[manage_orders.OrderFilter, list[str]]:
    """Read the list's filters; a day outside the years the list accepts is ignored too.

    Each day is checked on its own, before parse_filters may swap "from" and "to", so the
    page names the box the odd date was typed in.
    """
    unusable = [name for name in ("since", "until") if not usable_day(
        getattr(order_forms.parse_filters({name: args.get(name, "")})[0], name))]
    filters, ignored = order_forms.parse_filters(
        {key: value for key, value in args.items() if key not in unusable})
    return filters, ignored + unusable


def _known(number: str) -> str:
    if not _NUMBER.match(number):
        abort(404)
    return number


def _status_message(change) -> str:
    status = labels.STATUS[change.order.status]
    if change.emailed:
        return _("Status changed to “%(status)s”. The e-mail to the customer is in the outbox.",
                 status=status)
    return _("Status changed to “%(status)s”. No e-mail was sent.", status=status)


def _done(number: str, message: str, kind: str):
    """After a POST: the status section for htmx, a 303 back to the order page otherwise."""
    if not htmx.is_partial():
        flash(message, kind)
        return redirect(url_for("admin.order", number=number), 303)
    order = manage_orders.current(number)
    form = StatusForm(formdata=None).offer(order.status, _next(order))
    return render_template("admin/orders/_order_status.html", order=order, form=form,
                           message=message, kind=kind)


def _refused(number: str, form: StatusForm, code: int, message: str):
    """Answer a refused change with the form as typed, against the order's current status."""
    order = manage_orders.current(number)
    form.offer(order.status, _next(order))
    form.current.data = order.status  # a second try is made against what is there now
    if htmx.is_partial():
        return render_template("admin/orders/_order_status.html", order=order, form=form,
                               message=message, kind="error"), code
    return _page(number, form, code, message)


def _page(number: str, form: StatusForm | None, code: int, message: str | None = None,
          **sections):
    """The order page; ``sections`` is what another section's refused form needs (the
    fiscal receipt's, admin/invoices.py)."""
    record = view_order(number, current_actor()) or abort(404)
    order = record.order
    if form is None:
        form = StatusForm().offer(order.status, _next(order, record.figures))
    return render_template("admin/orders/order.html", active_page="orders", record=record,
                           order=order, form=form, message=message, kind="error",
                           bank_words=BANK_WORDS, money_kinds=order_money.KINDS,
                           money_states=order_money.STATES, **sections), code
