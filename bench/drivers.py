"""One scenario's request, again and again, inside this process (Flask's test client).

queries.py counts SQL and bytes with these, profiling.py profiles them. Each driver sends what
wrk sends for the scenario: anonymous GETs without cookies (every request a first visit); the
varied searches one URL after the other; the account page and inline edit as a registered
customer; the cart buttons from a cart of buying.CART_LINES products.
"""

from __future__ import annotations

import itertools
import sqlite3
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import buying
import customers
import ordering
import varied
from client import HTMX, Answer, TestBrowser
from scenarios import Scenario

#: Set the benchmark cart lines back to 1 this often, far below the 99-per-line limit.
RESET_EVERY = 50


@dataclass
class Driver:
    step: Callable[[], Answer]
    #: An anonymous catalogue GET: the page cache may answer it from the second time on.
    cacheable: bool


class Visitors:
    """The in-process customer and shopper of one app, made once and shared by its drivers."""

    def __init__(self, app, database: Path, products: list[tuple[int, str]]) -> None:
        self.app, self.database, self.products = app, database, products
        self._customer: TestBrowser | None = None
        self._shopper: tuple[TestBrowser, list[int]] | None = None

    def customer(self) -> TestBrowser:
        if self._customer is None:
            outbox = self.database.parent / "outbox"
            self._customer = ordering.register(TestBrowser(self.app), 0, outbox)
        return self._customer

    def shopper(self) -> tuple[TestBrowser, list[int]]:
        """A visitor with every benchmark product in the cart; and the cart's line ids."""
        if self._shopper is None:
            browser = TestBrowser(self.app)
            buying.expect(browser.get("/"), 200, "GET /")
            for product_id, _slug in self.products:
                form = {"product_id": product_id, "quantity": 1}
                buying.expect(browser.post("/cart/add", form, HTMX), 200, "POST /cart/add")
            page = buying.expect(browser.get("/cart"), 200, "GET /cart")
            lines = buying.line_ids(page.text)
            self._shopper = (browser, lines)
        return self._shopper

    def reset(self, lines: list[int]) -> None:
        with sqlite3.connect(self.database, timeout=15) as conn:
            marks = ",".join("?" * len(lines))
            conn.execute(f"UPDATE cart_line SET quantity = 1 WHERE id IN ({marks})", lines)


def make(scenario: Scenario, visitors: Visitors, context: dict[str, str]) -> Driver:
    app = visitors.app
    if scenario.kind == "get" and not scenario.login:
        client = app.test_client(use_cookies=False)
        path = scenario.url_path(context)
        return Driver(lambda: _answer(client.get(path, headers=scenario.headers)), True)
    if scenario.kind == "varied":
        client = app.test_client(use_cookies=False)
        paths = itertools.cycle(varied.paths(scenario, visitors.database))
        return Driver(lambda: _answer(client.get(next(paths), headers=scenario.headers)), False)
    if scenario.name == "account":
        customer = visitors.customer()
        return Driver(lambda: customer.get(scenario.path), False)
    if scenario.name == "inline-edit":
        customer = visitors.customer()
        bodies = itertools.cycle({"phone": p} for p in customers.PHONES)
        return Driver(lambda: customer.post(scenario.path, next(bodies), HTMX), False)
    if scenario.name in buying.POSTS:
        browser, lines = visitors.shopper()
        product_id = visitors.products[0][0]
        path, body = buying.POSTS[scenario.name](product_id, lines[0])
        form = dict(urllib.parse.parse_qsl(body))
        count = itertools.count(1)

        def step() -> Answer:
            if next(count) % RESET_EVERY == 0:
                visitors.reset(lines)
            return browser.post(path, form, HTMX)

        return Driver(step, False)
    raise ValueError(f"{scenario.name} cannot run in-process")


def _answer(response) -> Answer:
    return Answer(
        response.status_code, response.get_data(), response.headers.get("Location", ""), 0
    )
