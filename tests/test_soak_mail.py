"""Soak (issue 14): the mail server is down while 20 customers buy, against gunicorn +
PostgreSQL + Redis and a real job consumer (``flask jobs``), all on loopback.

Every order is placed, no answer is a 5xx, and once SMTP is back every confirmation reaches the
server (aiosmtpd counts them) exactly once. ``LESNAMAX_MAIL_SOAK_SECONDS`` is how long SMTP
stays down while the customers buy: 30 s by default, so the run fits in ``make test``'s
PostgreSQL pass; the issue's proof is ``LESNAMAX_MAIL_SOAK_SECONDS=120``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from lesnamax.config import ROOT
from lesnamax.extensions import db
from lesnamax.orders.models import Order
from lesnamax.outbox import OutboxMessage

from .account_support import confirmation_path, outbox_messages
from .soak_support import ADDRESS, PASSWORD, Customer, Stats, expect
from .test_mail import Sink, free_port
from .test_soak import Gunicorn, products  # noqa: F401 - the soak's products, as a fixture

pytestmark = pytest.mark.skipif(
    "config.getoption('--db') != 'postgresql'",
    reason="the soak tests run on PostgreSQL only (pytest --db=postgresql, as make test does)",
)

SECONDS = float(os.environ.get("LESNAMAX_MAIL_SOAK_SECONDS", "30"))
CUSTOMERS = 20


@pytest.fixture
def redis_url():
    from .redis_server import RedisServer

    server = RedisServer().start()
    yield server.url
    server.stop()


class Consumer:
    """``flask jobs`` with the shop's settings (and the mail server given here)."""

    def __init__(self, tmp_path, name: str, **mail) -> None:
        env = {**os.environ, "FLASK_APP": "wsgi.py",
               **{f"LESNAMAX_{key}": str(value) for key, value in mail.items()}}
        self.log_path = tmp_path / f"{name}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "jobs", "--workers", "2"], cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.process.send_signal(2)  # SIGINT: the running jobs finish first
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()


class Registering(Customer):
    def register(self) -> None:
        """As Customer.register, but the link comes from the consumer, a moment later."""
        b = self.browser
        expect(b.get("/account/register"), 200, what="register form")
        details = {**ADDRESS, "email": self.email, "password": PASSWORD,
                   "accept_policy": "y", "age_ok": "y"}
        expect(b.post("/account/register", details), 303, "/account/register/sent", "register")
        deadline = time.monotonic() + 60
        while not (mails := [m for m in outbox_messages(self.outbox) if m["To"] == self.email]):
            assert time.monotonic() < deadline, f"no registration e-mail for {self.email}"
            time.sleep(0.2)
        expect(b.post(confirmation_path(mails[0]), {"password": PASSWORD}), 303, "/account",
               "confirm registration")
        expect(b.get("/account"), 200, what="account")


def test_smtp_down_while_customers_buy(app, redis_url, tmp_path, monkeypatch,
                                       products):  # noqa: F811
    smtp_port = free_port()
    for key, value in {"JOBS_IMMEDIATE": "false", "MAIL_RETRY_SECONDS": "2",
                       "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                       "REDIS_URL": redis_url, "SECRET_KEY": "soak-test-key",
                       "BANK_MODE": "sandbox", "MAIL_OUTBOX": str(tmp_path / "outbox")}.items():
        monkeypatch.setenv(f"LESNAMAX_{key}", value)
    shop = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], redis_url, tmp_path)
    consumer = Consumer(tmp_path, "consumer-files")  # registration links into MAIL_OUTBOX
    sink, smtp = Sink(), None
    try:
        shop.wait()
        stats, stop = Stats(), threading.Event()
        customers = [Registering(n, shop.url, list(products), stats, stop, shop.outbox)
                     for n in range(CUSTOMERS)]
        with ThreadPoolExecutor(CUSTOMERS) as pool:
            list(pool.map(Registering.register, customers))
        consumer.stop()
        # SMTP is down: the consumer's server is a port where nothing listens.
        consumer = Consumer(tmp_path, "consumer-smtp", MAIL_SERVER="127.0.0.1",
                            MAIL_PORT=smtp_port)
        for customer in customers:
            customer.start()
        time.sleep(SECONDS)
        stop.set()
        for customer in customers:
            customer.join(120)
        assert not any(c.is_alive() for c in customers), "a customer hung"
        with app.app_context():
            waiting = db.session.scalar(select(func.count(OutboxMessage.id))
                                        .where(OutboxMessage.sent_at.is_(None)))
        assert waiting > 0  # the outage held the confirmations back
        smtp = Controller(sink, hostname="127.0.0.1", port=smtp_port)  # SMTP is back
        smtp.start()
        deadline = time.monotonic() + 300
        while True:
            with app.app_context():
                left = db.session.scalar(select(func.count(OutboxMessage.id))
                                         .where(OutboxMessage.sent_at.is_(None)))
            if not left or time.monotonic() > deadline:
                break
            time.sleep(1)
        time.sleep(2)  # a duplicate, if any, would arrive now
    finally:
        consumer.stop()
        if smtp is not None:
            smtp.stop()
        shop.stop()

    assert stats.server_errors == [] and not any(s >= 500 for s in stats.statuses), stats.statuses
    assert [e for c in customers for e in c.errors] == []
    assert "Traceback" not in shop.log_text()
    with app.app_context():
        confirmed = set(db.session.scalars(
            select(Order.number).where(Order.confirmation_sent_at.is_not(None))))
        orders = db.session.scalar(select(func.count(Order.id)))
    placed = [p for c in customers for p in c.purchases]
    assert left == 0, f"{left} e-mails still unsent after SMTP came back"
    assert len(confirmed) >= CUSTOMERS and orders >= len(confirmed)
    delivered = Counter(_number(m["Subject"])
                        for m in sink.messages)
    assert set(delivered) == confirmed  # every confirmation arrived…
    assert set(delivered.values()) == {1}  # …exactly once
    print(f"\nSMTP down {SECONDS:g} s: {len(placed)} purchases, {orders} orders, "
          f"{len(confirmed)} confirmations delivered once each after SMTP returned")


def _number(subject: str) -> str:
    import re

    return re.search(r"LM-\d{4}-\d+", subject).group()
