"""What customers do with the newsletter: unsubscribe from a message's link; and what their
data export and erasure hold of it (reached by account's signals: account comes earlier).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update

from ..account.models import User
from ..extensions import db
from ..privacy import services as privacy
from ..privacy.models import MARKETING
from ..web import Visit
from . import audience, messages
from .models import Campaign, CampaignRecipient


def reader(token: str) -> tuple[User, Campaign | None] | None:
    """The customer (and campaign) a link's token names; None for a token not ours or an
    erased account."""
    found = messages.read_token(token)
    if found is None:
        return None
    user = db.session.get(User, found[0])
    if user is None or not user.is_active:
        return None
    return user, db.session.get(Campaign, found[1])


def unsubscribe(token: str, visit: Visit, today: date, now: datetime) -> bool | None:
    """Withdraw the marketing consent of the link's customer in the ledger; commit.

    Return True if it was withdrawn now, False if it was not in force (a second click, or a
    mail client's POST after the person's own: one record, not two), None for a bad token.
    The ledger's record names the campaign; the campaign's row keeps when and which record.
    """
    found = reader(token)
    if found is None:
        return None
    user, campaign = found
    if not audience.consents(user.id):
        return False
    # The ledger's record names the campaign the customer left from, with the date.
    record = privacy.record_consent(user, MARKETING, False, privacy.in_force(today), visit,
                                    campaign_id=campaign.id if campaign else None)
    db.session.flush()
    record_id = record.id
    if campaign is not None:
        db.session.execute(
            update(CampaignRecipient)
            .where(CampaignRecipient.campaign_id == campaign.id,
                   CampaignRecipient.user_id == user.id)
            .values(unsubscribed_at=now, consent_record_id=record_id)
            .execution_options(synchronize_session=False))
    db.session.commit()
    return True


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export_section(_sender, user: User, **_extra) -> dict:
    """account.signals.exporting: the campaigns sent to the customer, to which address."""
    rows = db.session.execute(
        select(CampaignRecipient, Campaign.subject_sq, Campaign.subject_en)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .where(CampaignRecipient.user_id == user.id)
        .order_by(CampaignRecipient.created_at, CampaignRecipient.id)).all()
    return {"newsletters": [
        {"campaign": subject_en if user.language == "en" and subject_en else subject_sq,
         "email": row.email, "language": row.language, "sent_at": _iso(row.sent_at),
         "skipped_at": _iso(row.skipped_at), "unsubscribed_at": _iso(row.unsubscribed_at)}
        for row, subject_sq, subject_en in rows]}


def on_erasing(_sender, user: User, **_extra) -> None:
    """account.signals.erasing, inside the erasure's transaction: the campaign rows keep the
    counts, not the person (no account, no address)."""
    db.session.execute(
        update(CampaignRecipient).where(CampaignRecipient.user_id == user.id)
        .values(user_id=None, email="", consent_record_id=None)
        .execution_options(synchronize_session=False))
