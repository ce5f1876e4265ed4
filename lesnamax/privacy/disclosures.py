"""Disclosures of customers' data to authorities: recorded by the owner, shown to the customer."""

from __future__ import annotations

from datetime import UTC, date

from sqlalchemy import select

from ..account.models import User
from ..extensions import db
from ..i18n import _l
from ..shoptime import shop_day
from .models import Disclosure


class DisclosureError(ValueError):
    """A disclosure that cannot be recorded as entered; ``field`` names the culprit."""

    def __init__(self, field: str, message) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


def record(user: User, authority: str, legal_basis: str, disclosed_on: date, what: str,
           today: date, actor) -> Disclosure:
    """Record that ``what`` about ``user`` was handed to ``authority``; audited, committed.

    ``actor`` is an ``admin.auditing.Actor``; the audit event is saved in the same commit.
    """
    from ..admin import auditing  # the admin package imports this module's neighbours

    if disclosed_on > today:
        raise DisclosureError("disclosed_on", _l("The date cannot be in the future."))
    created = user.created_at
    created = created if created.tzinfo else created.replace(tzinfo=UTC)  # SQLite drops it
    if disclosed_on < shop_day(created):  # the day the account was created in Prishtinë
        raise DisclosureError(
            "disclosed_on", _l("The date cannot be before the account was created.")
        )
    disclosure = Disclosure(user_id=user.id, authority=authority, legal_basis=legal_basis,
                            disclosed_on=disclosed_on, what=what, recorded_by_id=actor.user_id)
    db.session.add(disclosure)
    db.session.flush()  # the audit event names the new row
    # The detail names the authority and the day, never what was disclosed (personal data);
    # data, not prose, because the audit page is read in Albanian too.
    auditing.record(actor, "disclosure.create", "disclosure", disclosure.id,
                    f"user={user.id} · {authority} · {disclosed_on.isoformat()}")
    db.session.commit()
    return disclosure


def of_user(user_id: int) -> list[Disclosure]:
    """Return the disclosures about one customer, the most recent first."""
    return list(db.session.scalars(
        select(Disclosure).where(Disclosure.user_id == user_id)
        .order_by(Disclosure.disclosed_on.desc(), Disclosure.id.desc())
    ))


def as_data(disclosure: Disclosure) -> dict:
    """Return one disclosure as plain data for the customer's export (no admin identity)."""
    return {
        "authority": disclosure.authority,
        "legal_basis": disclosure.legal_basis,
        "disclosed_on": disclosure.disclosed_on.isoformat(),
        "what": disclosure.what,
        "recorded_at": disclosure.recorded_at.isoformat() if disclosure.recorded_at else None,
    }
