"""/contact: a message reaches the owner through the outbox and the admin list; the form
refuses bad input (422, what was typed kept), robots (honeypot, too quick) and floods (per
address, per IP); messages are purged after the retention the privacy page states."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lesnamax import tasks
from lesnamax.audit import AuditEvent
from lesnamax.contact import forms, services
from lesnamax.contact.models import ContactMessage
from lesnamax.extensions import db
from lesnamax.outbox import OutboxMessage

from .account_support import outbox_messages, text_of


def shown(app, seconds_ago: float = 60) -> str:
    with app.app_context():
        return forms.shown_at_token(time.time() - seconds_ago)


def valid(app, **values) -> dict:
    return {"name": "Drita Berisha", "email": "drita@example.test", "phone": "",
            "message": "A e keni këtë divan në ngjyrë gri? Faleminderit.",
            "website": "", "shown_at": shown(app), **values}


def stored(app) -> list[ContactMessage]:
    with app.app_context():
        return list(db.session.scalars(select(ContactMessage).order_by(ContactMessage.id)))


def mails_to_owner(app) -> list:
    return [m for m in outbox_messages(app.config["MAIL_OUTBOX"])
            if m["To"] == "online.lesnamax@gmail.com"]


def test_the_page_offers_the_form_and_plain_links(client):
    page = client.get("/contact?lang=sq")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Na kontaktoni" in html
    assert 'href="tel:+38344779977"' in html
    assert 'href="viber://chat?number=%2B38344779977"' in html
    assert 'href="https://wa.me/38344779977"' in html
    assert "12 muaj" in html  # the retention, as on /privacy
    assert 'name="website"' in html and 'tabindex="-1"' in html
    # Personal (a CSRF token in it): never a shared, cached page.
    assert page.headers["Cache-Control"] == "private, no-store"
    # The footer of every page links here.
    assert 'href="/contact"' in client.get("/privacy").get_data(as_text=True)


def test_the_privacy_page_states_the_retention(client, app):
    app.config["CONTACT_RETENTION_MONTHS"] = 9
    assert "9 months" in client.get("/privacy?lang=en").get_data(as_text=True)


def test_a_message_is_kept_mailed_to_the_trader_and_acknowledged(client, app):
    answer = client.post("/contact?lang=en", data=valid(app, phone="044 123 456"))
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/contact/sent")
    done = client.get("/contact/sent?lang=en")
    assert "your message has reached us" in done.get_data(as_text=True)
    # Shown once: a second visit goes back to the form.
    assert client.get("/contact/sent").status_code == 303
    [message] = stored(app)
    assert (message.name, message.email, message.phone) == (
        "Drita Berisha", "drita@example.test", "+38344123456")
    assert message.language == "en" and message.handled_at is None
    [mail] = mails_to_owner(app)
    assert mail["Reply-To"] == "drita@example.test"
    text = text_of(mail)
    # The owner reads it in Albanian, whatever the sender's language.
    assert mail["Subject"] == "Mesazh nga faqja: Drita Berisha"
    assert "A e keni këtë divan në ngjyrë gri?" in text and "+38344123456" in text
    assert "http://shop.test/admin/messages" in text
    # Nothing is mailed to the sender (an unverified address: no spam relay).
    assert all(m["To"] == "online.lesnamax@gmail.com"
               for m in outbox_messages(app.config["MAIL_OUTBOX"]))


def test_a_phone_alone_is_enough_and_a_foreign_one_too(client, app):
    answer = client.post("/contact", data=valid(app, email="", phone="+49 30 901820"))
    assert answer.status_code == 303
    [message] = stored(app)
    assert (message.email, message.phone) == ("", "+4930901820")
    assert mails_to_owner(app)[0]["Reply-To"] is None


@pytest.mark.parametrize(("change", "error"), [
    ({"email": "", "phone": ""}, "Give an e-mail address or a phone number"),
    ({"email": "not-an-address"}, "Enter a valid e-mail address."),
    ({"phone": "12"}, "Enter a phone number"),
    ({"name": ""}, "This field is required."),
    ({"name": "R2D2"}, "Use letters only"),
    ({"message": ""}, "This field is required."),
    ({"message": "Hi"}, "at least 10 characters"),
    ({"message": "x" * 4001}, "This field is too long."),
    ({"message": "Përshëndetje\x00 botë, si jeni?"}, "invisible or control characters"),
])
def test_bad_input_is_a_translated_422_with_what_was_typed(client, app, change, error):
    data = valid(app, **change)
    answer = client.post("/contact?lang=en", data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422, change
    assert error in html
    assert "Drita Berisha" in html or data["name"] != "Drita Berisha"
    assert not stored(app) and not mails_to_owner(app)


def test_errors_are_in_albanian_too(client, app):
    answer = client.post("/contact?lang=sq", data=valid(app, email="", phone=""))
    assert answer.status_code == 422
    assert "Jepni një adresë emaili ose një numër telefoni" in answer.get_data(as_text=True)


def test_the_honeypot_is_acknowledged_and_dropped(client, app):
    answer = client.post("/contact", data=valid(app, website="http://spam.example"))
    assert answer.status_code == 303
    assert client.get("/contact/sent").status_code == 200
    assert not stored(app) and not mails_to_owner(app)


@pytest.mark.parametrize("token", ["now", "forged", ""])
def test_a_form_sent_too_quickly_or_without_its_time_is_refused(client, app, token):
    value = {"now": shown(app, 0), "forged": "MTIz.abc", "": ""}[token]
    answer = client.post("/contact?lang=en", data=valid(app, shown_at=value))
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "That was very quick" in html and "A e keni këtë divan" in html
    assert not stored(app)


def test_one_address_may_send_only_a_few_messages_a_day(client, app):
    app.config["CONTACT_LIMIT_PER_ADDRESS"] = "2 per day"
    for _ in range(2):
        assert client.post("/contact", data=valid(app)).status_code == 303
    # From another connection too: the count is the address's.
    other = app.test_client()
    answer = other.post("/contact?lang=en", data=valid(app, email="DRITA@example.test"),
                        environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert answer.status_code == 429
    assert "several messages already" in answer.get_data(as_text=True)
    assert len(stored(app)) == 2 and len(mails_to_owner(app)) == 2
    # Another address from the same place is fine.
    assert client.post("/contact", data=valid(app, email="besa@example.test")).status_code == 303


def test_one_connection_may_send_only_a_few_messages_an_hour(client, app):
    app.config["CONTACT_REQUESTS_PER_IP"] = "2 per hour"
    for n in range(2):
        answer = client.post("/contact", data=valid(app, email=f"p{n}@example.test"))
        assert answer.status_code == 303
    answer = client.post("/contact?lang=en", data=valid(app, email="p9@example.test"))
    assert answer.status_code == 429
    html = answer.get_data(as_text=True)
    assert "Too many messages from your connection" in html
    assert "p9@example.test" in html  # what was typed is kept
    assert len(stored(app)) == 2


def test_the_admin_lists_messages_and_marks_them_handled(client, app, admin):
    other = app.test_client()
    assert other.post("/contact", data=valid(app)).status_code == 303
    [message] = stored(app)
    page = client.get("/admin/messages?lang=en")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    html = page.get_data(as_text=True)
    assert "Drita Berisha" in html and "A e keni këtë divan" in html
    answer = client.post(f"/admin/messages/{message.id}/handled", data={"handled": "1"})
    assert answer.status_code == 303
    [message] = stored(app)
    assert message.handled_at is not None and message.handled_by_id == admin.id
    assert "Drita Berisha" not in client.get("/admin/messages").get_data(as_text=True)
    assert "Drita Berisha" in client.get("/admin/messages?shown=handled").get_data(as_text=True)
    assert client.post(f"/admin/messages/{message.id}/handled",
                       data={"handled": "0"}).status_code == 303
    assert stored(app)[0].handled_at is None
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert actions.count("contact.view") == 3
    assert actions.count("contact.handled") == 1 and actions.count("contact.reopened") == 1


def test_admin_refuses_what_does_not_exist(client, app, admin):
    assert client.post("/admin/messages/999/handled", data={"handled": "1"}).status_code == 404
    assert client.post("/admin/messages/1/handled", data={"handled": "x"}).status_code == 400
    assert client.get("/admin/messages?shown=nope").status_code == 400


def test_customers_cannot_open_the_messages(client, make_user, login):
    login(make_user())
    assert client.get("/admin/messages").status_code == 403


def test_a_logged_in_customer_finds_their_name_and_address_filled_in(client, make_user, login):
    user = make_user()
    login(user)
    html = client.get("/contact").get_data(as_text=True)
    assert 'value="Arta Krasniqi"' in html and f'value="{user.email}"' in html


def test_messages_older_than_the_retention_are_purged(app):
    now = datetime(2027, 3, 31, 12, 0, tzinfo=UTC)
    with app.app_context():
        for days in (400, 367, 364, 1):
            db.session.add(ContactMessage(name=f"N{days}", body="x" * 20,
                                          created_at=now - timedelta(days=days)))
        db.session.commit()
        lines = tasks.housekeeping(now)
        assert "Removed 2 contact messages older than 12 months." in lines
        left = db.session.scalars(select(ContactMessage.name)).all()
    assert sorted(left) == ["N1", "N364"]


def test_months_before_keeps_the_calendar():
    moment = datetime(2027, 3, 31, 8, 30, tzinfo=UTC)
    assert services.months_before(moment, 1) == datetime(2027, 2, 28, 8, 30, tzinfo=UTC)
    assert services.months_before(moment, 12) == datetime(2026, 3, 31, 8, 30, tzinfo=UTC)
    assert services.months_before(moment, 15) == datetime(2025, 12, 31, 8, 30, tzinfo=UTC)


def test_the_message_and_its_mail_are_one_transaction(app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr(services.mail, "compose", broken)
    with app.test_request_context(), pytest.raises(RuntimeError):
        services.receive({"name": "A", "email": "a@example.test", "phone": "",
                          "message": "x" * 20}, "sq")
    with app.app_context():
        db.session.rollback()
        assert db.session.scalar(select(ContactMessage.id)) is None
        assert db.session.scalar(select(OutboxMessage.id)) is None
