"""The shop owner's view of customers: search, one customer's file, an export; all audited.

Looking at a customer's personal data is recorded in the audit trail (the policy promises
it), so these functions take the admin as an ``Actor``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from .. import audit
from ..extensions import db
from ..orders.models import Order
from ..orders.services import orders_of
from ..pagination import Page, count_and_clamp
from ..privacy.models import MARKETING
from ..privacy.services import consent_history, disclosures_of, latest_consents
from ..text import fold
from . import data
from .models import User

PAGE_SIZE = 25
#: Letters ``text.fold`` changes that SQL's lower() may not (SQLite lowers ASCII only).
_FOLDED = [(ch, fold(ch)) for ch in "ëËçÇšŠčČćĆžŽĐéÉèÈüÜöÖâÂ" if fold(ch) != ch]
_PHONE_LIKE = re.compile(r"^[\d\s+()./\-]+$")


@dataclass(frozen=True)
class CustomerFile:
    user: User
    consents: list
    marketing: bool
    orders: list
    disclosures: list


def _folded(column):
    """SQL twin of ``text.fold`` for the letters customers' names use."""
    for accented, plain in _FOLDED:
        column = func.replace(column, accented, plain)
    return func.lower(column)


def _phone_digits(query: str) -> str:
    """Return the national digits of a phone-like query (``044 123`` -> ``44123``), or ''."""
    if not _PHONE_LIKE.match(query):
        return ""
    digits = re.sub(r"\D", "", query)
    for prefix in ("00383", "383", "0"):
        if digits.startswith(prefix) and len(digits) > len(prefix):
            digits = digits[len(prefix):]
            break
    return digits if len(digits) >= 3 else ""


def search(query: str, page: int, actor: audit.Actor) -> Page:
    """Return one page of customers (newest first) matching every word of ``query``.

    Two queries whatever the page size: a count, and the rows with their order counts. The
    list shows names and e-mails, so looking at it is audited too, without the search words
    (they may be someone's name or phone): the detail is data, e.g. ``page=2 q=…``.
    """
    condition = User.is_admin.is_(False)
    words = fold(query).split()
    if words:
        name = _folded(User.first_name + " " + User.last_name)
        matches = and_(*(or_(name.contains(word, autoescape=True),
                             User.email.contains(word, autoescape=True)) for word in words))
        digits = _phone_digits(query)
        if digits:
            matches = or_(matches, User.phone.contains(digits, autoescape=True))
        # An erased account's placeholder e-mail is no data to find it by.
        condition = and_(condition, matches, User.erased_at.is_(None))
    total, page = count_and_clamp(select(User.id).where(condition), page, PAGE_SIZE)
    # Recorded (and committed) before the rows load: a commit afterwards would expire them.
    audit.record_now(actor, "customer.view", "user", None,
                        f"page={page}" + (" q=…" if words else ""))
    counts = (select(Order.user_id, func.count(Order.id).label("n"))
              .group_by(Order.user_id).subquery())
    rows = db.session.execute(
        select(User, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.user_id == User.id)
        .where(condition)
        .order_by(User.created_at.desc(), User.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page([tuple(row) for row in rows], total, page, PAGE_SIZE)


def find(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def open_file(user_id: int, actor: audit.Actor) -> CustomerFile | None:
    """Load everything shown on a customer's page and record that the admin looked."""
    user = find(user_id)
    if user is None:
        return None
    # Recorded first: committing after loading would expire every row the page shows.
    audit.record_now(actor, "customer.view", "user", user.id)
    history = consent_history(user)
    latest = latest_consents(history).get(MARKETING)
    return CustomerFile(user, history, bool(latest and latest.granted), orders_of(user.id),
                        disclosures_of(user.id))


def export(user_id: int, actor: audit.Actor) -> dict | None:
    """Return the customer's own export (an access request), recording who took it."""
    user = find(user_id)
    if user is None:
        return None
    exported = data.export(user)
    audit.record_now(actor, "customer.export", "user", user.id)
    return exported
