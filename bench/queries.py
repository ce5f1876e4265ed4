"""In-process page costs: SQL queries, bytes and time per request, with no server.

This runs the shop with Flask's test client in this process (drivers.py sends each scenario's
requests), so the figures show what the application itself does per request, without
gunicorn, sockets or the load generator. It also checks every scenario answers as it should
before the (slower) load test spends minutes on it.

Two copies of the app run side by side on the same database: one with the page cache off
("render": what a visit costs when the page must be built, a cache miss) and one with the
shop's default settings ("cached": an anonymous catalogue GET the second time, which the page
cache answers). Pages for logged-in customers and htmx POSTs are never cached; they run once,
with the setting the load test uses. Whole purchases get one row per request of the purchase.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import drivers
import ordering
import weight
from scenarios import MAX_QUERIES, Scenario
from sqlalchemy import event

#: Answers a working shop gives; anything else stops the benchmark before the load test.
EXPECTED = {"get": 200, "varied": 200, "post": 200}


@dataclass
class PageCost:
    name: str
    status: int
    queries: int  # the most any measured request made (varied URLs can differ)
    bytes: int
    gzip: int
    ms_render: float
    cpu_render: float | None = None  # this process's CPU ms (median): what other load changes least
    queries_cached: int | None = None  # None: the page cache never answers this scenario
    ms_cached: float | None = None
    statements: list[tuple[str, float]] = field(default_factory=list)  # (SQL, ms) of one request
    method: str = "GET"  # POSTs are actions, not pages: issue 6's query cap is for pages

    @property
    def worst(self) -> int:
        return max(self.queries, self.queries_cached or 0)


@dataclass
class Measured:
    costs: list[PageCost]
    home: weight.Weight | None


class SqlLog:
    """Every statement one app's engine executes, with its execute time, while attached."""

    def __init__(self, app) -> None:
        from lesnamax.extensions import db

        with app.app_context():
            self.engine = db.engine
        self.statements: list[tuple[str, float]] = []
        # On this engine only, not on every Engine: just the shop's queries are counted.
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn, _cursor, _statement, *_args) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, _cursor, statement, *_args) -> None:
        elapsed = (time.perf_counter() - conn.info.pop("bench_started")) * 1000
        self.statements.append((statement, elapsed))

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def make_app(tmp: Path, page_cache: bool = True):
    """Return the shop pointed at the benchmark's database (not at instance/)."""
    from lesnamax import create_app

    config = {
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite'}",
        "MEDIA_ROOT": str(tmp / "media"),
        "MAIL_OUTBOX": str(tmp / "outbox"),
        "SECRET_KEY": "bench-not-secret",
        "BANK_MODE": "sandbox",
        "REGISTER_REQUESTS_PER_IP": "1000000 per hour",
    }
    if not page_cache:
        config["PAGE_CACHE_SECONDS"] = 0
    return create_app(config)


def _run(driver: drivers.Driver, log: SqlLog, repeat: int):
    """Warm up once, then send ``repeat`` requests; return (first answer, counts, wall ms, SQL,
    CPU ms). The CPU time is this process's: on a shared machine other programs lengthen the
    wall time far more than they change it."""
    driver.step()  # templates, translations, per-process caches; fills the page cache
    counts, times, cpu, first, statements = [], [], [], None, []
    for _ in range(repeat):
        log.statements.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        answer = driver.step()
        cpu.append((time.process_time() - started_cpu) * 1000)
        times.append((time.perf_counter() - started) * 1000)
        counts.append(len(log.statements))
        if first is None:
            first, statements = answer, list(log.statements)
    return first, max(counts), statistics.median(times), statements, statistics.median(cpu)


def measure(
    tmp: Path,
    chosen: list[Scenario],
    context: dict[str, str],
    products: list[tuple[int, str]],
    page_cache: bool = True,
    repeat: int = 20,
) -> Measured:
    """Return the cost of each shop scenario in ``chosen`` and the home page's weight."""
    database = tmp / "bench.sqlite"
    apps = {"render": make_app(tmp, page_cache=False), "cached": make_app(tmp)}
    logs = {name: SqlLog(app) for name, app in apps.items()}
    visitors = {name: drivers.Visitors(app, database, products) for name, app in apps.items()}
    own = "cached" if page_cache else "render"  # the load test's setting
    costs = []
    try:
        for scenario in chosen:
            if scenario.kind == "orders":
                costs += _purchase(visitors[own], logs[own], products[0][0])
                continue
            if not scenario.in_process:
                continue
            anonymous = scenario.kind in ("get", "varied") and not scenario.login
            where = "render" if anonymous else own
            driver = drivers.make(scenario, visitors[where], context)
            answer, count, ms, statements, cpu = _run(driver, logs[where], repeat)
            cost = PageCost(
                scenario.name,
                answer.status,
                count,
                len(answer.body),
                weight.gzipped(answer.body),
                ms,
                cpu,
                statements=statements,
                method="POST" if scenario.kind == "post" else "GET",
            )
            if driver.cacheable:
                cached = drivers.make(scenario, visitors["cached"], context)
                _answer, cost.queries_cached, cost.ms_cached, _sql, _cpu = _run(
                    cached, logs["cached"], repeat
                )
            costs.append(cost)
        home = weight.home_weight(apps["cached"].test_client(use_cookies=False))
    finally:
        for log in logs.values():
            log.close()
    return Measured(costs, home)


class _Counting:
    """Wrap a browser: record each request's status, SQL count, bytes and time."""

    def __init__(self, browser, log: SqlLog) -> None:
        self.browser, self.log = browser, log
        self.rows: list[tuple] = []

    def get(self, path, headers=None):
        return self.request("GET", path, None, headers)

    def post(self, path, form, headers=None):
        return self.request("POST", path, form, headers)

    def request(self, method, path, form=None, headers=None):
        self.log.statements.clear()
        answer = self.browser.request(method, path, form, headers)
        self.rows.append((answer, list(self.log.statements)))
        return answer


def _purchase(visitors: drivers.Visitors, log: SqlLog, product_id: int) -> list[PageCost]:
    """One row per request of a whole purchase (ordering.buy), after one unmeasured purchase."""
    customer = visitors.customer()
    ordering.buy(customer, product_id)
    counting = _Counting(customer, log)
    ordering.buy(counting, product_id)
    return [
        PageCost(
            f"place-order · {step}",
            answer.status,
            len(statements),
            len(answer.body),
            weight.gzipped(answer.body),
            answer.ms,
            statements=statements,
            method="GET" if step == "review" else "POST",
        )
        for step, (answer, statements) in zip(ordering.STEPS, counting.rows, strict=True)
    ]


def broken(costs: list[PageCost], chosen: list[Scenario]) -> list[str]:
    """Names of the scenarios that did not answer as a working shop does."""
    kinds = {s.name: s.kind for s in chosen}
    bad = []
    for c in costs:
        expected = EXPECTED.get(kinds.get(c.name, ""))
        if expected is not None and c.status != expected:
            bad.append(f"{c.name} ({c.status})")
    return bad


def table(costs: list[PageCost]) -> str:
    lines = [
        "| scenario | status | SQL render | SQL cached | bytes | gzip bytes "
        "| ms render | CPU ms render | ms cached |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def sql(n: int | None) -> str:
        if n is None:
            return "—"
        return f"**{n}** ⚠ > {MAX_QUERIES}" if n > MAX_QUERIES else str(n)

    for c in costs:
        cached_ms = "—" if c.ms_cached is None else f"{c.ms_cached:.1f}"
        cpu = "—" if c.cpu_render is None else f"{c.cpu_render:.1f}"
        lines.append(
            f"| {c.name} | {c.status} | {sql(c.queries)} | {sql(c.queries_cached)} | "
            f"{c.bytes:,} | {c.gzip:,} | {c.ms_render:.1f} | {cpu} | {cached_ms} |"
        )
    return "\n".join(lines)
