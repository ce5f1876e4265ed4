"""A mail server that is down never costs an order, a registration or a sign-in link.

Every e-mail is written to the outbox with the change that causes it; the job that sends it
after the commit fails while the server is down, the row waits (``sent_at`` empty) and a retry
sends it once the server is back, exactly once (lesnamax/outbox.py). Here jobs run at once
(``JOBS_IMMEDIATE``); tests/test_jobs.py runs a real consumer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from lesnamax import mail, outbox
from lesnamax.extensions import db
from lesnamax.orders.models import Order
from lesnamax.outbox import OutboxMessage

from . import test_payments
from .test_checkout import go_to_review, place_form
from .test_mail import Sink, free_port
from .test_payments import reply

card_order = test_payments.card_order  # the real card checkout, reused as a fixture here


@pytest.fixture
def mail_down(app):
    """SMTP pointing at a port where nothing listens (connection refused)."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())


@pytest.fixture
def mail_up(app):
    """Returns a function that starts a real SMTP server (aiosmtpd) and points the shop at it."""
    from aiosmtpd.controller import Controller

    started = []

    def start(sink=None):
        sink = sink or Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        return sink

    yield start
    for controller in started:
        controller.stop()


class Refusing(Sink):
    """A server that answers every message with a permanent refusal."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        return "554 5.7.1 Refused by policy"


def place_cash_order(client, make_product, make_user, login):
    product = make_product(name_sq="Tavolinë", price_cents=12000, stock=2)
    login(make_user(first_name="Arbër"))
    client.post("/cart/add", data={"product_id": product.id})
    return client.post("/checkout/place", data=place_form(go_to_review(client).text))


def the_order(app) -> Order:
    with app.app_context():
        order = db.session.scalar(select(Order))
        db.session.expunge(order)
        return order


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def time_passes(app) -> None:
    """Every waiting message's back-off is over (as if its retry were long due)."""
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(
            next_attempt_at=datetime.now(UTC) - timedelta(hours=1)))
        db.session.commit()


def purge(app):
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    return result.output


def test_cash_order_with_smtp_down_is_placed_and_retried_once(
    app, client, make_product, make_user, login, mail_down, mail_up
):
    placed = place_cash_order(client, make_product, make_user, login)
    assert placed.status_code == 303 and "/orders/LM-" in placed.headers["Location"]
    page = client.get(placed.headers["Location"])
    assert page.status_code == 200  # the normal confirmation page
    order = the_order(app)
    assert order.confirmation_sent_at is not None  # written to the outbox with the order
    [waiting] = messages(app)
    assert (waiting.sent_at, waiting.attempts) == (None, 1)
    assert "ConnectionRefusedError" in waiting.last_error
    # SQLite hands back naive datetimes (UTC), PostgreSQL aware ones.
    assert waiting.next_attempt_at.replace(tzinfo=UTC) > datetime.now(UTC)  # backs off first
    assert "Sent 0 waiting e-mails; 0 still unsent" in purge(app)  # not due yet
    time_passes(app)
    assert "Sent 0 waiting e-mails; 1 still unsent" in purge(app)  # still down
    assert messages(app)[0].attempts == 2

    sink = mail_up()
    time_passes(app)
    assert "Sent 1 waiting e-mails; 0 still unsent" in purge(app)
    assert len(sink.messages) == 1
    assert order.number in sink.messages[0]["Subject"]
    assert messages(app)[0].sent_at is not None
    time_passes(app)
    purge(app)
    assert len(sink.messages) == 1  # exactly once


def test_card_payment_with_smtp_down_is_paid_and_retried(app, client, card_order, mail_down,
                                                         mail_up):
    answer = client.post("/payment/nestpay/ok", data=reply(card_order["fields"]))
    assert answer.status_code == 303
    assert client.get(answer.headers["Location"]).status_code == 200
    assert the_order(app).status == "paid"
    assert [row.sent_at for row in messages(app)] == [None]
    sink = mail_up()
    time_passes(app)
    purge(app)
    purge(app)
    assert len(sink.messages) == 1


def test_a_sent_confirmation_is_marked_and_not_repeated(app, client, make_product, make_user,
                                                        login, mail_up):
    sink = mail_up()
    place_cash_order(client, make_product, make_user, login)
    assert len(sink.messages) == 1
    [row] = messages(app)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""
    time_passes(app)
    purge(app)
    assert len(sink.messages) == 1


def test_the_message_goes_out_unchanged(app, mail_up):
    """A message stored whole (``outbox.add``) is sent as it was written, byte for byte."""
    from email.message import EmailMessage

    sink = mail_up()
    with app.app_context():
        written = EmailMessage()
        written["From"], written["To"], written["Subject"] = "shop@example.test", \
            "drita@example.test", "Përshëndetje"
        written["Message-ID"] = "<stored-1@lesnamax.com>"
        written.set_content("Rreshti i parë\n")
        outbox.add(written)
        db.session.commit()
    [row] = messages(app)
    [received] = sink.messages
    assert received["Message-ID"] == mail_message_id(row.message) == "<stored-1@lesnamax.com>"
    assert received.as_bytes().replace(b"\r\n", b"\n").strip().endswith(
        row.message.replace(b"\r\n", b"\n").strip().split(b"\n\n", 1)[1])


def test_a_confirmation_is_the_same_message_on_every_attempt(
    app, client, make_product, make_user, login, mail_down, mail_up
):
    """The confirmation is composed at each attempt (its row keeps no bytes), yet it is one
    message: the same Message-ID, date and text the first time and the time it gets through."""
    place_cash_order(client, make_product, make_user, login)
    [row] = messages(app)
    assert (row.kind, row.message, row.sent_at) == ("order-confirmation", b"", None)
    with app.app_context():
        first = outbox.raw(db.session.get(OutboxMessage, row.id))
    sink = mail_up()
    time_passes(app)
    purge(app)
    [received] = sink.messages
    assert received["Message-ID"] == mail_message_id(first) == outbox.message_id(row)
    composed = email_of(first)
    assert received["Date"] == composed["Date"]
    assert (received.get_body(("plain",)).get_content()
            == composed.get_body(("plain",)).get_content())
    [pdf] = [part for part in received.iter_attachments()
             if part.get_content_type() == "application/pdf"]
    assert pdf.get_content().startswith(b"%PDF")
    assert messages(app)[0].message == b""  # sent, and still no PDF kept in the table


def email_of(raw: bytes):
    import email
    import email.policy

    return email.message_from_bytes(raw, policy=email.policy.default)


def mail_message_id(raw: bytes) -> str:
    import email
    import email.policy

    return email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]


def test_a_claim_left_by_a_dead_sender_expires(app, client, make_product, make_user, login,
                                               mail_down, mail_up):
    place_cash_order(client, make_product, make_user, login)
    now = datetime.now(UTC)
    time_passes(app)
    with app.app_context():
        # Another consumer claimed it a moment ago and is sending: leave it alone...
        db.session.execute(update(OutboxMessage).values(claimed_at=now))
        db.session.commit()
        sink = mail_up()
        assert outbox.sweep(now) == (0, 0)
        [row] = db.session.scalars(select(OutboxMessage))
        assert outbox.send_one(row.id, now) == "skipped"
        assert sink.messages == []
        # ...unless it has been silent for longer than any send takes (it died).
        db.session.execute(update(OutboxMessage).values(
            claimed_at=now - timedelta(minutes=outbox.CLAIM_MINUTES + 1)))
        db.session.commit()
        assert outbox.sweep(now) == (1, 0)
    assert len(sink.messages) == 1


def test_a_late_sweeps_claims_are_fresh(app, client, make_product, make_user, login, mail_down,
                                        mail_up, monkeypatch):
    """A sweep that started long ago (a backlog behind a slow server) claims with the clock's
    time, not its start: the next sweep must not find the claim stale and send it again."""
    place_cash_order(client, make_product, make_user, login)
    started = datetime.now(UTC) - timedelta(minutes=outbox.CLAIM_MINUTES + 5)
    time_passes(app)
    sink = mail_up()
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage))
        sending = []
        monkeypatch.setattr(outbox.mail, "transmit", lambda *a: sending.append(
            outbox.send_one(row.id, datetime.now(UTC))))  # the next sweep, mid-send
        assert outbox.send_one(row.id, started) == "sent"
    assert sending == ["skipped"] and sink.messages == []


def test_a_refused_message_is_not_marked_sent(app, client, make_product, make_user, login,
                                              mail_up):
    refusing = mail_up(Refusing())
    place_cash_order(client, make_product, make_user, login)
    [row] = messages(app)
    assert row.sent_at is None and "554" in row.last_error
    sink = mail_up()
    time_passes(app)
    purge(app)
    assert (len(refusing.messages), len(sink.messages)) == (0, 1)
    assert messages(app)[0].sent_at is not None


def test_a_message_is_given_up_after_the_last_attempt(app, client, make_product, make_user,
                                                      login, mail_down, mail_up, caplog):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    place_cash_order(client, make_product, make_user, login)
    time_passes(app)
    purge(app)
    [row] = messages(app)
    assert row.attempts == 2 and row.failed_at is not None and row.sent_at is None
    assert any("given up after 2 attempts" in r.getMessage() for r in caplog.records
               if r.levelname == "ERROR")
    sink = mail_up()
    time_passes(app)
    purge(app)
    assert sink.messages == []
    with app.app_context():
        assert outbox.counts() == {"waiting": 0, "given_up": 1}


def test_the_retry_waits_longer_each_time():
    assert [outbox.retry_delay(n, 60).total_seconds() for n in (1, 2, 3, 4)] == [
        60, 120, 240, 480]
    assert outbox.retry_delay(30, 60) == outbox.MAX_DELAY


def test_a_rolled_back_change_sends_nothing(app, tmp_path):
    with app.test_request_context():
        mail.send("drita@example.test", "Jo", "password_reset", user=None, link="x")
        db.session.rollback()
        assert db.session.scalars(select(OutboxMessage)).all() == []
        mail.send("drita@example.test", "Po", "password_reset", user=None, link="x")
        assert not (tmp_path / "outbox").exists()  # nothing leaves before the commit
        db.session.commit()
    [written] = (tmp_path / "outbox").glob("*.eml")
    assert "Subject: Po" in written.read_text(encoding="utf-8")
    [row] = messages(app)
    assert row.sent_at is not None


def test_old_messages_are_purged(app, client, make_product, make_user, login):
    place_cash_order(client, make_product, make_user, login)
    with app.app_context():
        now = datetime.now(UTC)
        assert outbox.purge(now, 30) == 0
        assert outbox.purge(now + timedelta(days=31), 30) == 1


def test_password_reset_with_smtp_down_answers_as_for_an_unknown_address(
    app, make_user, mail_down, mail_up
):
    """A different answer for registered addresses would tell which addresses have accounts;
    the link waits in the outbox and goes out once the server is back."""
    user = make_user()
    _same_answer_for_known_and_unknown(app, "/account/password/reset", user.email)
    [row] = messages(app)
    assert row.recipient == user.email and row.sent_at is None
    sink = mail_up()
    time_passes(app)
    purge(app)
    assert [m["To"] for m in sink.messages] == [user.email]


def _same_answer_for_known_and_unknown(app, path, known):
    answers = []
    for address in (known, "nobody@example.test"):
        browser = app.test_client()
        response = browser.post(path, data={"email": address})
        answers.append((response.status_code, response.headers.get("Location"),
                        browser.get(response.headers["Location"]).get_data(as_text=True)
                        if response.status_code == 303 else ""))
    assert [(status, location) for status, location, _ in answers] == [(303, "/account/login")] * 2
    for _, _, page in answers:  # the same flash (the pages differ only in their CSRF tokens)
        assert "Nëse ekziston një llogari" in page


def test_registration_with_smtp_down_answers_as_usual_and_mails_later(
    app, make_user, mail_down, mail_up
):
    from .test_account import register

    make_user(email="zana@example.test")
    for address in ("drita@example.test", "zana@example.test"):
        response = register(app.test_client(), email=address)
        assert response.status_code == 303  # the same answer: check your inbox
        assert response.headers["Location"].endswith("/account/register/sent")
    assert [row.recipient for row in messages(app)] == ["drita@example.test",
                                                        "zana@example.test"]
    sink = mail_up()
    time_passes(app)
    purge(app)
    assert sorted(m["To"] for m in sink.messages) == ["drita@example.test", "zana@example.test"]


def test_signin_link_with_smtp_down_answers_as_for_an_unknown_address(
    app, make_user, mail_down
):
    from lesnamax.account import throttle

    user = make_user()
    _same_answer_for_known_and_unknown(app, "/account/login/link", user.email)
    # The link waits in the outbox and will arrive: it counts against the mailbox.
    assert [row.recipient for row in messages(app)] == [user.email]
    with app.app_context():
        assert all(throttle.may_send_mail(app.config, "signin", user.email) for _ in range(2))
        assert not throttle.may_send_mail(app.config, "signin", user.email)
