"""Registration confirmed by e-mail: the same answer whether or not the address has an account.

``start`` does the same work for a new and a taken address (one password hash, one database
write) and says which it was only to the caller, who mails either a confirmation link (new) or
a warning to the owner (taken). The account is created by ``confirm`` when the link is used.
No request objects here.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .. import ratelimit
from ..extensions import db
from ..privacy import services as privacy
from ..shoptime import shop_day
from ..web import Visit
from . import mails, services
from .models import PendingRegistration, User
from .services import EmailTaken


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(details: dict, consents: dict[str, bool], visit: Visit, today: date,
          next_url: str, *, send_mail: bool = True) -> tuple[str | None, User | None]:
    """Keep a registration until its e-mail is confirmed, and (if ``send_mail``: the caller
    checked the mailbox's limit) write its e-mail into the outbox in the same transaction.

    Returns ``(secret, None)`` for a new address (the secret goes into the link) or
    ``(None, owner)`` when the address already has an account; nothing is kept then but the
    e-mail warning its owner.
    """
    # Hashed either way, so a taken address answers as slowly as a new one.
    password_hash = services.hash_password(details["password"])
    email = details["email"].lower()
    owner = services.user_by_email(email)
    if owner is not None:
        # The same kind of write as below: counted, as a new address's row is stored.
        ratelimit.hit("register-taken:" + _hash(email), 3600)
        if send_mail:
            mails.registration_warning(owner)
            db.session.commit()
        return None, owner
    secret = secrets.token_urlsafe(24)
    kept = {key: value for key, value in details.items() if key != "password"}
    db.session.add(
        PendingRegistration(
            token_hash=_hash(secret),
            email=email,
            data={
                "details": {**kept, "email": email, "password_hash": password_hash},
                "consents": {purpose: bool(given) for purpose, given in consents.items()},
                "policy_version": privacy.in_force(today).version,
                "visit": asdict(visit),
                "next": next_url,
            },
        )
    )
    if send_mail:
        mails.registration_link(details["email"], details["first_name"], secret)
    db.session.commit()
    return secret, None


def pending(secret: str, now: datetime, max_age: int) -> PendingRegistration | None:
    """Return the unexpired registration of ``secret``, if any."""
    found = db.session.scalar(
        select(PendingRegistration).where(PendingRegistration.token_hash == _hash(secret))
    )
    if found is None or _aware(found.created_at) < now - timedelta(seconds=max_age):
        return None
    return found


class WrongPassword(Exception):
    """The password typed on the confirm page is not the one chosen at registration."""


def confirm(secret: str, now: datetime, max_age: int,
            password: str) -> tuple[User, str] | None:
    """Create the account of a confirmed registration; return it and where to go next.

    ``None`` when the link is unknown, used or expired, or the address got an account since.
    ``password`` must be the one chosen at registration (else ``WrongPassword``, the link kept):
    whoever registers someone else's address cannot have the owner create the account with a
    password the registrant knows.
    """
    found = pending(secret, now, max_age)
    if found is None:
        return None
    data = found.data
    if not services.password_matches(data["details"].get("password_hash", ""), password):
        raise WrongPassword
    # Deleting first makes the link single-use even when two clicks race: only one deletes.
    deleted = db.session.execute(
        delete(PendingRegistration).where(PendingRegistration.id == found.id)
    ).rowcount
    if not deleted:
        db.session.rollback()
        return None
    try:
        user = services.register(
            data["details"], data["consents"], Visit(**data["visit"]), shop_day(now),
            policy_version=data.get("policy_version"),
        )
    except EmailTaken:
        db.session.commit()  # the link is spent either way
        return None
    except IntegrityError:
        # Two registrations of the same address confirmed at once: the other one created the
        # account between our check and our insert. The same answer as an address taken.
        db.session.rollback()
        db.session.execute(
            delete(PendingRegistration).where(PendingRegistration.id == found.id)
        )
        db.session.commit()  # the link is spent either way
        return None
    return user, data.get("next") or ""


def purge(now: datetime, max_age: int) -> int:
    """Forget registrations never confirmed (they hold personal data); return how many."""
    result = db.session.execute(
        delete(PendingRegistration).where(
            PendingRegistration.created_at < now - timedelta(seconds=max_age)
        )
    )
    db.session.commit()
    return result.rowcount


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
