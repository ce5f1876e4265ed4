"""Policy versions (with the 10-day rule), consents, and what a customer may see or erase
(including the disclosures of their data that the owner recorded in ``manage``).

Two kinds of document are versioned the same way (``models.KINDS``): the privacy policy and the
terms of sale. Every function takes the ``kind``; the privacy policy is the default, so the
callers written before the terms existed read what they always read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from .. import cache
from ..extensions import db
from ..shoptime import shop_day
from .models import (
    ACCEPTED_BY,
    MARKETING,
    PRIVACY,
    PRIVACY_POLICY,
    TERMS,
    ConsentRecord,
    Disclosure,
    PolicyVersion,
)

#: Changes are published this many days before they take effect (the policy's own words).
NOTICE_DAYS = 10
#: A version may be scheduled at most this many days ahead: a typo like 9999-12-31 would
#: otherwise block every later version (each must take effect after the latest one).
MAX_AHEAD_DAYS = 365
#: How long a process trusts its cached view of the policy versions.
CACHE_SECONDS = 300
#: Why ``publish`` refused (``PolicyError.reason``), for callers that explain it to people.
NO_TEXT, TOO_SOON, TOO_FAR, NOT_AFTER_LATEST = "no_text", "too_soon", "too_far", "not_after_latest"


class PolicyError(ValueError):
    """A policy version that may not be published as asked.

    The message is English (logs, the command line); ``reason`` is one of the codes above and
    ``day`` the limit it refers to, so a page can say the same in the reader's language.
    """

    def __init__(self, message: str, reason: str = "", day: date | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.day = day


def latest_allowed_day(now: datetime) -> date:
    """Return the last day a version published at ``now`` may take effect on."""
    return shop_day(now) + timedelta(days=MAX_AHEAD_DAYS)


@dataclass(frozen=True)
class PolicyState:
    in_force: int | None
    pending: int | None
    pending_from: date | None


def _versions_on(today: date, kind: str) -> PolicyState:
    rows = db.session.execute(
        select(PolicyVersion.version, PolicyVersion.effective_from)
        .where(PolicyVersion.kind == kind).order_by(
            PolicyVersion.effective_from, PolicyVersion.version
        )
    ).all()
    current = max((v for v, start in rows if start <= today), default=None)
    upcoming = [(v, start) for v, start in rows if start > today]
    pending, starts = upcoming[0] if upcoming else (None, None)
    return PolicyState(current, pending, starts)


def state(today: date, kind: str = PRIVACY) -> PolicyState:
    """Return which version is in force and which is pending, cached per process.

    Every page shows the pending notice, so this must not cost a query per request. The
    cache is keyed by the policy part of the content stamp (``cache.generation``), which a
    publish in any process changes; without a readable stamp it falls back to CACHE_SECONDS.
    """
    stamp = cache.generation("policy")
    seconds = CACHE_SECONDS if stamp is None else 24 * 3600
    return cache.remember(("policy_state", stamp, today, kind), seconds,
                          lambda: _versions_on(today, kind))


def forget_cache() -> None:
    cache.forget("policy_state")


def version(number: int, kind: str = PRIVACY) -> PolicyVersion | None:
    return db.session.scalar(select(PolicyVersion).where(PolicyVersion.kind == kind,
                                                         PolicyVersion.version == number))


def in_force(today: date, kind: str = PRIVACY) -> PolicyVersion:
    number = state(today, kind).in_force
    found = version(number, kind) if number is not None else None
    if found is None:
        raise PolicyError(f"no {kind} version is in force")
    return found


def publish(
    body_sq: str,
    body_en: str,
    effective_from: date,
    now: datetime,
    summary_sq: str = "",
    summary_en: str = "",
    kind: str = PRIVACY,
) -> PolicyVersion:
    """Schedule a new version of ``kind``; it must take effect at least NOTICE_DAYS after
    ``now``.

    And at most MAX_AHEAD_DAYS after ``now`` (counted in the shop's days, like the admin form).
    """
    if not body_sq.strip() or not body_en.strip():
        raise PolicyError("the policy needs its text in Albanian and in English", NO_TEXT)
    # Counted in Prishtinë's days: just after midnight there it is still yesterday in UTC.
    earliest = shop_day(now) + timedelta(days=NOTICE_DAYS)
    if effective_from < earliest:
        raise PolicyError(
            f"a new version can take effect no sooner than {NOTICE_DAYS} days after publication "
            f"(earliest: {earliest.isoformat()})",
            TOO_SOON,
            earliest,
        )
    last = latest_allowed_day(now)
    if effective_from > last:
        raise PolicyError(
            f"a new version can take effect at most {MAX_AHEAD_DAYS} days after publication "
            f"(latest: {last.isoformat()})",
            TOO_FAR,
            last,
        )
    latest = db.session.scalar(select(func.max(PolicyVersion.effective_from))
                               .where(PolicyVersion.kind == kind))
    if latest is not None and effective_from <= latest:
        raise PolicyError(
            "a new version must take effect after the latest one", NOT_AFTER_LATEST, latest
        )
    number = next_number(kind)
    created = PolicyVersion(
        kind=kind,
        version=number,
        body_sq=body_sq.strip(),
        body_en=body_en.strip(),
        summary_sq=summary_sq.strip(),
        summary_en=summary_en.strip(),
        published_at=now,
        effective_from=effective_from,
    )
    db.session.add(created)
    db.session.commit()
    forget_cache()
    return created


def next_number(kind: str = PRIVACY) -> int:
    """Return the number the next published version of ``kind`` gets."""
    return (db.session.scalar(select(func.max(PolicyVersion.version))
                              .where(PolicyVersion.kind == kind)) or 0) + 1


def record_consent(
    user, purpose: str, granted: bool, policy: PolicyVersion, visit, order_id: int | None = None,
    campaign_id: int | None = None,
) -> ConsentRecord:
    record = ConsentRecord(
        user_id=user.id,
        purpose=purpose,
        granted=granted,
        policy_version_id=policy.id,
        ip=visit.ip,
        user_agent=(visit.user_agent or "")[:300],
        order_id=order_id,
        campaign_id=campaign_id,
    )
    db.session.add(record)
    return record


def consent_history(user) -> list[ConsentRecord]:
    return list(
        db.session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.user_id == user.id)
            .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc())
        )
    )


def latest_consents(history: list[ConsentRecord]) -> dict[str, ConsentRecord]:
    """Return the newest record per purpose from a newest-first history."""
    latest: dict[str, ConsentRecord] = {}
    for record in history:
        latest.setdefault(record.purpose, record)
    return latest


def accepted_version(user, kind: str = PRIVACY) -> int | None:
    """Return the newest version of ``kind`` the user accepted."""
    return db.session.scalar(
        select(func.max(PolicyVersion.version))
        .join(ConsentRecord, ConsentRecord.policy_version_id == PolicyVersion.id)
        .where(
            PolicyVersion.kind == kind,
            ConsentRecord.user_id == user.id,
            ConsentRecord.purpose == ACCEPTED_BY[kind],
            ConsentRecord.granted.is_(True),
        )
    )


def needs_acceptance(user, today: date, kind: str = PRIVACY) -> bool:
    """True when a version newer than the user's last accepted one is in force."""
    current = state(today, kind).in_force
    return current is not None and (accepted_version(user, kind) or 0) < current


def accept_current(user, visit, today: date) -> None:
    """Record acceptance of the version in force."""
    record_acceptance(user, visit, today)
    db.session.commit()


def record_acceptance(user, visit, today: date, order_id: int | None = None) -> None:
    """Add the acceptance of the version in force (with the order it was given for, if any)
    to the caller's transaction."""
    record_consent(user, PRIVACY_POLICY, True, in_force(today), visit, order_id=order_id)


def accept_terms(user, visit, today: date, order_id: int) -> PolicyVersion:
    """Add the acceptance of the terms of sale in force, given for the order ``order_id``, to
    the caller's transaction; return that version (the order keeps its number).

    The terms are the contract's: they are accepted with every order, not once per account,
    so the ledger says which version each order was made on."""
    terms = in_force(today, TERMS)
    record_consent(user, ACCEPTED_BY[TERMS], True, terms, visit, order_id=order_id)
    return terms


def set_marketing(user, granted: bool, visit, today: date) -> None:
    """Give or withdraw marketing consent (withdrawal is always allowed: objection)."""
    record_consent(user, MARKETING, granted, in_force(today), visit)
    db.session.commit()


# ---- disclosures to authorities, as the customer sees them -----------------------------------

def disclosures_of(user_id: int) -> list[Disclosure]:
    """Return the disclosures about one customer, the most recent first."""
    return list(db.session.scalars(
        select(Disclosure).where(Disclosure.user_id == user_id)
        .order_by(Disclosure.disclosed_on.desc(), Disclosure.id.desc())
    ))


def disclosure_data(disclosure: Disclosure) -> dict:
    """Return one disclosure as plain data for the customer's export (no admin identity)."""
    return {
        "authority": disclosure.authority,
        "legal_basis": disclosure.legal_basis,
        "disclosed_on": disclosure.disclosed_on.isoformat(),
        "what": disclosure.what,
        "recorded_at": disclosure.recorded_at.isoformat() if disclosure.recorded_at else None,
    }


def utcnow() -> datetime:
    return datetime.now(UTC)
