"""Run each scenario on its gunicorn server with the right load generator; keep the figures.

GET pages and the htmx cart buttons go to wrk (the buttons through post.lua, with sessions
that buying.py prepares), whole purchases to ordering.py's Python buyers. Every scenario is
watched for CPU that other programs take meanwhile, since the box is shared.
"""

from __future__ import annotations

import argparse
import functools
from dataclasses import dataclass, field
from pathlib import Path

import buying
import loadgen
import ordering
import provenance
import servers
from scenarios import Scenario

#: Other programs' share of the CPU above which a figure is marked as disturbed.
BUSY = 0.10


@dataclass
class Results:
    wrk: dict[str, loadgen.WrkResult] = field(default_factory=dict)
    orders: ordering.OrderRun | None = None
    sizes: list[buying.Size] = field(default_factory=list)
    others: dict[str, float] = field(default_factory=dict)  # CPU share other programs took


def load(
    tmp: Path, chosen: list[Scenario], context: dict[str, str], args: argparse.Namespace
) -> Results:
    """Load every scenario, one server at a time so an idle one never competes for CPU."""
    targets = {
        "minimal": ("minimal:app", servers.BENCH),
        "app": ("wsgi:app", servers.ROOT),
    }
    results = Results()
    env = servers.app_env(tmp)
    # Before any server starts, so no worker has read the old stock.
    wanted = any(s.kind != "get" for s in chosen)
    products = buying.stock_up(tmp / "bench.sqlite") if wanted else []
    for server, (spec, chdir) in targets.items():
        group = [s for s in chosen if s.server == server]
        if not group:
            continue
        with servers.gunicorn(spec, chdir, env, tmp / f"gunicorn-{server}.log") as base:
            state = {"base": base, "products": products, "carts": None}
            for scenario in group:
                with provenance.OtherCpu() as other:
                    summary = measure(scenario, state, results, tmp, context, args)
                # Sizes don't depend on CPU: only load figures can be disturbed.
                share = other.share if scenario.kind != "bytes" else 0.0
                results.others[scenario.name] = share
                print(f"  {scenario.name:<14} {summary}{busy_flag(share)}", flush=True)
    return results


def measure(
    scenario: Scenario,
    state: dict,
    results: Results,
    tmp: Path,
    context: dict[str, str],
    args: argparse.Namespace,
) -> str:
    """Load one scenario on the running server, store its figures; return a one-line summary."""
    base, database = state["base"], tmp / "bench.sqlite"
    if scenario.kind == "orders":
        ids = [product_id for product_id, _slug in state["products"]]
        results.orders = ordering.run(
            base, ids, args.connections, args.duration, args.warmup, args.repeat
        )
        return results.orders.summary()
    if scenario.kind != "get" and state["carts"] is None:
        # Opened once per server, for the cart buttons and the bytes table.
        state["carts"] = buying.prepare(base, state["products"], sessions=4 * args.connections)
    carts = state["carts"]
    if scenario.kind == "bytes":
        results.sizes = buying.sizes(base, database, carts)
        return f"{len(results.sizes)} pairs fetched"
    url, options, before = base + scenario.url_path(context), {}, None
    if scenario.kind == "post":
        # post.lua names each request's path; wrk only needs the server's address.
        url, options = base + "/", buying.wrk_options(tmp, scenario, carts)
        before = functools.partial(buying.reset, database, carts)
    result = results.wrk[scenario.name] = best_of(url, scenario, args, before, options)
    capped = f"  capped {result.capped}" if result.capped else ""
    return (
        f"{result.requests_per_s:>9,.0f} req/s  p50 {result.p50_ms:6.1f} ms"
        f"  p99 {result.p99_ms:6.1f} ms{capped}"
    )


def busy_flag(share: float) -> str:
    # With 2 cores, another busy program can halve a row's figures: mark the rows it touched.
    return f" ⚠ other programs took {share:.0%} of the CPU" if share > BUSY else ""


def best_of(
    url: str, scenario: Scenario, args: argparse.Namespace, before, options: dict
) -> loadgen.WrkResult:
    """Warm up, then measure ``args.repeat`` times and keep the best run.

    ``before`` runs ahead of every wrk run (the POSTs set their carts back); ``options`` are
    loadgen.run's script arguments.
    """

    def wrk(duration: float) -> loadgen.WrkResult:
        if before is not None:
            before()  # e.g. set the cart lines back to 1
        return loadgen.run(
            url,
            scenario.headers if scenario.kind == "get" else {},  # post.lua sets its own
            duration=duration,
            connections=args.connections,
            threads=args.threads,
            timeout=args.timeout,
            **options,
        )

    if args.warmup > 0:
        # Each worker compiles templates and fills caches on its first requests.
        wrk(args.warmup)
    # Best of N: other programs on a shared box only ever make a run slower.
    runs = [wrk(args.duration) for _ in range(args.repeat)]
    return max(runs, key=lambda r: r.requests_per_s)
