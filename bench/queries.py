"""In-process page costs: SQL queries, response bytes and time per request, with no server.

This runs the shop with Flask's test client in this process, so the figures show what the
application itself does per page, without gunicorn, sockets or the load generator. It also
checks every scenario answers 200 before the (slower) load test spends minutes on it.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from scenarios import Scenario
from sqlalchemy import event


@dataclass
class PageCost:
    name: str
    status: int
    queries: int
    bytes: int
    ms_median: float
    statements: list[tuple[str, float]] = field(default_factory=list)  # (SQL, ms)


def make_app(tmp: Path):
    """Return the shop pointed at the benchmark's database (not at instance/)."""
    from lesnamax import create_app

    return create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite'}",
            "MEDIA_ROOT": str(tmp / "media"),
            "MAIL_OUTBOX": str(tmp / "outbox"),
            "SECRET_KEY": "bench-not-secret",
        }
    )


def measure(
    tmp: Path, scenarios: list[Scenario], context: dict[str, str], repeat: int = 20
) -> list[PageCost]:
    """Return the cost of one request to each shop scenario (the baseline is not the shop)."""
    from lesnamax.extensions import db

    app = make_app(tmp)
    statements: list[tuple[str, float]] = []

    def before(conn, _cursor, _statement, *_args) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, _cursor, statement, *_args) -> None:
        elapsed = (time.perf_counter() - conn.info.pop("bench_started")) * 1000
        statements.append((statement, elapsed))

    costs = []
    with app.app_context():
        # On this engine only, not on every Engine: just the shop's queries are counted.
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        client = app.test_client(use_cookies=False)  # like wrk: every request a first visit
        for scenario in scenarios:
            if scenario.server != "app" or scenario.kind != "get":
                continue  # the POSTs need a session: buying.py measures those over HTTP
            path = scenario.url_path(context)
            client.get(path, headers=scenario.headers)  # warm caches: templates, translations
            statements.clear()
            response = client.get(path, headers=scenario.headers)
            seen = list(statements)
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(path, headers=scenario.headers)
                times.append((time.perf_counter() - started) * 1000)
            costs.append(
                PageCost(
                    scenario.name,
                    response.status_code,
                    len(seen),
                    len(response.data),
                    statistics.median(times),
                    seen,
                )
            )
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    return costs


def profile(tmp: Path, scenario: Scenario, context: dict[str, str], repeat: int = 50) -> str:
    """Return where ``repeat`` requests to one scenario spend time (cProfile: stdlib only).

    First own time per package, which answers "database, ORM, templates or Babel?" at a
    glance; then the usual top functions for the details.
    """
    app = make_app(tmp)
    client = app.test_client(use_cookies=False)  # like wrk: every request a first visit
    path = scenario.url_path(context)
    client.get(path, headers=scenario.headers)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(path, headers=scenario.headers)
    profiler.disable()
    stats = pstats.Stats(profiler)
    areas: Counter[str] = Counter()
    for (filename, _line, function), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        areas[_area(filename, function)] += own
    total = sum(areas.values()) or 1
    lines = [f"{repeat} requests to {path}, own time per area (profiler overhead included):"]
    lines += [
        f"  {name:<28} {t / repeat * 1000:6.2f} ms/request  {t / total:4.0%}"
        for name, t in areas.most_common(12)
    ]
    out = io.StringIO()
    stats.stream = out
    stats.strip_dirs().sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(30)
    return "\n".join(lines) + "\n" + out.getvalue()


def _area(filename: str, function: str) -> str:
    if filename == "~":  # C functions: the sqlite3 driver's are the database's own time
        return "sqlite3 (database)" if "sqlite3" in function else "builtins"
    if filename.endswith(".html") or filename == "<template>":
        return "templates (compiled)"
    for package in (
        "sqlalchemy",
        "jinja2",
        "babel",
        "flask_babel",
        "werkzeug",
        "flask",
        "markupsafe",
        "lesnamax",
    ):
        if f"/{package}/" in filename:
            return package
    return "other"


def table(costs: list[PageCost]) -> str:
    lines = [
        "| scenario | status | SQL queries | bytes | ms/request in-process (median) |",
        "|---|---:|---:|---:|---:|",
    ]
    for c in costs:
        lines.append(f"| {c.name} | {c.status} | {c.queries} | {c.bytes:,} | {c.ms_median:.1f} |")
    return "\n".join(lines)
