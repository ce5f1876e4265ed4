"""The customer's own data: download it (the right of access) and delete the account (erasure).

On the account blueprint (``/account/export.json``, ``/account/export``, ``/account/delete``);
the privacy page (``/account/privacy``) links here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Response, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from ..forms import add_error
from ..orders.services import open_numbers
from . import data, forms
from .services import check_password
from .views import bp


@bp.get("/export.json")
@login_required
def export_json():
    body = json.dumps(data.export(current_user), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="lesnamax-te-dhenat.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export")
@login_required
def export_html():
    response = Response(render_template("account/export.html", data=data.export(current_user)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = forms.PasswordCheckForm()
    # Their contact stays on these orders until they are delivered or cancelled (data.erase).
    kept = open_numbers(current_user.id)
    returning = data.returning_numbers(current_user.id)
    if form.validate_on_submit():
        if check_password(current_user, form.password.data):
            data.erase(current_user, datetime.now(UTC))
            logout_user()
            session.clear()
            flash(_("Your account and your personal data have been deleted."), "success")
            if kept:
                flash(ngettext(
                    "The delivery details of order %(numbers)s are kept until it is delivered "
                    "or cancelled, then erased.",
                    "The delivery details of orders %(numbers)s are kept until they are "
                    "delivered or cancelled, then erased.", len(kept), numbers=", ".join(kept)),
                    "info")
            return redirect(url_for("catalogue.home"), 303)
        add_error(form.password, _("Wrong password."))
    return render_template("account/delete.html", form=form, kept=kept,
                           returning=returning), (
        422 if form.is_submitted() else 200)
