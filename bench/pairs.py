"""Issue 16's verdict: variant pages "within 10 % of today's product and category figures".

Each variant scenario is compared with its plain counterpart measured in the same run
(``scenarios.VARIANT_PAIRS``), never with an earlier entry of RESULTS.md: this machine is
shared, so only figures taken side by side compare. In-process the comparison is of SQL
queries (no more than the plain page's) and CPU time per render (at most 10 % more), the
figures other programs on the box change least; under load, of requests/s (at least 90 % of
the plain page's).

The CPU times come from ``measure``, not from queries.py's 20 requests per page one page
after the other: on a shared VM a burst of other work lands on whichever page is measured
then. Here the pages take turns, request by request, for ``ROUNDS`` rounds, so a burst
slows them alike, and the median of each is compared.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import drivers
import loadgen
import queries
from scenarios import VARIANT_MARGIN, VARIANT_PAIRS, Scenario

ROUNDS = 150


@dataclass
class Turns:
    """One page's medians over the rounds: CPU ms (this process) and wall ms."""

    cpu_ms: float
    wall_ms: float


def measure(tmp: Path, chosen: list[Scenario], context: dict[str, str],
            products: list[tuple[int, str]], rounds: int = ROUNDS) -> dict[str, Turns]:
    """Render each page of the chosen pairs in turn (page cache off), ``rounds`` times."""
    paired = {name for pair in VARIANT_PAIRS for name in pair}
    wanted = [s for s in chosen if s.name in paired]
    if not any(s.name == variant for s in wanted for variant, _plain in VARIANT_PAIRS):
        return {}
    app = queries.make_app(tmp, page_cache=False)
    visitors = drivers.Visitors(app, tmp / "bench.sqlite", products)
    steps = {s.name: drivers.make(s, visitors, context).step for s in wanted}
    for step in steps.values():
        step()  # templates, translations, per-process caches
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    wall: dict[str, list[float]] = {name: [] for name in steps}
    for turn in range(rounds):
        order = list(steps.items())
        for name, step in order if turn % 2 else reversed(order):  # neither always first
            started, started_cpu = time.perf_counter(), time.process_time()
            step()
            cpu[name].append((time.process_time() - started_cpu) * 1000)
            wall[name].append((time.perf_counter() - started) * 1000)
    return {name: Turns(statistics.median(cpu[name]), statistics.median(wall[name]))
            for name in steps}


def table(turns: dict[str, Turns], rounds: int = ROUNDS) -> str:
    lines = [f"Variant pages and their plain pages rendered in turn ({rounds} rounds, page "
             "cache off), medians:", "| scenario | CPU ms | wall ms |", "|---|---:|---:|"]
    lines += [f"| {name} | {t.cpu_ms:.1f} | {t.wall_ms:.1f} |" for name, t in turns.items()]
    return "\n".join(lines)


def in_process(costs: list[queries.PageCost], turns: dict[str, Turns]) -> list[str]:
    by_name = {c.name: c for c in costs}
    out = []
    for name, plain in VARIANT_PAIRS:
        variant, base = by_name.get(name), by_name.get(plain)
        if variant is None or base is None or name not in turns or plain not in turns:
            continue
        ratio = turns[name].cpu_ms / turns[plain].cpu_ms
        fewer = variant.worst <= base.worst
        out.append(
            f"{name} vs {plain}, in-process: SQL {variant.worst} vs {base.worst} "
            f"(no more: {_state(fewer)}); CPU per render {turns[name].cpu_ms:.1f} vs "
            f"{turns[plain].cpu_ms:.1f} ms = {ratio:.0%} (<= {1 + VARIANT_MARGIN:.0%}: "
            f"{_state(ratio <= 1 + VARIANT_MARGIN)}); {variant.gzip:,} vs {base.gzip:,} "
            "gzip bytes"
        )
    return out


def under_load(results: dict[str, loadgen.WrkResult]) -> list[str]:
    out = []
    for name, plain in VARIANT_PAIRS:
        variant, base = results.get(name), results.get(plain)
        if variant is None or base is None or not base.requests_per_s:
            continue
        ratio = variant.requests_per_s / base.requests_per_s
        out.append(
            f"{name} vs {plain}, loaded: {variant.requests_per_s:,.0f} vs "
            f"{base.requests_per_s:,.0f} req/s = {ratio:.0%} (>= {1 - VARIANT_MARGIN:.0%}: "
            f"{_state(ratio >= 1 - VARIANT_MARGIN)}); p50 {variant.p50_ms:.1f} vs "
            f"{base.p50_ms:.1f} ms, p99 {variant.p99_ms:.1f} vs {base.p99_ms:.1f} ms"
        )
    return out


def _state(met: bool) -> str:
    return "met" if met else "NOT met"
