"""Issue 16's verdict: variant pages "within 10 % of today's product and category figures".

Each variant scenario is compared with its plain counterpart measured in the same run
(``scenarios.VARIANT_PAIRS``), never with an earlier entry of RESULTS.md: this machine is
shared, so only figures taken side by side compare. In-process the comparison is of SQL
queries (no more than the plain page's) and this process's CPU time per render (at most
10 % more), the figures other programs on the box change least; under load, of requests/s
(at least 90 % of the plain page's).
"""

from __future__ import annotations

import loadgen
import queries
from scenarios import VARIANT_MARGIN, VARIANT_PAIRS


def in_process(costs: list[queries.PageCost]) -> list[str]:
    by_name = {c.name: c for c in costs}
    out = []
    for name, plain in VARIANT_PAIRS.items():
        variant, base = by_name.get(name), by_name.get(plain)
        if variant is None or base is None or not base.cpu_render:
            continue
        ratio = variant.cpu_render / base.cpu_render
        fewer = variant.worst <= base.worst
        out.append(
            f"{name} vs {plain}, in-process: SQL {variant.worst} vs {base.worst} "
            f"(no more: {_state(fewer)}); CPU per render {variant.cpu_render:.1f} vs "
            f"{base.cpu_render:.1f} ms = {ratio:.0%} (<= {1 + VARIANT_MARGIN:.0%}: "
            f"{_state(ratio <= 1 + VARIANT_MARGIN)}); {variant.gzip:,} vs {base.gzip:,} "
            "gzip bytes"
        )
    return out


def under_load(results: dict[str, loadgen.WrkResult]) -> list[str]:
    out = []
    for name, plain in VARIANT_PAIRS.items():
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
