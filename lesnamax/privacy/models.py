"""The privacy policy as versioned data, and every consent a customer gave or withdrew."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogue.models import Localized, utcnow
from ..extensions import db

#: Consent purposes. The first two are required at registration; marketing is optional.
#: The terms of sale are accepted with every order (the contract is made on those terms).
PRIVACY_POLICY = "privacy_policy"
AGE = "age_or_guardian"
MARKETING = "marketing"
TERMS_OF_SALE = "terms_of_sale"
#: One e-mail when a sold-out product is back (account/stock_alerts.py), given per request.
BACK_IN_STOCK = "back_in_stock"
PURPOSES = (PRIVACY_POLICY, AGE, MARKETING, TERMS_OF_SALE, BACK_IN_STOCK)

#: The kinds of versioned document: each numbers its versions from 1 and has its own "in force".
PRIVACY, TERMS = "privacy", "terms"
KINDS = (PRIVACY, TERMS)
#: The consent purpose that accepts a version of each kind.
ACCEPTED_BY = {PRIVACY: PRIVACY_POLICY, TERMS: TERMS_OF_SALE}


class PolicyVersion(Localized, db.Model):
    """One version of the privacy policy or of the terms of sale (``kind``)."""

    __table_args__ = (UniqueConstraint("kind", "version", name="uq_policy_version_kind_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default=PRIVACY, server_default=PRIVACY)
    version: Mapped[int] = mapped_column(Integer)
    body_sq: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    #: What changed since the previous version, shown with the notice and at re-acceptance.
    summary_sq: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: At least 10 days after ``published_at`` (the policy's own promise; see services.publish).
    effective_from: Mapped[date] = mapped_column(Date)


class ConsentRecord(db.Model):
    """One decision by one customer: given or withdrawn, under which policy, from where.

    A visitor's consent to a back-in-stock e-mail has no customer (``user_id`` is None): the
    request it was given for names it (``StockAlert.consent_id``) and is deleted with it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                                index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    granted: Mapped[bool] = mapped_column(Boolean)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    #: Set when the consent was given while placing this order (review step of checkout).
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id", ondelete="SET NULL"))
    #: Set when marketing consent was withdrawn from this newsletter campaign's unsubscribe
    #: link (``newsletter_campaign.id``; no foreign key: privacy comes before the newsletter
    #: area, and campaigns are never deleted).
    campaign_id: Mapped[int | None] = mapped_column(Integer)

    policy_version: Mapped[PolicyVersion] = relationship(lazy="joined")


class Disclosure(db.Model):
    """Personal data handed to a competent authority at its request (the policy's only
    allowed disclosure). Recorded by the owner, shown in the customer's own data export."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: e.g. "Policia e Kosovës", "Prokuroria Themelore Prishtinë".
    authority: Mapped[str] = mapped_column(String(200))
    #: The law and article, or the court order, the request relied on.
    legal_basis: Mapped[str] = mapped_column(String(300))
    #: The day the data was handed over.
    disclosed_on: Mapped[date] = mapped_column(Date)
    #: What was disclosed (e.g. "name, phone, orders LM-2026-000123").
    what: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                  ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
