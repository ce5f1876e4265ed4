"""Time the owner's CSV import: check, then apply, of a file of N new products.

    .venv/bin/python bench/csv_import.py              # 50,000 lines, a fresh SQLite database
    .venv/bin/python bench/csv_import.py --lines 5000

tests/test_admin_csv.py imports 50,000 lines for correctness; how long that takes is measured
here, with nothing else running, never asserted in a test (a loaded machine fails any bound).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queries import make_app  # noqa: E402  (bench/ is on the path when run as a script)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=50_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        app = make_app(tmp)
        import flask_migrate

        from lesnamax.audit import Actor
        from lesnamax.catalogue.csv import apply as csv_apply
        from lesnamax.catalogue.csv import plan as csv_plan
        from lesnamax.catalogue.models import Category
        from lesnamax.extensions import db

        with app.app_context():
            flask_migrate.upgrade()
            db.session.add_all([Category(slug="karrige", name_sq="Karrige", name_en="Chairs"),
                                Category(slug="krevate", name_sq="Krevate", name_en="Beds")])
            db.session.commit()
            header = list(csv_plan.COLUMNS)  # the export's header: what an owner sends back
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=header)
            writer.writeheader()
            for n in range(args.lines):
                writer.writerow(_row(n, header))
            data = ("\ufeff" + buffer.getvalue()).encode()
            owner = Actor(None, "bench@example.test", None)
            started = time.perf_counter()
            plan = csv_plan.plan_import(data, args.lines + 1)
            checked = time.perf_counter()
            csv_apply.apply_import(data, args.lines + 1, plan.counts, owner, plan.stock_seen)
            applied = time.perf_counter()
        print(f"{args.lines} lines: check {checked - started:.1f} s, "
              f"apply {applied - checked:.1f} s")


def _row(n: int, header: list[str]) -> dict[str, str]:
    values = {"sku": f"BULK-{n:06d}", "name_sq": f"Karrige lisi {n % 97}",
              "name_en": f"Oak chair {n}", "description_sq": "Përshkrim",
              "category": "karrige" if n % 2 else "krevate",
              "price": f"{n % 900 + 10},{n % 100:02d}", "stock": str(n % 40), "active": "1",
              "featured": "0", "material": "oak", "colour": "natural", "width_cm": "45",
              "depth_cm": "50", "height_cm": "90"}
    return {name: values.get(name, "") for name in header}


if __name__ == "__main__":
    main()
