"""Registering never tells whether an address has an account (issue item 14).

A new and a taken address get the same answer ("check your e-mail"); the new one gets a link that
creates the account, the owner of the taken one a warning with a sign-in and a reset link.
"""

import re

from sqlalchemy import func, select

from lesnamax.account import services
from lesnamax.account.models import PendingRegistration, User
from lesnamax.extensions import db

from .account_support import (
    confirm_registration,
    confirmation_path,
    outbox_messages,
    text_of,
)
from .conftest import PASSWORD
from .test_account import VALID, register


def mails(app):
    return outbox_messages(app.config["MAIL_OUTBOX"])


def without_tokens(html: str) -> str:
    # Each browser has its own CSRF token; everything else must be the same.
    return re.sub(r'"X-CSRFToken": "[^"]+"|name="csrf_token" value="[^"]+"', "TOKEN", html)


def users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_a_new_and_a_taken_address_get_the_same_answer(app, make_user):
    make_user(email="zana@example.test", language="en")
    answers = []
    for address in ("drita@example.test", "zana@example.test"):
        client = app.test_client()
        response = register(client, email=address)
        page = client.get(response.headers["Location"])
        answers.append((response.status_code, response.headers["Location"], page.status_code,
                        without_tokens(page.text).replace(address, "ADDRESS")))
    assert answers[0] == answers[1]
    assert answers[0][:3] == (303, "/account/register/sent", 200)
    assert "Kontrolloni emailin tuaj" in answers[0][3] and "ADDRESS" in answers[0][3]
    assert "Ekziston tashmë" not in answers[0][3]
    assert users(app) == 1  # nothing created yet for the new address
    new, taken = mails(app)
    assert new["To"] == "drita@example.test"
    assert new["Subject"] == "Konfirmoni adresën e emailit për LESNA MAX"
    # The owner is told in their own language, with a way in and a way to a new password.
    assert taken["To"] == "zana@example.test"
    assert taken["Subject"] == "Someone tried to register with your e-mail address"
    text = text_of(taken)
    assert "/account/login/link/" in text and "http://shop.test/account/password/reset" in text
    assert "/account/register/confirm/" not in text


def test_both_answers_cost_one_password_hash(app, make_user, monkeypatch):
    """No timing difference from the expensive part: a taken address is hashed too."""
    make_user(email="zana@example.test")
    calls = []
    real = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda p: calls.append(p) or real(p))
    register(app.test_client(), email="drita@example.test")
    register(app.test_client(), email="zana@example.test")
    assert len(calls) == 2


def test_the_owner_can_sign_in_from_the_warning(app, make_user):
    owner = make_user(email="zana@example.test")
    register(app.test_client(), email="Zana@Example.test", password="Tjeter-fjalekalim-26")
    link = re.search(r"http://shop\.test(/account/login/link/\S+)", text_of(mails(app)[0]))
    client = app.test_client()
    assert client.post(link.group(1)).status_code == 303
    assert "zana@example.test" in client.get("/account").text
    with app.app_context():  # the stranger's password was not set
        assert services.check_password(db.session.get(User, owner.id), owner.password)


def test_the_link_creates_the_account_once_and_logs_in(app):
    client = app.test_client()
    register(client, email="drita@example.test")
    path = confirmation_path(mails(app)[0])
    # Opening the link (a mail scanner too) shows a button and creates nothing.
    page = client.get(path)
    assert page.status_code == 200 and "drita@example.test" in page.text
    assert users(app) == 0
    response = client.post(path, data={"password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert "Mirë se erdhët, Dritë!" in client.get("/account").text
    assert users(app) == 1
    assert app.test_client().post(path, data={"password": PASSWORD}).status_code == 400
    assert app.test_client().get(path).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PendingRegistration)) == 0


def test_a_password_login_before_confirming_answers_like_a_wrong_password(app, make_user):
    """Registering X with a password, then logging in with it, tells nothing about X either."""
    make_user(email="zana@example.test")
    answers = []
    chosen = "Nje-fjalekalim-tjeter-26"  # not the owner's
    for address in ("drita@example.test", "zana@example.test"):
        client = app.test_client()
        register(client, email=address, password=chosen)
        response = client.post("/account/login", data={"email": address, "password": chosen})
        answers.append((response.status_code,
                        without_tokens(response.text).replace(address, "ADDRESS")))
    assert answers[0] == answers[1] and answers[0][0] == 422
    assert "Email ose fjalëkalim i gabuar." in answers[0][1]


def test_registration_goes_on_to_where_it_started(app):
    client = app.test_client()
    client.post("/account/register?next=/checkout", data=VALID)
    assert confirm_registration(client, app).headers["Location"] == "/checkout"


def test_registering_someones_address_cannot_flood_their_mailbox(app, make_user):
    make_user(email="zana@example.test")
    for _ in range(5):
        register(app.test_client(), email="zana@example.test")
    assert len(mails(app)) == 3


def test_two_registrations_of_one_address_make_one_account(app):
    for name in ("Drita", "Dritë"):
        register(app.test_client(), email="drita@example.test", first_name=name)
    first, second = (confirmation_path(m) for m in mails(app))
    assert app.test_client().post(second, data={"password": PASSWORD}).status_code == 303
    assert app.test_client().post(first, data={"password": PASSWORD}).status_code == 400
    assert users(app) == 1


def test_unconfirmed_registrations_expire_and_are_purged(app):
    register(app.test_client(), email="drita@example.test")
    path = confirmation_path(mails(app)[0])
    app.config["REGISTRATION_MAX_AGE"] = -1
    assert app.test_client().get(path).status_code == 400
    assert app.test_client().post(path).status_code == 400
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert "Removed 1 registrations never confirmed." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PendingRegistration)) == 0
    assert users(app) == 0


def test_a_made_up_confirmation_link_is_refused(client):
    assert client.get("/account/register/confirm/nonsense").status_code == 400
    assert client.post("/account/register/confirm/nonsense").status_code == 400


def test_registrations_from_one_address_are_limited(app, client):
    app.config["REGISTER_REQUESTS_PER_IP"] = "2 per hour"
    statuses = [client.post("/account/register", data={}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]


def test_confirming_needs_the_password_chosen_at_registration(app, client):
    """Someone registers the victim's address with a password of their own: the victim's click
    on the link must not create an account the registrant can log in to."""
    assert register(app.test_client(), email="viktima@example.test").status_code == 303
    path = confirmation_path(mails(app)[-1])
    assert "Do t'ju kërkohet fjalëkalimi" in text_of(mails(app)[-1])
    page = client.get(path)
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    wrong = client.post(path, data={"password": "Fjalekalimi-i-viktimes-1"})
    assert wrong.status_code == 422
    assert "Ky nuk është fjalëkalimi i zgjedhur gjatë regjistrimit" in wrong.text
    assert client.get("/account").status_code == 302  # not logged in
    assert users(app) == 0
    assert client.post(path, data={"password": ""}).status_code == 422
    # The link is not spent: the one who chose the password can still confirm.
    assert confirm_registration(client, app).status_code == 303
    assert users(app) == 1


def test_two_confirmations_of_one_address_at_once_answer_as_an_address_taken(
        app, client, monkeypatch):
    """The second insert hits users.email's unique index: the same answer as a taken address."""
    for _ in range(2):
        assert register(app.test_client(), email="dyfish@example.test").status_code == 303
    first, second = (confirmation_path(m) for m in mails(app)[-2:])
    # Both requests pass the "address in use?" check before either inserts.
    monkeypatch.setattr(services, "email_in_use", lambda *args, **kwargs: False)
    assert app.test_client().post(first, data={"password": PASSWORD}).status_code == 303
    late = app.test_client().post(second, data={"password": PASSWORD})
    assert late.status_code == 400
    assert users(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PendingRegistration)) == 0
