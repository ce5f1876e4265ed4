"""Place-order throughput: whole purchases by concurrent Python buyers against gunicorn.

An order is not one request: the checkout keeps its steps in the session and each placed order
empties the cart and clears them, so every purchase repeats the steps a browser sends. wrk
cannot follow that, so each buyer here is a thread with its own registered customer (its own
session and cart) that repeats, for a fixed time:

    POST /cart/add (htmx) → POST /checkout/address → POST /checkout/delivery
    → POST /checkout/payment → GET /checkout/review (its idempotency key) → POST /checkout/place

It does not fetch the pages the 303s point to (the next step, the order page), so the figure
is the cost of the purchase's own requests. Threads are enough: a buyer mostly waits for the
server, and the GIL keeps all buyers together to at most one core (they need far less).
"""

from __future__ import annotations

import http.client
import re
import sqlite3
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

from client import HTMX, Answer, Browser, hidden

STEPS = ("add", "address", "delivery", "payment", "review", "place")

#: A valid customer and delivery address (the forms' own rules: Kosovo phone, municipality).
ADDRESS = {
    "first_name": "Bench",
    "last_name": "Blerësi",
    "phone": "044 123 456",
    "street": "Rruga e Benchit 1",
    "municipality": "prishtine",
    "postal_code": "",
}
#: Long and uncommon enough for the registration form's password rules.
PASSWORD = "bench-Pass-7913-lesnamax"

#: A buyer that keeps failing stops, so a broken step can't spin without the server's cost.
MAX_ERRORS = 20


class Unexpected(Exception):
    """An answer other than the one a working checkout gives."""


@dataclass
class OrderRun:
    buyers: int
    seconds: float
    orders: int = 0
    client_cpu: float = 0.0  # share of one core the buyers themselves used in the window
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)
    step_ms: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})

    @property
    def orders_per_s(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    def p(self, step: str, quantile: float) -> float:
        return percentile(self.step_ms[step], quantile)

    def summary(self) -> str:
        return (
            f"{self.orders_per_s:>9,.1f} orders/s  place p50 {self.p('place', 0.5):6.1f} ms"
            f"  p99 {self.p('place', 0.99):6.1f} ms  errors {self.errors}"
        )


def percentile(values: list[float], quantile: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(quantile * 100) - 1]


def register(browser: Browser, number: int, outbox: Path) -> Browser:
    """Register a new customer with ``browser`` and confirm it from the link the shop wrote
    to ``outbox`` (confirming logs in); return the browser.

    ``browser`` may be a client.TestBrowser: queries.py registers customers in-process.
    """
    _check(browser.get("/account/register"), 200, "register form")
    form = {
        **ADDRESS,
        "email": f"bench-{uuid.uuid4().hex[:12]}-{number}@example.com",
        "password": PASSWORD,
        "accept_policy": "y",
        "age_ok": "y",
    }
    _check(browser.post("/account/register", form), 303, "register", "/account/register/sent")
    confirm = _confirmation_path(outbox, form["email"])
    _check(browser.get(confirm), 200, "confirmation page")
    _check(browser.post(confirm, {"password": PASSWORD}), 303, "confirm registration")
    # Logging in starts a new session with a new CSRF token: read it from the next page.
    _check(browser.get("/account"), 200, "account page")
    return browser


def _confirmation_path(outbox: Path, email: str) -> str:
    """The path of the registration link e-mailed to ``email``.

    Read from the shop's outbox table (``bench.sqlite`` beside ``outbox``): the e-mail is a row
    there from the registration's own transaction, whether or not a consumer has sent it yet.
    """
    with sqlite3.connect(outbox.parent / "bench.sqlite") as conn:
        rows = conn.execute("SELECT message FROM outbox_message WHERE recipient = ? "
                            "ORDER BY id DESC", (email,)).fetchall()
    for (raw,) in rows:
        message = message_from_bytes(raw, policy=email_policy.default)
        text = message.get_body(preferencelist=("plain",)).get_content()  # text + HTML
        found = re.search(r"/account/register/confirm/[^\s]+", text)
        if found:
            return found.group(0)
    raise Unexpected(f"no confirmation e-mail for {email} in the outbox table")


def _check(answer: Answer, status: int, step: str, location: str = "") -> Answer:
    if answer.status != status or location not in answer.location:
        raise Unexpected(f"{step}: {answer.status} {answer.location} {answer.text[:200]!r}")
    return answer


def buy(browser: Browser, product_id: int) -> list[tuple[str, float, float]]:
    """Place one order; return (step, ms, finished at) for each of its requests."""
    timings = []

    def step(name: str, answer: Answer, status: int, location: str = "") -> Answer:
        _check(answer, status, name, location)
        timings.append((name, answer.ms, time.monotonic()))
        return answer

    step("add", browser.post("/cart/add", {"product_id": product_id, "quantity": 1}, HTMX), 200)
    step("address", browser.post("/checkout/address", ADDRESS), 303, "/checkout/delivery")
    step("delivery", browser.post("/checkout/delivery", {"method": "standard"}), 303, "/payment")
    step("payment", browser.post("/checkout/payment", {"method": "cash"}), 303, "/review")
    review = step("review", browser.get("/checkout/review"), 200)
    # The key is fresh per review page (a new order); the fingerprint and cart say what it showed.
    form = {name: hidden(review.text, name) for name in ("idempotency_key", "fingerprint",
                                                          "cart_id")}
    form["accept_terms"] = "y"  # the terms of sale, accepted with every order
    step("place", browser.post("/checkout/place", form), 303, "/orders/")
    return timings


class Buyer(threading.Thread):
    """One customer buying ``product_id`` again and again until ``stop`` is set."""

    def __init__(self, browser: Browser, product_id: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.browser, self.product_id, self.stop = browser, product_id, stop
        # Only this thread appends; the main thread reads after join(): no lock needed.
        self.done: list[list[tuple[str, float, float]]] = []
        self.errors: list[tuple[float, str]] = []

    def run(self) -> None:
        while not self.stop.is_set() and len(self.errors) < MAX_ERRORS:
            try:
                self.done.append(buy(self.browser, self.product_id))
            except (Unexpected, LookupError, OSError, http.client.HTTPException) as error:
                self.errors.append((time.monotonic(), f"{type(error).__name__}: {error}"))
                self.browser.close()
        self.browser.close()


def run(
    browsers: list[Browser], products: list[int], duration: float, warmup: float, repeat: int
) -> OrderRun:
    """Let registered customers buy; return the best of ``repeat`` windows."""
    buyers = len(browsers)
    best: OrderRun | None = None
    for _ in range(max(1, repeat)):
        stop = threading.Event()
        threads = [Buyer(b, products[n % len(products)], stop) for n, b in enumerate(browsers)]
        for thread in threads:
            thread.start()
        # Count only what finishes inside the window, after a warm-up with the same load.
        time.sleep(warmup)
        start, cpu = time.monotonic(), time.process_time()
        time.sleep(duration)
        end, cpu = time.monotonic(), time.process_time() - cpu
        stop.set()
        for thread in threads:
            thread.join()
        result = OrderRun(buyers, end - start, client_cpu=cpu / (end - start))
        for thread in threads:
            for timings in thread.done:
                for name, ms, finished in timings:
                    if start <= finished <= end:
                        result.step_ms[name].append(ms)
            for at, message in thread.errors:
                if start <= at <= end:
                    result.errors += 1
                    if len(result.first_errors) < 3:
                        result.first_errors.append(message)
        result.orders = len(result.step_ms["place"])
        if best is None or result.orders > best.orders:
            best = result
    assert best is not None
    return best


def table(result: OrderRun) -> str:
    """The order rate, then each step's latency (all steps ran under the same load)."""
    flag = f" ⚠ {result.errors} errors" if result.errors else ""
    lines = [
        "| buyers | orders | seconds | orders/s | place p50 ms | place p99 ms | buyers' CPU |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {result.buyers} | {result.orders:,} | {result.seconds:.1f} | "
        f"{result.orders_per_s:,.1f}{flag} | {result.p('place', 0.5):.1f} | "
        f"{result.p('place', 0.99):.1f} | {result.client_cpu:.0%} of a core |",
        "",
        "| step | request | p50 ms | p99 ms |",
        "|---|---|---:|---:|",
    ]
    requests = {
        "add": "POST /cart/add (HX-Request)",
        "address": "POST /checkout/address",
        "delivery": "POST /checkout/delivery",
        "payment": "POST /checkout/payment",
        "review": "GET /checkout/review",
        "place": "POST /checkout/place",
    }
    for name in STEPS:
        lines.append(
            f"| {name} | `{requests[name]}` | {result.p(name, 0.5):.1f} | "
            f"{result.p(name, 0.99):.1f} |"
        )
    return "\n".join(lines)
