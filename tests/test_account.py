"""Registration collects exactly what the policy lists; login, logout, rate limits, sessions."""

import re

import pytest
from sqlalchemy import func, select

from lesnamax.account.models import LoginEvent, User
from lesnamax.extensions import db
from lesnamax.privacy.models import ConsentRecord

from .account_support import confirm_registration
from .conftest import PASSWORD

VALID = {
    "first_name": "Dritë",
    "last_name": "Gashi-Berisha",
    "email": "Drite.Gashi@Example.TEST",
    "phone": "044 123 456",
    "street": "Rr. Nëna Terezë, Nr. 5",
    "municipality": "fushe-kosove",
    "postal_code": "12 000",
    "password": PASSWORD,
    "accept_policy": "y",
    "age_ok": "y",
}


def register(client, **changes):
    data = {**VALID, **changes}
    return client.post(
        "/account/register",
        data={k: v for k, v in data.items() if v is not None},
        headers={"User-Agent": "Testfox/1.0"},
    )


def test_register_page_asks_exactly_what_the_policy_lists(client):
    html = client.get("/account/register").text
    names = set(
        re.findall(
            r'name="(\w+)"',
            html.split('action="/account/register?next=/account"')[1].split("</form>")[0],
        )
    )
    assert names - {"csrf_token"} == {
        "first_name",
        "last_name",
        "email",
        "phone",
        "street",
        "municipality",
        "postal_code",
        "password",
        "accept_policy",
        "age_ok",
        "marketing",
    }
    # None of the three consents is ticked in advance.
    assert "checked" not in html.split('name="accept_policy"')[0].rsplit("<input", 1)[-1]
    assert not re.search(
        r'<input[^>]*checked[^>]*type="checkbox"|type="checkbox"[^>]*checked', html
    )
    assert html.count("<option") == 39  # "choose" + 38 municipalities
    assert 'href="/privacy"' in html


def test_register_stores_normalised_data_and_consents(app, client):
    response = register(client, marketing="y")
    assert response.status_code == 303 and response.headers["Location"] == "/account/register/sent"
    with app.app_context():
        assert db.session.scalar(select(User)) is None  # not before the e-mail is confirmed
    response = confirm_registration(client, app)
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "drite.gashi@example.test"
        assert user.phone == "+38344123456"
        assert user.postal_code == "12000" and user.municipality == "fushe-kosove"
        assert user.first_name == "Dritë" and user.created_ip == "127.0.0.1"
        assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash
        consents = {c.purpose: c for c in db.session.scalars(select(ConsentRecord))}
        assert set(consents) == {"privacy_policy", "age_or_guardian", "marketing"}
        assert all(c.granted for c in consents.values())
        assert all(c.policy_version.version == 1 and c.ip == "127.0.0.1" for c in consents.values())
        assert consents["marketing"].user_agent == "Testfox/1.0"
    assert "Mirë se erdhët, Dritë!" in client.get("/account").text


def test_marketing_is_recorded_as_not_given_when_unticked(app, client):
    register(client)
    confirm_registration(client, app)
    with app.app_context():
        marketing = db.session.scalar(select(ConsentRecord).filter_by(purpose="marketing"))
        assert marketing.granted is False


@pytest.mark.parametrize(
    "phone", ["044 123 456", "+383 44 123 456", "049123456", "38344123456", "00383 44 123 456"]
)
def test_phone_formats_are_accepted_as_e164(app, client, phone):
    assert register(client, phone=phone).status_code == 303
    assert confirm_registration(client, app).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(User.phone)) in {"+38344123456", "+38349123456"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "Kjo fushë është e domosdoshme."),
        ({"email": "jo-email"}, "email", "Shkruani një adresë email-i të vlefshme."),
        ({"phone": "044 1234 567"}, "phone", "Shkruani një numër telefoni të Kosovës"),
        ({"phone": "+377 44 123 456"}, "phone", "Shkruani një numër telefoni të Kosovës"),
        ({"postal_code": "99999"}, "postal_code", "kod postar të vlefshëm"),
        ({"municipality": "belgrade"}, "municipality", "Zgjidhni një komunë nga lista."),
        ({"password": "shkurt"}, "password", "të paktën 10 shenja"),
        ({"password": "password123"}, "password", "merret me mend shumë lehtë"),
        ({"accept_policy": None}, "accept_policy", "Duhet ta pranoni politikën"),
        ({"age_ok": None}, "age_ok", "konfirmoni moshën"),
        ({"first_name": "x" * 10_000}, "first_name", "shumë e gjatë"),
        ({"first_name": "<script>alert(1)</script>"}, "first_name", "Përdorni vetëm shkronja"),
        ({"last_name": "'; DROP TABLE user; --"}, "last_name", "Përdorni vetëm shkronja"),
        ({"street": "1' OR '1'='1"}, "street", "nuk lejohen"),
        ({"first_name": "Art\x00a"}, "first_name", "të padukshme"),
        ({"last_name": "Gashi\u202e"}, "last_name", "të padukshme"),
        ({"phone": "<b>044</b>"}, "phone", "Shkruani një numër telefoni"),
    ],
)
def test_bad_registration_input_is_refused_and_kept(app, client, changes, field, message):
    response = register(client, **changes)
    assert response.status_code == 422
    html = response.text
    assert f'id="{field}-error"' in html and message in html
    assert "Ju lutemi, ndreqni gabimet më poshtë." in html
    assert "<script>alert(1)</script>" not in html
    # What the person typed in the other fields is still there.
    if field != "email":
        assert 'value="Drite.Gashi@Example.TEST"' in html
    if field != "street":
        assert "Nëna Terezë" in html
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_email_is_unique_whatever_its_case(app, client, make_user):
    make_user(email="drite.gashi@example.test")
    response = register(client)  # Drite.Gashi@Example.TEST
    # The same answer as for a new address (tests/test_registration.py); no second account.
    assert response.status_code == 303 and response.headers["Location"] == "/account/register/sent"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_login_and_logout(app, client, make_user, login):
    user = make_user()
    response = login(user)
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    page = client.get("/account").text
    assert "Arta" in page and "Shkyçu" in page
    assert client.post("/account/logout").status_code == 303
    assert client.get("/account").status_code == 302  # back to login
    with app.app_context():
        assert [e.outcome for e in db.session.scalars(select(LoginEvent))] == ["ok"]


def test_login_is_case_insensitive_and_follows_next(client, make_user):
    make_user(email="arta@example.test")
    response = client.post(
        "/account/login?next=/account/privacy",
        data={"email": "ARTA@Example.test", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/account/privacy"


def test_login_never_redirects_off_site(client, make_user):
    user = make_user()
    response = client.post(
        "/account/login?next=https://evil.test/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_wrong_password_keeps_the_email_and_records_the_attempt(app, client, make_user, login):
    user = make_user()
    response = login(user, password="gabim-gabim-gabim")
    assert response.status_code == 422
    assert "Email ose fjalëkalim i gabuar." in response.text
    assert f'value="{user.email}"' in response.text
    client.post("/account/login", data={"email": "nobody@example.test", "password": "x" * 12})
    with app.app_context():
        events = db.session.scalars(select(LoginEvent).order_by(LoginEvent.id)).all()
        assert [(e.outcome, e.ip) for e in events] == [
            ("bad_password", "127.0.0.1"),
            ("unknown_email", "127.0.0.1"),
        ]
        assert events[0].user_id == user.id and events[1].user_id is None


def test_login_is_rate_limited_per_account(app, client, make_user, login):
    user = make_user()
    for _ in range(5):
        assert login(user, password="gabim-gabim-gabim").status_code == 422
    blocked = login(user)  # even the right password waits now
    assert blocked.status_code == 429
    assert "Shumë përpjekje" in blocked.text and f'value="{user.email}"' in blocked.text
    # Another account from the same address is not blocked by this account's limit.
    other = make_user()
    assert login(other).status_code == 303
    with app.app_context():
        outcomes = [e.outcome for e in db.session.scalars(select(LoginEvent))]
        assert outcomes.count("rate_limited") == 1


def test_login_is_rate_limited_per_ip(app, client, make_user, login):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    users = [make_user() for _ in range(4)]
    for user in users[:3]:
        assert login(user, password="gabim-gabim-gabim").status_code == 422
    assert login(users[3]).status_code == 429


def test_remember_me_sets_a_lasting_httponly_cookie(client, make_user, login):
    response = login(make_user(), remember="y")
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_session_cookie_flags(client, make_user, login):
    response = login(make_user())
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_is_renewed_at_login(client, make_user, login):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(make_user())
    with client.session_transaction() as session:
        assert "planted" not in session and "_user_id" in session


def test_account_pages_need_login(client):
    for path in [
        "/account",
        "/account/fields/phone/edit",
        "/account/privacy",
        "/account/export.json",
        "/account/delete",
    ]:
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert client.post("/account/fields/phone", data={"phone": "044123456"}).status_code == 302


def test_logout_needs_post(client, make_user, login):
    login(make_user())
    assert client.get("/account/logout").status_code == 405
    assert client.get("/account").status_code == 200
