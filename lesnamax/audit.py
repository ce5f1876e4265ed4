"""The audit trail: who changed or looked at what, when and from where.

Core, not admin: every area's owner-facing operations (``<area>/manage.py``) record here, and
the admin pages only show it. Services take an ``Actor``; they never read the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from .database import commit_keeping_loaded
from .extensions import db
from .i18n import _l
from .pagination import Page, paginate

PAGE_SIZE = 50

#: Every action code the admin pages record, with the label the audit page shows.
#: A code missing here still shows (as the code itself), but tests expect every code listed.
ACTION_LABELS = {
    "admin.create": _l("Admin created or promoted"),
    "product.create": _l("Product created"),
    "product.update": _l("Product edited"),
    "product.price": _l("Price changed"),
    "product.stock": _l("Stock changed"),
    "product.deactivate": _l("Product deactivated"),
    "product.delete": _l("Product deleted"),
    "image.upload": _l("Image uploaded"),
    "image.update": _l("Image edited"),
    "image.reorder": _l("Images reordered"),
    "image.delete": _l("Image deleted"),
    "category.create": _l("Category created"),
    "category.update": _l("Category edited"),
    "category.reorder": _l("Categories reordered"),
    "category.delete": _l("Category deleted"),
    "csv.export": _l("Products exported as CSV"),
    "csv.import": _l("Products imported from CSV"),
    "order.view": _l("Order viewed"),
    "order.status": _l("Order status changed"),
    "payment.cancel": _l("Paid order cancelled, money asked back"),
    "payment.refund": _l("Refund asked of the bank"),
    "payment.query": _l("Bank asked about a payment"),
    "payment.retry": _l("Unanswered refund asked about and retried"),
    "customer.view": _l("Customer data viewed"),
    "customer.export": _l("Customer data exported"),
    "disclosure.create": _l("Disclosure to an authority recorded"),
    "policy.publish": _l("Privacy policy version published"),
    "contact.view": _l("Contact messages viewed"),
    "contact.handled": _l("Contact message marked as handled"),
    "contact.reopened": _l("Contact message opened again"),
    "invoice.receipt": _l("Fiscal receipt number recorded"),
    "invoice.view": _l("Invoice downloaded"),
    "terms.publish": _l("Terms of sale version published"),
    "settings.update": _l("Shop settings changed"),
    "settings.instalments": _l("Instalment plans changed"),
    "store.create": _l("Store added"),
    "store.update": _l("Store edited"),
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AuditEvent(db.Model):
    __table_args__ = (Index("ix_audit_event_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NULL once the admin's account is gone; ``actor_email`` keeps who it was.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                 index=True)
    actor_email: Mapped[str] = mapped_column(String(254))
    #: A key of ACTION_LABELS, e.g. "product.price".
    action: Mapped[str] = mapped_column(String(40), index=True)
    #: What was touched: "product", "order", "user", "category", "policy", …
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str | None] = mapped_column(String(40))
    #: A short, human-readable note ("stock 4 → 7"); never a customer's personal data.
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))



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
