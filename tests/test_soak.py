"""Soak test (issue 6): 20 customers buy for 2 minutes against gunicorn + PostgreSQL + Redis,
on loopback, while a worker is SIGKILLed twice and the master restarts it.

Afterwards the database must agree with what the customers were told: no order lost or made
twice, stock equal to what the orders hold, one successful payment event per paid order, and
no answer 500 (nor a traceback in gunicorn's log). ``LESNAMAX_SOAK_SECONDS`` shortens the run
while developing; CI runs the full two minutes as part of ``make test``'s PostgreSQL run.

Runs only with ``--db=postgresql``: the point is PostgreSQL's row locks under real concurrency
in several processes (SQLite is one writer at a time by design).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from lesnamax.account.models import User
from lesnamax.catalogue.models import Product
from lesnamax.config import ROOT
from lesnamax.extensions import db
from lesnamax.orders.models import HOLDS_STOCK, PAID, Order, OrderLine
from lesnamax.payments.models import PAID as ATTEMPT_PAID
from lesnamax.payments.models import PaymentAttempt, PaymentEvent

from .pg import free_port
from .redis_server import RedisServer
from .soak_support import Customer, Stats, clients, worker_pids

pytestmark = pytest.mark.skipif(
    "config.getoption('--db') != 'postgresql'",
    reason="the soak test runs on PostgreSQL only (pytest --db=postgresql, as make test does)",
)

SECONDS = float(os.environ.get("LESNAMAX_SOAK_SECONDS", "120"))
CUSTOMERS = 20
WORKERS = 2  # as in production (docs/deploy.md)


@pytest.fixture
def redis_url():
    server = RedisServer().start()
    yield server.url
    server.stop()


class Gunicorn:
    """The shop under gunicorn with WORKERS sync workers; the sandbox bank in the same app."""

    def __init__(self, database_url: str, redis_url: str, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "gunicorn.log"
        self.outbox = tmp_path / "outbox"
        env = {
            **os.environ,
            "LESNAMAX_DATABASE_URL": database_url,
            "LESNAMAX_REDIS_URL": redis_url,
            "LESNAMAX_SECRET_KEY": "soak-test-key",
            # The bank's okUrl/failUrl/callbackUrl are built from BASE_URL.
            "LESNAMAX_BASE_URL": self.url,
            "LESNAMAX_BANK_MODE": "sandbox",
            "LESNAMAX_MEDIA_ROOT": str(tmp_path / "media"),
            "LESNAMAX_MAIL_OUTBOX": str(self.outbox),
            # All the soak's customers register from 127.0.0.1 within a minute.
            "LESNAMAX_REGISTER_REQUESTS_PER_IP": "1000 per hour",
        }
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind",
             f"127.0.0.1:{self.port}", "--timeout", "60", "--log-level", "warning",
             "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while not (self.healthy() and len(worker_pids(self.process.pid)) == WORKERS):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start:\n" + self.log_text())
            time.sleep(0.1)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()


@pytest.fixture
def shop(app, redis_url, tmp_path):
    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], redis_url, tmp_path)
    try:
        server.wait()
        yield server
    finally:
        server.stop()


@pytest.fixture
def products(make_product):
    """Two scarce products (some buyers find them sold out) and two that never run out."""
    made = [make_product(name_sq="Karrige e fundit", price_cents=4500, stock=8),
            make_product(name_sq="Tavolinë e rrallë", price_cents=12900, stock=40),
            make_product(name_sq="Raft librash", price_cents=3900, stock=100_000),
            make_product(name_sq="Jastëk", price_cents=990, stock=100_000)]
    return {p.id: p.stock for p in made}


def test_buying_for_two_minutes_while_workers_die(app, shop, products):
    stats, stop = Stats(), threading.Event()
    customers = [Customer(n, shop.url, list(products), stats, stop, shop.outbox)
                 for n in range(CUSTOMERS)]
    with ThreadPoolExecutor(CUSTOMERS) as pool:
        list(pool.map(Customer.register, customers))
    started = time.monotonic()
    # One kill while a worker places an order, one while it takes the bank's answer (the
    # sandbox bank's page delivers the callback from the same worker, then sends the browser).
    plan = [(SECONDS / 3, "/checkout/place"), (2 * SECONDS / 3, "/sandbox-bank/fim/est3Dgate/pay")]
    committed = Committed(app.config["SQLALCHEMY_DATABASE_URI"])
    killer = Killer(shop.process.pid, shop.port, plan, WORKERS, stats, committed)
    killer.start()
    for customer in customers:
        customer.start()
    time.sleep(SECONDS)
    stop.set()  # each customer finishes the purchase under way
    for customer in customers:
        customer.join(max(1.0, started + SECONDS + 120 - time.monotonic()))
    killer.join(60)
    committed.close()
    elapsed = time.monotonic() - started
    assert not any(c.is_alive() for c in customers), "a customer hung"

    with app.app_context():
        found = check_database(customers, products)
        found["kills"] = describe_kills(killer)
    summary = report(customers, stats, killer, found, elapsed, shop)
    print(summary)

    # The database agrees with the customers: orders, stock, payments (check_database).
    assert found["problems"] == [], "\n".join([summary, *found["problems"][:20]])
    # The shop answered every request without a 500, and nothing unexpected.
    assert stats.server_errors == [], summary
    assert [e for c in customers for e in c.errors] == [], summary
    log = shop.log_text()
    assert "Traceback" not in log, log[-5000:]
    # Both kills hit a worker answering the planned request after its commit (the database
    # had the order or the payment, the customer had no answer yet); the customer sent the
    # request again; the master replaced the worker, and the shop serves with all workers.
    assert [(k.request or ("",))[0] for k in killer.kills] == [p for _, p in plan], summary
    assert all(k.committed and k.replaced_by for k in killer.kills), summary
    assert stats.retries >= 1, summary
    assert len(worker_pids(shop.process.pid)) == WORKERS and shop.healthy()
    # The run did what it is for: many orders, both ways of paying, some sold out.
    assert found["orders"] >= CUSTOMERS and found["paid"] >= 1 and found["cash"] >= 1, summary
    assert sum(c.sold_out for c in customers) >= 1, summary


def check_database(customers: list[Customer], initial: dict[int, int]) -> dict:
    """Compare the database with what the customers were told; return figures for the report
    and, under "problems", every disagreement found."""
    orders = {o.number: o for o in db.session.scalars(select(Order))}
    users = dict(db.session.execute(select(User.email, User.id)).all())
    problems: list[str] = []

    # Every order a customer was shown exists once, under its key, for that customer, and
    # ended where the customer's last answer said it would.
    confirmed: dict[str, str] = {}
    for customer in customers:
        for p in customer.purchases:
            if len(p.numbers) > 1 or {303, 409} <= set(p.answers):
                # Two presses of one key answered differently: two orders, or one order and
                # "sold out, nothing was ordered".
                problems.append(f"contradicting answers for one key: {p}")
            for number in p.numbers:
                order = orders.get(number)
                if order is None:
                    problems.append(f"{number} was confirmed but is not in the database")
                elif (order.idempotency_key, order.user_id) != (p.key, users[customer.email]):
                    problems.append(f"{number} is not the order of {customer.email}'s {p}")
                elif p.expected and order.status != p.expected:
                    problems.append(f"{number} is {order.status}, the customer was told {p}")
                if confirmed.setdefault(number, p.key) != p.key:
                    problems.append(f"{number} confirmed for two keys")
    # An order nobody was told about can only come from a place POST whose answer was lost
    # (the customer gave up after ATTEMPTS connection failures): one such key per order.
    unresolved = {key for c in customers for key in c.unresolved}
    unseen = [o.number for n, o in orders.items()
              if n not in confirmed and o.idempotency_key not in unresolved]
    if unseen:
        problems.append(f"orders no customer placed: {unseen}")
    for customer in customers:
        mine = sum(1 for o in orders.values() if o.user_id == users[customer.email])
        if mine > len(customer.purchases):
            problems.append(f"{customer.email}: {mine} orders, {len(customer.purchases)} keys")

    # Stock: what was there, minus what the orders holding stock hold; never below zero.
    held = dict(db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.in_(HOLDS_STOCK)).group_by(OrderLine.product_id)).all())
    stock = {pid: db.session.get(Product, pid).stock for pid in initial}
    for pid, before in initial.items():
        if stock[pid] < 0 or stock[pid] != before - held.get(pid, 0):
            problems.append(f"product {pid}: {before} - {held.get(pid, 0)} held != {stock[pid]}")

    # Payments. A "successful payment event" is the one delivery of the bank's approval that
    # changed the attempt from pending to paid: PaymentEvent.outcome == "paid". The same
    # approval arriving again (the second callback or browser return of the "duplicate"
    # button, the browser after the callback, a retried POST to the bank) is recorded too, as
    # outcome "duplicate": every delivery is logged, only one of them is the payment.
    paid_events = Counter(db.session.scalars(
        select(PaymentAttempt.order_id)
        .join(PaymentEvent, PaymentEvent.attempt_id == PaymentAttempt.id)
        .where(PaymentEvent.outcome == "paid")))
    paid_attempts = Counter(db.session.scalars(
        select(PaymentAttempt.order_id).where(PaymentAttempt.status == ATTEMPT_PAID)))
    with_attempts = set(db.session.scalars(select(PaymentAttempt.order_id)))
    for order in orders.values():
        wanted = 1 if order.status == PAID else 0
        if (paid_events[order.id], paid_attempts[order.id]) != (wanted, wanted):
            problems.append(f"{order.number} ({order.status}): {paid_events[order.id]} "
                            f"successful events, {paid_attempts[order.id]} paid attempts")
        if order.payment_method == "cash" and order.id in with_attempts:
            problems.append(f"cash order {order.number} went to the bank")
    return {
        "problems": problems, "orders": len(orders), "unseen": len(orders) - len(confirmed),
        "statuses": Counter(o.status for o in orders.values()),
        "cash": sum(o.payment_method == "cash" for o in orders.values()),
        "paid": sum(o.status == PAID for o in orders.values()),
        "events": Counter(db.session.scalars(select(PaymentEvent.outcome))), "stock": stock,
        "to_mail": {o.number for o in orders.values()
                    if o.status == PAID or o.payment_method == "cash"},
    }


@dataclass
class Kill:
    at: float  # seconds into the run
    wall: float  # time.time() of the kill, to compare with orders' created_at
    pid: int
    request: tuple[str, str] | None  # (path, key or oid) of the request it was answering
    committed: bool  # the request's change was already in the database
    replaced_by: int | None = None
    restart_s: float | None = None


class Killer(threading.Thread):
    """At each ``(seconds, path)`` SIGKILLs a worker while it answers a request for ``path``,
    preferably right after that request's change was committed (``committed(path, about)``
    says so): the worst moment, when the database has the order or the payment but the
    customer will never get the answer. Then waits for the master's replacement."""

    def __init__(self, master: int, port: int, plan: list[tuple[float, str]], workers: int,
                 stats: Stats, committed) -> None:
        super().__init__(name="killer", daemon=True)
        self.master, self.port, self.plan, self.workers = master, port, plan, workers
        self.stats, self.committed = stats, committed
        self.kills: list[Kill] = []
        self.start_time = time.monotonic()

    def victim(self, path: str, patience: float = 20) -> tuple[int, tuple | None, bool]:
        """Wait for a worker answering ``path`` after its commit (up to ``patience`` s),
        then settle for one answering ``path`` at all, then for any busy worker."""
        started = time.monotonic()
        while True:
            waited = time.monotonic() - started
            with self.stats.lock:
                flying = dict(self.stats.in_flight)
            for pid in sorted(worker_pids(self.master)):
                for client in clients(pid, self.port):
                    what = flying.get(client)
                    if what is None or (what[0] != path and waited < patience + 5):
                        continue
                    if what[0] == path and self.committed(*what):
                        return pid, what, True
                    if waited > patience:
                        return pid, what, False
            if waited > patience + 10:
                return min(worker_pids(self.master)), None, False
            time.sleep(0.001)

    def run(self) -> None:
        for at, path in self.plan:
            time.sleep(max(0.0, self.start_time + at - time.monotonic()))
            before = worker_pids(self.master)
            pid, what, committed = self.victim(path)
            os.kill(pid, signal.SIGKILL)
            kill = Kill(round(time.monotonic() - self.start_time, 1), time.time(), pid, what,
                        committed)
            self.kills.append(kill)
            killed_at, deadline = time.monotonic(), time.monotonic() + 60
            while time.monotonic() < deadline:
                now = worker_pids(self.master)
                fresh = now - before
                if fresh and len(now) == self.workers:
                    kill.replaced_by, kill.restart_s = fresh.pop(), time.monotonic() - killed_at
                    break
                time.sleep(0.05)


class Committed:
    """Whether a request's change is in the database: the order for an idempotency key, the
    bank's answer for an attempt's oid. The killer asks this while the request is in flight."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)

    def __call__(self, path: str, about: str) -> bool:
        if path == "/checkout/place":
            query = 'SELECT 1 FROM "order" WHERE idempotency_key = %s'
        else:
            query = "SELECT 1 FROM payment_attempt WHERE oid = %s AND status <> 'pending'"
        return self.conn.execute(query, (about,)).fetchone() is not None

    def close(self) -> None:
        self.conn.close()


def describe_kills(killer: Killer) -> list[str]:
    """What each kill interrupted, and for an order being placed, who wrote it."""
    lines = []
    for k in killer.kills:
        path, about = k.request or ("(nothing in flight)", "")
        line = (f"worker {k.pid} at {k.at}s during {path} {about}"
                f"{' after its commit' if k.committed else ''} "
                f"(replacement forked after {k.restart_s or 0:.1f}s)")
        if path == "/checkout/place":
            order = db.session.scalar(select(Order).where(Order.idempotency_key == about))
            if order is None:
                line += ": no order under its key (sold out when retried)"
            elif order.created_at.timestamp() < k.wall:
                line += f": {order.number} was written by the killed worker, the retry found it"
            else:
                line += f": {order.number} was placed by the retry"
        lines.append(line)
    return lines


def report(customers, stats: Stats, killer: Killer, found: dict, elapsed: float, shop) -> str:
    """The run in a few lines (printed; shown with -s, and in any failure's message)."""
    mails = " ".join(p.read_text(errors="replace") for p in shop.outbox.glob("*.eml")) \
        if shop.outbox.exists() else ""
    unmailed = sorted(n for n in found["to_mail"] if n not in mails)
    purchases = [p for c in customers for p in c.purchases]
    banks = Counter(s for p in purchases for s in p.bank)
    lines = [
        f"soak: {CUSTOMERS} customers, {WORKERS} workers, {elapsed:.0f}s "
        f"(LESNAMAX_SOAK_SECONDS={SECONDS:g})",
        f"  requests {stats.requests:,}, retried after a connection failure {stats.retries}, "
        f"answers {dict(sorted(stats.statuses.items()))}",
        *(f"  kill: {line}" for line in found["kills"]),
        f"  orders {found['orders']} ({found['cash']} cash), statuses "
        f"{dict(found['statuses'])}, unseen by a customer {found['unseen']}",
        f"  places {len(purchases)}, pressed twice {sum(c.double_places for c in customers)}, "
        f"sold out {sum(c.sold_out for c in customers)}, "
        f"gave up {sum(len(c.unresolved) for c in customers)}",
        f"  bank buttons {dict(banks)}, returns posted twice "
        f"{sum(c.double_returns for c in customers)}, events {dict(found['events'])}",
        f"  stock now {found['stock']}",
        f"  confirmed orders without a confirmation e-mail: {len(unmailed)} {unmailed[:5]}",
    ]
    lines += [f"  error: {c.name}: {e}" for c in customers for e in c.errors][:10]
    lines += [f"  5xx: {e}" for e in stats.server_errors[:10]]
    log_errors = [line for line in shop.log_text().splitlines()
                  if re.search(r"\[(ERROR|CRITICAL)\]", line) and "SIGKILL" not in line]
    lines += [f"  log: {line}" for line in log_errors[:10]]
    return "\n".join(lines)
