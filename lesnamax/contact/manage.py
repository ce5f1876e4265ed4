"""The owner's side of contact messages: the list and the "handled" mark, both audited.

Reading the list shows people's names, addresses and words, so it is recorded like looking
at a customer's file (the privacy policy promises it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..pagination import Page, paginate
from .models import ContactMessage

PAGE_SIZE = 25
#: Which messages the list shows.
SHOWN = ("open", "handled", "all")


def listing(shown: str, page: int, actor: audit.Actor) -> Page:
    """One page of messages, newest first: open ones, handled ones, or all."""
    query = select(ContactMessage)
    if shown == "open":
        query = query.where(ContactMessage.handled_at.is_(None))
    elif shown == "handled":
        query = query.where(ContactMessage.handled_at.is_not(None))
    # Recorded (and committed) before the rows load: a commit afterwards would expire them.
    audit.record_now(actor, "contact.view", "contact", None, f"shown={shown} page={page}")
    return paginate(query, page, PAGE_SIZE,
                    order_by=(ContactMessage.created_at.desc(), ContactMessage.id.desc()))


def set_handled(message_id: int, handled: bool, actor: audit.Actor) -> ContactMessage | None:
    """Mark a message handled (or open again); None if there is no such message."""
    message = db.session.get(ContactMessage, message_id)
    if message is None:
        return None
    if handled and message.handled_at is None:
        message.handled_at = datetime.now(UTC)
        message.handled_by_id = actor.user_id
    elif not handled and message.handled_at is not None:
        message.handled_at = None
        message.handled_by_id = None
    else:
        return message  # already so: nothing changed, nothing to record
    audit.record(actor, "contact.handled" if handled else "contact.reopened", "contact",
                 message.id)
    db.session.commit()
    return message

