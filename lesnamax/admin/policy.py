"""Admin: privacy policy versions, how many customers accepted each, and publishing a new one."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from ..forms import add_error, cleaned
from ..privacy import manage
from ..privacy import services as privacy
from ..shoptime import shop_today
from . import bp, current_actor
from .policy_forms import PolicyForm, too_far_message


def _explain(error: privacy.PolicyError) -> str:
    # The service speaks English to logs and the command line; the owner reads Albanian.
    if error.reason == privacy.TOO_SOON:
        return _("A new version can take effect no sooner than %(days)d days after it is "
                 "published: the earliest day is %(date)s.", days=privacy.NOTICE_DAYS,
                 date=format_date(error.day, "long"))
    if error.reason == privacy.TOO_FAR:
        return too_far_message(error.day)
    if error.reason == privacy.NOT_AFTER_LATEST:
        return _("A new version must take effect after the latest one (%(date)s).",
                 date=format_date(error.day, "long") if error.day else "–")
    return _("The policy needs its text in Albanian and in English.")


@bp.get("/policy")
def policies():
    return render_template("admin/policy/list.html", active_page="policies",
                           rows=manage.listing(shop_today()))


@bp.get("/policy/<int:number>")
def policy(number: int):
    found = privacy.version(number) or abort(404)
    return render_template("admin/policy/show.html", active_page="policies", policy=found)


@bp.get("/policy/new")
def policy_new():
    form = PolicyForm(data=manage.draft(shop_today()))
    return render_template("admin/policy/form.html", active_page="policies", form=form)


@bp.post("/policy/new")
def policy_submit():
    form = PolicyForm()
    action = request.form.get("action", "preview")
    if action == "edit" or not form.validate_on_submit():
        status = 200 if action == "edit" else 422
        return render_template("admin/policy/form.html", active_page="policies",
                               form=form), status
    if action != "publish":
        return render_template("admin/policy/preview.html", active_page="policies", form=form,
                               number=manage.next_number())
    try:
        created = manage.publish(cleaned(form), datetime.now(UTC), current_actor())
    except privacy.PolicyError as error:
        add_error(form.effective_from, _explain(error))
        return render_template("admin/policy/form.html", active_page="policies", form=form), 422
    flash(_("Version %(num)d is published. It takes effect on %(date)s; customers see a notice "
            "until then.", num=created.version, date=format_date(created.effective_from, "long")),
          "success")
    return redirect(url_for("admin.policies"), 303)
