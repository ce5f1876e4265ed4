"""Lighthouse (mobile preset) on the home, listing, product and cart pages, served by gunicorn.

    .venv/bin/python bench/lighthouse.py            # what `make lighthouse` runs (~1.5 minutes)
    .venv/bin/python bench/lighthouse.py --check    # exit 1 when a page misses the targets
    .venv/bin/python bench/lighthouse.py --runs 3 --only home cart

Steps: seed a fresh database in a temporary directory (bench/servers.py), serve it with
gunicorn (2 sync workers, as production) on a free loopback port, put one product into a cart
over HTTP, then run the npm ``lighthouse`` CLI with Debian's Chromium on each page, one after
the other. Every page gets the language cookie (Albanian unless ``--lang en``: headless Chromium
asks for en-US, which the shop would honour) and the cart page also the cart's session cookie,
through ``--extra-headers``. It prints the four category scores, the metrics, and every audit
that fails, with the elements it names. The JSON and HTML reports stay in bench/out/
(git-ignored).

There is no nginx here: gunicorn serves /static/ and /media/ through Flask, without gzip, so
``uses-text-compression`` reports what nginx's ``gzip on`` would save in production.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import buying
import provenance
import scenarios
import servers
from client import Browser

from lesnamax.i18n import COOKIE as LANG_COOKIE

LIGHTHOUSE = servers.ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
# --no-sandbox because CI runs as root. The rest keeps Chromium from talking to Google and
# from spending the 2 cores on background work during a measurement (TOOLING.md §3, which
# writes plain --headless: since Chromium 132 that is the same "new" headless mode).
# The port is the kernel's choice (32768-60999 here), above every port Chrome refuses.
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
#: Issue 6: minimum score (0-100) per category, mobile preset.
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 95}
#: The performance metrics shown for every page (audit ids in the report).
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
    "server-response-time": "TTFB",
}
#: Scored 0 on every page that links a stylesheet, yet only a map of requests: Lighthouse's
#: older audit for the same thing (critical-request-chains) is informative.
UNSCORED = {"network-dependency-tree-insight"}
#: Audits a page fails on purpose, left out when judging its targets (the table shows both).
#: The cart is private: ``noindex`` and a Disallow in robots.txt keep carts out of search
#: engines, which is exactly what the is-crawlable audit scores as an SEO failure.
ON_PURPOSE = {"cart": {"is-crawlable"}}
#: Items shown per failing audit; the JSON report has them all.
ITEMS = 6


@dataclass
class Page:
    name: str
    path: str
    cart: bool = False  # sends the cart's cookies


@dataclass
class Outcome:
    page: Page
    report: dict
    path: Path  # the JSON report kept

    @property
    def error(self) -> str:
        runtime = self.report.get("runtimeError") or {}
        return f"{runtime.get('code')}: {runtime.get('message', '')}" if runtime else ""

    def score(self, category: str) -> int | None:
        raw = self.report.get("categories", {}).get(category, {}).get("score")
        return None if raw is None else round(raw * 100)

    def judged(self, category: str) -> int | None:
        """The score without the audits this page fails on purpose (``ON_PURPOSE``)."""
        skip = ON_PURPOSE.get(self.page.name, set())
        refs = self.report.get("categories", {}).get(category, {}).get("auditRefs", [])
        if not skip or not any(ref["id"] in skip for ref in refs):
            return self.score(category)
        audits = self.report.get("audits", {})
        weighted = [(ref["weight"], audits.get(ref["id"], {}).get("score")) for ref in refs
                    if ref["id"] not in skip and ref["weight"]]
        weighted = [(w, score) for w, score in weighted if score is not None]
        total = sum(w for w, _ in weighted)
        return round(100 * sum(w * score for w, score in weighted) / total) if total else None


def pages(context: dict[str, str]) -> list[Page]:
    """The pages the issue names; paths come from the load benchmark's scenarios."""
    known = {s.name: s for s in scenarios.SCENARIOS}
    return [
        Page("home", known["home"].url_path(context)),
        Page("listing", known["category"].url_path(context)),
        Page("product", known["product"].url_path(context)),
        Page("cart", "/cart", cart=True),
    ]


def cart_cookie(base: str, product: tuple[int, str]) -> str:
    """Put ``product`` into a new visitor's cart over HTTP; return its cookies for a header."""
    product_id, slug = product
    browser = Browser(base)
    try:
        buying.expect(browser.get(f"/products/{slug}"), 200, "GET product")
        # Without HX-Request the form is answered with a 303 to /cart, as a browser gets it.
        buying.expect(
            browser.post("/cart/add", {"product_id": product_id, "quantity": 1}), 303, "add"
        )
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        page = buying.expect(browser.get("/cart"), 200, "GET /cart")
        if 'id="line-' not in page.text:
            raise RuntimeError("the cart page shows no line after adding a product")
        return cookie
    finally:
        browser.close()


def run_lighthouse(url: str, out: Path, cookie: str | None, desktop: bool) -> dict:
    """Run the lighthouse CLI once; return its JSON report (``out``.report.json/.html kept)."""
    command = [
        str(LIGHTHOUSE),
        url,
        f"--chrome-flags={CHROME_FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        "--output=html",
        f"--output-path={out}",
        "--quiet",
    ]
    if desktop:
        command.append("--preset=desktop")
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    report = out.with_name(out.name + ".report.json")
    report.unlink(missing_ok=True)  # never read an older run's report from a reused --out
    done = subprocess.run(
        command,
        cwd=servers.ROOT,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if not report.exists():
        tail = done.stderr[-2000:]
        raise RuntimeError(f"lighthouse failed ({done.returncode}) on {url}:\n{tail}")
    # A report with runtimeError set (page not loaded) has null scores: shown as "error".
    return json.loads(report.read_text())


def measure(page: Page, base: str, out: Path, cookie: str, args) -> Outcome:
    """Run ``args.runs`` times; keep the run with the median performance score."""
    runs = []
    for n in range(args.runs):
        stem = out / (page.name if args.runs == 1 else f"{page.name}-{n + 1}")
        cookies = f"{LANG_COOKIE}={args.lang}" + (f"; {cookie}" if page.cart else "")
        report = run_lighthouse(base + page.path, stem, cookies, args.desktop)
        if report.get("runtimeError", {}).get("code") == "NO_NAVSTART":
            # Lighthouse's own trace recording sometimes misses the navigation ("Please run
            # Lighthouse again"): once more, and the report says if it failed twice.
            report = run_lighthouse(base + page.path, stem, cookies, args.desktop)
        runs.append(Outcome(page, report, stem.with_name(stem.name + ".report.json")))
    # Median, not best: the box is shared, but a lucky run says as little as an unlucky one.
    runs.sort(key=lambda o: o.score("performance") or 0)
    return runs[len(runs) // 2]


def failing(report: dict) -> list[tuple[str, dict, float]]:
    """Return (category, audit, weight) for every scored audit below 1 in a category.

    Performance lists its metrics separately (see ``metrics``); here it gives the
    diagnostics and insights below 1. They weigh nothing themselves but explain the metrics.
    Lighthouse 12 files its newer "insights" (ids ending in -insight) under the hidden group;
    the other hidden audits are metrics the score does not use (TTI, max potential FID).
    """
    audits = report.get("audits", {})
    found = []
    for category in CATEGORIES:
        for ref in report.get("categories", {}).get(category, {}).get("auditRefs", []):
            audit = audits.get(ref["id"], {})
            score = audit.get("score")
            if score is None or score >= 1 or ref["id"] in METRICS or ref["id"] in UNSCORED:
                continue
            if audit.get("scoreDisplayMode") in ("informative", "notApplicable", "manual"):
                continue
            hidden = ref.get("group") == "hidden" and not ref["id"].endswith("-insight")
            if category == "performance" and hidden:
                continue
            found.append((category, audit, ref.get("weight", 0)))
    return found


def describe(audit: dict) -> list[str]:
    """Return one line per element, URL or check the audit names (at most ITEMS)."""
    details = audit.get("details") or {}
    items = details.get("items") or []
    if audit["id"].endswith("-insight") and details.get("type") == "list":
        items = [i for i in items if i.get("type") == "checklist"]
    elif audit["id"].endswith("-insight") and details.get("type") != "checklist":
        return []  # the same items as the older audit next to it (e.g. uses-long-cache-ttl)
    if isinstance(items, dict):  # a checklist: name the checks that fail
        failed = [c.get("label", k) for k, c in items.items() if c.get("value") is False]
        return [f"failed check: {label}" for label in failed]
    lines = []
    for item in items[:ITEMS]:
        node = item.get("node") or item.get("source") or {}
        node = node if isinstance(node, dict) else {}  # "source" is a word in some audits
        if item.get("type") == "checklist":
            lines.extend(describe({"id": "", "details": item}))
            continue
        if node.get("type") == "node":
            text = f"`{node.get('selector', '?')}` {node.get('snippet', '')}"
            explanation = " ".join((node.get("explanation") or "").split())
            if explanation:
                text += f" — {explanation[:300]}"
        elif node.get("type") == "source-location":
            text = f"{node.get('url')} line {node.get('line', 0) + 1}"
        elif item.get("url"):
            text = item["url"]
            for key in ("totalBytes", "wastedBytes", "wastedMs", "cacheLifetimeMs"):
                if isinstance(item.get(key), (int, float)):
                    text += f" {key}={item[key]:,.0f}"
        else:
            text = "; ".join(
                f"{k}={v}" for k, v in item.items() if isinstance(v, (str, int, float))
            )[:300]
        if text:
            lines.append(text)
    if len(items) > ITEMS:
        lines.append(f"… {len(items) - ITEMS} more in the JSON report")
    return lines


def metrics(report: dict) -> str:
    audits = report.get("audits", {})
    shown = []
    for key, short in METRICS.items():
        audit = audits.get(key, {})
        if key == "server-response-time" and "numericValue" in audit:
            shown.append(f"{short} {audit['numericValue']:.0f} ms")  # not "Root document took"
        else:
            shown.append(f"{short} {audit.get('displayValue', '?')}")
    return ", ".join(shown)


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| page | path | performance | accessibility | best practices | SEO |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        cells = []
        for category in CATEGORIES:
            score, judged = o.score(category), o.judged(category)
            mark = "" if judged is None or judged >= TARGETS[category] else " ✗"
            aside = f" ({judged} without {', '.join(sorted(ON_PURPOSE[o.page.name]))})" \
                if judged != score else ""
            cells.append(f"{'error' if score is None else score}{aside}{mark}")
        lines.append(f"| {o.page.name} | `{o.page.path}` | {' | '.join(cells)} |")
    return "\n".join(lines)


def details(outcomes: list[Outcome]) -> str:
    out = []
    for o in outcomes:
        out.append(f"\n### {o.page.name} `{o.page.path}`  ({o.path})")
        if o.error:
            out.append(f"- runtime error {o.error}")
            continue
        out.append(f"- metrics: {metrics(o.report)}")
        for category, audit, weight in failing(o.report):
            value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
            out.append(
                f"- {category}: **{audit['id']}** score {audit['score']:g}, weight {weight:g}"
                f"{value}: {audit.get('title', '')}"
            )
            out.extend(f"    - {line}" for line in describe(audit))
    return "\n".join(out)


def misses(outcomes: list[Outcome]) -> list[str]:
    found = []
    for o in outcomes:
        for category, goal in TARGETS.items():
            score = o.judged(category)
            if score is None or score < goal:
                found.append(f"{o.page.name}: {category} {score} (target >= {goal})")
    return found


def versions() -> str:
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    package = json.loads((LIGHTHOUSE.resolve().parents[1] / "package.json").read_text())
    return f"lighthouse {package['version']} · {chromium.strip()} · node {_node_version()}"


def _node_version() -> str:
    done = subprocess.run(["node", "--version"], capture_output=True, text=True)
    return done.stdout.strip() or "?"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000, help="catalogue size (10000)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page, the median is kept (1)")
    parser.add_argument(
        "--only", nargs="+", metavar="PAGE", choices=["home", "listing", "product", "cart"]
    )
    parser.add_argument("--lang", choices=["sq", "en"], default="sq", help="page language (sq)")
    parser.add_argument("--desktop", action="store_true", help="desktop preset instead of mobile")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--out", type=Path, help="report directory (default: bench/out/lighthouse-<time>)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    return parser.parse_args(argv)


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # so gunicorn is stopped by the finally blocks
    if not LIGHTHOUSE.exists():
        print("lighthouse is missing: run `npm ci` in the repository root", file=sys.stderr)
        return 2
    out = args.out or servers.BENCH / "out" / time.strftime("lighthouse-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="lesnamax-lighthouse-"))
    started = time.monotonic()
    try:
        print(f"{time.strftime('%Y-%m-%d')} · {os.cpu_count()} CPUs · {versions()}")
        print(provenance.code_version())
        print(f"Seeding {args.products:,} products into {tmp} ...", flush=True)
        servers.seed(tmp, args.products)
        context = servers.context(tmp)
        # A product with pictures and plenty of stock, other than the product page measured.
        product = buying.stock_up(tmp / "bench.sqlite", count=1)[0]
        chosen = [p for p in pages(context) if not args.only or p.name in args.only]
        env = servers.app_env(tmp)
        log = tmp / "gunicorn.log"
        with servers.gunicorn("wsgi:app", servers.ROOT, env, log) as base:
            cookie = cart_cookie(base, product)
            preset = "desktop" if args.desktop else "mobile"
            print(
                f"Lighthouse, {preset} preset, lang={args.lang}, {args.runs} run(s) per page, "
                f"at {base}"
            )
            outcomes = []
            for page in chosen:
                outcome = measure(page, base, out, cookie, args)
                outcomes.append(outcome)
                scores = " ".join(f"{c} {outcome.score(c)}" for c in CATEGORIES)
                print(f"  {page.name:<8} {scores}", flush=True)
        print("\n" + table(outcomes))
        print(details(outcomes))
        missed = misses(outcomes)
        print("\nTargets: " + ("all met" if not missed else "NOT met: " + "; ".join(missed)))
        print(f"Reports in {out}. Done in {time.monotonic() - started:.0f} s.")
        return 1 if args.check and missed else 0
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
