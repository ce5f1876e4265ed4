"""Benchmark the shop against a minimal Flask page, both on gunicorn with 2 sync workers.

    .venv/bin/python bench/run.py                      # what `make bench` runs (~2 minutes)
    .venv/bin/python bench/run.py --products 100000    # a bigger catalogue
    .venv/bin/python bench/run.py --only category -d 5 # quick look at one page
    .venv/bin/python bench/run.py --no-load --profile category   # SQL counts + cProfile only

Steps: seed a fresh database in a temporary directory, count SQL queries and bytes per page
in-process, then load each page with wrk and print requests/s, p50/p99 latency and the ratio
to the minimal page. The machine has 2 cores shared by wrk and gunicorn, so read the figures
as relative to each other (hence the ratio), not as capacity.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import loadgen
import queries
import scenarios
import servers
from scenarios import Scenario


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000, help="catalogue size (10000)")
    parser.add_argument("-d", "--duration", type=float, default=10, help="seconds per page (10)")
    parser.add_argument(
        "-w",
        "--warmup",
        type=float,
        default=2,
        help="seconds of unmeasured load per page first (2)",
    )
    parser.add_argument("-c", "--connections", type=int, default=10, help="wrk connections (10)")
    # One wrk thread: a second would take CPU from gunicorn's two workers on this 2-core box.
    parser.add_argument("-t", "--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--timeout", type=float, default=10, help="wrk request timeout, s (10)")
    parser.add_argument(
        "-r",
        "--repeat",
        type=int,
        default=1,
        help="measure each page N times and keep the best run (1)",
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
        choices=[s.name for s in scenarios.SCENARIOS if s.server == "app"],
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args(argv)


def machine() -> str:
    """One line naming the machine, for RESULTS.md."""
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout
    return (
        f"{date.today()} · {os.cpu_count()} CPUs · {' '.join(filter(None, platform.uname()))} · "
        f"Python {platform.python_version()} · {(wrk.splitlines() or ['wrk ?'])[0].split(' [')[0]}"
    )


def busy_share(seconds: float = 1.0) -> float:
    """Return the share of CPU time other programs used over ``seconds`` (Linux /proc/stat)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            fields = [int(n) for n in stat.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return 0.0
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def code_version() -> str:
    """Name the code measured: the commit, and whether uncommitted edits were included."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=servers.ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return f"code {commit}" + (f" + uncommitted changes in {len(changed)} files" if changed else "")


def load(
    tmp: Path, chosen: list[Scenario], context: dict[str, str], args: argparse.Namespace
) -> dict[str, loadgen.WrkResult]:
    """Load every scenario, one server at a time so an idle one never competes for CPU."""
    targets = {
        "minimal": ("minimal:app", servers.BENCH),
        "app": ("wsgi:app", servers.ROOT),
    }
    results: dict[str, loadgen.WrkResult] = {}
    env = servers.app_env(tmp)
    for server, (spec, chdir) in targets.items():
        group = [s for s in chosen if s.server == server]
        if not group:
            continue
        with servers.gunicorn(spec, chdir, env, tmp / f"gunicorn-{server}.log") as base:
            for scenario in group:
                url = base + scenario.url_path(context)
                wrk = functools.partial(
                    loadgen.run,
                    url,
                    scenario.headers,
                    connections=args.connections,
                    threads=args.threads,
                    timeout=args.timeout,
                )
                if args.warmup > 0:
                    # Each worker compiles templates and fills caches on its first requests.
                    wrk(duration=args.warmup)
                # Best of N: other programs on a shared box only ever make a run slower.
                runs = [wrk(duration=args.duration) for _ in range(args.repeat)]
                result = max(runs, key=lambda r: r.requests_per_s)
                results[scenario.name] = result
                print(
                    f"  {scenario.name:<14} {result.requests_per_s:>9,.0f} req/s"
                    f"  p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms",
                    flush=True,
                )
    return results


def table(
    chosen: list[Scenario], context: dict[str, str], results: dict[str, loadgen.WrkResult]
) -> str:
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
        hx = f" ({', '.join(s.headers)})" if s.headers else ""
        lines.append(
            f"| {s.name} | `{s.url_path(context)}`{hx} | {r.requests_per_s:,.0f} | "
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
        print(machine())
        print(code_version())
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
            busy = busy_share()
            if busy > 0.10:
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
            results = load(tmp, chosen, context, args)
            print("\n" + table(chosen, context, results))
            for line in verdicts(results):
                print(line)
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
