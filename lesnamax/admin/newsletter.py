"""Admin: newsletter campaigns. Write (and change while a draft), preview in each language,
send a test to oneself, send to the customers consenting to marketing, follow the progress.
What they do is in lesnamax/newsletter/manage.py."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import htmx
from ..extensions import db
from ..forms import add_error, cleaned
from ..newsletter import manage, messages, sending
from ..newsletter.models import DRAFT, Campaign
from . import bp, current_actor
from .newsletter_forms import CampaignForm, skus

MAX_PAGE = 10_000


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


@bp.get("/newsletter")
def newsletter():
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    found = manage.listing(page)
    return render_template("admin/newsletter/list.html", active_page="newsletter", found=found,
                           counts=manage.counts([c.id for c in found.items]),
                           audience=manage.audience_count())


def _products(form) -> list | None:
    """The products the form names, or None after putting the error on the field."""
    wanted = skus(form.products.data)
    if len(wanted) > messages.MAX_PRODUCTS:
        add_error(form.products, ngettext("Choose at most %(num)d product.",
                                          "Choose at most %(num)d products.",
                                          messages.MAX_PRODUCTS))
        return None
    products, missing = manage.products_by_sku(wanted)
    if missing:
        add_error(form.products, _("No product on sale has the SKU %(skus)s.",
                                   skus=", ".join(missing)))
        return None
    return products


def _form_page(form, campaign=None, status=200):
    return render_template("admin/newsletter/form.html", active_page="newsletter", form=form,
                           campaign=campaign), status


@bp.route("/newsletter/new", methods=["GET", "POST"])
def newsletter_new():
    form = CampaignForm()
    if not form.validate_on_submit():
        return _form_page(form, status=422 if request.method == "POST" else 200)
    products = _products(form)
    if products is None:
        return _form_page(form, status=422)
    campaign = manage.create(cleaned(form), products, current_actor())
    flash(_("The campaign is saved as a draft. Look at the preview and send yourself a test."),
          "success")
    return redirect(url_for("admin.newsletter_show", campaign_id=campaign.id), 303)


@bp.route("/newsletter/<int:campaign_id>/edit", methods=["GET", "POST"])
def newsletter_edit(campaign_id: int):
    campaign = _campaign(campaign_id)
    if campaign.status != DRAFT:
        flash(_("A campaign that was sent cannot be changed."), "warning")
        return redirect(url_for("admin.newsletter_show", campaign_id=campaign.id), 303)
    form = CampaignForm(obj=campaign)
    if request.method == "GET":
        form.products.data = " ".join(p.sku for p in messages.products_of(campaign.id))
    if not form.validate_on_submit():
        return _form_page(form, campaign, 422 if request.method == "POST" else 200)
    products = _products(form)
    if products is None:
        return _form_page(form, campaign, 422)
    if not manage.update_draft(campaign, cleaned(form), products, current_actor()):
        flash(_("A campaign that was sent cannot be changed."), "warning")
    else:
        flash(_("The campaign is saved."), "success")
    return redirect(url_for("admin.newsletter_show", campaign_id=campaign.id), 303)


@bp.get("/newsletter/<int:campaign_id>")
def newsletter_show(campaign_id: int):
    campaign = _campaign(campaign_id)
    return render_template("admin/newsletter/show.html", active_page="newsletter",
                           campaign=campaign, progress=sending.progress(campaign.id),
                           products=messages.products_of(campaign.id),
                           audience=manage.audience_count())


@bp.get("/newsletter/<int:campaign_id>/progress")
def newsletter_progress(campaign_id: int):
    campaign = _campaign(campaign_id)
    if not htmx.is_partial():  # the polled fragment, opened as a page: the campaign's page
        return redirect(url_for("admin.newsletter_show", campaign_id=campaign.id), 303)
    return htmx.vary(make_response(render_template(
        "admin/newsletter/_progress.html", campaign=campaign,
        progress=sending.progress(campaign.id))))


@bp.get("/newsletter/<int:campaign_id>/preview/<lang>")
def newsletter_preview(campaign_id: int, lang: str):
    if lang not in ("sq", "en"):
        abort(404)
    campaign = _campaign(campaign_id)
    response = make_response(manage.preview(campaign, lang, current_actor()))
    # The message as sent: its own styles inline, no script, no remote anything.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "frame-ancestors 'none'; form-action 'none'")
    return response


@bp.post("/newsletter/<int:campaign_id>/test")
def newsletter_test(campaign_id: int):
    campaign = _campaign(campaign_id)
    address = manage.send_test(campaign, current_actor())
    flash(_("A test in Albanian and one in English are on their way to %(email)s.",
            email=address), "success")
    return redirect(url_for("admin.newsletter_show", campaign_id=campaign.id), 303)


@bp.post("/newsletter/<int:campaign_id>/send")
def newsletter_send(campaign_id: int):
    campaign = _campaign(campaign_id)
    total = manage.send(campaign.id, current_actor())
    if total is None:
        flash(_("This campaign is already being sent or was sent."), "warning")
    else:
        flash(ngettext("The campaign is being sent to %(num)d customer.",
                       "The campaign is being sent to %(num)d customers.", total), "success")
    return redirect(url_for("admin.newsletter_show", campaign_id=campaign.id), 303)

