"""The soak test's customers and the worker killer (tests/test_soak.py).

A customer is a thread with its own cookies that registers once, then buys again and again
over HTTP the way a browser does: cart (htmx), the checkout steps, the order, and for card
orders the trip to the sandbox bank and back. A request that fails at the connection level
(a killed worker drops it) is sent again as it was: same cookies, same form, same
idempotency key. Everything the shop answered is written down, so the test can compare it
with the database afterwards. Ideas and the address come from bench/ordering.py.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

_CSRF = re.compile(r"""hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""")
_REMOVE = re.compile(r'action="/cart/lines/(\d+)/remove"')
_NUMBER = re.compile(r"LM-\d{4}-\d+")
_PLACED = re.compile(r"/orders/LM-\d{4}-\d+|/payment/LM-\d{4}-\d+/pay")  # cash | card
RETRYABLE = (OSError, http.client.HTTPException)  # resets, refused, timeouts, cut answers
ATTEMPTS = 8  # a worker restart takes a second or two; the backoff below waits ~10 s in all

ADDRESS = {
    "first_name": "Soak",
    "last_name": "Blerësi",
    "phone": "044 123 456",
    "street": "Rruga e Provës 1",
    "municipality": "prishtine",
    "postal_code": "10000",
}
PASSWORD = "soak-Pass-7913-lesnamax"
#: The sandbox bank's buttons (lesnamax/payments/sandbox.py) and how often each is pressed.
BANK = {"approve": 45, "duplicate": 25, "decline": 20, "abandon": 10}


class Unexpected(Exception):
    """An answer a working shop does not give."""


class GaveUp(Exception):
    """A request failed at the connection level ATTEMPTS times in a row."""


@dataclass
class Answer:
    status: int
    text: str
    location: str  # the path of the Location header ("" when there is none)


@dataclass
class Form:
    action: str
    attrs: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """Forms with their hidden inputs (HTMLParser unescapes attribute values)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._open = Form(values.get("action", ""), values)
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and values.get("type") == "hidden":
            self._open.fields[values.get("name", "")] = values.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def form(page: str, test) -> Form:
    parser = _FormParser()
    parser.feed(page)
    found = [f for f in parser.forms if test(f)]
    if len(found) != 1:
        raise Unexpected(f"expected one such form, found {len(found)}: {page[:300]!r}")
    return found[0]


class Stats:
    """Counters shared by all customers, and the requests in flight (for the killer)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.statuses: dict[int, int] = {}
        self.server_errors: list[str] = []
        #: client port -> (path, idempotency key or bank oid) of each request being answered
        self.in_flight: dict[int, tuple[str, str]] = {}

    def answered(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 500:
                self.server_errors.append(f"{status} {method} {path}")

    def retried(self) -> None:
        with self.lock:
            self.retries += 1

    def flying(self, port: int, what: tuple[str, str] | None) -> None:
        with self.lock:
            if what is None:
                self.in_flight.pop(port, None)
            else:
                self.in_flight[port] = what


class Browser:
    """One person's cookies and CSRF token; safe for two requests at once (a double click)."""

    def __init__(self, base: str, stats: Stats) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.stats = stats
        self.lock = threading.Lock()
        self.cookies: dict[str, str] = {}
        self.token = ""

    def get(self, path: str) -> Answer:
        return self.send("GET", path)

    def post(self, path: str, data: dict, htmx: bool = False) -> Answer:
        return self.send("POST", path, data, htmx)

    def send(self, method: str, path: str, data: dict | None = None, htmx=False) -> Answer:
        """Send; on a connection-level failure send the very same request again."""
        for attempt in range(ATTEMPTS):
            try:
                return self._once(method, path, data, htmx)
            except RETRYABLE as error:
                last = error
                self.stats.retried()
                time.sleep(min(0.1 * 2**attempt, 3.0))
        raise GaveUp(f"{method} {path}: {type(last).__name__}: {last}")

    def _once(self, method: str, path: str, data: dict | None, htmx: bool) -> Answer:
        with self.lock:
            headers = {"Accept-Language": "sq", "User-Agent": "lesnamax-soak"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if htmx:
                headers["HX-Request"] = "true"
            body = None
            if data is not None:
                body = urllib.parse.urlencode(data)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                headers["X-CSRFToken"] = self.token
        # A new connection per request: gunicorn's sync workers close each one anyway.
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        port = 0
        try:
            conn.connect()
            port = conn.sock.getsockname()[1]
            about = (data or {}).get("idempotency_key") or (data or {}).get("oid") or ""
            self.stats.flying(port, (path, str(about)))
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            self.stats.flying(port, None)
            conn.close()
        self.stats.answered(method, path, response.status)
        with self.lock:
            for cookie in response.msg.get_all("Set-Cookie") or []:
                self._remember(cookie)
            found = _CSRF.search(text)
            if found:
                self.token = found.group(1)
        location = urllib.parse.urlsplit(response.getheader("Location", "")).path
        return Answer(response.status, text, location)

    def _remember(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        if not value or "1970" in attributes or "max-age=0" in attributes.lower():
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


_PROBLEM = re.compile(r'<p class="error[^"]*"[^>]*>(.*?)</p>', re.S)


def expect(answer: Answer, status: int, where: str = "", what: str = "") -> Answer:
    if answer.status != status or not answer.location.startswith(where):
        # The form's own error messages say more than the top of the page.
        said = _PROBLEM.findall(answer.text) or [answer.text[:300]]
        raise Unexpected(f"{what}: {answer.status} → {answer.location!r} {said!r}")
    return answer


def local_path(url: str) -> str:
    """The path of a form's action; the bank and the shop are the same loopback server."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in (None, "127.0.0.1"):
        raise Unexpected(f"a form leaves loopback: {url}")
    return parts.path


@dataclass
class Purchase:
    """One press of "Place the order" (one idempotency key) and what the shop answered."""

    key: str
    method: str
    numbers: set[str] = field(default_factory=set)  # every order number answered for the key
    bank: list[str] = field(default_factory=list)  # bank buttons pressed, in order
    expected: str = ""  # the status the customer's last answer implies ("" = unknown)
    answers: list[int] = field(default_factory=list)  # statuses of the place POSTs
    form: dict = field(default_factory=dict)  # the review page's place form (key, fingerprint)


class Customer(threading.Thread):
    """Buys until ``stop`` is set; finishes the purchase under way first."""

    def __init__(self, n: int, base: str, products: list[int], stats: Stats,
                 stop: threading.Event, outbox=None) -> None:
        super().__init__(name=f"customer-{n}", daemon=True)
        self.n, self.products, self.stop = n, list(products), stop
        self.outbox = outbox  # registration is finished from the link e-mailed there
        self.browser = Browser(base, stats)
        self.email = f"soak-{n}@example.com"
        self.random = random.Random(n)  # reproducible choices per customer
        self.purchases: list[Purchase] = []
        self.unresolved: list[str] = []  # keys whose place POST never got an answer
        self.errors: list[str] = []
        self.sold_out = 0  # answers "out of stock" at the cart or at placing
        self.double_places = 0
        self.double_returns = 0
        self.full_days = 0  # a delivery day that filled up between its page and its POST

    def register(self) -> None:
        b = self.browser
        expect(b.get("/account/register"), 200, what="register form")
        details = {**ADDRESS, "email": self.email, "password": PASSWORD,
                   "accept_policy": "y", "age_ok": "y"}
        expect(b.post("/account/register", details), 303, "/account/register/sent", "register")
        from .account_support import confirmation_path, outbox_messages

        [mail] = [m for m in outbox_messages(self.outbox) if m["To"] == self.email]
        expect(b.post(confirmation_path(mail), {"password": PASSWORD}), 303, "/account",
               "confirm registration")
        expect(b.get("/account"), 200, what="account")  # the new session's CSRF token

    def run(self) -> None:
        count = 0
        while not self.stop.is_set() and len(self.errors) < 5:
            try:
                self.buy(cash=count % 2 == 0)
            except GaveUp as error:
                self.errors.append(f"gave up: {error}")
            except Unexpected as error:
                self.errors.append(str(error))
            count += 1

    def buy(self, cash: bool) -> None:
        b, rnd = self.browser, self.random
        page = expect(b.get("/cart"), 200, what="cart")
        for line in _REMOVE.findall(page.text):  # what a sold-out purchase left behind
            b.post(f"/cart/lines/{line}/remove", {}, htmx=True)
        for product in rnd.sample(self.products, rnd.choice((1, 1, 2))):
            added = expect(b.post("/cart/add", {"product_id": product,
                                                "quantity": rnd.choice((1, 1, 2))}, htmx=True),
                           200, what="add")
            if "add-status-warning" in added.text:  # none or too few left: look elsewhere
                self.sold_out += 1
                if len(self.products) > 1:
                    self.products.remove(product)
        answer = b.post("/checkout/address", ADDRESS)
        if answer.location == "/cart":  # everything chosen was sold out
            return
        expect(answer, 303, "/checkout/delivery", "address")
        expect(b.post("/checkout/delivery", {"method": rnd.choice(("standard", "pickup"))}),
               303, "/checkout/day", "delivery")
        self.choose_day()
        expect(b.post("/checkout/payment", {"method": "cash" if cash else "card"}),
               303, "/checkout/review", "payment")
        review = b.get("/checkout/review")
        for _ in range(3):  # the day filled up meanwhile: the shop asks for another, as a
            if review.location != "/checkout/day":  # customer would choose one
                break
            self.choose_day()
            review = b.get("/checkout/review")
        review = expect(review, 200, what="review")
        fields = form(review.text, lambda f: f.action == "/checkout/place").fields
        # The customer ticks the required box accepting the terms of sale.
        purchase = Purchase(fields["idempotency_key"], "cash" if cash else "card",
                            form={**fields, "accept_terms": "y"})
        self.purchases.append(purchase)
        location = self.place(purchase)
        if location is None:
            return
        number = _NUMBER.search(location).group()
        if cash:
            purchase.expected = "cash_on_delivery"
        else:
            self.pay(purchase, number, location)
        expect(b.get(f"/orders/{number}"), 200, what="order page")

    def choose_day(self) -> None:
        """One of the days offered; another if it filled up between the page and the POST
        (its daily capacity: the shop answers 422 and offers the days left)."""
        b, rnd = self.browser, self.random
        for _ in range(3):
            days = re.findall(r'name="day" type="radio" value="([0-9-]+)"',
                              expect(b.get("/checkout/day"), 200, what="day").text)
            answer = b.post("/checkout/day", {"day": rnd.choice(days)})
            if answer.status != 422:
                break
            self.full_days += 1
        expect(answer, 303, "/checkout/payment", "day")

    def place(self, purchase: Purchase) -> str | None:
        """POST the order (now and then twice at once, or again after the answer)."""
        b, form_data = self.browser, purchase.form
        how = self.random.choices(("once", "together", "again"), (70, 15, 15))[0]
        try:
            if how == "together":
                self.double_places += 1
                answers = together(lambda: b.post("/checkout/place", form_data), 2)
            else:
                answers = [b.post("/checkout/place", form_data)]
                if how == "again":
                    self.double_places += 1
                    answers.append(b.post("/checkout/place", form_data))
        except GaveUp:
            self.unresolved.append(purchase.key)
            raise
        placed = [a for a in answers if a.status == 303 and _PLACED.fullmatch(a.location)]
        # Nothing ordered: a 409 (sold out, the day's last place taken), or, for the second
        # press after "the day was taken" (which forgets the day), the way back to the day step.
        refused = [a for a in answers if a.status == 409
                   or (a.status == 303 and a.location == "/checkout/day")]
        # Written as placed (303) or refused (409), so one key answered both ways shows.
        purchase.answers = [303 if a in placed else 409 for a in answers]
        # Every order number the shop named is written down before anything else is judged.
        purchase.numbers.update(_NUMBER.search(a.location).group() for a in placed)
        if len(placed) + len(refused) < len(answers):
            said = [f"{a.status} {a.location}".strip() for a in answers]
            raise Unexpected(f"place ({how}): answers {said}")
        if not placed:
            self.sold_out += 1
            return None
        return placed[0].location

    def pay(self, purchase: Purchase, number: str, location: str) -> None:
        scenario = self.random.choices(list(BANK), list(BANK.values()))[0]
        if not location.startswith("/payment/"):
            raise Unexpected(f"card order {number} was sent to {location}, not to the bank")
        if self.bank(purchase, number, scenario) and scenario == "decline":
            purchase.expected = "payment_failed"
            if self.random.random() < 0.5:  # try again, and this time the bank says yes
                retry = expect(self.browser.post(f"/orders/{number}/retry", {}), 303,
                               f"/payment/{number}/pay", "retry")
                self.bank(purchase, number, "approve", retry.location)

    def bank(self, purchase: Purchase, number: str, scenario: str, start: str = "") -> bool:
        """The hand-off to the sandbox bank and back; False when the shop refused to start."""
        b = self.browser
        page = b.get(start or f"/payment/{number}/pay")
        if page.status == 303 and page.location == f"/orders/{number}":
            return False  # a retry whose stock went to someone else meanwhile
        expect(page, 200, what="to the bank")
        to_gate = form(page.text, lambda f: f.action.endswith("/est3Dgate"))
        gate = expect(b.post(local_path(to_gate.action), to_gate.fields), 200, what="gate")
        buttons = form(gate.text, lambda f: f.action.endswith("/est3Dgate/pay"))
        purchase.bank.append(scenario)
        reply = expect(b.post(local_path(buttons.action),
                              {**buttons.fields, "sandbox_scenario": scenario}), 200, what="pay")
        purchase.expected = "paid" if scenario != "decline" else "payment_failed"
        if scenario == "abandon":  # only the callback told the shop
            return True
        back = form(reply.text, lambda f: "data-autosubmit" in f.attrs)
        posts = int(back.attrs.get("data-repeat") or 1)
        if posts > 1:
            self.double_returns += 1
        send = lambda: b.post(local_path(back.action), back.fields)  # noqa: E731
        for answer in together(send, posts) if posts > 1 else [send()]:
            expect(answer, 303, f"/orders/{number}", "back from the bank")
        return True


def together(call, times: int) -> list[Answer]:
    """Run ``call`` ``times`` times at once (a double click); return the answers."""
    answers: list = [None] * times
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            answers[i] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the caller below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return answers


def worker_pids(master: int) -> set[int]:
    """The gunicorn master's children: its workers."""
    try:
        with open(f"/proc/{master}/task/{master}/children") as children:
            return {int(pid) for pid in children.read().split()}
    except FileNotFoundError:  # kernels without CONFIG_PROC_CHILDREN: scan every process
        found = set()
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == master:
                        found.add(int(entry))
            except (OSError, ValueError, IndexError):
                continue
        return found


def clients(pid: int, port: int) -> set[int]:
    """The client ports of the connections to ``port`` that ``pid`` is answering now."""
    try:
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:
        return set()
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as rows:
                next(rows)
                for row in rows:
                    cols = row.split()
                    local, remote = (int(c.rsplit(":", 1)[1], 16) for c in cols[1:3])
                    if local == port and cols[3] == "01" and f"socket:[{cols[9]}]" in inodes:
                        found.add(remote)
        except OSError:
            continue
    return found
