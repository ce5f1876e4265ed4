"""Who may be sent a campaign: the customers whose marketing consent is in force.

A consent is in force when the customer's newest marketing record in the ledger
(lesnamax/privacy) grants it: the ledger orders a customer's records by time, then id
(``privacy.services.consent_history``), and so does this query. Erased accounts have no
records left (and are inactive), so they never match.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ..account.models import User
from ..extensions import db
from ..privacy.models import MARKETING, ConsentRecord


def _newest_marketing():
    rank = func.row_number().over(partition_by=ConsentRecord.user_id,
                                  order_by=(ConsentRecord.at.desc(), ConsentRecord.id.desc()))
    return (select(ConsentRecord.user_id, ConsentRecord.granted, rank.label("rank"))
            .where(ConsentRecord.purpose == MARKETING).subquery())


def consenting():
    """A select of (user id, e-mail, language) of every customer consenting now."""
    newest = _newest_marketing()
    return (select(User.id, User.email, User.language)
            .join(newest, newest.c.user_id == User.id)
            .where(newest.c.rank == 1, newest.c.granted.is_(True), User.erased_at.is_(None))
            .order_by(User.id))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(consenting().subquery())) or 0


def consents(user_id: int) -> bool:
    """Whether this customer's marketing consent is in force at this moment."""
    granted = db.session.scalar(
        select(ConsentRecord.granted)
        .where(ConsentRecord.user_id == user_id, ConsentRecord.purpose == MARKETING)
        .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc()).limit(1))
    return bool(granted)
