"""Helpers for the newsletter tests: customers in bulk, a campaign, an SMTP sink that counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from lesnamax.account.models import User
from lesnamax.audit import Actor
from lesnamax.extensions import db
from lesnamax.newsletter import manage
from lesnamax.privacy.models import MARKETING, ConsentRecord, PolicyVersion

from .jobs_support import CountingSink, Smtp

OWNER = Actor(None, "pronari@example.test", None)


def crowd(app, total: int, opted_in, start: int = 1) -> list[int]:
    """Add ``total`` customers at once (no password, as if registered); those whose number
    ``opted_in(n)`` is true gave marketing consent; every third one reads English. Return
    the ids."""
    now = datetime.now(UTC) - timedelta(days=1)
    with app.app_context():
        policy = db.session.scalar(select(PolicyVersion.id).where(PolicyVersion.version == 1))
        rows = [{"email": f"klient{n}@example.test", "password_hash": "!", "first_name": "Klient",
                 "last_name": str(n), "phone": "+38344123456", "street": "Rr. UÇK 1",
                 "municipality": "prishtine", "postal_code": "10000",
                 "language": "en" if n % 3 == 0 else "sq", "is_admin": False,
                 "created_at": now, "session_token": f"t{n:030d}"}
                for n in range(start, start + total)]
        db.session.execute(insert(User), rows)
        ids = dict(db.session.execute(select(User.email, User.id).where(
            User.email.in_([r["email"] for r in rows]))).all())
        consents = [{"user_id": ids[f"klient{n}@example.test"], "purpose": MARKETING,
                     "granted": bool(opted_in(n)), "policy_version_id": policy, "at": now,
                     "ip": None, "user_agent": "pytest"}
                    for n in range(start, start + total)]
        db.session.execute(insert(ConsentRecord), consents)
        db.session.commit()
        return [ids[r["email"]] for r in rows]


def make_campaign(app, products=(), **values) -> int:
    fields = {"subject_sq": "Ofertat e dhjetorit", "subject_en": "December offers",
              "body_sq": "Përshëndetje!\nKëtë muaj dyshekët janë më lirë.",
              "body_en": "Hello!\nThis month mattresses cost less.", **values}
    with app.app_context():
        return manage.create(fields, list(products), OWNER).id


@pytest.fixture
def sink(app):
    """An SMTP server that counts what it accepted; the app sends to it."""
    counting = CountingSink()
    server = Smtp(counting).start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    try:
        yield counting
    finally:
        server.stop()


def recipients_of(sink: CountingSink) -> list[str]:
    with sink.lock:
        return [str(m["To"]) for m in sink.messages]
