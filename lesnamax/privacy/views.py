"""Privacy: the policy and its versions, re-acceptance, consents; the terms of sale and their
versions, also as PDF (export and erasure of an account are the account area's:
account/data_views.py)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import htmx, trader
from ..i18n import current_code
from ..shoptime import shop_today
from ..site import safe_next
from ..web import NOTICE_COOKIE, visit
from . import services
from . import terms as documents
from .forms import AcceptForm, MarketingForm
from .models import TERMS

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def policy():
    current = services.in_force(shop_today())
    return render_template("privacy/policy.html", policy=current, is_current=True)


@bp.get("/privacy/versions/<int:number>")
def version(number: int):
    found = services.version(number)
    if found is None:
        abort(404)
    current = services.state(shop_today()).in_force
    return render_template("privacy/policy.html", policy=found, is_current=number == current)


@bp.get("/terms")
def terms():
    today = shop_today()
    current = services.in_force(today, TERMS)
    # A published version not yet in force is announced here (it applies to later orders).
    return render_template("privacy/terms.html", policy=current, is_current=True,
                           trader=trader.details(), coming=services.state(today, TERMS))


@bp.get("/terms/versions/<int:number>")
def terms_version(number: int):
    found = services.version(number, TERMS) or abort(404)
    current = services.state(shop_today(), TERMS).in_force
    return render_template("privacy/terms.html", policy=found, is_current=number == current,
                           trader=trader.details())


@bp.get("/terms/versions/<int:number>.pdf")
def terms_pdf(number: int):
    found = services.version(number, TERMS) or abort(404)
    response = Response(documents.pdf_of(found, current_code()), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="{documents.filename(found.version)}"')
    return response


@bp.post("/privacy/notice/dismiss")
def dismiss_notice():
    pending = services.state(shop_today()).pending
    if htmx.is_htmx():
        response = Response("")
    else:
        response = redirect(safe_next(request.form.get("next")), 303)
    if pending:
        response.set_cookie(
            NOTICE_COOKIE, str(pending), max_age=60 * 24 * 3600, samesite="Lax", httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.route("/privacy/accept", methods=["GET", "POST"])
@login_required
def accept():
    form = AcceptForm()
    next_url = safe_next(request.values.get("next") or url_for("account.index"))
    if form.validate_on_submit():
        services.accept_current(current_user, visit(), shop_today())
        flash(_("Thank you. You have accepted the privacy policy in force."), "success")
        return redirect(next_url, 303)
    current = services.in_force(shop_today())
    # An account that never accepted any version (an admin made by `flask create-admin`) is
    # asked to accept the policy, not told that it changed.
    first_time = services.accepted_version(current_user) is None
    return render_template("privacy/accept.html", form=form, policy=current, next_url=next_url,
                           first_time=first_time), (422 if form.is_submitted() else 200)


@bp.get("/account/privacy")
@login_required
def overview():
    history = services.consent_history(current_user)
    return render_template(
        "privacy/overview.html",
        history=history,
        latest=services.latest_consents(history),
        form=MarketingForm(),
    )


@bp.post("/account/privacy/marketing")
@login_required
def marketing():
    form = MarketingForm()
    if not form.validate_on_submit():
        abort(400)
    granted = form.granted.data == "1"
    services.set_marketing(current_user, granted, visit(), shop_today())
    message = (
        _("You will receive our offers by e-mail.")
        if granted
        else _("You will no longer receive marketing e-mails.")
    )
    if not htmx.is_partial():
        flash(message, "success")
        return redirect(url_for("privacy.overview"), 303)
    history = services.consent_history(current_user)
    return render_template(
        "privacy/_marketing_response.html",
        latest=services.latest_consents(history),
        history=history,
        form=MarketingForm(),
        saved=message,
    )
