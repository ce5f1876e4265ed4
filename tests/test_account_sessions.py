"""Logging out ends the session on the server: copied cookies stop working (issue item 13)."""

from lesnamax.account.models import User
from lesnamax.extensions import db


def _cookie(client, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, name
    return cookie.value


def test_a_session_cookie_copied_before_logout_no_longer_opens_the_account(app, client, make_user,
                                                                           login):
    login(make_user())
    copied = _cookie(client, "session")
    assert client.post("/account/logout").status_code == 303

    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/account")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_a_remember_me_cookie_copied_before_logout_no_longer_opens_the_account(app, client,
                                                                               make_user, login):
    login(make_user(), remember="y")
    copied = _cookie(client, "remember_token")
    # Before logout the copied cookie alone opens the account: the test would see a real theft.
    before = app.test_client()
    before.set_cookie("remember_token", copied)
    assert before.get("/account").status_code == 200
    assert client.post("/account/logout").status_code == 303

    thief = app.test_client()
    thief.set_cookie("remember_token", copied)
    response = thief.get("/account")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_logout_ends_the_sessions_on_every_device(app, make_user, login):
    """Logging out is "log out everywhere": one session token per account, rotated."""
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        device.post("/account/login", data={"email": user.email, "password": user.password})
        assert device.get("/account").status_code == 200
    with app.app_context():
        token_before = db.session.get(User, user.id).session_token
    phone.post("/account/logout")
    assert laptop.get("/account").status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).session_token != token_before
    # Logging in again works as before.
    login_again = laptop.post("/account/login", data={"email": user.email,
                                                      "password": user.password})
    assert login_again.status_code == 303 and laptop.get("/account").status_code == 200
