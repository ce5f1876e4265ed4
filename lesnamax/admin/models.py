"""The audit trail of the admin pages: who changed or looked at what, when and from where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..catalogue.models import utcnow
from ..extensions import db
from ..i18n import _l

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
    "customer.view": _l("Customer data viewed"),
    "customer.export": _l("Customer data exported"),
    "disclosure.create": _l("Disclosure to an authority recorded"),
    "policy.publish": _l("Privacy policy version published"),
}


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
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))
