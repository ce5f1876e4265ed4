"""Helpers for the browser tests: a watch on what pages do, and an axe-core check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

from playwright.sync_api import BrowserContext, Page, expect

from lesnamax.money import format_cents

from ..account_support import text_of

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Watch:
    """Record what every page of a context does; ``check()`` fails on anything suspicious.

    Suspicious: a request to another origin than the shop's (fonts, CDNs, trackers, even
    ``data:`` URLs, which the CSP would refuse anyway), a console error (CSP violations and
    failed loads are reported there), an uncaught script error, or a server error.
    """

    def __init__(self, shop_origin: str) -> None:
        self.shop_origin = shop_origin
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.server_errors: list[str] = []
        self.inaccessible: list[str] = []
        self.allowed_statuses: set[int] = set()
        self._contexts: list[BrowserContext] = []

    def attach(self, context: BrowserContext) -> BrowserContext:
        # Once per context: pytest-playwright's ``context`` is made by our ``new_context``
        # (already watched), and our ``context`` override attaches it again; twice would
        # record every request twice.
        if any(watched is context for watched in self._contexts):
            return context
        self._contexts.append(context)
        context.set_default_timeout(10_000)  # a local shop answers in milliseconds
        context.on("request", self._request)
        context.on("response", self._response)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))
        return context

    def _request(self, request) -> None:
        self.requests.append(request.url)
        if origin(request.url) != self.shop_origin:
            self.foreign.append(f"{request.method} {request.url}")

    def _response(self, response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")

    def allow_status(self, *statuses: int) -> None:
        """Expect answers with these 4xx statuses (a form sent back with its errors is a 422).

        Chromium logs every such answer as a console error ("Failed to load resource");
        after this call those lines no longer fail the test. Other console errors still do.
        """
        self.allowed_statuses.update(statuses)

    def _console(self, message) -> None:
        failed = re.match(
            r"Failed to load resource: the server responded with a status of (\d+)", message.text
        )
        if failed and int(failed.group(1)) in self.allowed_statuses:
            return
        if message.type == "error":
            location = message.location or {}
            self.console_errors.append(f"{message.text} ({location.get('url', '?')})")

    def axe(self, page: Page, where: str, include: str | None = None) -> None:
        """Run axe-core on the page as it is now; violations fail the test when it ends.

        Needs JavaScript: in a context without it axe-core's timers never fire (it hangs).
        Unlike ``assert_accessible`` the test goes on, so that one flow checks every state
        of a page (after each swap) and reports all of them, not only the first.
        """
        violations = axe_violations(page, include)
        if violations:
            self.inaccessible.append(f"{where} ({page.url}):\n" + describe(violations))

    def requests_to(self, path: str) -> list[str]:
        """Return the URLs requested so far whose path is ``path``."""
        return [url for url in self.requests if urlsplit(url).path == path]

    def check(self) -> None:
        problems = {
            "requests that left the shop's origin": self.foreign,
            "console errors": self.console_errors,
            "uncaught page errors": self.page_errors,
            "server errors": self.server_errors,
            "WCAG 2.1 AA violations (axe-core)": self.inaccessible,
        }
        report = [f"{name}:\n  " + "\n  ".join(items) for name, items in problems.items() if items]
        assert not report, "\n".join(report)


def card_titles(page: Page) -> list[str]:
    """Return the product names shown in the listing grid, in order."""
    return [t.strip() for t in page.locator("#product-grid .card-title").all_inner_texts()]


def card_prices(page: Page) -> list[float]:
    """Return the current prices (euros) shown in the listing grid, in order."""
    texts = page.locator("#product-grid .price-now").all_inner_texts()
    return [float(re.sub(r"[^\d,]", "", t).replace(",", ".")) for t in texts]


def _inject_axe(page: Page) -> None:
    # The shop's CSP (default-src 'self', no inline scripts) rightly refuses
    # page.add_script_tag(path=...), which inserts the file as an inline <script>. Evaluating
    # the file through the DevTools protocol is not subject to the page's CSP, so the policy
    # under test stays exactly as production sends it.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))


def axe_violations(page: Page, include: str | None = None) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page, or only inside ``include``."""
    _inject_axe(page)
    return page.evaluate(
        """async ([tags, include]) => {
            const result = await axe.run(include ? {include: [include]} : document,
                                         {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
            return result.violations;
        }""",
        [AXE_TAGS, include],
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = re.sub(r"\s+", " ", node.get("failureSummary") or "")
            lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more nodes")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str = "", include: str | None = None) -> None:
    violations = axe_violations(page, include)
    assert violations == [], (
        f"axe-core found WCAG 2.1 AA violations on {where or page.url}:\n{describe(violations)}"
    )


# --- accounts ---------------------------------------------------------------------------------


@dataclass
class Customer:
    """A customer's details as typed into the Albanian register form (a fresh e-mail each)."""

    first_name: str = "Arbëresha"
    last_name: str = "Krasniqi"
    email: str = field(default_factory=lambda: f"klient-{uuid4().hex[:12]}@example.com")
    phone: str = "049 555 111"
    street: str = "Rr. Bill Clinton, Nr. 33"
    municipality: str = "Prishtinë"
    postal_code: str = "10000"
    password: str = "Dru-arre-dhe-gur-7"
    marketing: bool = False


def fill_register_form(page: Page, customer: Customer) -> None:
    """Fill the register form (Albanian labels); the consents needed are ticked."""
    page.get_by_label("Emri", exact=True).fill(customer.first_name)
    page.get_by_label("Mbiemri", exact=True).fill(customer.last_name)
    page.get_by_label("E-mail", exact=True).fill(customer.email)
    page.get_by_label("Numri i telefonit").fill(customer.phone)
    page.get_by_label("Rruga dhe numri").fill(customer.street)
    page.get_by_label("Komuna").select_option(label=customer.municipality)
    page.get_by_label("Kodi postar (opsional)").fill(customer.postal_code)
    page.get_by_label("Fjalëkalimi", exact=True).fill(customer.password)
    page.get_by_label("E kam lexuar dhe e pranoj").check()
    page.get_by_label("Jam 16 vjeç ose më shumë").check()
    page.get_by_label("Më dërgoni oferta dhe lajme").set_checked(customer.marketing)


#: The live shop's e-mail folder (set by the ``live_app`` fixture).
OUTBOX: Path | None = None


def register(page: Page, customer: Customer | None = None) -> Customer:
    """Register ``customer`` (a new one by default) through the form and the link e-mailed to
    them; end on /account."""
    customer = customer or Customer()
    page.goto("/account/register")
    fill_register_form(page, customer)
    page.get_by_role("button", name="Regjistrohu").click()
    confirm_registration(page, customer.email, customer.password)
    page.wait_for_url(re.compile(r"/account$"))
    return customer


def confirm_registration(page: Page, email: str, password: str = Customer.password) -> None:
    """On "check your e-mail": open the confirmation link mailed to ``email``, type the password
    chosen at registration, press the button."""
    page.wait_for_url(re.compile(r"/account/register/sent$"))
    link = None
    for path in sorted(OUTBOX.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=email_policy.default)
        found = re.search(r"http://\S+/account/register/confirm/\S+", text_of(message))
        if message["To"] == email and found:
            link = found.group(0)
            # Read and thrown away: the tests count the other mails a customer gets.
            path.unlink()
    page.goto(link)
    page.get_by_label("Fjalëkalimi juaj", exact=True).fill(password)
    page.get_by_role("button", name="Krijo llogarinë time").click()


def log_in(page: Page, email: str, password: str, *, remember: bool = False) -> None:
    """Fill and send the login form of the page shown (at /account/login)."""
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Fjalëkalimi", exact=True).fill(password)
    page.get_by_label("Më mbaj mend").set_checked(remember)
    page.get_by_role("main").get_by_role("button", name="Kyçu", exact=True).click()


def mark_page(page: Page) -> None:
    """Set a marker on the page's window: it survives htmx swaps, not a page load."""
    page.evaluate("window.__noReload = true")


def same_page(page: Page) -> bool:
    return page.evaluate("window.__noReload === true")


def flashes(page: Page):
    """The flashed messages of the page (in the live region #flashes)."""
    return page.locator("#flashes .flash")


def settled(page: Page) -> None:
    """Wait until htmx has finished its requests and settled what it swapped in.

    htmx focuses an ``autofocus`` field as it inserts new content, but wires up the new
    ``hx-*`` links only when it settles (20 ms later): a key pressed in between would meet a
    link htmx does not handle yet. People are slower than that; Playwright is not.
    """
    # A function, not an expression: Playwright evals expressions, which the shop's CSP blocks.
    page.wait_for_function(
        "() => !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def mark_live_regions(page: Page) -> None:
    """Tag the live regions the page has now (``data-live-before``), to tell them from later.

    Screen readers announce a change to a live region that was already in the page; one that
    arrives together with its text (a swapped fragment's ``role="status"``) is often missed.
    """
    page.evaluate(
        """() => document.querySelectorAll(
               '[aria-live], [role=status], [role=alert], [role=log], output'
           ).forEach(el => { el.dataset.liveBefore = ""; })"""
    )


# --- buying ------------------------------------------------------------------------------------


def euros(cents: int) -> str:
    """A price as the Albanian pages write it ("1 234,50 €")."""
    return format_cents(cents, "sq_XK")


@dataclass(frozen=True)
class Stocked:
    """A demo product as it was when the session started, and its page in the listing."""

    id: int
    name: str
    slug: str
    price_cents: int
    stock: int
    listing_page: int


class Shelf:
    """Hand out products that no other test buys, with enough stock for a few orders."""

    def __init__(self, products: list[Stocked]) -> None:
        self.products = products
        self.taken: set[int] = set()

    def take(
        self,
        count: int = 1,
        *,
        page: int | None = None,
        below_cents: int | None = None,
        min_stock: int = 10,
    ) -> list[Stocked]:
        # Without a page, from the end of the listing: the first page stays for tests that
        # buy from it.
        found = [
            p
            for p in (self.products if page else self.products[::-1])
            if p.id not in self.taken
            and p.stock >= min_stock
            and (page is None or p.listing_page == page)
            and (below_cents is None or p.price_cents < below_cents)
        ][:count]
        assert len(found) == count, f"the demo catalogue has too few such products ({found})"
        self.taken.update(p.id for p in found)
        return found


def emails_to(outbox: Path, address: str) -> list[EmailMessage]:
    """The e-mails the shop wrote to ``address`` (its .eml outbox), oldest first."""
    found = []
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        message = message_from_bytes(path.read_bytes(), policy=email_policy.default)
        if message["To"] == address:
            found.append(message)
    return found


def badge(page: Page):
    """The number on the header's cart link ("Shporta N")."""
    return page.locator("#cart-badge .count")


def add_button(page: Page, product: Stocked):
    """The product's "Shto në shportë" button (on its card, or on its page)."""
    # (Chromium reads "Shto në shportë : Emri": the hidden name is positioned, so it is a block.)
    name = re.compile(rf"^Shto në shportë ?: {re.escape(product.name)}$")
    return page.get_by_role("button", name=name)


def add_from_card(page: Page, product: Stocked) -> None:
    """Press "Shto në shportë" on the product's card or page; wait for htmx's answer."""
    add_button(page, product).click()
    expect(page.locator(f"#add-status-{product.id}")).to_contain_text("U shtua në shportë.")


def order_number(page: Page) -> str:
    """The order number of the order page shown (its address ends with it)."""
    match = re.search(r"/orders/(LM-\d{4}-\d{6})$", page.url)
    assert match, f"not an order page: {page.url}"
    return match.group(1)


def go_through_checkout(
    page: Page,
    *,
    payment: str,
    delivery: str = "Dërgesë në adresën tuaj",
    watch: Watch | None = None,
) -> None:
    """From the address step to the review page: keep the address, choose (the first day
    offered), "Vazhdo" each.

    ``payment`` and ``delivery`` are the start of the radio buttons' labels. With ``watch``
    (and JavaScript on), axe-core checks each step as it is shown.
    """
    expect(page).to_have_url(re.compile(r"/checkout/address$"))
    expect(page.get_by_role("heading", name="Adresa e dërgesës", level=2)).to_be_visible()
    if watch:
        watch.axe(page, "the checkout's address step")
    page.get_by_role("button", name="Vazhdo", exact=True).click()

    expect(page).to_have_url(re.compile(r"/checkout/delivery$"))
    if watch:
        watch.axe(page, "the checkout's delivery step")
    page.get_by_role("radio", name=re.compile("^" + re.escape(delivery))).check()
    page.get_by_role("button", name="Vazhdo", exact=True).click()

    # The delivery (or pickup) day: the first one offered.
    expect(page).to_have_url(re.compile(r"/checkout/day$"))
    if watch:
        watch.axe(page, "the checkout's day step")
    page.locator('input[name="day"]').first.check()
    page.get_by_role("button", name="Vazhdo", exact=True).click()

    expect(page).to_have_url(re.compile(r"/checkout/payment$"))
    if watch:
        watch.axe(page, "the checkout's payment step")
    page.get_by_role("radio", name=re.compile("^" + re.escape(payment))).check()
    page.get_by_role("button", name="Vazhdo", exact=True).click()

    expect(page).to_have_url(re.compile(r"/checkout/review$"))
    expect(page.get_by_role("heading", name="Kontrolloni porosinë tuaj", level=2)).to_be_visible()
    if watch:
        watch.axe(page, "the checkout's review page")


def place_order_button(page: Page, accept_terms: bool = True):
    """The review page's button, with the terms of sale accepted first as a customer does
    (their box is required for every order); ``accept_terms=False`` leaves the box as it is."""
    terms = page.get_by_role("checkbox", name=re.compile(r"^I kam lexuar dhe i pranoj kushtet"))
    if accept_terms and terms.count() and not terms.is_checked():
        terms.check()
    return page.get_by_role("button", name=re.compile(r"^Porosit me detyrim pagese · "))
