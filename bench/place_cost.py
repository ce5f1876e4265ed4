"""What one "place order" request costs in-process, and how long it holds the write lock.

    .venv/bin/python bench/place_cost.py                 # 60 purchases, 10,000 products
    .venv/bin/python bench/place_cost.py -n 100 --profile

On SQLite every order is written under one database-wide write lock (``BEGIN IMMEDIATE`` …
``COMMIT``), so with many buyers the time a place request holds it bounds the orders per
second, whatever the cores. For each of ``-n`` whole purchases (ordering.buy, in this process,
no server, no job consumer: the confirmation's job is queued and left) this prints the place
step's medians: wall time, this process's CPU time (what other programs on a shared box
change least), SQL statements, and the wall and CPU time between ``BEGIN IMMEDIATE`` and the
commit. ``--profile`` adds a pyinstrument tree of the place requests only. Run it with
``PYTHONPATH=.`` from a checkout to measure that checkout.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import buying
import ordering
import servers
from client import TestBrowser
from queries import SqlLog, make_app
from sqlalchemy import event


class Timed:
    """A browser that times each place request (wall, CPU, write lock) and counts its SQL."""

    def __init__(self, browser, app, profiler=None) -> None:
        from lesnamax.extensions import db

        self.browser, self.profiler, self.rows = browser, profiler, []
        self.log = SqlLog(app)
        with app.app_context():
            engine = db.engine
        self._begun: tuple[float, float] | None = None
        self._held: list[tuple[float, float]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "commit", self._commit)

    def _before(self, _conn, _cursor, statement, *_args) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            self._begun = (time.perf_counter(), time.process_time())

    def _commit(self, _conn) -> None:
        if self._begun is not None:
            wall, cpu = self._begun
            self._held.append(((time.perf_counter() - wall) * 1000,
                               (time.process_time() - cpu) * 1000))
            self._begun = None

    def get(self, path, headers=None):
        return self.request("GET", path, None, headers)

    def post(self, path, form, headers=None):
        return self.request("POST", path, form, headers)

    def request(self, method, path, form=None, headers=None):
        placing = path == "/checkout/place"
        self.log.statements.clear()
        self._held.clear()
        if placing and self.profiler:
            self.profiler.start()
        cpu = time.process_time()
        answer = self.browser.request(method, path, form, headers)
        cpu = (time.process_time() - cpu) * 1000
        if placing and self.profiler:
            self.profiler.stop()
        if placing:
            held = [sum(h[0] for h in self._held), sum(h[1] for h in self._held)]
            self.rows.append((answer.ms, cpu, len(self.log.statements), *held))
        return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=60, help="purchases measured (60)")
    parser.add_argument("--products", type=int, default=10_000, help="catalogue size (10000)")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the place steps")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lesnamax-place-"))
    try:
        servers.seed(tmp, args.products)
        product_id = buying.stock_up(tmp / "bench.sqlite")[0][0]
        app = make_app(tmp)
        customer = ordering.register(TestBrowser(app), 0, tmp / "outbox")
        for _ in range(2):  # templates, translations, per-process caches
            ordering.buy(customer, product_id)
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
        timed = Timed(customer, app, profiler)
        for _ in range(args.n):
            ordering.buy(timed, product_id)
        timed.log.close()
        wall, cpu, sql, held, held_cpu = (statistics.median(c) for c in zip(*timed.rows,
                                                                            strict=True))
        print(f"place, median of {args.n}: {wall:.1f} ms wall, {cpu:.1f} ms CPU, {sql:.0f} SQL;"
              f" write lock held {held:.1f} ms wall, {held_cpu:.1f} ms CPU")
        if profiler:
            print(profiler.output_text(unicode=True, color=False,
                                       processor_options={"filter_threshold": 0.01}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
