"""Run each scenario on its gunicorn server with the right load generator; keep the figures.

Plain GET pages go to wrk as one URL. Everything else wrk replays from a prepared list through
bench.lua: many different search URLs (varied.py), the htmx cart buttons with sessions that
buying.py prepares, a customer's account page and inline edit (customers.py). Whole purchases
go to ordering.py's Python buyers. Every scenario is watched for CPU that other programs take
meanwhile, since the box is shared.
"""

from __future__ import annotations

import argparse
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import buying
import customers
import loadgen
import nginx
import ordering
import provenance
import servers
import varied
from client import Browser
from scenarios import Scenario

#: Other programs' share of the CPU above which a figure is marked as disturbed.
BUSY = 0.10


@dataclass
class Results:
    wrk: dict[str, loadgen.WrkResult] = field(default_factory=dict)
    orders: ordering.OrderRun | None = None
    sizes: list[buying.Size] = field(default_factory=list)
    others: dict[str, float] = field(default_factory=dict)  # CPU share other programs took
    notes: dict[str, str] = field(default_factory=dict)  # e.g. URL repeats, writes


@dataclass
class Server:
    """One running shop and what was prepared on it (once, for all its scenarios)."""

    base: str
    database: Path
    products: list[tuple[int, str]]
    carts: buying.Carts | None = None
    customers: list[Browser] | None = None
    tracker: varied.Tracker = field(default_factory=varied.Tracker)

    def shoppers(self, connections: int) -> buying.Carts:
        if self.carts is None:
            self.carts = buying.prepare(self.base, self.products, sessions=4 * connections)
        return self.carts

    def logged_in(self, count: int) -> list[Browser]:
        if self.customers is None:
            started = time.monotonic()
            self.customers = customers.register(self.base, count, self.database.parent / "outbox")
            print(
                f"  (registered {count} customers in {time.monotonic() - started:.0f} s)",
                flush=True,
            )
        return self.customers


def load(
    tmp: Path,
    chosen: list[Scenario],
    context: dict[str, str],
    args: argparse.Namespace,
    products: list[tuple[int, str]],
) -> Results:
    """Load every scenario, one server at a time so an idle one never competes for CPU."""
    targets = {
        "minimal": ("minimal:app", servers.BENCH),
        "app": ("wsgi:app", servers.ROOT),
        # The same shop with nginx's page cache in front (deploy/nginx/lesnamax.conf).
        "nginx": ("wsgi:app", servers.ROOT),
    }
    results = Results()
    env = servers.app_env(tmp, page_cache=not args.no_page_cache)
    for server, (spec, chdir) in targets.items():
        group = [s for s in chosen if s.server == server]
        if not group:
            continue
        with ExitStack() as running:
            base = running.enter_context(
                servers.gunicorn(spec, chdir, env, tmp / f"gunicorn-{server}.log"))
            if server != "minimal":
                running.enter_context(servers.consumer(env, tmp / f"jobs-{server}.log"))
            if server == "nginx":
                base = running.enter_context(nginx.front(base, tmp))
            state = Server(base, tmp / "bench.sqlite", products)
            for scenario in group:
                with provenance.OtherCpu() as other:
                    summary = measure(scenario, state, results, tmp, context, args)
                # Sizes don't depend on CPU: only load figures can be disturbed.
                share = other.share if scenario.kind != "bytes" else 0.0
                results.others[scenario.name] = share
                print(f"  {scenario.name:<16} {summary}{busy_flag(share)}", flush=True)
    return results


def measure(
    scenario: Scenario,
    state: Server,
    results: Results,
    tmp: Path,
    context: dict[str, str],
    args: argparse.Namespace,
) -> str:
    """Load one scenario on the running server, store its figures; return a one-line summary."""
    if scenario.kind == "orders":
        ids = [product_id for product_id, _slug in state.products]
        browsers = state.logged_in(args.connections)
        results.orders = ordering.run(browsers, ids, args.duration, args.warmup, args.repeat)
        return results.orders.summary()
    if scenario.kind == "bytes":
        results.sizes = buying.sizes(state.base, state.database, state.shoppers(args.connections))
        return f"{len(results.sizes)} pairs fetched"
    if not scenario.replayed:
        url = state.base + scenario.url_path(context)
        headers = None
        if scenario.returning:
            # A visitor who put something in the cart: their session cookie (cart and count)
            # goes with every page, and the shared page must come from the cache all the same.
            visitor = Browser(state.base)
            visitor.get(scenario.url_path(context))
            visitor.post("/cart/add", {"product_id": state.products[0][0]}, {"HX-Request": "true"})
            headers = {**scenario.headers, "Cookie": visitor.cookie_header()}
            visitor.close()
            if "session=" not in headers["Cookie"]:
                raise RuntimeError("the returning visitor got no session cookie from the cart")
        result = best_of(url, scenario, args, headers=headers)
    else:
        result = replay(scenario, state, results, tmp, args)
    results.wrk[scenario.name] = result
    capped = f"  capped {result.capped}" if result.capped else ""
    note = f"  {results.notes[scenario.name]}" if scenario.name in results.notes else ""
    return (
        f"{result.requests_per_s:>9,.0f} req/s  p50 {result.p50_ms:6.1f}  p95 {result.p95_ms:6.1f}"
        f"  p99 {result.p99_ms:6.1f} ms{capped}{note}"
    )


def replay(
    scenario: Scenario, state: Server, results: Results, tmp: Path, args: argparse.Namespace
) -> loadgen.WrkResult:
    """Load a scenario whose requests wrk replays from a prepared list (bench.lua)."""
    before = None
    extra: dict[str, str] = {}
    if scenario.kind == "varied":
        targets = varied.targets(scenario, state.database)
    elif scenario.login:
        targets = customers.targets(scenario, state.logged_in(args.connections))
    else:
        carts = state.shoppers(args.connections)
        targets = buying.targets(scenario, carts)
        extra["marker"] = buying.CAPPED[scenario.name]

        def before() -> None:
            buying.reset(state.database, carts)  # every run starts from quantities of 1

    state.tracker.lengths[scenario.name] = len(targets)
    env = loadgen.write_targets(tmp / f"targets-{scenario.name}.tsv", targets, **extra)
    written = customers.changes(state.database) if scenario.name == "inline-edit" else 0
    sent_before = state.tracker.start(scenario.name)
    # bench.lua's requests name their own paths; wrk only needs the server's address.
    result = best_of(state.base + "/", scenario, args, before, env, state.tracker)
    sent = state.tracker.start(scenario.name) - sent_before
    if scenario.kind == "varied":
        repeats = state.tracker.repeats(scenario.name)
        results.notes[scenario.name] = (
            f"{len(targets):,} URLs, each sent once: none could come from the page cache"
            if not repeats
            else f"⚠ up to {repeats:,} of {sent:,} requests repeated a URL ({len(targets):,} URLs)"
        )
    if scenario.name == "inline-edit":
        written = customers.changes(state.database) - written
        results.notes[scenario.name] = (
            f"{written:,} saves changed the number (≤ {sent:,} requests sent, warm-up included)"
        )
    return result


def busy_flag(share: float) -> str:
    # With 2 cores, another busy program can halve a row's figures: mark the rows it touched.
    return f" ⚠ other programs took {share:.0%} of the CPU" if share > BUSY else ""


def best_of(
    url: str,
    scenario: Scenario,
    args: argparse.Namespace,
    before=None,
    env: dict[str, str] | None = None,
    tracker: varied.Tracker | None = None,
    headers: dict[str, str] | None = None,
) -> loadgen.WrkResult:
    """Warm up, then measure ``args.repeat`` times and keep the best run.

    ``before`` runs ahead of every wrk run (the cart buttons set their lines back to 1);
    ``env`` is bench.lua's environment; ``tracker`` makes each run go on down the request
    list where the previous one stopped.
    """

    def wrk(duration: float) -> loadgen.WrkResult:
        if before is not None:
            before()
        script_env = dict(env or {})
        if tracker is not None:
            script_env["BENCH_START"] = str(tracker.start(scenario.name))
        result = loadgen.run(
            url,
            # bench.lua sets its own; ``headers`` replaces the scenario's (a visitor's cookie).
            {} if scenario.replayed else (headers or scenario.headers),
            duration=duration,
            connections=args.connections,
            threads=args.threads,
            timeout=args.timeout,
            script_env=script_env,
        )
        if tracker is not None:
            tracker.record(scenario.name, result.requests, args.connections)
        return result

    if args.warmup > 0:
        # Each worker compiles templates and fills caches on its first requests.
        wrk(args.warmup)
    # Best of N: other programs on a shared box only ever make a run slower.
    runs = [wrk(args.duration) for _ in range(args.repeat)]
    return max(runs, key=lambda r: r.requests_per_s)
