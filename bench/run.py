"""Benchmark the shop against a minimal Flask page, both on gunicorn with 2 sync workers.

    .venv/bin/python bench/run.py                      # what `make bench` runs (~3 minutes)
    .venv/bin/python bench/run.py --products 100000    # a bigger catalogue
    .venv/bin/python bench/run.py --only category -d 5 # quick look at one page
    .venv/bin/python bench/run.py --no-load --profile category   # SQL counts + cProfile only
    .venv/bin/python bench/run.py --only add_to_cart cart_line place_order htmx_bytes

Steps: seed a fresh database in a temporary directory, count SQL queries and bytes per page
in-process, then load each page with wrk and print requests/s, p50/p99 latency and the ratio
to the minimal page. Then the htmx cart buttons (wrk replaying prepared sessions, buying.py),
whole purchases by Python buyers (orders/s, ordering.py) and each htmx answer's size next to
the page it replaces. The machine has 2 cores shared by wrk and gunicorn, so read the figures
as relative to each other (hence the ratio), not as capacity.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import buying
import loadgen
import loading
import ordering
import provenance
import queries
import scenarios
import servers
from scenarios import Scenario


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000, help="catalogue size (10000)")
    parser.add_argument(
        "-d", "--duration", type=float, default=10, help="seconds per scenario (10)"
    )
    parser.add_argument(
        "-w",
        "--warmup",
        type=float,
        default=2,
        help="seconds of unmeasured load per scenario first (2)",
    )
    parser.add_argument(
        "-c",
        "--connections",
        type=int,
        default=10,
        help="wrk connections; also place-order buyers (10)",
    )
    # One wrk thread: a second would take CPU from gunicorn's two workers on this 2-core box.
    parser.add_argument("-t", "--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--timeout", type=float, default=10, help="wrk request timeout, s (10)")
    parser.add_argument(
        "-r",
        "--repeat",
        type=int,
        default=1,
        help="measure each scenario N times and keep the best run (1)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help=f"scenarios to run: {', '.join(s.name for s in scenarios.SCENARIOS)}",
    )
    parser.add_argument("--no-load", action="store_true", help="skip wrk, only count queries")
    parser.add_argument("--no-queries", action="store_true", help="skip the in-process counts")
    parser.add_argument("--show-sql", action="store_true", help="print each page's SQL")
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help="cProfile one scenario in-process",
        choices=[s.name for s in scenarios.SCENARIOS if s.server == "app" and s.kind == "get"],
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args(argv)


def table(chosen: list[Scenario], context: dict[str, str], all_results: loading.Results) -> str:
    results = all_results.wrk
    baseline = results.get(scenarios.BASELINE)
    lines = [
        "| scenario | path | req/s | p50 ms | p99 ms | ratio to minimal |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for s in chosen:
        r = results.get(s.name)
        if r is None:
            continue
        ratio = r.requests_per_s / baseline.requests_per_s if baseline else math.nan
        flag = f" ⚠ {r.bad_responses} errors" if r.bad_responses else ""
        flag += f" ⚠ {r.capped} capped" if r.capped else ""
        flag += loading.busy_flag(all_results.others.get(s.name, 0.0))
        hx = f" ({', '.join(s.headers)})" if s.headers else ""
        lines.append(
            f"| {s.name} | `{s.url_path(context) if s.kind == 'get' else s.label}`{hx} | "
            f"{r.requests_per_s:,.0f} | "
            f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {ratio:.1%}{flag} |"
        )
    return "\n".join(lines)


def verdicts(results: dict[str, loadgen.WrkResult]) -> list[str]:
    baseline = results.get(scenarios.BASELINE)
    out = []
    for name, goal in scenarios.TARGETS.items():
        if baseline and name in results:
            ratio = results[name].requests_per_s / baseline.requests_per_s
            state = "met" if ratio >= goal else "NOT met"
            out.append(f"{name}: {ratio:.1%} of minimal (target >= {goal:.0%}): {state}")
    return out


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # `kill` or a CI timeout then cleans up like Ctrl-C does (the finally blocks run).
    signal.signal(signal.SIGTERM, _interrupt)
    if not args.no_load:
        loadgen.require_wrk()
    chosen = scenarios.select(args.only)
    tmp = Path(tempfile.mkdtemp(prefix="lesnamax-bench-"))
    started = time.monotonic()
    try:
        print(provenance.machine())
        print(provenance.code_version())
        print(f"Seeding {args.products:,} products into {tmp} ...", flush=True)
        servers.seed(tmp, args.products)
        context = servers.context(tmp)
        if not args.no_queries:
            costs = queries.measure(tmp, chosen, context)
            print("\nPer page, in-process (Flask test client):\n" + queries.table(costs))
            if args.show_sql:
                for cost in costs:
                    print(f"\n-- {cost.name}: {cost.queries} queries (ms: execute only, not fetch)")
                    for sql, ms in cost.statements:
                        print(f"{ms:7.2f} ms  {' '.join(sql.split())}")
            broken = [c.name for c in costs if c.status != 200]
            if broken:
                print(f"\nNot 200: {', '.join(broken)}; fix these before measuring.")
                return 1
        if args.profile:
            known = {s.name: s for s in scenarios.SCENARIOS}
            print("\n" + queries.profile(tmp, known[args.profile], context))
        if not args.no_load:
            busy = provenance.busy_share()
            if busy > loading.BUSY:
                # With 2 cores, another busy program can halve the figures: say so up front.
                print(
                    f"\nWARNING: {busy:.0%} of the CPU was busy before the load test started; "
                    "figures will be low and noisy (see `top`)."
                )
            print(
                f"\nLoad: wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s "
                f"--latency --timeout {args.timeout:g}s (after {args.warmup:g} s warm-up, "
                f"best of {args.repeat}), gunicorn -w {servers.WORKERS} "
                f"sync, server and wrk on the same {os.cpu_count()} cores",
                flush=True,
            )
            results = loading.load(tmp, chosen, context, args)
            if results.wrk:
                print("\n" + table(chosen, context, results))
            for line in verdicts(results.wrk):
                print(line)
            if results.orders is not None:
                print(
                    f"\nPlace order: {results.orders.buyers} Python buyers, each a registered "
                    "customer repeating add → address → delivery → payment → review → place:"
                )
                print(ordering.table(results.orders))
                if flag := loading.busy_flag(results.others.get("place-order", 0.0)):
                    print(flag.strip())
                for message in results.orders.first_errors:
                    print(f"  error: {message}")
            if results.sizes:
                print("\nhtmx response bytes vs full page bytes (bodies):")
                print(buying.sizes_table(results.sizes))
        print(f"\nDone in {time.monotonic() - started:.0f} s.")
        return 0
    except KeyboardInterrupt:
        # The gunicorn context managers have already stopped their servers on the way out.
        print("\nInterrupted.", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
