"""The pages the benchmark measures, kept as data so later issues add a scenario in one line.

A path may name values only known after seeding (``{product_slug}``); ``run.py`` fills them in
from the fresh database. ``server`` says which gunicorn app answers: the shop or the baseline.
``kind`` says how a scenario is loaded: a plain GET with wrk; GETs of many different URLs
(``varied``: wrk replays a list that ``varied.py`` builds from the seeded names, so the page
cache does not answer them); a POST that needs a session and its CSRF token (wrk replaying
prepared requests through ``bench.lua``, see ``buying.py``); whole purchases by Python buyers
(``ordering.py``); or no load at all (the htmx bytes table). ``login`` scenarios run as
registered customers (``customers.py``) on their personal pages, which no cache keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    # "app" (wsgi:app), "nginx" (wsgi:app behind deploy/nginx's proxy_cache, bench/nginx.py)
    # or "minimal" (bench/minimal.py)
    server: str = "app"
    kind: str = "get"  # "get", "varied", "post" (wrk + bench.lua), "orders", "bytes"
    login: bool = False  # as a logged-in customer (customers.py), else an anonymous visitor
    # A visitor with a cart: sends the session cookie adding to the cart gave them, as a
    # browser does (wrk alone sends none, so every request is somebody's first visit).
    returning: bool = False

    @property
    def label(self) -> str:
        return f"POST {self.path}" if self.kind in ("post", "orders") else self.path

    @property
    def replayed(self) -> bool:
        """Whether wrk replays a prepared request list instead of one URL."""
        return self.kind in ("varied", "post") or self.login

    @property
    def in_process(self) -> bool:
        """Whether queries.py can run it with Flask's test client (the shop, not the baseline)."""
        return self.server == "app" and self.kind in ("get", "varied", "post")

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
    # The same page for a visitor with a cart (a session cookie): the same bytes as for
    # anybody, from the same page cache (lesnamax/pagecache.py; before issue 13 a WSGI layer in
    # front of Flask answered returning visitors).
    Scenario("category-returning", "/category/mobilje", returning=True),
    # The same page through nginx with the shipped proxy_cache (deploy/nginx/lesnamax.conf):
    # after the first request nginx answers alone. Issue 13: at least the minimal page's rate.
    Scenario("category-nginx", "/category/mobilje", server="nginx"),
    # A leaf category with few products, to tell per-page costs from per-product costs.
    Scenario("category-leaf", "/category/dysheke"),
    # Issue 16: a listing of mostly families ("nga …" prices, size and colour filters with
    # counts; variant_catalogue.py), judged against "category".
    Scenario("category-variants", "/category/{variants_category}"),
    # Its twin: as many single rugs, in the same sizes, colours and prices, no family.
    Scenario("category-twin", "/category/{twin_category}"),
    Scenario("product", "/products/{product_slug}"),
    # Issue 16: a family of 12 variants (a rug in 4 sizes × 3 colours, variant_catalogue.py),
    # as first opened (the first variant in stock shown) and with a size and colour chosen as
    # the picker's form sends them (no JavaScript); judged against "product".
    Scenario("product-variants", "/products/{variants_slug}"),
    Scenario("product-variant-chosen", "/products/{variants_slug}?{variant_query}"),
    # One search again and again: after the first visit the page cache answers it.
    Scenario("search", "/products?q=karrige"),
    # Real searches: ~200 words and prefixes from the seeded names (with and without
    # diacritics) × 5 orders × pages 1-3, each URL once, so every request runs the search.
    Scenario("search-uncached", "/products?q=<word>&sort=<sort>&page=<1-3>", kind="varied"),
    # htmx live search: HX-Request makes the view render only the suggestions fragment.
    Scenario("suggest", "/search/suggest?q=kar", {"HX-Request": "true"}),
    # What a typist sends: 2-6 letter beginnings of the seeded words, each URL once.
    Scenario(
        "suggest-uncached", "/search/suggest?q=<prefix>", {"HX-Request": "true"}, kind="varied"
    ),
    # A logged-in customer's own page: personal, never cached.
    Scenario("account", "/account", login=True),
    # The htmx cart buttons, each from a cart of a few lines (buying.py prepares the sessions).
    Scenario("add-to-cart", "/cart/add", {"HX-Request": "true"}, kind="post"),
    Scenario("cart-line", "/cart/lines/<id>", {"HX-Request": "true"}, kind="post"),
    # The account page's inline edit (account/_field.html): the phone number saved with htmx,
    # alternating between two valid numbers so that every request really writes.
    Scenario(
        "inline-edit", "/account/fields/phone", {"HX-Request": "true"}, kind="post", login=True
    ),
    # Whole purchases (add, address, delivery, payment, review, place) by logged-in customers.
    Scenario("place-order", "/checkout/place", kind="orders"),
    # No load: each htmx answer's size next to the page a browser without htmx would get.
    Scenario("htmx-bytes", "(fragment vs full page)", kind="bytes"),
]

#: Throughput goals as a share of the baseline's requests/s (issue 6: category page >= 50 %;
#: issue 13: through nginx at least the minimal page's own rate).
TARGETS: dict[str, float] = {"category": 0.50, "category-returning": 0.50,
                             "category-nginx": 1.00}
#: Issue 16: variant pages "within 10 % of today's product and category figures": each
#: variant scenario and the plain page it is judged against, in the same run.
#: "category-twin" is not the issue's comparison but a fairer one: "category" lists ~5,100
#: products, the variant listing 36; the twin lists 36 single rugs like the families' own.
VARIANT_PAIRS = [("product-variants", "product"), ("product-variant-chosen", "product"),
                 ("category-variants", "category"), ("category-variants", "category-twin")]
VARIANT_MARGIN = 0.10
#: Issue 6: "p99 under 100 ms at 32 concurrent connections for every page listed".
P99_MS, P99_CONNECTIONS = 100.0, 32
#: Issue 6: "search on 100,000 products p95 under 25 ms", read on the uncached searches.
SEARCH_P95_MS, SEARCH_PRODUCTS, SEARCH_SCENARIO = 25.0, 100_000, "search-uncached"
#: Issue 6: "the home page's own HTML + CSS + JS under 60 kB compressed" (1 kB = 1,000 bytes).
HOME_BYTES = 60_000
#: Issue 6: "no page above 6 SQL queries".
MAX_QUERIES = 6


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
