"""Admin: the versioned documents (privacy policy, terms of sale), how many customers accepted
each version, and publishing a new one. Both kinds share these pages and their rules; ``Doc``
says what differs (titles and addresses)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from ..forms import add_error, cleaned
from ..i18n import _l
from ..privacy import manage
from ..privacy import services as privacy
from ..privacy.models import PRIVACY, TERMS
from ..shoptime import shop_today
from . import bp, current_actor
from .policy_forms import PolicyForm, too_far_message


@dataclass(frozen=True)
class Doc:
    kind: str
    title: object  # lazy string
    versions_title: object
    active_page: str  # the admin menu entry and the list's endpoint (admin.<active_page>)
    show: str  # endpoint of one version
    new: str  # endpoint of the form
    submit: str
    public: str  # the public page of the version in force
    public_version: str


DOCS = {
    PRIVACY: Doc(PRIVACY, _l("Privacy policy"), _l("Privacy policy versions"), "policies",
                 "admin.policy", "admin.policy_new", "admin.policy_submit", "privacy.policy",
                 "privacy.version"),
    TERMS: Doc(TERMS, _l("Terms of sale"), _l("Terms of sale versions"), "terms",
               "admin.terms_version", "admin.terms_new", "admin.terms_submit", "privacy.terms",
               "privacy.terms_version"),
}


def _explain(error: privacy.PolicyError) -> str:
    # The service speaks English to logs and the command line; the owner reads Albanian.
    if error.reason == privacy.TOO_SOON:
        return ngettext("A new version can take effect no sooner than %(num)d day after it is "
                        "published: the earliest day is %(date)s.",
                        "A new version can take effect no sooner than %(num)d days after it is "
                        "published: the earliest day is %(date)s.", privacy.NOTICE_DAYS,
                        date=format_date(error.day, "long"))
    if error.reason == privacy.TOO_FAR:
        return too_far_message(error.day)
    if error.reason == privacy.NOT_AFTER_LATEST:
        return _("A new version must take effect after the latest one (%(date)s).",
                 date=format_date(error.day, "long") if error.day else "–")
    return _("The policy needs its text in Albanian and in English.")


def _render(template: str, doc: Doc, status: int = 200, **context):
    return render_template(f"admin/policy/{template}.html", active_page=doc.active_page,
                           doc=doc, **context), status


def _listing(doc: Doc):
    return _render("list", doc, rows=manage.listing(shop_today(), doc.kind))


def _show(doc: Doc, number: int):
    found = privacy.version(number, doc.kind) or abort(404)
    return _render("show", doc, policy=found)


def _new(doc: Doc):
    return _render("form", doc, form=PolicyForm(data=manage.draft(shop_today(), doc.kind)))


def _submit(doc: Doc):
    form = PolicyForm()
    action = request.form.get("action", "preview")
    if action == "edit" or not form.validate_on_submit():
        return _render("form", doc, 200 if action == "edit" else 422, form=form)
    if action != "publish":
        return _render("preview", doc, form=form, number=manage.next_number(doc.kind))
    try:
        created = manage.publish(cleaned(form), datetime.now(UTC), current_actor(), doc.kind)
    except privacy.PolicyError as error:
        add_error(form.effective_from, _explain(error))
        return _render("form", doc, 422, form=form)
    flash(_("Version %(num)d is published. It takes effect on %(date)s; customers see a notice "
            "until then.", num=created.version, date=format_date(created.effective_from, "long")),
          "success")
    return redirect(url_for(f"admin.{doc.active_page}"), 303)


@bp.get("/policy")
def policies():
    return _listing(DOCS[PRIVACY])


@bp.get("/policy/<int:number>")
def policy(number: int):
    return _show(DOCS[PRIVACY], number)


@bp.get("/policy/new")
def policy_new():
    return _new(DOCS[PRIVACY])


@bp.post("/policy/new")
def policy_submit():
    return _submit(DOCS[PRIVACY])


@bp.get("/terms")
def terms():
    return _listing(DOCS[TERMS])


@bp.get("/terms/<int:number>")
def terms_version(number: int):
    return _show(DOCS[TERMS], number)


@bp.get("/terms/new")
def terms_new():
    return _new(DOCS[TERMS])


@bp.post("/terms/new")
def terms_submit():
    return _submit(DOCS[TERMS])
