"""Products as CSV: a streamed export, and an import checked in full before anything changes.

The import is planned (every line validated, each SKU found new, changed or unchanged) and
shown to the owner; confirming plans the same file again against the catalogue as it is then
and writes everything in one transaction with executemany, or nothing. This module reads the
file (encoding, delimiter, header, lines) and decides what happens to each product; turning a
line's cells into a product's values, and the messages for bad cells, is in ``csv_rows``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..admin import auditing
from ..extensions import db
from ..i18n import _l
from ..text import slugify
from .csv_rows import (
    CONTROL,
    DEFAULTS,
    FIELD,
    FORMULA_START,
    Problem,
    consistency_problems,
    row_values,
)
from .models import Category, Product, category_names, search_text_for, utcnow

COLUMNS = ("sku", "name_sq", "name_en", "description_sq", "description_en", "category", "price",
           "regular_price", "discount_starts_on", "discount_ends_on", "stock", "active",
           "featured", "material", "colour", "width_cm", "depth_cm", "height_cm")
REQUIRED = ("sku", "name_sq", "category", "price", "stock")
MAX_REPORTED = 500
PREVIEW = 10
CHUNK = 1000


@dataclass
class Plan:
    """What an import would do, or why it cannot."""

    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    lines: int = 0
    creates: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    unchanged: int = 0
    present: tuple[str, ...] = ()
    preview: list[tuple[int, str, str, str]] = field(default_factory=list)

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.creates), len(self.updates)

    def add(self, line: int, column: str, message) -> None:
        self.report([Problem(line, column, message)])

    def report(self, problems: Iterable[Problem]) -> None:
        # Every problem is counted, but a file wrong throughout is not listed line by line.
        for problem in problems:
            self.problem_count += 1
            if len(self.problems) < MAX_REPORTED:
                self.problems.append(problem)


class ImportRefused(Exception):
    """The file (or the catalogue since it was checked) does not allow the import."""

    def __init__(self, plan: Plan, changed: bool = False):
        super().__init__("import refused")
        self.plan, self.changed = plan, changed


# Export


def export_csv(actor: auditing.Actor) -> Iterator[str]:
    """Record the export and return the CSV text in pieces (UTF-8 BOM first, for Excel).

    The pieces are read on a connection of their own, so the response can be streamed after
    the request (and its session) has ended, and a download that is never read costs nothing.
    """
    count = db.session.scalar(select(func.count(Product.id))) or 0
    slugs = dict(db.session.execute(select(Category.id, Category.slug)).all())
    auditing.record_now(actor, "csv.export", "product", None, f"{count} products")
    return _export_lines(db.engine, slugs)


def _export_lines(engine, slugs: dict[int, str]) -> Iterator[str]:
    table = Product.__table__
    columns = [table.c[FIELD.get(name, name)] for name in COLUMNS if name != "category"]
    query = select(table.c.category_id, *columns).order_by(table.c.id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    # yield_per: rows arrive in batches, so 100,000 products never sit in memory at once.
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=CHUNK).execute(query)
        for partition in result.partitions():
            buffer.seek(0)
            buffer.truncate()
            for row in partition:
                writer.writerow(_cells(row._mapping, slugs))
            yield buffer.getvalue()


def _cells(row, slugs: dict[int, str]) -> list[str]:
    cells = []
    for name in COLUMNS:
        value = slugs.get(row["category_id"], "") if name == "category" else \
            row[FIELD.get(name, name)]
        if value is None:
            cells.append("")
        elif name in ("price", "regular_price"):
            cells.append(f"{value // 100}.{value % 100:02d}")
        elif isinstance(value, bool):
            cells.append("1" if value else "0")
        elif isinstance(value, date):
            cells.append(value.isoformat())
        elif isinstance(value, str) and value.startswith(FORMULA_START):
            cells.append("'" + value)
        else:
            cells.append(str(value))
    return cells


# Import: reading and checking


def plan_import(data: bytes | None, max_rows: int) -> Plan:
    """Check the whole file against the catalogue; change nothing."""
    plan = Plan()
    text = _decode(data, plan)
    if text is None:
        return plan
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    while header and not header[-1]:
        header.pop()  # spreadsheets often add empty columns at the end
    if not _check_header(header, plan):
        return plan
    plan.present = tuple(header)
    records = _records(reader, len(header), max_rows, plan)
    if records is None:
        return plan
    if not records and not plan.problem_count:
        plan.add(2, "", _l("The file has a header but no product lines."))
        return plan
    plan.lines = len(records)
    _check_rows(records, header, plan)
    return plan


def _decode(data: bytes | None, plan: Plan) -> str | None:
    if data is None:
        plan.add(0, "", _l("Choose a CSV file to upload."))
        return None
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        plan.add(1, "", _l("The file is empty."))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if b"\x00" in data[:8192]:  # UTF-16 text, pictures, spreadsheets (.xlsx)
            plan.add(1, "", _l("This is not a CSV text file. Save the table as “CSV UTF-8”."))
            return None
        # No guessing at other encodings: a wrong guess would silently change ë and ç.
        line = data[:error.start].count(b"\n") + 1
        plan.add(line, "", _l("The file is not in UTF-8. In Excel choose “Save as” → "
                              "“CSV UTF-8 (Comma delimited)” and upload it again."))
        return None
    sample = text[:8192]
    if len(CONTROL.findall(sample)) > len(sample) // 100 + 2:
        plan.add(1, "", _l("This is not a CSV text file. Save the table as “CSV UTF-8”."))
        return None
    return text


def _check_header(header: list[str], plan: Plan) -> bool:
    for name in REQUIRED:
        if name not in header:
            plan.add(1, name, _l("The column “%(name)s” is missing.", name=name))
    for index, name in enumerate(header):
        if name not in COLUMNS:
            plan.add(1, name, _l("Unknown column “%(name)s”.", name=name[:40]))
        elif name in header[:index]:
            plan.add(1, name, _l("The column “%(name)s” appears twice.", name=name))
    return not plan.problem_count


def _records(reader, width: int, max_rows: int, plan: Plan) -> list | None:
    records, last_line = [], reader.line_num
    try:
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines, or only separators as Excel sometimes leaves
            if len(records) >= max_rows:
                plan.add(start, "", _l("The file has more than %(n)s product lines. Split it "
                                       "into smaller files.", n=max_rows))
                return None
            if len(cells) < width or any(c.strip() for c in cells[width:]):
                plan.add(start, "", _l("This line has %(found)s columns instead of "
                                       "%(expected)s.", found=len(cells), expected=width))
            else:
                records.append((start, cells[:width]))
    except csv.Error:
        plan.add(last_line + 1, "", _l("This line cannot be read as CSV (check the quotes)."))
        return None
    return records


def _check_rows(records: list, header: list[str], plan: Plan) -> None:
    categories = dict(db.session.execute(select(Category.slug, Category.id)).all())
    existing = _existing([cells[header.index("sku")].strip() for _line, cells in records])
    seen: dict[str, int] = {}
    slugs: _Slugs | None = None
    names: dict[int, list[str]] = {}
    now = utcnow()
    for line, cells in records:
        values, problems = row_values(line, header, cells, categories)
        plan.report(problems)
        sku = values.get("sku")
        if sku and sku in seen:
            plan.add(line, "sku", _l("The SKU %(sku)s is already on line %(line)s.",
                                     sku=sku, line=seen[sku]))
            continue
        if sku:
            seen[sku] = line
        if problems:
            continue
        old = existing.get(sku)
        merged = {**(old or DEFAULTS), **values}
        problems = consistency_problems(merged, line)
        if problems:
            plan.report(problems)
            continue
        if old is not None and all(merged[k] == old[k] for k in values):
            plan.unchanged += 1
            action = "unchanged"
        else:
            cid = merged["category_id"]
            if cid not in names:
                names[cid] = category_names(db.session.connection(), cid)
            merged["search_text"] = search_text_for(merged, names[cid])
            merged["updated_at"] = now
            if old is None:
                slugs = slugs or _Slugs()
                merged.update(slug=slugs.take(merged["name_sq"]), created_at=now)
                plan.creates.append(merged)
                action = "new"
            else:
                plan.updates.append(merged)
                action = "update"
        if len(plan.preview) < PREVIEW:
            plan.preview.append((line, sku, merged["name_sq"], action))


def _existing(skus: list[str]) -> dict[str, dict]:
    """Return the current values of the products with these SKUs, by SKU."""
    table = Product.__table__
    columns = [table.c.id, table.c.sku, *(table.c[c] for c in _MODEL_FIELDS if c != "sku")]
    found: dict[str, dict] = {}
    unique = sorted(set(skus))
    for start in range(0, len(unique), 500):
        rows = db.session.execute(select(*columns).where(
            table.c.sku.in_(unique[start:start + 500])))
        found.update({row.sku: dict(row._mapping) for row in rows})
    return found


_MODEL_FIELDS = tuple(FIELD.get(name, name) for name in COLUMNS)


class _Slugs:
    """Hands out product slugs not yet used in the shop or earlier in the file."""

    def __init__(self):
        self.taken = set(db.session.scalars(select(Product.slug)))
        self.next: dict[str, int] = {}

    def take(self, name: str) -> str:
        base = slugify(name)[:120]
        slug, n = base, self.next.get(base, 2)
        while slug in self.taken:
            slug, n = f"{base}-{n}", n + 1
        self.next[base] = n
        self.taken.add(slug)
        return slug


# Import: writing


def apply_import(data: bytes, max_rows: int, expected: tuple[int, int] | None,
                 actor: auditing.Actor) -> Plan:
    """Plan ``data`` again and write it all in one transaction.

    Raises ``ImportRefused`` when the file has problems now, or when the numbers of new and
    updated products differ from ``expected`` (what the owner confirmed).
    """
    plan = plan_import(data, max_rows)
    if plan.problem_count:
        raise ImportRefused(plan)
    if expected is not None and plan.counts != expected:
        raise ImportRefused(plan, changed=True)
    try:
        _write_creates(plan)
        _write_updates(plan)
        new, updated = plan.counts
        auditing.record(actor, "csv.import", "product", None,
                        f"{new} new, {updated} updated, {plan.unchanged} unchanged")
        db.session.commit()
    except IntegrityError as error:
        # Someone saved the same SKU or slug meanwhile: nothing of this import stays.
        db.session.rollback()
        plan.add(0, "", _l("The catalogue changed while importing; nothing was saved. "
                           "Please upload the file again."))
        raise ImportRefused(plan, changed=True) from error
    except BaseException:
        db.session.rollback()
        raise
    return plan


def _write_creates(plan: Plan) -> None:
    table = Product.__table__
    keys = (*_MODEL_FIELDS, "slug", "search_text", "created_at", "updated_at")
    for start in range(0, len(plan.creates), CHUNK):
        rows = [{k: row[k] for k in keys} for row in plan.creates[start:start + CHUNK]]
        db.session.execute(insert(table), rows)


def _write_updates(plan: Plan) -> None:
    if not plan.updates:
        return
    table = Product.__table__
    fields = [FIELD.get(name, name) for name in plan.present if name != "sku"]
    statement = update(table).where(table.c.id == bindparam("row_id")).values(
        {f: bindparam(f"v_{f}") for f in (*fields, "search_text", "updated_at")})
    for start in range(0, len(plan.updates), CHUNK):
        rows = [{"row_id": row["id"], **{f"v_{f}": row[f]
                                         for f in (*fields, "search_text", "updated_at")}}
                for row in plan.updates[start:start + CHUNK]]
        db.session.execute(statement, rows)
