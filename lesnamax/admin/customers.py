"""Admin: customers, what the shop holds about each one, exports and disclosures."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import htmx
from ..account import manage as accounts
from ..forms import add_error, cleaned
from ..privacy.manage import DisclosureError, record_disclosure
from ..shoptime import shop_today
from . import bp, current_actor
from .customer_forms import CustomerSearchForm, DisclosureForm

MAX_PAGE = 10_000


@bp.get("/customers")
def customers():
    form = CustomerSearchForm(request.args)
    valid = form.validate()
    page = request.args.get("page", 1, type=int)
    query = form.q.data if valid else ""
    found = accounts.search(query, min(max(page, 1), MAX_PAGE), current_actor())
    response = htmx.page_or_partial(
        "admin/customers/list.html", "admin/customers/_customer_list.html",
        active_page="customers", form=form, found=found, query=query)
    return response, (200 if valid else 400)


@bp.get("/customers/<int:user_id>")
def customer(user_id: int):
    found = accounts.open_file(user_id, current_actor())
    if found is None:
        abort(404)
    return render_template("admin/customers/show.html", active_page="customers", file=found)


@bp.post("/customers/<int:user_id>/export")
def customer_export(user_id: int):
    exported = accounts.export(user_id, current_actor())
    if exported is None:
        abort(404)
    response = Response(json.dumps(exported, ensure_ascii=False, indent=2),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="lesnamax-klienti-{user_id}.json"')
    return response


@bp.route("/customers/<int:user_id>/disclosures/new", methods=["GET", "POST"])
def disclosure_new(user_id: int):
    user = accounts.find(user_id) or abort(404)
    form = DisclosureForm()
    if form.validate_on_submit():
        try:
            record_disclosure(user, **_disclosure_values(form), today=shop_today(),
                              actor=current_actor())
        except DisclosureError as error:
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

