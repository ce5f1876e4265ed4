"""The owner's operations on product families (catalogue/variants.py): make one, add variants,
gather products sold so far as separate pages into one family, let a variant go.

Gathering is how today's products move to variants: the four mattresses sold as four pages
become one page with four sizes, and keep their rows, SKUs, stock, cart lines and orders; their
old addresses lead to the family's page with their size chosen (catalogue/views.py).
Each operation owns its transaction and audits it, as catalogue/manage.py does.
"""

from __future__ import annotations

from sqlalchemy import select

from ..audit import Actor, record
from ..extensions import db
from . import variants
from .manage import _check_unique, _commit, _flush_unique, insert_product
from .models import Product


class FamilyError(ValueError):
    """A family that cannot be: the message is the owner's (translated by the caller)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code, detail)
        self.code, self.detail = code, detail


#: FamilyError codes.
NO_AXES = "no_axes"  # a family must differ in at least one known option
MISSING_VALUE = "missing_value"  # a variant has no value on one of the axes
SAME_OPTIONS = "same_options"  # two variants have the same values on every axis
NOT_STANDALONE = "not_standalone"  # only products without a family can be gathered


def _axes(axes: list[str]) -> str:
    chosen = [axis for axis in variants.AXES if axis in axes]  # the page's order
    if not chosen:
        raise FamilyError(NO_AXES)
    return ",".join(chosen)


def _check(parent: Product, members: list[Product]) -> None:
    seen: dict[tuple, Product] = {}
    for member in members:
        key = tuple(variants.value(member, axis) for axis in parent.axes)
        if None in key:
            raise FamilyError(MISSING_VALUE, member.sku)
        if key in seen:
            raise FamilyError(SAME_OPTIONS, f"{seen[key].sku}, {member.sku}")
        seen[key] = member


def create_family(values: dict, axes: list[str], actor: Actor) -> Product:
    """A new family's parent from cleaned product ``values`` (no stock: its variants have it,
    no price until they come). Variants are added with ``add_variant``."""
    values = dict(values, stock=0, variant_axes=_axes(axes), sale_price_cents=None,
                  sale_starts_on=None, sale_ends_on=None)
    values.setdefault("price_cents", 0)
    return insert_product(values, actor, "family.create",
                          lambda parent: f"{parent.sku} · {parent.variant_axes}")


def add_variant(parent_id: int, values: dict, actor: Actor) -> Product:
    """A new variant of the family: a product row of its own (SKU, prices, stock, options)."""
    parent = _parent(parent_id)
    values = dict(values, parent_id=parent.id, category_id=parent.category_id,
                  name_sq=parent.name_sq, name_en=parent.name_en,
                  description_sq="", description_en="")
    values["slug"] = _check_unique(dict(values, slug=values.get("slug") or
                                        f"{parent.slug}-{values['sku']}".lower()[:130]),
                                   None, slug_typed=False)
    variant = Product(**values)
    _check(parent, [*variants.variants_of(parent.id, active_only=False), variant])
    db.session.add(variant)
    _flush_unique(values, None)
    variants.refresh(parent.id)
    record(actor, "family.add_variant", "product", parent.id,
           f"{variant.sku} · {variants.label(variant, parent.axes, 'sq')} · {variant.stock}")
    _commit()
    return variant


def gather(parent_id: int, product_ids: list[int], actor: Actor) -> list[Product]:
    """Make products sold so far on pages of their own variants of the family. Their stock
    joins the parent's (the database's triggers), their pages lead to the family's."""
    parent = _parent(parent_id)
    members = list(db.session.scalars(select(Product).where(Product.id.in_(product_ids))
                                      .order_by(Product.id)))
    if len(members) != len(set(product_ids)):
        raise LookupError(product_ids)
    for member in members:
        if member.parent_id is not None or member.is_family or member.id == parent.id:
            raise FamilyError(NOT_STANDALONE, member.sku)
    _check(parent, [*variants.variants_of(parent.id, active_only=False), *members])
    for member in members:
        member.parent_id = parent.id
        member.featured = False  # the family is what is shown
    variants.refresh(parent.id)
    record(actor, "family.gather", "product", parent.id,
           ", ".join(member.sku for member in members))
    _commit()
    return members


def release(variant_id: int, actor: Actor) -> Product:
    """A variant leaves its family and becomes a product with a page of its own again."""
    variant = db.session.get(Product, variant_id)
    if variant is None or variant.parent_id is None:
        raise LookupError(variant_id)
    parent_id = variant.parent_id
    variant.parent_id = None  # the UPDATE makes its search text again (models.py)
    variants.refresh(parent_id)
    record(actor, "family.release", "product", parent_id, variant.sku)
    _commit()
    return variant


def after_change(product: Product) -> None:
    """A variant's price, sale, stock or options changed: its family follows (no commit)."""
    if product.parent_id is not None:
        variants.refresh(product.parent_id)


def _parent(parent_id: int) -> Product:
    parent = db.session.get(Product, parent_id)
    if parent is None or not parent.is_family:
        raise LookupError(parent_id)
    return parent

