"""A listing's filter choices (materials, and the options families offer, with counts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, func, literal, null, select, true, tuple_, union_all
from sqlalchemy.orm import aliased

from .. import cache
from ..extensions import db
from .models import Product


@dataclass(frozen=True)
class Facets:
    """What a listing's filters offer within its categories."""

    #: Material codes of active products.
    materials: list[str]
    #: Variant options some family offers ("size": "160x200", "colour": code), each with
    #: how many listed products have it (a family counts once, a product of its own too).
    options: dict[str, list[tuple[str, int]]]


def facets_in(category_ids: list[int] | None) -> Facets:
    """The listing's filter choices within ``category_ids`` (all when None), in one query.

    Cached per process under the catalogue stamp: on a large catalogue the DISTINCT scans
    cost more than the rest of the listing.
    """
    stamp = cache.generation("product", "category")
    if stamp is None:
        return _facets(category_ids)
    key = ("facets", stamp, tuple(sorted(category_ids)) if category_ids is not None else None)
    return cache.remember(key, 3600, lambda: _facets(category_ids))


def _facets(category_ids: list[int] | None) -> Facets:
    parent = aliased(Product, name="parent")
    within = (lambda column: column.in_(category_ids)) if category_ids is not None else (
        lambda column: true())
    materials = select(literal("material").label("axis"), Product.material.label("a"),
                       cast(null(), String).label("b"), literal(0).label("n")).where(
        Product.sellable, Product.material.is_not(None),
        within(Product.category_id)).distinct()
    parts = [materials]
    for axis, columns in (("size", (Product.width_cm, Product.depth_cm)),
                          ("colour", (Product.colour,))):
        offered = (select(*columns).join(parent, Product.parent_id == parent.id)
                   .where(Product.active.is_(True), parent.active.is_(True),
                          parent.variant_axes.contains(axis), within(parent.category_id),
                          *(c.is_not(None) for c in columns)))
        matches = tuple_(*columns).in_(offered) if len(columns) > 1 else columns[0].in_(offered)
        # As text: one UNION, whose columns PostgreSQL wants of one type.
        second = cast(columns[1], String) if len(columns) > 1 else null()
        families = func.count(func.distinct(func.coalesce(Product.parent_id, Product.id)))
        parts.append(select(literal(axis), cast(columns[0], String), second, families).where(
            Product.sellable, Product.variant_axes == "", within(Product.category_id),
            matches).group_by(*columns))
    materials_found, options = [], {}
    for axis, a, b, n in db.session.execute(union_all(*parts)).all():
        if axis == "material":
            materials_found.append(a)
        else:
            options.setdefault(axis, []).append(("x".join(str(v) for v in (a, b) if v is not
                                                          None), n))
    for values in options.values():
        values.sort(key=lambda pair: [int(v) if v.isdigit() else v
                                      for v in pair[0].split("x")])
    return Facets(sorted(materials_found), options)

