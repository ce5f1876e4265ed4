"""Product families: one page, several variants (a mattress in four sizes, a sofa in two fabrics).

A family is a parent product row (page, description, category, pictures) and its variants,
product rows of their own whose ``parent_id`` names the parent: each has its SKU, prices and
dated sale, stock, optional pictures and dimensions, material and colour. So the cart, orders,
stock and invoices need nothing new: a variant is sold as any product is, and its name carries
its options ("Dyshek Dardana, 160×200"). A product without options is a family of one, its own
row, as before. (Django Oscar's parent and child products, Magento's configurable products.)

The options a family's variants differ in (its *axes*) are read from the variants' own columns,
so they are translated and filtered like any product's: the size is width × depth, the
material and colour are the vocabularies' codes.

The parent carries what listings filter and sort on, so they read one row per family as
before: its prices are its cheapest variant's (``refresh``: at every change, and each night,
when sales start or end), its stock is the sum of its variants' (kept by the database).

The parent's ``active`` is the family's: deactivating it takes every variant off sale with it
(``Product.sellable``, the one rule customers' pages, the cart and placing read), and
activating it again brings them back as they were; the variants' own flags are not written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import shoptime
from ..extensions import db
from ..i18n import _l
from . import vocab
from .models import Product

#: The options a family may differ in, in the order the page asks them, with their names.
AXES = {"size": _l("Size"), "material": _l("Material"), "colour": _l("Colour")}
#: "160x200" in a URL, "160×200" on the page.
TIMES = "×"


def value(product: Product, axis: str) -> str | None:
    """The variant's value on ``axis`` as its URL and filters write it; None if not set."""
    if axis == "size":
        if product.width_cm and product.depth_cm:
            return f"{product.width_cm}x{product.depth_cm}"
        return None
    return getattr(product, axis)


def value_label(axis: str, raw: str | None, lang: str) -> str:
    if not raw:
        return ""
    if axis == "size":
        return raw.replace("x", TIMES)
    return vocab.label(vocab.MATERIALS if axis == "material" else vocab.COLOURS, raw, lang)


def label(product: Product, axes: list[str], lang: str) -> str:
    """What tells this variant from its siblings: "160×200", "kadife, gri"."""
    return ", ".join(filter(None, (value_label(a, value(product, a), lang) for a in axes)))


@dataclass(frozen=True)
class Choice:
    axis: str
    value: str
    label: str
    selected: bool
    #: "in_stock", "sold_out" (a variant with this value and the other choices exists but
    #: has none left) or "none" (no variant has this value with the other choices).
    state: str


@dataclass
class Family:
    parent: Product
    variants: list[Product]
    #: The variant the page shows; None when the choices asked match none.
    chosen: Product | None
    #: One list of choices per axis, in the axes' order.
    choices: list[tuple[str, list[Choice]]]
    #: The choices asked for in the URL (axis -> value), as understood.
    asked: dict[str, str]

    @property
    def prices_vary(self) -> bool:
        day = shoptime.shop_today()
        return len({v.offer(day).price_cents for v in self.variants}) > 1

    def args(self, variant: Product | None = None) -> dict[str, str]:
        """The query string naming ``variant`` (the chosen one by default): its own URL."""
        variant = variant or self.chosen
        if variant is None:
            return {}
        return {axis: value(variant, axis) or "" for axis in self.parent.axes}


def variants_of(parent_id: int, active_only: bool = True) -> list[Product]:
    # The pictures joined in: one query, not a second for them (the family's page reads this
    # on every render; bench/RESULTS.md, 2026-12-07, issue 16's bench).
    statement = (select(Product).where(Product.parent_id == parent_id)
                 .options(joinedload(Product.images)).order_by(Product.id))
    if active_only:
        statement = statement.where(Product.active.is_(True))
    return list(db.session.scalars(statement).unique())


def family(parent: Product, args: Mapping[str, str], lang: str) -> Family:
    """The family of ``parent`` with the variant ``args`` choose (an axis per parameter).

    No choice: the first variant in stock (or the first). Some axes chosen: the first variant
    that has them, in stock if one is. Values that no variant has are ignored.
    """
    variants = variants_of(parent.id)
    axes = parent.axes
    asked = {}
    for axis in axes:
        wanted = args.get(axis, "")
        if wanted and any(value(v, axis) == wanted for v in variants):
            asked[axis] = wanted
    matching = [v for v in variants if all(value(v, a) == w for a, w in asked.items())]
    if len(asked) == len(axes):
        chosen = matching[0] if matching else None
    else:
        in_stock = [v for v in matching if v.stock > 0]
        chosen = (in_stock or matching or [None])[0]
    picked = {a: value(chosen, a) for a in axes} if chosen is not None else asked
    choices = []
    for axis in axes:
        seen: dict[str, Choice] = {}
        for variant in variants:
            raw = value(variant, axis)
            if raw is None or raw in seen:
                continue
            others = [v for v in variants if value(v, axis) == raw and all(
                value(v, a) == picked.get(a) for a in axes if a != axis and picked.get(a))]
            state = ("in_stock" if any(v.stock > 0 for v in others)
                     else "sold_out" if others else "none")
            seen[raw] = Choice(axis, raw, value_label(axis, raw, lang),
                               picked.get(axis) == raw, state)
        choices.append((axis, _sorted(axis, list(seen.values()))))
    return Family(parent, variants, chosen, choices, asked)


def _sorted(axis: str, choices: list[Choice]) -> list[Choice]:
    if axis != "size":
        return choices  # as the owner added the variants
    def area(choice: Choice) -> tuple[int, int]:
        width, depth = choice.value.split("x")
        return int(width), int(depth)
    return sorted(choices, key=area)


def refresh(parent_id: int, day: date | None = None) -> None:
    """Bring a family's parent and variants in step after a change (the caller commits).

    The variants take the parent's category, made-to-order flag, assembly fee and names with
    their own options; the parent takes its cheapest variant's prices (that variant's sale, with its
    dates, so the day it ends is right too) and its search text the variants' SKUs and values.
    """
    day = day or shoptime.shop_today()
    parent = db.session.get(Product, parent_id)
    if parent is None or not parent.is_family:
        return
    variants = variants_of(parent.id, active_only=False)
    for variant in variants:
        variant.category_id = parent.category_id
        variant.made_to_order = parent.made_to_order
        variant.assembly_fee_cents = parent.assembly_fee_cents
        for lang in ("sq", "en"):
            name = parent.name_sq if lang == "sq" else (parent.name_en or parent.name_sq)
            options = label(variant, parent.axes, lang)
            setattr(variant, f"name_{lang}", f"{name}, {options}" if options else name)
    selling = [v for v in variants if v.active] or variants
    if selling:
        cheapest = min(selling, key=lambda v: (v.offer(day).price_cents, v.id))
        parent.price_cents = cheapest.price_cents
        parent.sale_price_cents = cheapest.sale_price_cents
        parent.sale_starts_on, parent.sale_ends_on = cheapest.sale_starts_on, cheapest.sale_ends_on
        parent.price_varies = len({v.offer(day).price_cents for v in selling}) > 1
    db.session.flush()  # the variants first: the parent's search text reads them
    parent.updated_at = datetime.now(UTC)  # an UPDATE, so its search text is made again


def refresh_all(day: date | None = None) -> int:
    """Every family's prices for shop ``day`` (a sale that starts or ends changes which variant
    is the cheapest): the nightly job. Returns how many families there are."""
    ids = db.session.scalars(select(Product.id).where(Product.variant_axes != "")).all()
    for parent_id in ids:
        refresh(parent_id, day)
    db.session.commit()
    return len(ids)
