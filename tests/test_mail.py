"""Password reset by e-mail: real SMTP captured by aiosmtpd, and the outbox folder."""

import email
import email.policy
import re
import socket
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from lesnamax.account.models import User
from lesnamax.extensions import db

from .account_support import text_of
from .conftest import PASSWORD


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield sink
    finally:
        controller.stop()


def reset_link(message) -> str:
    return re.search(
        r"http://shop\.test(/account/password/reset/\S+)", text_of(message)
    ).group(1)


def test_reset_sends_a_single_use_link_by_smtp(app, client, smtp, make_user, login):
    user = make_user()
    response = client.post("/account/password/reset", data={"email": user.email.upper()})
    assert response.status_code == 303
    assert "Nëse ekziston një llogari" in client.get(response.headers["Location"]).text
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == user.email
    assert message["Subject"] == "Vendosni fjalëkalim të ri për LESNA MAX"
    assert "Përshëndetje Arta" in text_of(message)
    link = reset_link(message)
    assert "Vendosni fjalëkalim të ri" in client.get(link).text
    weak = client.post(link, data={"password": "shkurt"})
    assert weak.status_code == 422 and "të paktën 10 shenja" in weak.text
    done = client.post(link, data={"password": "Fjalëkalim-i-ri-2027"})
    assert done.status_code == 303
    assert login(user, password="Fjalëkalim-i-ri-2027").status_code == 303
    # Single use: the same link no longer works.
    client.post("/account/logout")
    again = client.get(link)
    assert again.status_code == 400 and "Kjo lidhje nuk vlen më" in again.text
    assert client.post(link, data={"password": "Edhe-nje-tjeter-99"}).status_code == 400


def test_the_answer_is_the_same_for_unknown_addresses(client, smtp, make_user):
    make_user()
    known = client.post("/account/password/reset", data={"email": "arta1@example.test"})
    unknown = client.post("/account/password/reset", data={"email": "askush@example.test"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert len(smtp.messages) == 1


def test_reset_links_expire(app, client, smtp, make_user):
    make_user()
    client.post("/account/password/reset", data={"email": "arta1@example.test"})
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(reset_link(smtp.messages[0])).status_code == 400


def test_tampered_tokens_are_refused(client):
    for token in ["abc", "eyJpZCI6MX0.x.y", "." * 300, "%00"]:
        response = client.get(f"/account/password/reset/{token}")
        assert response.status_code in {400, 404}


def test_reset_ends_other_sessions(app, client, smtp, make_user):
    user = make_user()
    other = app.test_client()
    other.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert other.get("/account").status_code == 200
    client.post("/account/password/reset", data={"email": user.email})
    client.post(reset_link(smtp.messages[0]), data={"password": "Fjalëkalim-i-ri-2027"})
    assert other.get("/account").status_code == 302


def test_reset_email_is_in_the_customers_language(app, client, smtp, make_user):
    user = make_user(language="en")
    client.post("/account/password/reset?lang=sq", data={"email": user.email})
    assert smtp.messages[0]["Subject"] == "Set a new password for LESNA MAX"


def test_without_a_mail_server_messages_go_to_the_outbox(app, client, make_user, tmp_path):
    app.config.update(MAIL_SERVER="", MAIL_OUTBOX=str(tmp_path / "outbox"))
    user = make_user()
    client.post("/account/password/reset", data={"email": user.email})
    files = list(Path(tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == user.email and "/account/password/reset/" in text_of(message)


def test_bad_reset_requests(client, smtp):
    for value in ["", "jo-email", "x" * 10_000, "a@b.test\x00"]:
        response = client.post("/account/password/reset", data={"email": value})
        assert response.status_code == 422
    assert smtp.messages == []


def test_language_preference_follows_the_account(app, client, make_user, login):
    user = make_user(language="en")
    login(user)
    assert "Personal details" in client.get("/account").text
    with app.app_context():
        assert db.session.scalar(select(User.language).filter_by(id=user.id)) == "en"
