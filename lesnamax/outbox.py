"""The e-mail outbox: every message is a row written in the transaction that causes it, and a
job sends it once that transaction has committed.

A rolled-back change leaves no message; a committed one always has its message, even when the
mail server is down or the process dies right after the commit (the periodic sweep finds rows
whose job was lost). Sending claims the row with a conditional UPDATE, so two consumers
handed the same row send it once, and ``sent_at`` is set only after the server accepted it.
A failure is retried with a doubling delay; after ``MAIL_MAX_ATTEMPTS`` the row is given up
(``failed_at``), logged as an error and counted on the dashboard.

A row holds either the whole message (``add``) or, for a dear one, only what names it
(``add_later``: a ``kind`` and the ``ref`` of the record it is about), composed by the kind's
registered composer when it is sent. The order confirmation is such a message: its HTML, its
pictures and the terms of sale's PDF took half of placing an order, inside the order's write
transaction, and every other buyer waited for them. The row is still written in that
transaction, so the message is kept or lost with the order and the sweep finds it after a
crash; only the composing waits for the commit, and no PDF is stored in the table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from flask import current_app, has_app_context
from sqlalchemy import (
    DateTime,
    Integer,
    LargeBinary,
    String,
    Text,
    delete,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import mail
from .extensions import db
from .jobs import huey, with_app

log = logging.getLogger(__name__)

#: A claim older than this belongs to a sender that died mid-send: the row is tried again.
CLAIM_MINUTES = 10
#: The sweep leaves a due row this long to the job scheduled for it before sending it itself.
SWEEP_GRACE = timedelta(seconds=30)
#: The longest wait between two attempts.
MAX_DELAY = timedelta(hours=4)
#: Where a session keeps the ids of the messages it wrote until its commit.
_PENDING = "lesnamax_outbox_ids"

#: What builds each kind of message written with ``add_later``: ``composer(ref, row)`` returns
#: the message for the record ``ref``; it may raise (the attempt then fails and is retried).
#: Filled by the areas that own the records, through the wiring (``register``).
Composer = Callable[[int, "OutboxMessage"], EmailMessage]
_composers: dict[str, Composer] = {}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    #: The whole message as it goes on the wire (MIME bytes: a multipart one stays intact,
    #: and its Message-ID stays the same across attempts); empty for a message composed when
    #: sent (``kind``).
    message: Mapped[bytes] = mapped_column(LargeBinary)
    #: "" for a message stored whole; else the registered composer that builds it from ``ref``.
    kind: Mapped[str] = mapped_column(String(40), default="", server_default="")
    #: The id of the record a composed message is about (an order's, for its confirmation).
    ref: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    #: Not sent before this moment (the back-off after a failure).
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow,
                                                      index=True)
    #: While one sender hands the message to the server: the others leave it alone.
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Set once the mail server accepted the message.
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    #: Set when the shop gave up on it after MAIL_MAX_ATTEMPTS failures.
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


def add(message: EmailMessage) -> OutboxMessage:
    """Write ``message`` into the caller's transaction; it is sent after that commits."""
    row = OutboxMessage(recipient=str(message["To"]), subject=str(message["Subject"])[:255],
                        message=message.as_bytes())
    db.session.add(row)
    return row


def add_later(kind: str, ref: int, recipient: str, subject: str) -> OutboxMessage:
    """Write into the caller's transaction a message that the ``kind`` composer builds from
    record ``ref`` when it is sent, after that transaction committed.

    The row is as binding as ``add``'s: committed with the change, sent once, found by the
    sweep if its job is lost. ``subject`` is the one the message will carry (the table and
    the logs name messages by it).
    """
    if kind not in _composers:
        raise LookupError(f"no composer registered for outbox messages of kind {kind!r}")
    row = OutboxMessage(recipient=recipient, subject=subject[:255], message=b"", kind=kind,
                        ref=ref)
    db.session.add(row)
    return row


def register(kind: str, composer: Composer) -> None:
    """Name the function that composes messages of ``kind`` (called by the wiring)."""
    _composers[kind] = composer


def written_at(row: OutboxMessage) -> datetime:
    """When the message was written (its Date): the row's, with the commit of its change."""
    created = row.created_at
    return created if created.tzinfo else created.replace(tzinfo=UTC)  # SQLite drops it


def message_id(row: OutboxMessage) -> str:
    """The Message-ID of a composed message: the same on every attempt, as a stored one's."""
    return f"<{written_at(row):%Y%m%d%H%M%S}.outbox-{row.id}@lesnamax.com>"


def raw(row: OutboxMessage) -> bytes:
    """The bytes of ``row``'s message: stored, or composed now by its kind's composer."""
    if not row.kind:
        return row.message
    message = _composers[row.kind](row.ref, row)
    return message.as_bytes()


# The rows a transaction wrote are queued only once it committed: a job started earlier could
# not see them yet, and one for a rolled-back change would have nothing to send.
@event.listens_for(Session, "after_flush")
def _written(session, _context) -> None:
    for row in session.new:
        if isinstance(row, OutboxMessage):
            session.info.setdefault(_PENDING, []).append(row.id)


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    immediate = has_app_context() and current_app.config["JOBS_IMMEDIATE"]
    for message_id in session.info.pop(_PENDING, ()):
        try:
            # The app's own setting decides, not the process-wide queue's: a test process
            # holds apps of both kinds.
            deliver.call_local(message_id) if immediate else deliver(message_id)
        except Exception:  # noqa: BLE001 - the change is committed: the sweep sends it later
            log.exception("outbox message %s not queued; the sweep will send it", message_id)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    session.info.pop(_PENDING, None)


@huey.task()
@with_app
def deliver(message_id: int) -> str:
    """The job queued for each committed message (and for each retry)."""
    return send_one(message_id)


def send_one(message_id: int, now: datetime | None = None) -> str:
    """Send one message unless it is sent, given up, not yet due or being sent elsewhere.

    Return "sent", "failed" (the server refused or was unreachable; retried later),
    "uncomposed" (its composer failed; retried later, as a failure) or "skipped".
    """
    now = now or _utcnow()
    # ``now`` decides what is due; the claim is always the clock's time. A sweep that started
    # long ago (a backlog behind a slow server) would otherwise make claims already stale, and
    # the next sweep would send the same message again while this one is still sending it.
    claimed_at = _utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
               OutboxMessage.failed_at.is_(None), OutboxMessage.next_attempt_at <= now,
               or_(OutboxMessage.claimed_at.is_(None),
                   OutboxMessage.claimed_at < claimed_at - timedelta(minutes=CLAIM_MINUTES)))
        .values(claimed_at=claimed_at, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return "skipped"
    row = db.session.get(OutboxMessage, message_id)
    try:
        data = raw(row)
    except Exception as error:  # noqa: BLE001 - a bug or a missing record: retried, then given up
        log.exception("E-mail %s (%s %s) could not be composed", row.id, row.kind, row.ref)
        db.session.rollback()
        _failed(row, claimed_at, f"not composed: {type(error).__name__}: {error}")
        return "uncomposed"
    try:
        mail.transmit(data, row.recipient, current_app.config)
    except mail.MailError as error:
        _failed(row, claimed_at, str(error))
        return "failed"
    # A crash right here, after the server took the message, would send it again once the
    # claim is stale: the one duplicate the shop accepts rather than a lost message.
    _finish(row.id, claimed_at, sent_at=_utcnow())
    return "sent"


def _failed(row: OutboxMessage, claimed: datetime, error: str) -> None:
    config = current_app.config
    values = {"last_error": error[:1000]}
    if row.attempts >= int(config["MAIL_MAX_ATTEMPTS"]):
        values["failed_at"] = _utcnow()
        log.error("E-mail %s to %s given up after %s attempts: %s", row.id, row.recipient,
                  row.attempts, error)
        _finish(row.id, claimed, **values)
        return
    delay = retry_delay(row.attempts, int(config["MAIL_RETRY_SECONDS"]))
    values["next_attempt_at"] = _utcnow() + delay
    log.warning("E-mail %s to %s not sent (attempt %s, next in %s): %s", row.id, row.recipient,
                row.attempts, delay, error)
    _finish(row.id, claimed, **values)
    if config["JOBS_IMMEDIATE"]:
        return  # no consumer to wait for the retry: the sweep (or a test) sends it
    try:
        deliver.schedule(args=(row.id,), delay=delay.total_seconds())
    except Exception:  # noqa: BLE001 - the sweep retries it all the same
        log.exception("retry of e-mail %s not scheduled; the sweep will send it", row.id)


def _finish(message_id: int, claimed: datetime, **values) -> None:
    """Release this sender's claim with ``values``: nothing if the claim is no longer ours."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_at == claimed)
        .values(claimed_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def retry_delay(attempts: int, base_seconds: int) -> timedelta:
    """The wait after the ``attempts``-th failure: base, twice that, four times… up to 4 h."""
    return min(timedelta(seconds=base_seconds * 2 ** (max(attempts, 1) - 1)), MAX_DELAY)


def due(now: datetime) -> list[int]:
    """Messages nobody is sending though they are due (their job was lost or failed)."""
    stale = now - timedelta(minutes=CLAIM_MINUTES)
    return list(db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
               OutboxMessage.next_attempt_at <= now - SWEEP_GRACE,
               or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < stale))
        .order_by(OutboxMessage.id)
    ))


def sweep(now: datetime) -> tuple[int, int]:
    """Send the due messages here and now; return (sent, still unsent).

    Stops at the first failure: the server is still down, and each further message would
    wait for its timeout too.
    """
    waiting = due(now)
    sent = 0
    for message_id in waiting:
        outcome = send_one(message_id, now)
        if outcome == "failed":
            break
        sent += outcome == "sent"
    return sent, len(waiting) - sent


def purge(now: datetime, days: int) -> int:
    """Delete sent and given-up messages older than ``days`` (they hold addresses and links)."""
    cutoff = now - timedelta(days=days)
    removed = db.session.execute(
        delete(OutboxMessage).where(
            or_(OutboxMessage.sent_at < cutoff, OutboxMessage.failed_at < cutoff))
    ).rowcount
    db.session.commit()
    return removed


def counts() -> dict[str, int]:
    """Messages waiting (not sent yet) and given up, for the dashboard."""
    waiting = func.count().filter(OutboxMessage.sent_at.is_(None),
                                  OutboxMessage.failed_at.is_(None))
    given_up = func.count().filter(OutboxMessage.failed_at.is_not(None))
    row = db.session.execute(select(waiting, given_up).select_from(OutboxMessage)).one()
    return {"waiting": row[0] or 0, "given_up": row[1] or 0}
