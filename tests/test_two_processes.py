"""The shop keeps no state in its processes: two gunicorn servers over one database and one
Redis serve one customer whose requests alternate between them (issue 6, "scale beyond one
machine"). Sessions are signed cookies, carts live in the database, rate limits in Redis (or,
without it, in the database: tests/test_rate_limit_shared.py).

Runs on SQLite (one WAL file) and, with ``--db=postgresql``, on PostgreSQL.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from lesnamax.config import ROOT

from .account_support import confirmation_path, outbox_messages
from .pg import free_port
from .redis_server import RedisServer


@pytest.fixture
def redis_url():
    server = RedisServer().start()
    yield server.url
    server.stop()


class Shop:
    """One gunicorn process (one worker) of the shop on its own port."""

    def __init__(self, env: dict[str, str], log) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def shop_env(app, tmp_path) -> dict[str, str]:
    return {
        "LESNAMAX_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        # Both processes sign and check cookies with the same key, as production servers do.
        "LESNAMAX_SECRET_KEY": "two-processes-one-key",
        "LESNAMAX_MEDIA_ROOT": str(tmp_path / "media"),
        "LESNAMAX_MAIL_OUTBOX": str(tmp_path / "outbox"),
        "LESNAMAX_BANK_MODE": "sandbox",  # a local http shop: the sandbox, on purpose
        # No consumer runs beside these two: each sends its e-mails when it commits them.
        "LESNAMAX_JOBS_IMMEDIATE": "true",
    }


@pytest.fixture
def two_shops(app, redis_url, tmp_path):
    env = {**os.environ, **shop_env(app, tmp_path), "LESNAMAX_REDIS_URL": redis_url}
    with open(tmp_path / "gunicorn.log", "wb") as log:
        shops = [Shop(env, log), Shop(env, log)]
        try:
            for shop in shops:
                shop.wait()
            yield shops
        finally:
            for shop in shops:
                shop.stop()


class Browser:
    """One person's cookies, sent to whichever server is asked (cookies ignore the port)."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.opener.addheaders = [("Accept-Language", "sq")]

    def get(self, url: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, data: dict, token_from: str) -> tuple[int, str]:
        # The CSRF token comes from a page served by the *other* process.
        _, page = self.get(token_from)
        token = re.search(r'"X-CSRFToken": "([^"]+)"', html.unescape(page)).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        return self._open(urllib.request.Request(url, data=body))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def test_a_customer_alternating_between_two_processes(two_shops, make_product, tmp_path):
    a, b = (shop.url for shop in two_shops)
    chair = make_product(name_sq="Karrige Ulpiana", stock=5)
    person = Browser()
    details = {"first_name": "Vjosa", "last_name": "Berisha", "email": "vjosa@example.com",
               "phone": "044 123 456", "street": "Rr. Agim Ramadani 12",
               "municipality": "prishtine", "postal_code": "10000",
               "password": "Lule-bore-ne-mars-26", "accept_policy": "y", "age_ok": "y"}

    # Registered on B with a form from A, confirmed on A from the e-mail; the account page (and
    # so the login) on A.
    status, page = person.post(f"{b}/account/register", details, token_from=f"{a}/account/register")
    assert status == 200 and "vjosa@example.com" in page
    [message] = outbox_messages(tmp_path / "outbox")
    status, page = person.post(a + confirmation_path(message),
                               {"password": details["password"]}, token_from=f"{b}/account")
    assert status == 200 and "Vjosa" in page
    status, page = person.get(f"{a}/account")
    assert status == 200 and "vjosa@example.com" in page

    # The cart: added through A, seen on B, changed on B, seen on A.
    # (Adding needs no token, the product page carries none: the token of B's account page
    # goes along unused.)
    status, _ = person.post(f"{a}/cart/add", {"product_id": chair.id, "quantity": 2},
                            token_from=f"{b}/account")
    status, page = person.get(f"{b}/cart")
    assert status == 200 and "Karrige Ulpiana" in page
    line = re.search(r'action="/cart/lines/(\d+)"', page).group(1)
    person.post(f"{b}/cart/lines/{line}", {"action": "inc"}, token_from=f"{a}/cart")
    status, page = person.get(f"{a}/cart")
    assert re.search(r'value="3"', page), "the quantity changed on B is seen on A"

    # Logged out on A: B no longer knows the person either.
    person.post(f"{a}/account/logout", {}, token_from=f"{b}/account")
    status, page = person.get(f"{b}/account")
    assert "/account/login" in page and "vjosa@example.com" not in page


def test_login_limits_are_shared_by_the_processes(two_shops, make_user):
    """Five wrong passwords per account per 10 minutes, counted across both processes."""
    a, b = (shop.url for shop in two_shops)
    user = make_user(email="blerta@example.com")
    person = Browser()
    statuses = []
    for attempt in range(6):
        server = (a, b)[attempt % 2]
        status, _ = person.post(f"{server}/account/login",
                                {"email": user.email, "password": "gabim-gabim-gabim"},
                                token_from=f"{(b, a)[attempt % 2]}/account/login")
        statuses.append(status)
    # Each process saw three attempts; only a shared count reaches the limit at the sixth.
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
