"""Sending a campaign: a job that works through the campaign's recipient rows.

``start`` writes one row per customer consenting at that moment, in the same transaction that
marks the campaign "sending"; the job (``send_campaign``) then takes the rows one by one, as
the outbox takes its messages (lesnamax/outbox.py): a conditional UPDATE claims a row, the
consent is checked again (a customer who withdrew it since is skipped: only consent in force
when the message leaves counts), the message is written at that moment (today's prices, the
reader's language) and handed to the mail server, and ``sent_at`` is set only once the server
accepted it. A job that dies part-way leaves every sent row marked; running it again
(``resume``, every minute) sends the rest and nobody twice. A row claimed by a job that died
is taken again once its claim is CLAIM_MINUTES old; if that job died after the server took the
message but before marking it, that one customer gets a second copy: the one duplicate the
shop accepts rather than a lost message, as for the outbox.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, literal, or_, select, update

from .. import mail, shoptime
from ..account.models import User
from ..extensions import db
from ..jobs import huey, with_app
from ..outbox import CLAIM_MINUTES, retry_delay
from . import audience, messages
from .models import DRAFT, SENDING, SENT, Campaign, CampaignRecipient

log = logging.getLogger(__name__)

#: Rows read per query while sending.
BATCH = 200
#: A campaign with no row claimed or sent for this long has no job working on it.
IDLE = timedelta(minutes=2)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def start(campaign_id: int, now: datetime) -> int | None:
    """Address a draft to every customer consenting now and mark it "sending"; commit.

    Return how many customers it is addressed to, or None if it was not a draft any more
    (sent already: a second click changes nothing). Queue the job after the commit.
    """
    started = db.session.execute(
        update(Campaign).where(Campaign.id == campaign_id, Campaign.status == DRAFT)
        .values(status=SENDING, started_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if started != 1:
        db.session.rollback()
        return None
    who = audience.consenting().subquery()
    db.session.execute(insert(CampaignRecipient).from_select(
        ["campaign_id", "user_id", "email", "language", "created_at", "next_attempt_at",
         "attempts", "last_error"],
        select(literal(campaign_id), who.c.id, who.c.email, who.c.language, literal(now),
               literal(now), literal(0), literal(""))))
    total = db.session.scalar(select(func.count()).where(
        CampaignRecipient.campaign_id == campaign_id)) or 0
    db.session.execute(update(Campaign).where(Campaign.id == campaign_id)
                       .values(recipient_count=total)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return total


def queue(campaign_id: int) -> None:
    """Hand the campaign to the job consumer (at once, inside this call, in the tests)."""
    if current_app.config["JOBS_IMMEDIATE"]:
        send_campaign.call_local(campaign_id)
    else:
        send_campaign(campaign_id)


@huey.task()
@with_app
def send_campaign(campaign_id: int) -> str:
    sent = run(campaign_id)
    return f"Campaign {campaign_id}: sent {sent} messages."


def _due(campaign_id: int, now: datetime, limit: int) -> list[int]:
    stale = now - timedelta(minutes=CLAIM_MINUTES)
    return list(db.session.scalars(
        select(CampaignRecipient.id)
        .where(CampaignRecipient.campaign_id == campaign_id,
               CampaignRecipient.sent_at.is_(None), CampaignRecipient.skipped_at.is_(None),
               CampaignRecipient.failed_at.is_(None), CampaignRecipient.next_attempt_at <= now,
               or_(CampaignRecipient.claimed_at.is_(None), CampaignRecipient.claimed_at < stale))
        .order_by(CampaignRecipient.id).limit(limit)))


def run(campaign_id: int, now: datetime | None = None) -> int:
    """Send every due row of a sending campaign; return how many were sent.

    Stops at the first failure of the mail server (the rest would wait for its timeout too;
    the failed row's retry time, or ``resume``, brings the job back).
    """
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != SENDING:
        return 0
    # Per language: the products at today's prices and the campaign's words, written once.
    texts: dict[str, tuple] = {}
    sent = 0
    done: set[int] = set()
    # One connection to the mail server and one request context (for the links) for the run.
    with mail.in_a_request(), mail.Connection(current_app.config) as connection:
        while True:
            rows = [row for row in _due(campaign_id, now or _utcnow(), BATCH)
                    if row not in done]
            if not rows:
                break
            for row_id in rows:
                done.add(row_id)
                outcome = send_one(campaign, row_id, texts, connection, now)
                if outcome == "failed":
                    _schedule_retry(campaign_id)
                    return sent
                sent += outcome == "sent"
    finish(campaign_id)
    return sent


def send_one(campaign: Campaign, row_id: int, texts: dict, connection: mail.Connection,
             now: datetime | None = None) -> str:
    """Send one row unless it is settled or claimed elsewhere: "sent", "skipped" (no consent
    any more, or nothing claimed) or "failed" (the server refused; tried again later)."""
    claimed_at = _utcnow()
    # ``now`` decides what is due (a test's clock); the claim is always the real time.
    stale = (now or claimed_at) - timedelta(minutes=CLAIM_MINUTES)
    claimed = db.session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.id == row_id, CampaignRecipient.sent_at.is_(None),
               CampaignRecipient.skipped_at.is_(None), CampaignRecipient.failed_at.is_(None),
               or_(CampaignRecipient.claimed_at.is_(None), CampaignRecipient.claimed_at < stale))
        .values(claimed_at=claimed_at, attempts=CampaignRecipient.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if claimed != 1:
        return "skipped"
    row = db.session.get(CampaignRecipient, row_id)
    user = db.session.get(User, row.user_id) if row.user_id is not None else None
    # The consent as it stands now, not as it stood when the campaign started.
    if user is None or not user.is_active or not audience.consents(user.id):
        _settle(row_id, claimed_at, skipped_at=_utcnow())
        return "skipped"
    lang = user.language if user.language in ("sq", "en") else "sq"
    if lang not in texts:
        shown = messages.showcase(campaign.id, lang, shoptime.shop_today())
        texts[lang] = (shown, messages.written(campaign, lang, shown))
    try:
        message = messages.compose(campaign, user.email, user.id, lang, texts[lang][0],
                                   texts=texts[lang][1])
        connection.send(message.as_bytes(), user.email)
    except mail.MailError as error:
        _failed(row, claimed_at, str(error))
        return "failed"
    except Exception as error:
        # Not handed over (the message could not be written): free the row for the next run.
        _settle(row_id, claimed_at, last_error=f"{type(error).__name__}: {error}"[:1000])
        raise
    _settle(row_id, claimed_at, sent_at=_utcnow(), email=user.email, language=lang)
    return "sent"


def _failed(row: CampaignRecipient, claimed_at: datetime, error: str) -> None:
    config = current_app.config
    values: dict = {"last_error": error[:1000]}
    if row.attempts >= int(config["MAIL_MAX_ATTEMPTS"]):
        values["failed_at"] = _utcnow()
        log.error("Newsletter row %s given up after %s attempts: %s", row.id, row.attempts,
                  error)
    else:
        values["next_attempt_at"] = _utcnow() + retry_delay(row.attempts,
                                                            int(config["MAIL_RETRY_SECONDS"]))
        log.warning("Newsletter row %s not sent (attempt %s): %s", row.id, row.attempts, error)
    _settle(row.id, claimed_at, **values)


def _settle(row_id: int, claimed_at: datetime, **values) -> None:
    """Release this job's claim with ``values``; nothing if the claim is no longer ours."""
    db.session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.id == row_id, CampaignRecipient.claimed_at == claimed_at)
        .values(claimed_at=None, **values)
        .execution_options(synchronize_session=False))
    db.session.commit()


def _schedule_retry(campaign_id: int) -> None:
    if current_app.config["JOBS_IMMEDIATE"]:
        return  # no consumer to wait for: ``resume`` (or a test) runs it again
    delay = int(current_app.config["MAIL_RETRY_SECONDS"])
    try:
        send_campaign.schedule(args=(campaign_id,), delay=delay)
    except Exception:  # noqa: BLE001 - resume() picks it up all the same
        log.exception("retry of campaign %s not scheduled; resume will run it", campaign_id)


def finish(campaign_id: int) -> bool:
    """Mark the campaign sent once no row is left unsettled; True if it is sent."""
    unsettled = select(CampaignRecipient.id).where(
        CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.sent_at.is_(None),
        CampaignRecipient.skipped_at.is_(None), CampaignRecipient.failed_at.is_(None))
    done = db.session.execute(
        update(Campaign).where(Campaign.id == campaign_id, Campaign.status == SENDING,
                               ~unsettled.exists())
        .values(status=SENT, finished_at=_utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return done == 1


def stalled(now: datetime) -> list[int]:
    """Sending campaigns nobody is working on (their job died or was lost)."""
    recent = now - IDLE
    busy = select(CampaignRecipient.id).where(
        CampaignRecipient.campaign_id == Campaign.id,
        or_(CampaignRecipient.claimed_at > recent, CampaignRecipient.sent_at > recent))
    return list(db.session.scalars(
        select(Campaign.id).where(Campaign.status == SENDING, ~busy.exists())
        .order_by(Campaign.id)))


def resume(now: datetime) -> int:
    """Queue the job again for every stalled campaign (the periodic job, lesnamax/tasks.py)."""
    waiting = stalled(now)
    for campaign_id in waiting:
        queue(campaign_id)
    return len(waiting)


def progress(campaign_id: int) -> dict[str, int]:
    """The campaign's rows by state, for the admin's progress bar."""
    r = CampaignRecipient
    row = db.session.execute(select(
        func.count(),
        func.count().filter(r.sent_at.is_not(None)),
        func.count().filter(r.skipped_at.is_not(None)),
        func.count().filter(r.failed_at.is_not(None)),
        func.count().filter(r.unsubscribed_at.is_not(None)),
    ).where(r.campaign_id == campaign_id)).one()
    total, sent, skipped, failed, unsubscribed = (value or 0 for value in row)
    return {"total": total, "sent": sent, "skipped": skipped, "failed": failed,
            "waiting": total - sent - skipped - failed, "unsubscribed": unsubscribed}
