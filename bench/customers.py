"""Logged-in customers for wrk: the account page and its htmx inline edit.

Registering is the only way in that needs no admin: the form logs the new customer in. Each
registration hashes a password (argon2, deliberately slow), so the customers are registered
once per server, a few at a time, and shared: the account page, the inline edit and the
place-order buyers (ordering.py) all use the same ones. wrk then replays each customer's
session cookie and CSRF token (bench.lua).

The inline edit saves the phone number (account/_field.html: ``POST /account/fields/phone``
with ``HX-Request``). Each customer's requests alternate between two valid numbers, so every
save really changes the row and records a ``profile_change``. A save that found the number
unchanged writes no such row, so ``changes`` (rows written during the run) tells how many
requests wrote; loading.py prints it next to the request count.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ordering
from client import Browser
from loadgen import Target
from scenarios import Scenario

#: Two valid Kosovo numbers (the form's own rule); registration stores ordering.ADDRESS's.
PHONES = ("045 654 321", ordering.ADDRESS["phone"])
#: Registrations in flight together: enough to keep both workers hashing.
PARALLEL = 4


def register(base: str, count: int, outbox: Path) -> list[Browser]:
    """Register ``count`` customers over HTTP (confirmed from the links in ``outbox``);
    return their logged-in browsers."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda n: ordering.register(Browser(base), n, outbox),
                             range(count)))


def targets(scenario: Scenario, customers: list[Browser]) -> list[Target]:
    """The requests wrk replays: each customer in turn, so neighbours in flight differ."""
    if scenario.name == "account":
        return [Target("GET", scenario.path, b.cookie_header()) for b in customers]
    if scenario.name == "inline-edit":
        # Customer-major within each number: all customers get the first number, then all
        # the second. Any one customer thus alternates on every pass through the list.
        return [
            Target(
                "POST",
                scenario.path,
                b.cookie_header(),
                b.token,
                htmx=True,
                body=urllib.parse.urlencode({"phone": phone}),
            )
            for phone in PHONES
            for b in customers
        ]
    raise ValueError(f"no customer requests for {scenario.name}")


def changes(database: Path) -> int:
    """How many profile changes are recorded so far (one per save that changed a detail)."""
    with sqlite3.connect(database, timeout=15) as conn:
        return conn.execute("SELECT count(*) FROM profile_change").fetchone()[0]
