"""A message sent through the contact form."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ContactMessage(db.Model):
    """What someone wrote, and how to answer them; no IP address is kept (the rate limit's
    counters hold it for their window only)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: At least one of the two, so the owner can answer.
    email: Mapped[str] = mapped_column(String(254), default="")
    #: E.164.
    phone: Mapped[str] = mapped_column(String(20), default="")
    body: Mapped[str] = mapped_column(Text)
    #: The language the sender wrote in (the owner answers in it).
    language: Mapped[str] = mapped_column(String(5), default="sq")
    #: Purged CONTACT_RETENTION_MONTHS after this (lesnamax/tasks.py).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow,
                                                 index=True)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: NULL once that admin's account is gone.
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True)
