"""Products as CSV: an import checked in full before anything changes (the streamed export,
in the same columns, is ``export``).

The import is planned (every line validated, each SKU found new, changed or unchanged) and
shown to the owner; confirming plans the same file again against the catalogue as it is then
and writes everything in one transaction with executemany, or nothing.

Stock is special: it also changes by itself (every sale), so a file's stock is often stale.
It is written only where the owner changed it (see ``_stock_decision``), and only if it is
still what it was when the file was checked (compare-and-set at confirmation).

This module reads the file (encoding, delimiter, header, lines) and decides what happens to
each product; turning a line's cells into a product's values, and the messages for bad
cells, is in ``rows``; keeping the file between the steps and writing it, in ``apply``. The
three point one way: apply → plan → rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_ngettext
from sqlalchemy import select

from ...extensions import db
from ...i18n import _l
from ...text import slugify
from ..models import Category, Product, category_names, search_text_for, utcnow
from ..rules import CONTROL
from .families import Families
from .rows import (
    DEFAULTS,
    FIELD,
    Problem,
    consistency_problems,
    row_values,
)

COLUMNS = ("sku", "name_sq", "name_en", "description_sq", "description_en", "category", "price",
           "sale_price", "sale_starts_on", "sale_ends_on", "stock", "stock_exported",
           "active", "featured", "material", "colour", "width_cm", "depth_cm", "height_cm",
           "family", "options")
REQUIRED = ("sku", "name_sq", "category", "price", "stock")
MAX_REPORTED = 500
#: A family parent's cells that are its variants' business (see ``_check_rows``).
PARENT_IGNORES = ("price", "sale_price", "sale_starts_on", "sale_ends_on", "stock",
                  "stock_exported")
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
    #: Stock the import writes on existing products: row_id, sku, seen (the stock when the
    #: file was checked; the write happens only if it is still that) and new.
    stock_writes: list[dict] = field(default_factory=list)
    #: (sku, stock now) where the stock moved after the check that decided to write it.
    conflicts: list[tuple[str, int]] = field(default_factory=list)
    #: The family each line names, when the file has the "family" column: sku -> the
    #: parent's SKU, or None (a product of its own). Written after the products themselves.
    families: dict[str, str | None] = field(default_factory=dict)

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.creates), len(self.updates)

    @property
    def stock_seen(self) -> dict[str, int]:
        """The decisions of the check about stock, kept with the file for the confirmation."""
        return {w["sku"]: w["seen"] for w in self.stock_writes}

    def add(self, line: int, column: str, message) -> None:
        self.report([Problem(line, column, message)])

    def report(self, problems: Iterable[Problem]) -> None:
        # Every problem is counted, but a file wrong throughout is not listed line by line.
        for problem in problems:
            self.problem_count += 1
            if len(self.problems) < MAX_REPORTED:
                self.problems.append(problem)


# Import: reading and checking


def plan_import(data: bytes | None, max_rows: int,
                stock_seen: dict[str, int] | None = None) -> Plan:
    """Check the whole file against the catalogue; change nothing.

    ``stock_seen`` is None when the file is checked; when it is confirmed, it is the check's
    ``Plan.stock_seen``, the only stock the import may then write.
    """
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
    _check_rows(records, header, plan, stock_seen)
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
                plan.add(start, "", lazy_ngettext(
                    "The file has more than %(num)d product line. Split it into smaller files.",
                    "The file has more than %(num)d product lines. Split it into smaller files.",
                    max_rows))
                return None
            if len(cells) < width or any(c.strip() for c in cells[width:]):
                plan.add(start, "", lazy_ngettext(
                    "This line has %(num)d column instead of %(expected)d.",
                    "This line has %(num)d columns instead of %(expected)d.",
                    len(cells), expected=width))
            else:
                records.append((start, cells[:width]))
    except csv.Error:
        plan.add(last_line + 1, "", _l("This line cannot be read as CSV (check the quotes)."))
        return None
    return records


def _check_rows(records: list, header: list[str], plan: Plan,
                stock_seen: dict[str, int] | None) -> None:
    categories = dict(db.session.execute(select(Category.slug, Category.id)).all())
    # Upper-cased as the form stores SKUs (a bad SKU is reported by row_values).
    existing = _existing([cells[header.index("sku")].strip().upper() for _line, cells in records])
    families = Families(existing) if "family" in header or "options" in header else None
    seen: dict[str, int] = {}
    slugs: _Slugs | None = None
    names: dict[int, list[str]] = {}
    now = utcnow()
    for line, cells in records:
        values, problems = row_values(line, header, cells, categories)
        old = existing.get(values.get("sku"))
        if values.get("variant_axes", old["variant_axes"] if old else ""):
            # A family's parent: its prices and stock are its variants' (the export writes
            # them as they are, a new family's as 0), so these cells are not held to a rule.
            problems = [p for p in problems if p.column not in PARENT_IGNORES]
            values.update({k: (old or {}).get(k, DEFAULTS.get(k, 0)) for k in (
                "price_cents", "sale_price_cents", "sale_starts_on", "sale_ends_on", "stock")})
            values.pop("stock_exported", None)
        exported = values.pop("stock_exported", None)
        family = values.pop("family_sku", None)
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
        stock = None if old is None else _stock_decision(old["stock"], values["stock"],
                                                          exported, stock_seen, sku)
        if stock == "refuse":
            plan.add(line, "stock", _l(
                "The stock was %(exported)s when the file was exported and is %(now)s now "
                "(sold meanwhile?). Check the count and write it in both stock and "
                "stock_exported.", exported=exported, now=old["stock"]))
            continue
        if stock == "conflict":
            plan.conflicts.append((sku, old["stock"]))
        if old is not None and stock != "write":
            values["stock"] = old["stock"]  # the product keeps its own
        merged = {**(old or DEFAULTS), **values}
        problems = consistency_problems(merged, line)
        if problems:
            plan.report(problems)
            continue
        if families is not None:
            families.add(line, merged, family if "family" in header else
                         (old or {}).get("family_sku"))
            if "family" in header:
                plan.families[sku] = family
        if old is not None and all(merged[k] == old[k] for k in values) and (
                "family" not in header or family == old["family_sku"]):
            plan.unchanged += 1
            action = "unchanged"
        else:
            cid = merged["category_id"]
            if cid not in names:
                names[cid] = category_names(db.session.connection(), cid)
            # A variant is found through its family (whose text the import makes again).
            family_now = plan.families[sku] if sku in plan.families else (old or {}).get(
                "family_sku")
            merged["search_text"] = "" if family_now else search_text_for(merged, names[cid])
            merged["updated_at"] = now
            if old is None:
                slugs = slugs or _Slugs()
                merged.update(slug=slugs.take(merged["name_sq"]), created_at=now)
                plan.creates.append(merged)
                action = "new"
            else:
                plan.updates.append(merged)
                if stock == "write":
                    plan.stock_writes.append({"row_id": old["id"], "sku": sku,
                                              "seen": old["stock"], "new": merged["stock"]})
                action = "update"
        if len(plan.preview) < PREVIEW:
            plan.preview.append((line, sku, merged["name_sq"], action))
    if families is not None:
        plan.report(families.problems())


def _stock_decision(now: int, new: int, exported: int | None,
                    stock_seen: dict[str, int] | None, sku: str) -> str:
    """Whether an existing product's stock becomes the file's ``new`` one.

    The rule: the stock is written only where the owner changed it. An export (5 in stock),
    a sale (3), then the file imported back with only a price edited must keep 3. So when
    the file has the ``stock_exported`` column (our export writes it), a stock still equal to
    it was not touched: the product keeps its own. Without it (a file made by hand) the file's
    stock is compared with the shop's when the file is checked. Where both the owner and a
    sale changed it since the export, the line is refused: nobody can tell which count holds.
    At confirmation only what the check decided is written, and only if the stock is still
    what the check saw ("conflict" otherwise; ``_write_stock`` compares and sets).

    Returns "keep", "write", "refuse" (a problem in the file) or "conflict".
    """
    if new == now:
        return "keep"
    if stock_seen is not None:  # confirming
        if sku not in stock_seen:
            return "keep"
        return "write" if stock_seen[sku] == now else "conflict"
    if exported is None or exported == now:
        return "write"
    return "keep" if new == exported else "refuse"


def _existing(skus: list[str]) -> dict[str, dict]:
    """Return the current values of the products with these SKUs, by SKU."""
    table = Product.__table__
    parent = table.alias("parent")
    columns = [table.c.id, table.c.sku, *(table.c[c] for c in MODEL_FIELDS if c != "sku"),
               parent.c.sku.label("family_sku")]
    found: dict[str, dict] = {}
    unique = sorted(set(skus))
    for start in range(0, len(unique), 500):
        rows = db.session.execute(select(*columns).outerjoin(
            parent, parent.c.id == table.c.parent_id).where(
            table.c.sku.in_(unique[start:start + 500])))
        found.update({row.sku: dict(row._mapping) for row in rows})
    return found


#: Product columns of the file (stock_exported is only read, never stored).
MODEL_FIELDS = tuple(FIELD.get(name, name) for name in COLUMNS
                     if name not in ("stock_exported", "family"))


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
