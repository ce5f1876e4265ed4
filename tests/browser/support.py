"""Helpers for the browser tests: a watch on what pages do, and an axe-core check."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page

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

    def attach(self, context: BrowserContext) -> BrowserContext:
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

    def _console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            self.console_errors.append(f"{message.text} ({location.get('url', '?')})")

    def requests_to(self, path: str) -> list[str]:
        """Return the URLs requested so far whose path is ``path``."""
        return [url for url in self.requests if urlsplit(url).path == path]

    def check(self) -> None:
        problems = {
            "requests that left the shop's origin": self.foreign,
            "console errors": self.console_errors,
            "uncaught page errors": self.page_errors,
            "server errors": self.server_errors,
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
