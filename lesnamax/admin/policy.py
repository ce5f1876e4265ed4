"""Admin: privacy policy versions, how many customers accepted each, and publishing a new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, distinct, func, select

from ..account.forms import add_error, cleaned
from ..extensions import db
from ..privacy import services as privacy
from ..privacy.models import PRIVACY_POLICY, ConsentRecord, PolicyVersion
from . import auditing, bp, current_actor
from .policy_forms import PolicyForm

IN_FORCE, PENDING, PAST = "in_force", "pending", "past"


@dataclass(frozen=True)
class VersionRow:
    version: int
    published_at: datetime
    effective_from: date
    state: str
    accepted: int


def versions(today: date) -> list[VersionRow]:
    """Return every version, newest first, with how many customers accepted it (one query)."""
    rows = db.session.execute(
        select(PolicyVersion.version, PolicyVersion.published_at, PolicyVersion.effective_from,
               func.count(distinct(ConsentRecord.user_id)))
        .outerjoin(ConsentRecord, and_(ConsentRecord.policy_version_id == PolicyVersion.id,
                                       ConsentRecord.purpose == PRIVACY_POLICY,
                                       ConsentRecord.granted.is_(True)))
        .group_by(PolicyVersion.id, PolicyVersion.version, PolicyVersion.published_at,
                  PolicyVersion.effective_from)
        .order_by(PolicyVersion.version.desc())
    ).all()
    # Computed here rather than from privacy.state(), whose cache may lag other processes.
    current = max((v for v, _p, start, _n in rows if start <= today), default=None)

    def state(number: int, start: date) -> str:
        return IN_FORCE if number == current else PENDING if start > today else PAST

    return [VersionRow(v, p, start, state(v, start), n) for v, p, start, n in rows]


def draft(today: date) -> dict:
    """Return the new version's starting values: the latest text, the earliest allowed day."""
    latest = db.session.scalar(select(PolicyVersion).order_by(PolicyVersion.version.desc()))
    earliest = today + timedelta(days=privacy.NOTICE_DAYS)
    if latest is None:
        return {"effective_from": earliest}
    return {"body_sq": latest.body_sq, "body_en": latest.body_en,
            "effective_from": max(earliest, latest.effective_from + timedelta(days=1))}


class PublishRefused(ValueError):
    """``privacy.services.publish`` said no; ``message`` is translated for the owner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _explain(error: privacy.PolicyError, now: datetime) -> str:
    # The service speaks English to logs and the command line; the owner reads Albanian.
    text = str(error)
    if text.startswith("a new version can take effect no sooner"):
        earliest = now.date() + timedelta(days=privacy.NOTICE_DAYS)
        return _("A new version can take effect no sooner than %(days)d days after it is "
                 "published: the earliest day is %(date)s.", days=privacy.NOTICE_DAYS,
                 date=format_date(earliest, "long"))
    if text.startswith("a new version must take effect after"):
        latest = db.session.scalar(select(func.max(PolicyVersion.effective_from)))
        return _("A new version must take effect after the latest one (%(date)s).",
                 date=format_date(latest, "long") if latest else "–")
    return _("The policy needs its text in Albanian and in English.")


def next_number() -> int:
    """Return the number the next published version gets (as privacy.services.publish does)."""
    return (db.session.scalar(select(func.max(PolicyVersion.version))) or 0) + 1


def publish_version(values: dict, now: datetime, actor: auditing.Actor) -> PolicyVersion:
    """Publish a new version through the privacy service, audited in the same commit."""
    number = next_number()
    auditing.record(actor, "policy.publish", "policy", number,
                    f"in force from {values['effective_from'].isoformat()}")
    try:
        created = privacy.publish(values["body_sq"], values["body_en"], values["effective_from"],
                                  now, summary_sq=values["summary_sq"] or "",
                                  summary_en=values["summary_en"] or "")
    except privacy.PolicyError as error:
        db.session.rollback()  # drops the audit event too: nothing was published
        raise PublishRefused(_explain(error, now)) from error
    # publish() already forgets the cache; said again so this process shows the notice at
    # once even if that service changes.
    privacy.forget_cache()
    return created


@bp.get("/policy")
def policies():
    return render_template("admin/policy/list.html", active_page="policies",
                           rows=versions(date.today()))


@bp.get("/policy/<int:number>")
def policy(number: int):
    found = privacy.version(number) or abort(404)
    return render_template("admin/policy/show.html", active_page="policies", policy=found)


@bp.get("/policy/new")
def policy_new():
    form = PolicyForm(data=draft(date.today()))
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
                               number=next_number())
    try:
        created = publish_version(cleaned(form), datetime.now(UTC), current_actor())
    except PublishRefused as refused:
        add_error(form.effective_from, refused.message)
        return render_template("admin/policy/form.html", active_page="policies", form=form), 422
    flash(_("Version %(num)d is published. It takes effect on %(date)s; customers see a notice "
            "until then.", num=created.version, date=format_date(created.effective_from, "long")),
          "success")
    return redirect(url_for("admin.policies"), 303)
