"""Customers, their login history and the record of what they changed (never the old values);
their wishlist, and the back-in-stock requests of customers and visitors."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..catalogue.models import utcnow
from ..extensions import db


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so uniqueness ignores case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    #: E.164, e.g. +38344123456.
    phone: Mapped[str] = mapped_column(String(20))
    street: Mapped[str] = mapped_column(String(200))
    #: A slug of ``lesnamax.kosovo.MUNICIPALITIES``.
    municipality: Mapped[str] = mapped_column(String(40))
    postal_code: Mapped[str] = mapped_column(String(5), default="")
    language: Mapped[str] = mapped_column(String(5), default="sq")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The policy reserves the right to use IP addresses in legal procedures.
    created_ip: Mapped[str | None] = mapped_column(String(45))
    #: Part of the login cookie: changing it ends every session of this user at once.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.erased_at is None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class LoginEvent(db.Model):
    """Every login attempt: when, from where, and how it ended."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    #: "ok", "bad_password", "unknown_email", "rate_limited".
    outcome: Mapped[str] = mapped_column(String(20))

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class ProfileChange(db.Model):
    """Which personal detail changed, when and from where; the old value is not kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))


class PendingRegistration(db.Model):
    """A registration waiting for its e-mail to be confirmed: the account exists only after
    the link in that e-mail is used, so registering never tells whether an address has an
    account, and nobody holds an account under an address they cannot read. Rows are deleted
    when used and by ``flask purge-expired`` after ``REGISTRATION_MAX_AGE``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the link's secret; the secret itself is only in the e-mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    #: The form's details (the password as its hash), consents, policy version, visit, next.
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)


class WishlistItem(db.Model):
    """A product a customer keeps for later (the heart on cards and product pages)."""

    __table_args__ = (UniqueConstraint("user_id", "product_id", name="uq_wishlist_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: The product the heart was on: a family's parent from a card, any product or variant.
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"),
                                            index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StockAlert(db.Model):
    """"Tell me when it is back": one address, one sold-out product or variant, one e-mail.

    Made by a customer (``user_id``) or a visitor (the address they typed), with their consent
    to this one purpose in the ledger (``consent_id``). ``sent_at`` is set in the transaction
    that writes the e-mail to the outbox, by a conditional UPDATE, so it is sent once
    (account/stock_alerts.py). Deleted at ``expires_at`` (sent or not), by the stop link, or
    with the account.
    """

    __table_args__ = (UniqueConstraint("product_id", "email", name="uq_stock_alert"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                                index=True)
    #: Lower-cased, like ``User.email``.
    email: Mapped[str] = mapped_column(String(254), index=True)
    #: The language the e-mail is written in (the page's when asked).
    language: Mapped[str] = mapped_column(String(5), default="sq")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    consent_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_record.id", ondelete="SET NULL"))
