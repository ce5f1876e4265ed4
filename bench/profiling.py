"""Where one scenario's requests spend their time, in-process, with pyinstrument.

pyinstrument samples the stack (every 0.5 ms here), so its overhead is small and even, unlike
cProfile's per-call cost that inflates small functions such as Jinja's and Babel's. The report
is the top of the call tree (frames under 1 % hidden), then the functions with the most own
time. Anonymous catalogue pages are profiled as the load test runs them: with the page cache
(what a repeated visit costs), or with ``--no-page-cache`` (what rendering costs).
"""

from __future__ import annotations

import time
from pathlib import Path

import drivers
from pyinstrument import Profiler
from queries import make_app
from scenarios import Scenario

#: Lines of the call tree and of the own-time list to print.
TREE_LINES, FLAT_LINES = 90, 25


def profile(
    tmp: Path,
    scenario: Scenario,
    context: dict[str, str],
    products: list[tuple[int, str]],
    page_cache: bool = True,
    requests: int = 100,
    min_seconds: float = 2.0,
) -> str:
    """Profile ``requests`` requests (more if they take under ``min_seconds``)."""
    app = make_app(tmp, page_cache=page_cache)
    driver = drivers.make(scenario, drivers.Visitors(app, tmp / "bench.sqlite", products), context)
    for _ in range(2):
        driver.step()  # templates, translations, per-process caches, the page cache
    profiler = Profiler(interval=0.0005)
    count, started = 0, time.perf_counter()
    profiler.start()
    while count < requests or time.perf_counter() - started < min_seconds:
        driver.step()
        count += 1
    profiler.stop()
    elapsed = time.perf_counter() - started
    options = {"filter_threshold": 0.01}
    tree = profiler.output_text(
        unicode=True, color=False, time="percent_of_total", processor_options=options
    ).splitlines()
    flat = profiler.output_text(
        unicode=True, color=False, flat=True, time="percent_of_total", processor_options=options
    ).splitlines()
    cache = "on" if page_cache else "off (--no-page-cache)"
    head = (
        f"pyinstrument: {count} requests of {scenario.name} ({scenario.label}) in {elapsed:.2f} s,"
        f" {elapsed / count * 1000:.2f} ms each with the profiler; page cache {cache}"
    )
    return "\n".join(
        [
            head,
            "",
            "Call tree (top):",
            *_trim(tree, TREE_LINES),
            "",
            "Own time per function (top):",
            *_trim(flat, FLAT_LINES),
        ]
    )


def _trim(lines: list[str], keep: int) -> list[str]:
    """Drop pyinstrument's banner (up to its "Profile at" line) and blank lines; cut at keep."""
    banner = next((i for i, line in enumerate(lines) if line.startswith("Profile at")), -1)
    body = [line for line in lines[banner + 1 :] if line.strip()]
    if len(body) > keep:
        return [*body[:keep], f"  … {len(body) - keep} more lines"]
    return body
