"""The htmx cart buttons under wrk, and each htmx answer's size next to the page it replaces.

wrk cannot fetch a page, keep its session cookie and read the CSRF token before it POSTs, so
the sessions are prepared here in Python and ``bench.lua`` replays them: ``4 × connections``
visitors, each with a cart of CART_LINES products, the same carts for "add to cart" and
"cart line +1". Both buttons change a line that exists already (an UPDATE, not an INSERT);
the line quantities are set back to 1 before every wrk run so that the 99-per-line limit
stays out of reach, and bench.lua counts any answer that says it was capped all the same.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import loadgen
from client import HTMX, Answer, Browser
from scenarios import Scenario

#: Products in every benchmark cart. The cart fragment and the order grow with this number.
CART_LINES = 3
#: Stock given to the products the benchmark buys, so no answer is "out of stock".
PLENTY = 1_000_000

#: What each POST sends (per cart line), and the text of a "capped" answer (cart/_added.html,
#: cart/_lines.html) that bench.lua counts.
POSTS = {
    "add-to-cart": (lambda product, line: ("/cart/add", f"product_id={product}&quantity=1")),
    "cart-line": (lambda product, line: (f"/cart/lines/{line}", "action=inc")),
}
CAPPED = {"add-to-cart": "add-status-warning", "cart-line": 'class="notice"'}


@dataclass
class Carts:
    products: list[tuple[int, str]]  # (id, slug): what every cart holds, one line each
    shoppers: list[tuple[Browser, list[int]]]  # a visitor and its cart's line ids


@dataclass
class Size:
    name: str
    fragment: str
    fragment_bytes: int
    page: str
    page_bytes: int


def stock_up(database: Path, count: int = CART_LINES) -> list[tuple[int, str]]:
    """Pick the products the benchmark buys and give them plenty of stock.

    The last products with pictures: not the product page the GET scenarios load, and with an
    image in the cart line like most products. The benchmark owns this database, so a direct
    UPDATE is fine; it runs before any server starts, so no worker holds an older stock figure.
    """
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT id, slug FROM product p WHERE active AND EXISTS "
            "(SELECT 1 FROM product_image i WHERE i.product_id = p.id) ORDER BY id DESC LIMIT ?",
            (count,),
        ).fetchall()
        conn.executemany(
            "UPDATE product SET stock = ? WHERE id = ?", [(PLENTY, i) for i, _ in rows]
        )
    if len(rows) < count:
        raise RuntimeError(f"the seeded database has fewer than {count} products with pictures")
    return rows


def expect(answer: Answer, status: int, what: str) -> Answer:
    if answer.status != status:
        raise RuntimeError(f"{what}: expected {status}, got {answer.status}:\n{answer.text[:500]}")
    return answer


def prepare(base: str, products: list[tuple[int, str]], sessions: int) -> Carts:
    """Open ``sessions`` visitor sessions over HTTP, each with the products in its cart."""
    shoppers = []
    for _ in range(sessions):
        browser = Browser(base)
        # A first page; it makes no session (shared pages hold nothing of the visitor): the
        # first add does, and the cart page below adds the CSRF token the line buttons need.
        expect(browser.get("/"), 200, "GET /")
        for product_id, _slug in products:
            form = {"product_id": product_id, "quantity": 1}
            # The first add creates the cart and puts its id into the (signed) session cookie.
            expect(browser.post("/cart/add", form, HTMX), 200, "POST /cart/add")
        page = expect(browser.get("/cart"), 200, "GET /cart")
        lines = line_ids(page.text)
        if len(lines) != len(products):
            raise RuntimeError(f"expected {len(products)} cart lines, found {lines}")
        shoppers.append((browser, lines))
        browser.close()
    return Carts(products, shoppers)


def line_ids(cart_page: str) -> list[int]:
    """The cart line ids in the cart page, in order."""
    return [int(n) for n in re.findall(r'id="line-(\d+)"', cart_page)]


def reset(database: Path, carts: Carts) -> None:
    """Set every benchmark cart line back to 1, so a run starts where the last one did."""
    ids = [line for _browser, lines in carts.shoppers for line in lines]
    with sqlite3.connect(database, timeout=15) as conn:
        conn.execute(
            f"UPDATE cart_line SET quantity = 1 WHERE id IN ({','.join('?' * len(ids))})", ids
        )


def targets(scenario: Scenario, carts: Carts) -> list[loadgen.Target]:
    """The requests wrk replays for one cart button (bench.lua)."""
    make = POSTS[scenario.name]
    rows = []
    # Line-major order: consecutive requests (those in flight together) hit different carts.
    for k, (product_id, _slug) in enumerate(carts.products):
        for browser, lines in carts.shoppers:
            path, body = make(product_id, lines[k])
            rows.append(
                loadgen.Target("POST", path, browser.cookie_header(), browser.token, True, body)
            )
    return rows


def sizes(base: str, database: Path, carts: Carts) -> list[Size]:
    """Return each htmx answer's body size next to the full page a browser would load instead.

    Bodies only (what htmx swaps; the app sends no compression), fetched with one visitor's
    session so the pages show the same cart badge a customer would see.
    """
    reset(database, carts)
    visitor, lines = carts.shoppers[0]
    product_id, slug = carts.products[0]
    add = {"product_id": product_id, "quantity": 1}
    # (name, method, path, form, the page without htmx). Adding to the cart without htmx
    # redirects to /cart, but the page the button sits on, and would reload, is the product's.
    pairs = [
        ("add to cart", "POST", "/cart/add", add, f"/products/{slug}"),
        ("cart line +1", "POST", f"/cart/lines/{lines[0]}", {"action": "inc"}, "/cart"),
        ("search suggestions", "GET", "/search/suggest?q=kar", None, "/search/suggest?q=kar"),
        ("product grid", "GET", "/products?sort=price_asc", None, "/products?sort=price_asc"),
    ]
    out = []
    for name, method, path, form, page_path in pairs:
        fragment = expect(visitor.request(method, path, form, HTMX), 200, f"{method} {path}")
        page = expect(visitor.get(page_path), 200, f"GET {page_path}")
        label = f"POST {path}" if form is not None else path
        out.append(Size(name, label, len(fragment.body), page_path, len(page.body)))
    visitor.close()
    reset(database, carts)
    return out


def sizes_table(rows: list[Size]) -> str:
    lines = [
        "| htmx answer | request (HX-Request: true) | bytes | full page it replaces | bytes "
        "| fragment / page |",
        "|---|---|---:|---|---:|---:|",
    ]
    for r in rows:
        share = r.fragment_bytes / r.page_bytes if r.page_bytes else float("nan")
        lines.append(
            f"| {r.name} | `{r.fragment}` | {r.fragment_bytes:,} | `{r.page}` | "
            f"{r.page_bytes:,} | {share:.1%} |"
        )
    return "\n".join(lines)
