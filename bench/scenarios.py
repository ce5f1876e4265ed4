"""The pages the benchmark measures, kept as data so later issues add a scenario in one line.

A path may name values only known after seeding (``{product_slug}``); ``run.py`` fills them in
from the fresh database. ``server`` says which gunicorn app answers: the shop or the baseline.
``kind`` says how a scenario is loaded: a plain GET with wrk, a POST that needs a session and
its CSRF token (wrk with ``post.lua``, see ``buying.py``), whole purchases by Python buyers
(``ordering.py``), or no load at all (the htmx bytes table).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    server: str = "app"  # "app" (wsgi:app) or "minimal" (bench/minimal.py)
    kind: str = "get"  # "get", "post" (wrk + post.lua), "orders" (ordering.py), "bytes"

    @property
    def label(self) -> str:
        return self.path if self.kind == "get" else f"POST {self.path}"

    def url_path(self, context: dict[str, str]) -> str:
        return self.path.format(**context)


#: Every ratio in the report is relative to this scenario.
BASELINE = "minimal"

SCENARIOS: list[Scenario] = [
    Scenario("minimal", "/", server="minimal"),
    # The shop's floor: no database, no template. What any page costs before its own work,
    # so it bounds what caching rendered pages inside the app could reach.
    Scenario("robots", "/robots.txt"),
    Scenario("home", "/"),
    # "mobilje" is a parent category: the listing counts and sorts its ~60 % of the catalogue.
    Scenario("category", "/category/mobilje"),
    # A leaf category with few products, to tell per-page costs from per-product costs.
    Scenario("category-leaf", "/category/dysheke"),
    Scenario("product", "/products/{product_slug}"),
    Scenario("search", "/products?q=karrige"),
    # htmx live search: HX-Request makes the view render only the suggestions fragment.
    Scenario("suggest", "/search/suggest?q=kar", {"HX-Request": "true"}),
    # The htmx cart buttons, each from a cart of a few lines (buying.py prepares the sessions).
    Scenario("add-to-cart", "/cart/add", {"HX-Request": "true"}, kind="post"),
    Scenario("cart-line", "/cart/lines/<id>", {"HX-Request": "true"}, kind="post"),
    # Whole purchases (add, address, delivery, payment, review, place) by logged-in customers.
    Scenario("place-order", "/checkout/place", kind="orders"),
    # No load: each htmx answer's size next to the page a browser without htmx would get.
    Scenario("htmx-bytes", "(fragment vs full page)", kind="bytes"),
]

#: Throughput goals as a share of the baseline's requests/s (issue: category page >= 40 %).
TARGETS: dict[str, float] = {"category": 0.40}


def select(names: list[str] | None) -> list[Scenario]:
    """Return the scenarios called ``names`` (all if empty), always with the baseline first.

    ``add_to_cart`` is accepted for ``add-to-cart``: the issue spelled the names that way.
    """
    if not names:
        return list(SCENARIOS)
    names = [n.replace("_", "-") for n in names]
    known = {s.name: s for s in SCENARIOS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(known)}")
    wanted = [BASELINE, *(n for n in names if n != BASELINE)]
    return [known[n] for n in wanted]
