"""Writing and reading the audit trail. Services take an ``Actor``; they never read the request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ..database import commit_keeping_loaded
from ..extensions import db
from ..pagination import Page, paginate
from .models import AuditEvent

PAGE_SIZE = 50


@dataclass(frozen=True)
class Actor:
    """The admin doing something, and from which address (the policy's IP clause)."""

    user_id: int | None
    email: str
    ip: str | None


def record(actor: Actor, action: str, subject_type: str, subject_id: object = None,
           detail: str = "") -> AuditEvent:
    """Add an audit event to the session; the caller's commit saves it with the change."""
    event = AuditEvent(actor_id=actor.user_id, actor_email=actor.email, action=action,
                       subject_type=subject_type,
                       subject_id=None if subject_id is None else str(subject_id),
                       detail=detail[:2000], ip=actor.ip)
    db.session.add(event)
    return event


def record_now(actor: Actor, action: str, subject_type: str, subject_id: object = None,
               detail: str = "") -> None:
    """Record and commit at once: for views that only read (a customer's page, an export).

    Nothing else changed, so the rows the view already loaded are still current: keep them
    instead of reloading each one after the commit.
    """
    record(actor, action, subject_type, subject_id, detail)
    commit_keeping_loaded()


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    subject_type: str = ""
    subject_id: str = ""
    since: date | None = None
    until: date | None = None


def search(filters: AuditFilter, page: int = 1) -> Page:
    """Return one page of events, newest first."""
    query = select(AuditEvent)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor:
        query = query.where(AuditEvent.actor_email.contains(filters.actor.lower(),
                                                            autoescape=True))
    if filters.subject_type:
        query = query.where(AuditEvent.subject_type == filters.subject_type)
    if filters.subject_id:
        query = query.where(AuditEvent.subject_id == filters.subject_id)
    if filters.since:
        query = query.where(AuditEvent.at >= datetime.combine(filters.since, time(), UTC))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), UTC)
        query = query.where(AuditEvent.at < end)
    return paginate(query, page, PAGE_SIZE, order_by=(AuditEvent.at.desc(), AuditEvent.id.desc()))
