"""Wrong passwords slow a guesser down but never lock the owner out (issue item 11)."""

import email
import email.policy
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lesnamax.account import throttle
from lesnamax.account.models import LoginEvent
from lesnamax.extensions import db
from lesnamax.web import Visit

from .account_support import text_of

WRONG = "gabim-gabim-gabim"


@pytest.fixture
def outbox(app, tmp_path):
    folder = tmp_path / "outbox"
    app.config.update(MAIL_SERVER="", MAIL_OUTBOX=str(folder))

    def messages():
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(Path(folder).glob("*.eml"))
        ]

    return messages


def browser(app, ip="127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def try_login(client, email_address, password):
    return client.post("/account/login", data={"email": email_address, "password": password})


def signin_path(message) -> str:
    return re.search(r"http://shop\.test(/account/login/link/\S+)", text_of(message)).group(1)


def test_a_stranger_guessing_does_not_lock_the_owner_out_of_their_browser(app, make_admin):
    """The issue's case: twelve wrong passwords for the owner from one session, same address."""
    owner = make_admin()
    owners_browser = browser(app)
    assert try_login(owners_browser, owner.email, owner.password).status_code == 303
    owners_browser.post("/account/logout")

    stranger = browser(app)
    statuses = [try_login(stranger, owner.email, WRONG).status_code for _ in range(12)]
    assert statuses == [422] * 5 + [429] * 7
    # The owner's browser carries proof of an earlier login: its attempts count on their own.
    assert try_login(owners_browser, owner.email, owner.password).status_code == 303
    assert owners_browser.get("/account").status_code == 200
    # The stranger still waits, even with the right password.
    assert try_login(stranger, owner.email, owner.password).status_code == 429


def test_the_owner_from_another_address_is_not_slowed_by_a_strangers_guesses(app, make_user):
    user = make_user()
    stranger = browser(app, "203.0.113.9")
    for _ in range(8):
        try_login(stranger, user.email, WRONG)
    assert try_login(stranger, user.email, WRONG).status_code == 429
    owner = browser(app, "198.51.100.7")
    assert try_login(owner, user.email, user.password).status_code == 303


def test_a_blocked_login_says_how_long_to_wait_and_offers_a_sign_in_link(app, client, make_user):
    user = make_user()
    for _ in range(5):
        try_login(client, user.email, WRONG)
    blocked = try_login(client, user.email, user.password)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) <= 600
    assert "Ju lutemi prisni 10 minuta" in blocked.text
    assert 'href="/account/login/link"' in blocked.text
    assert f'value="{user.email}"' in blocked.text
    with app.app_context():
        outcomes = [e.outcome for e in db.session.scalars(select(LoginEvent))]
    assert outcomes == ["bad_password"] * 5 + ["rate_limited"]


def test_waiting_out_the_window_is_enough_blocked_attempts_do_not_renew_it(app, make_user):
    config = {**app.config, "LOGIN_LIMIT_PER_ACCOUNT": "2 per minute"}
    with app.app_context():
        for now in (1000, 1001):
            assert throttle.reserve(config, "a@example.test", "10.0.0.1", now=now).allowed
        for now in (1002, 1030, 1059):  # hammering while blocked
            verdict = throttle.reserve(config, "a@example.test", "10.0.0.1", now=now)
            assert not verdict.allowed and verdict.wait == 1060 - now
        assert throttle.reserve(config, "a@example.test", "10.0.0.1", now=1060).allowed


def test_a_right_password_does_not_count_against_the_account(app, client, make_user):
    user = make_user()
    for _ in range(4):
        try_login(client, user.email, WRONG)
    for _ in range(3):  # log in and out: right passwords are given back
        assert try_login(client, user.email, user.password).status_code == 303
        client.post("/account/logout")
        client.delete_cookie("lm_device", path="/account")  # or it would count on its own
    assert try_login(client, user.email, WRONG).status_code == 422
    assert try_login(client, user.email, WRONG).status_code == 429


def test_many_addresses_together_cannot_brute_force_one_account(app, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE"] = "6 per day"
    user = make_user()
    statuses = [
        try_login(browser(app, f"203.0.113.{n}"), user.email, WRONG).status_code
        for n in range(1, 9)
    ]
    assert statuses == [422] * 6 + [429] * 2
    # Even the right password from a fresh address waits; the owner's ways in are their own
    # browser and the e-mailed link (tested above and below).
    assert try_login(browser(app, "198.51.100.7"), user.email, user.password).status_code == 429


def test_unknown_and_known_addresses_are_limited_alike(app, client, make_user):
    user = make_user()
    known = [try_login(client, user.email, WRONG).status_code for _ in range(6)]
    unknown = [try_login(client, "nobody@example.test", WRONG).status_code for _ in range(6)]
    assert known == unknown == [422] * 5 + [429]


def test_a_device_cookie_counts_only_for_its_own_account_and_must_be_signed(app, make_user):
    owner, other = make_user(), make_user()
    attacker = browser(app)
    # The attacker logs in to their own account: the device cookie names that account only.
    assert try_login(attacker, other.email, other.password).status_code == 303
    statuses = [try_login(attacker, owner.email, WRONG).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    forger = browser(app)
    forger.set_cookie("lm_device", "eyJhIjoiMTIzIiwibiI6IjQ1NiJ9.forged", path="/account")
    assert try_login(forger, owner.email, WRONG).status_code == 429


def test_the_sign_in_link_lets_the_owner_in_once(app, client, make_user, outbox):
    user = make_user()
    for _ in range(6):
        try_login(client, user.email, WRONG)
    assert try_login(client, user.email, user.password).status_code == 429

    response = client.post("/account/login/link", data={"email": user.email.upper()})
    assert response.status_code == 303
    assert "Nëse ekziston një llogari" in client.get(response.headers["Location"]).text
    [message] = outbox()
    assert message["To"] == user.email
    assert message["Subject"] == "Lidhja juaj për t'u kyçur në LESNA MAX"
    path = signin_path(message)

    # Opening the link (or a mail scanner fetching it) does not spend it.
    for _ in range(2):
        page = client.get(path)
        assert page.status_code == 200 and user.email in page.text
    assert client.get("/account").status_code == 302
    response = client.post(path)
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    # Once only.
    other = app.test_client()
    assert other.post(path).status_code == 400
    assert other.get(path).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(LoginEvent.outcome)).all()[-1] == "link"


def test_a_sign_in_link_expires_and_dies_with_a_password_change(app, client, make_user, outbox):
    user = make_user()
    client.post("/account/login/link", data={"email": user.email})
    path = signin_path(outbox()[0])
    app.config["SIGNIN_LINK_MAX_AGE"] = -1
    assert client.get(path).status_code == 400
    app.config["SIGNIN_LINK_MAX_AGE"] = 900
    assert client.get(path).status_code == 200
    with app.app_context():
        from lesnamax.account import services
        from lesnamax.account.models import User

        services.set_password(db.session.get(User, user.id), "Nje-fjalekalim-i-ri-26",
                              Visit(ip=None))
    assert client.post(path).status_code == 400
    assert client.get(path + "x").status_code == 400


def test_sign_in_links_cannot_flood_a_mailbox(app, make_user, outbox):
    user = make_user(language="en")
    for n in range(6):  # six requests from six addresses
        browser(app, f"203.0.113.{n}").post("/account/login/link", data={"email": user.email})
    messages = outbox()
    assert len(messages) == 3
    # Written in the customer's language.
    assert messages[0]["Subject"] == "Your sign-in link for LESNA MAX"


def test_unknown_addresses_get_the_same_answer_and_no_mail(client, outbox):
    response = client.post("/account/login/link", data={"email": "nobody@example.test"})
    assert response.status_code == 303
    assert "Nëse ekziston një llogari" in client.get(response.headers["Location"]).text
    assert outbox() == []
    assert client.post("/account/login/link", data={"email": "jo-email"}).status_code == 422


def test_the_throttle_is_off_when_rate_limits_are(app, client, make_user):
    """The security scans run with LESNAMAX_RATELIMIT_ENABLED=false (docs/security.md)."""
    app.config["RATELIMIT_ENABLED"] = False
    user = make_user()
    statuses = [try_login(client, user.email, WRONG).status_code for _ in range(8)]
    assert statuses == [422] * 8


def _reset_path(message) -> str:
    link = re.search(r"http://shop\.test(/account/password/reset/\S+)", text_of(message))
    return link.group(1)


def test_a_stranger_who_spends_every_cap_cannot_keep_the_owner_out(app, make_user, outbox):
    """30 wrong passwords from 6 addresses, then the 3 links of the hour asked for by the
    stranger: a link in the owner's inbox still works, and afterwards the password does too."""
    user = make_user()
    for n in range(6):
        stranger = browser(app, f"203.0.113.{n}")
        for _ in range(5):
            try_login(stranger, user.email, WRONG)
    owner = browser(app, "198.51.100.7")
    assert try_login(owner, user.email, user.password).status_code == 429  # daily cap spent
    for n in range(3):
        browser(app, f"203.0.113.{50 + n}").post("/account/login/link", data={"email": user.email})
    assert len(outbox()) == 3
    # The owner's own request is refused by the mail cap (same answer, no mail)...
    assert owner.post("/account/login/link", data={"email": user.email}).status_code == 303
    messages = outbox()
    assert len(messages) == 3
    # ...but the links the stranger asked for are in the owner's inbox and live as long as the
    # cap's window; any one of them works on its own, even near the end of the hour.
    assert app.config["SIGNIN_LINK_MAX_AGE"] >= 3600
    assert "one hour" in text_of(messages[0]) or "një ore" in text_of(messages[0])
    path = signin_path(messages[-1])
    assert owner.post(path).status_code == 303
    assert owner.get("/account").status_code == 200
    # After the link sign-in the password works again, from a new browser and address.
    fresh = browser(app, "198.51.100.99")
    assert try_login(fresh, user.email, user.password).status_code == 303
    # Brute force stays out of reach: a stranger's guesses count again toward a new daily cap.
    statuses = []
    for n in range(7):
        guesser = browser(app, f"192.0.2.{n}")
        statuses += [try_login(guesser, user.email, WRONG).status_code for _ in range(5)]
    assert statuses.count(422) == 30 and statuses[-1] == 429


def test_a_completed_password_reset_clears_the_accounts_counts(app, make_user, outbox):
    user = make_user()
    for n in range(6):
        stranger = browser(app, f"203.0.113.{n}")
        for _ in range(5):
            try_login(stranger, user.email, WRONG)
    owner = browser(app, "198.51.100.7")
    assert try_login(owner, user.email, user.password).status_code == 429
    owner.post("/account/password/reset", data={"email": user.email})
    path = _reset_path(outbox()[-1])
    new = "Nje-fjalekalim-i-ri-26"
    response = owner.post(path, data={"password": new, "confirm": new})
    assert response.status_code == 303
    assert try_login(browser(app, "198.51.100.8"), user.email, new).status_code == 303


def test_a_device_cookie_dies_with_a_password_change(app, make_user):
    """A thief who logged in once keeps no private budget after the owner changes the password."""
    user = make_user()
    thief = browser(app, "203.0.113.9")
    assert try_login(thief, user.email, user.password).status_code == 303
    thief.post("/account/logout")
    with app.app_context():
        from lesnamax.account import services
        from lesnamax.account.models import User

        services.set_password(db.session.get(User, user.id), "Nje-fjalekalim-i-ri-26",
                              Visit(ip=None))
    # Spend the thief's address budget from another browser there: the old cookie must not help.
    for _ in range(5):
        try_login(browser(app, "203.0.113.9"), user.email, WRONG)
    assert try_login(thief, user.email, WRONG).status_code == 429


def test_a_device_counts_toward_the_daily_cap_but_strangers_do_not_block_it(app, make_user):
    user = make_user()
    owner = browser(app, "198.51.100.7")
    assert try_login(owner, user.email, user.password).status_code == 303
    owner.post("/account/logout")
    for n in range(6):  # strangers spend the account's daily cap
        stranger = browser(app, f"203.0.113.{n}")
        for _ in range(5):
            try_login(stranger, user.email, WRONG)
    assert try_login(browser(app, "198.51.100.8"), user.email, user.password).status_code == 429
    # The owner's browser is not blocked by them...
    assert try_login(owner, user.email, user.password).status_code == 303
    owner.post("/account/logout")
    # ...but its own guesses are held to the daily cap too (30), whatever the windows.
    start = time.time()
    with app.app_context():
        for n in range(30):  # one every 130 s stays under 5 per 10 minutes
            verdict = throttle.reserve(app.config, user.email, "198.51.100.7", "abc123",
                                       now=start + 130 * n)
            assert verdict.allowed
        late = throttle.reserve(app.config, user.email, "198.51.100.7", "abc123",
                                now=start + 130 * 31)
        assert not late.allowed


def test_refused_attempts_cost_the_sender_and_do_not_flood_the_login_history(app, make_user):
    user = make_user()
    sender = browser(app, "203.0.113.77")
    statuses = [try_login(sender, user.email, WRONG).status_code for _ in range(61)]
    assert statuses[:5] == [422] * 5 and set(statuses[5:]) == {429}
    with app.app_context():
        outcomes = [e.outcome for e in db.session.scalars(select(LoginEvent))]
    # One row for the refusals of the window, not 56.
    assert outcomes == ["bad_password"] * 5 + ["rate_limited"]
    # Refused attempts are given back: only the 5 wrong passwords count toward the daily cap.
    with app.app_context():
        from lesnamax import ratelimit

        assert ratelimit.count(f"login:account:{throttle.account_hash(user.email)}")[0] == 5
    # The coarse per-address limit (LOGIN_REQUESTS_PER_IP) refuses POSTs beyond it outright.
    app.config["LOGIN_REQUESTS_PER_IP"] = "2 per minute"
    other = browser(app, "203.0.113.78")
    assert [try_login(other, "x@example.test", WRONG).status_code for _ in range(3)] == [
        422, 422, 429]
