"""Admin: customers, what the shop holds about each one, exports and disclosures."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from werkzeug.routing import BuildError

from .. import htmx
from ..account.forms import add_error, cleaned
from ..account.models import User
from ..extensions import db
from ..orders.models import Order
from ..orders.services import orders_of
from ..privacy import data, disclosures
from ..privacy.models import MARKETING
from ..privacy.services import consent_history, latest_consents
from ..text import fold
from . import auditing, bp, current_actor
from .customer_forms import CustomerSearchForm, DisclosureForm

PAGE_SIZE = 25
MAX_PAGE = 10_000
#: Letters ``text.fold`` changes that SQL's lower() may not (SQLite lowers ASCII only).
_FOLDED = [(ch, fold(ch)) for ch in "ëËçÇšŠčČćĆžŽĐéÉèÈüÜöÖâÂ" if fold(ch) != ch]
_PHONE_LIKE = re.compile(r"^[\d\s+()./\-]+$")


@dataclass(frozen=True)
class Page:
    rows: list  # (User, order count)
    page: int
    pages: int
    total: int


def _folded(column):
    """SQL twin of ``text.fold`` for the letters customers' names use."""
    for accented, plain in _FOLDED:
        column = func.replace(column, accented, plain)
    return func.lower(column)


def _phone_digits(query: str) -> str:
    """Return the national digits of a phone-like query (``044 123`` -> ``44123``), or ''."""
    if not _PHONE_LIKE.match(query):
        return ""
    digits = re.sub(r"\D", "", query)
    for prefix in ("00383", "383", "0"):
        if digits.startswith(prefix) and len(digits) > len(prefix):
            digits = digits[len(prefix):]
            break
    return digits if len(digits) >= 3 else ""


def search_customers(query: str, page: int, actor: auditing.Actor) -> Page:
    """Return one page of customers (newest first) matching every word of ``query``.

    Two queries whatever the page size: a count, and the rows with their order counts. The
    list shows names and e-mails, so looking at it is audited too, without the search words
    (they may be someone's name or phone).
    """
    condition = User.is_admin.is_(False)
    words = fold(query).split()
    if words:
        name = _folded(User.first_name + " " + User.last_name)
        matches = and_(*(or_(name.contains(word, autoescape=True),
                             User.email.contains(word, autoescape=True)) for word in words))
        digits = _phone_digits(query)
        if digits:
            matches = or_(matches, User.phone.contains(digits, autoescape=True))
        # An erased account's placeholder e-mail is no data to find it by.
        condition = and_(condition, matches, User.erased_at.is_(None))
    total = db.session.scalar(select(func.count(User.id)).where(condition)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    # Recorded (and committed) before the rows load: a commit afterwards would expire them.
    auditing.record_now(actor, "customer.view", "user", None,
                        f"list page={page}" + (" search" if words else ""))
    counts = (select(Order.user_id, func.count(Order.id).label("n"))
              .group_by(Order.user_id).subquery())
    rows = db.session.execute(
        select(User, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.user_id == User.id)
        .where(condition)
        .order_by(User.created_at.desc(), User.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page([tuple(row) for row in rows], page, pages, total)


@dataclass(frozen=True)
class CustomerFile:
    user: User
    consents: list
    marketing: bool
    orders: list
    disclosures: list


def open_customer(user_id: int, actor: auditing.Actor) -> CustomerFile | None:
    """Load everything shown on a customer's page and record that the admin looked."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    # Recorded first: committing after loading would expire every row the page shows.
    auditing.record_now(actor, "customer.view", "user", user.id)
    history = consent_history(user)
    latest = latest_consents(history).get(MARKETING)
    return CustomerFile(user, history, bool(latest and latest.granted), orders_of(user.id),
                        disclosures.of_user(user.id))


def export_customer(user_id: int, actor: auditing.Actor) -> dict | None:
    """Return the customer's own export (an access request), recording who took it."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    exported = data.export(user)
    auditing.record_now(actor, "customer.export", "user", user.id)
    return exported


def order_link(number: str | None) -> str | None:
    """Return the admin page of an order, once the orders area provides one."""
    for endpoint in ("admin.order", "admin.order_show"):
        if number and endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, number=number)
            except BuildError:
                continue
    return None


@bp.get("/customers")
def customers():
    form = CustomerSearchForm(request.args)
    valid = form.validate()
    page = request.args.get("page", 1, type=int)
    query = form.q.data if valid else ""
    found = search_customers(query, min(max(page, 1), MAX_PAGE), current_actor())
    response = htmx.page_or_partial(
        "admin/customers/list.html", "admin/customers/_customer_list.html",
        active_page="customers", form=form, found=found, query=query)
    return response, (200 if valid else 400)


@bp.get("/customers/<int:user_id>")
def customer(user_id: int):
    found = open_customer(user_id, current_actor())
    if found is None:
        abort(404)
    return render_template("admin/customers/show.html", active_page="customers", file=found,
                           order_link=order_link)


@bp.post("/customers/<int:user_id>/export")
def customer_export(user_id: int):
    exported = export_customer(user_id, current_actor())
    if exported is None:
        abort(404)
    response = Response(json.dumps(exported, ensure_ascii=False, indent=2),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="lesnamax-klienti-{user_id}.json"')
    return response


@bp.route("/customers/<int:user_id>/disclosures/new", methods=["GET", "POST"])
def disclosure_new(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = DisclosureForm()
    if form.validate_on_submit():
        try:
            disclosures.record(user, **_disclosure_values(form), today=date.today(),
                               actor=current_actor())
        except disclosures.DisclosureError as error:
            add_error(form[error.field], error.message)
        else:
            flash(_("The disclosure has been recorded."), "success")
            return redirect(url_for("admin.customer", user_id=user.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/customers/disclosure_form.html", active_page="customers",
                           form=form, user_id=user.id), status


def _disclosure_values(form: DisclosureForm) -> dict:
    values = cleaned(form)
    return {key: values[key] for key in ("authority", "legal_basis", "disclosed_on", "what")}

