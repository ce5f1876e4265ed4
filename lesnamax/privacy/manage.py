"""The shop owner's privacy operations: policy versions (the list, a draft, audited publishing)
and disclosures of a customer's data to authorities (recorded here; what the customer and the
customer's file are shown is read through ``services.disclosures_of``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, distinct, func, select

from .. import audit
from ..audit import Actor
from ..extensions import db
from ..i18n import _l
from ..shoptime import shop_day
from . import services
from .models import ACCEPTED_BY, PRIVACY, ConsentRecord, Disclosure, PolicyVersion

IN_FORCE, PENDING, PAST = "in_force", "pending", "past"


@dataclass(frozen=True)
class VersionRow:
    version: int
    published_at: datetime
    effective_from: date
    state: str
    accepted: int


def listing(today: date, kind: str = PRIVACY) -> list[VersionRow]:
    """Return every version of ``kind``, newest first, with how many customers accepted it
    (one query)."""
    rows = db.session.execute(
        select(PolicyVersion.version, PolicyVersion.published_at, PolicyVersion.effective_from,
               func.count(distinct(ConsentRecord.user_id)))
        .outerjoin(ConsentRecord, and_(ConsentRecord.policy_version_id == PolicyVersion.id,
                                       ConsentRecord.purpose == ACCEPTED_BY[kind],
                                       ConsentRecord.granted.is_(True)))
        .where(PolicyVersion.kind == kind)
        .group_by(PolicyVersion.id, PolicyVersion.version, PolicyVersion.published_at,
                  PolicyVersion.effective_from)
        .order_by(PolicyVersion.version.desc())
    ).all()
    # Computed here rather than from services.state(), whose cache may lag other processes.
    current = max((v for v, _p, start, _n in rows if start <= today), default=None)

    def state(number: int, start: date) -> str:
        return IN_FORCE if number == current else PENDING if start > today else PAST

    return [VersionRow(v, p, start, state(v, start), n) for v, p, start, n in rows]


def _day_after(day: date) -> date:
    # A version stored on the last day the calendar has (9999-12-31, from before the upper
    # limit existed) has no day after it; the form must still open.
    return day if day == date.max else day + timedelta(days=1)


def draft(today: date, kind: str = PRIVACY) -> dict:
    """Return the new version's starting values: the latest text, the earliest allowed day."""
    latest = db.session.scalar(select(PolicyVersion).where(PolicyVersion.kind == kind)
                               .order_by(PolicyVersion.version.desc()))
    earliest = today + timedelta(days=services.NOTICE_DAYS)
    if latest is None:
        return {"effective_from": earliest}
    return {"body_sq": latest.body_sq, "body_en": latest.body_en,
            "effective_from": max(earliest, _day_after(latest.effective_from))}


def next_number(kind: str = PRIVACY) -> int:
    """Return the number the next published version gets (as services.publish does)."""
    return services.next_number(kind)


def publish(values: dict, now: datetime, actor: Actor, kind: str = PRIVACY) -> PolicyVersion:
    """Publish a new version of ``kind``, audited in the same commit.

    Raises services.PolicyError (nothing published, nothing recorded) when the rules say no.
    """
    # The privacy policy keeps the names its audit trail always had.
    target = "policy" if kind == PRIVACY else kind
    audit.record(actor, f"{target}.publish", target, next_number(kind),
                 f"effective_from={values['effective_from'].isoformat()}")
    try:
        created = services.publish(values["body_sq"], values["body_en"],
                                   values["effective_from"], now,
                                   summary_sq=values.get("summary_sq") or "",
                                   summary_en=values.get("summary_en") or "", kind=kind)
    except services.PolicyError:
        db.session.rollback()  # drops the audit event too: nothing was published
        raise
    # publish() already forgets the cache; said again so this process shows the notice at
    # once even if that service changes.
    services.forget_cache()
    return created


# ---- disclosures to authorities --------------------------------------------------------------

class DisclosureError(ValueError):
    """A disclosure that cannot be recorded as entered; ``field`` names the culprit."""

    def __init__(self, field: str, message) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


def record_disclosure(user, authority: str, legal_basis: str, disclosed_on: date, what: str,
                      today: date, actor: Actor) -> Disclosure:
    """Record that ``what`` about ``user`` (an account) was handed to ``authority``; audited in
    the same commit."""
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
    audit.record(actor, "disclosure.create", "disclosure", disclosure.id,
                 f"user={user.id} · {authority} · {disclosed_on.isoformat()}")
    db.session.commit()
    return disclosure

