"""The dashboard's "waiting for action" lists only orders the owner has to act on (issue 17):
a shipped order is with the courier and was listed there."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lesnamax.extensions import db
from lesnamax.orders import reports

from .test_admin_dashboard import ZONE, add_order


def test_shipped_orders_are_not_waiting_for_the_owner(app):
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with app.app_context():
        for status in ("shipped", "shipped", "delivered", "cancelled", "processing",
                       "cash_on_delivery"):
            add_order(status, 1000, now)
        db.session.commit()
        waiting = dict(reports.dashboard(now, ZONE).waiting)
    assert "shipped" not in waiting
    assert waiting["processing"] == 1 and waiting["cash_on_delivery"] == 1


def test_the_dashboard_page_lists_no_shipped_orders_as_waiting(app, client, admin):
    with app.app_context():
        add_order("shipped", 1000, datetime.now(UTC))
        db.session.commit()
    html = client.get("/admin/?lang=en").text
    waiting = re.search(r'<section aria-labelledby="waiting-title">(.*?)</section>', html, re.S)
    assert waiting is not None and "Processing" in waiting.group(1)
    assert "Shipped" not in waiting.group(1) and "status=shipped" not in waiting.group(1)


def test_the_dashboard_counts_given_up_and_waiting_emails(app, client, admin):
    """The owner learns from the dashboard that customers did not get e-mails (issue 14)."""
    from email.message import EmailMessage

    from sqlalchemy import update

    from lesnamax import outbox
    from lesnamax.outbox import OutboxMessage

    html = client.get("/admin/?lang=en").text
    assert 'id="mail-given-up"' not in html and 'id="mail-waiting"' not in html
    with app.app_context():
        ids = []
        for n in range(3):
            message = EmailMessage()
            message["To"], message["Subject"] = f"k{n}@example.com", f"Porosia {n}"
            message.set_content("…")
            row = outbox.add(message)
            db.session.flush()
            ids.append(row.id)
        # Not through a commit hook's send: two given up, one waiting for its retry.
        db.session.info.pop(outbox._PENDING, None)  # noqa: SLF001
        db.session.commit()
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[:2]))
                           .values(failed_at=datetime.now(UTC), attempts=12))
        db.session.commit()
    html = client.get("/admin/?lang=en").text
    given_up = re.search(r'<p class="notice" id="mail-given-up">(.*?)</p>', html, re.S)
    assert given_up and "2 e-mails to customers could not be sent" in given_up.group(1)
    assert "1 e-mail is waiting to be sent" in html
    sq = client.get("/admin/?lang=sq").text
    assert "2 emaile për klientët nuk u dërguan dot" in sq
    assert "1 email pret të dërgohet" in sq
