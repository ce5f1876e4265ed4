"""A product CSV's families (catalogue/variants.py): the "options" column marks a family's
parent, the "family" column names the parent (by SKU) a line is a variant of. Checked once
every line is read, before anything changes (``plan``)."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import func, select

from ...extensions import db
from ...i18n import _l
from .. import variants
from ..models import Product
from .rows import Problem


class Families:
    """The file's families, checked whole once every line is read: each "family" names a
    product with options (in the file or the shop); a family's variants have a value for
    each of its options and no two the same values (those already in the shop count too)."""

    def __init__(self, existing: dict[str, dict]):
        self.existing = existing
        self.parents: dict[str, str] = {}  # sku -> options, as the file leaves them
        self.members: list[tuple[int, str, str, dict]] = []  # line, sku, family, values
        self.emptied: list[tuple[int, str]] = []  # parents whose options the file removes
        self.found: list[Problem] = []

    def add(self, line: int, merged: dict, family: str | None) -> None:
        sku = merged["sku"]
        if merged["variant_axes"]:
            if family:
                self.found.append(Problem(line, "family", _l(
                    "A product with options is a family itself: leave “family” empty.")))
            self.parents[sku] = merged["variant_axes"]
        else:
            old = self.existing.get(sku)
            if old is not None and old["variant_axes"]:
                self.emptied.append((line, sku))
            if family:
                self.members.append((line, sku, family, merged))

    def problems(self) -> list[Problem]:
        table = Product.__table__
        named = {family for _l1, _s, family, _v in self.members}
        shop = {row.sku: row for row in db.session.execute(
            select(table.c.id, table.c.sku, table.c.variant_axes).where(
                table.c.sku.in_(sorted(named | {sku for _l2, sku in self.emptied}))))}
        for line, sku in self.emptied:
            row = shop.get(sku)
            if row is not None and db.session.scalar(select(func.count()).where(
                    table.c.parent_id == row.id, table.c.sku.not_in(
                        [m[1] for m in self.members]))):
                self.found.append(Problem(line, "options", _l(
                    "This product still has variants: keep its options.")))
        in_file = {m[1] for m in self.members}
        keys: dict[str, dict[tuple, str]] = {}
        for line, sku, family, values in self.members:
            axes = self.parents.get(family) or (
                shop[family].variant_axes if family in shop else "")
            if not axes:
                self.found.append(Problem(line, "family", _l(
                    "“%(sku)s” is not a product with options (a family) in the file or the "
                    "shop.", sku=family[:40])))
                continue
            if family not in keys:
                keys[family] = {}
                if family in shop:  # the family's variants the file does not mention
                    for row in db.session.execute(select(Product.__table__).where(
                            table.c.parent_id == shop[family].id)).mappings():
                        if row["sku"] not in in_file:
                            keys[family][_key(row, axes)] = row["sku"]
            key = _key(values, axes)
            if None in key:
                self.found.append(Problem(line, "family", _l(
                    "A variant needs a value for each option of its family (%(options)s; a "
                    "size is width and depth).", options=axes)))
            elif key in keys[family]:
                self.found.append(Problem(line, "family", _l(
                    "Same options as %(sku)s in this family.", sku=keys[family][key])))
            else:
                keys[family][key] = sku
        return self.found


def _key(values, axes: str) -> tuple:
    return tuple(variants.value(SimpleNamespace(**{k: values.get(k) for k in (
        "width_cm", "depth_cm", "material", "colour")}), axis) for axis in axes.split(","))
