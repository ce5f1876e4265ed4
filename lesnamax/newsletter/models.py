"""Campaigns, the products they show, and one row per customer a campaign is sent to.

The recipient rows are the sending job's ledger (``sending.py``): each is written before its
message leaves and marked once the mail server accepted it, so a job that dies part-way is
resumed without sending anyone a second copy. They also keep the campaign's counts and, for
each customer, which campaigns went to which address (their data export).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..catalogue.models import Localized
from ..extensions import db

DRAFT, SENDING, SENT = "draft", "sending", "sent"
STATUSES = (DRAFT, SENDING, SENT)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Campaign(Localized, db.Model):
    __tablename__ = "newsletter_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_sq: Mapped[str] = mapped_column(String(200))
    subject_en: Mapped[str] = mapped_column(String(200))
    body_sq: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    #: draft (editable) → sending (the job's rows are written) → sent (every row settled).
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: When the owner pressed "send": the audience is the customers consenting then.
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: How many customers the campaign was addressed to (kept when rows are erased).
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)


class CampaignProduct(db.Model):
    """A product the campaign shows, with its price on the day each message is written."""

    __tablename__ = "newsletter_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("newsletter_campaign.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class CampaignRecipient(db.Model):
    """One customer a campaign is addressed to: written before the message leaves."""

    __tablename__ = "newsletter_recipient"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id",
                                       name="uq_newsletter_recipient_campaign_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("newsletter_campaign.id", ondelete="CASCADE"), index=True)
    #: NULL once the customer's account is erased (the row stays, so the counts do).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    #: The address written to (the account's address when the message left); "" once erased.
    email: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(5), default="sq")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    #: While one job hands the message over; a stale claim is a job that died mid-send.
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Set only after the mail server accepted the message.
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    #: Not sent: the consent was withdrawn (or the account erased) before its turn came.
    skipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Given up after MAIL_MAX_ATTEMPTS failures.
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: When the customer used this campaign's unsubscribe link, and the ledger row it wrote.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_record.id", ondelete="SET NULL"))
