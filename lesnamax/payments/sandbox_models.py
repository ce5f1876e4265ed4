"""The sandbox bank's own books (payments/sandbox_api.py): what it approved, and the fault its
API is told to show. Tables of the simulated bank, not of the shop: the shop never reads them.

They live in the database, not in memory, because the web server's workers, the job consumer
and the tests are separate processes that must see the same bank.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..catalogue.models import utcnow
from ..extensions import db

SALE = "sale"
VOID = "void"
CREDIT = "credit"


class SandboxTransaction(db.Model):
    """One transaction the sandbox bank approved: a sale (the card page), a void or a credit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    oid: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int] = mapped_column(Integer)
    trans_id: Mapped[str] = mapped_column(String(64), default="")
    auth_code: Mapped[str] = mapped_column(String(32), default="")
    host_ref: Mapped[str] = mapped_column(String(32), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SandboxApiFault(db.Model):
    """The one fault the sandbox's API shows until it is cleared (row id 1; none = healthy)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[str] = mapped_column(String(20), default="")
