"""The demo's product families: mattresses in four sizes, a sofa in two fabrics and several
colours, an armchair in three colours, carpets in several sizes. Made through the owner's own
operations (``catalogue/manage_families.py``), so they obey the same rules as the owner's."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..audit import Actor
from ..catalogue import manage_families
from ..catalogue.models import ProductImage
from ..extensions import db
from . import copy
from .data import TYPES
from .drawings import Studio

ACTOR = Actor(None, "flask seed-demo", None)


@dataclass(frozen=True)
class Variant:
    price: int  # euros
    stock: int
    size: tuple[int, int] | None = None
    material: str | None = None
    colour: str | None = None
    sale: str | None = None  # "past", "current" or "future"


@dataclass(frozen=True)
class Plan:
    category: str
    kind_en: str
    model: str
    material: str
    colour: str
    axes: tuple[str, ...]
    variants: tuple[Variant, ...]
    featured: bool = False


def _sizes(prices_stock, sales=None, **same) -> tuple[Variant, ...]:
    sales = sales or {}
    return tuple(Variant(price, stock, size, sale=sales.get(size), **same)
                 for size, (price, stock) in prices_stock.items())


PLANS = [
    Plan("dysheke", "orthopaedic mattress", "Dardana", "springs", "white", ("size",),
         _sizes({(90, 200): (255, 8), (140, 200): (389, 5), (160, 200): (429, 12),
                 (180, 200): (489, 0)}, {(160, 200): "current"}), featured=True),
    Plan("dysheke", "mattress", "Ulpiana", "memory_foam", "white", ("size",),
         _sizes({(90, 200): (199, 14), (140, 200): (319, 6), (160, 200): (359, 9),
                 (180, 200): (409, 3)}, {(180, 200): "future"})),
    Plan("dysheke", "orthopaedic mattress", "Sharri", "springs", "white", ("size",),
         _sizes({(90, 200): (299, 4), (160, 200): (499, 7), (180, 200): (549, 2)},
                {(90, 200): "past"})),
    Plan("dhoma-ndenje", "three-seater sofa", "Rugova", "fabric", "grey",
         ("material", "colour"),
         (Variant(649, 3, material="fabric", colour="grey", sale="current"),
          Variant(649, 5, material="fabric", colour="beige"),
          Variant(669, 2, material="fabric", colour="blue"),
          Variant(749, 4, material="velvet", colour="green"),
          Variant(749, 0, material="velvet", colour="blue")), featured=True),
    Plan("dhoma-ndenje", "armchair", "Mirusha", "velvet", "green", ("colour",),
         (Variant(289, 6, colour="green"), Variant(289, 3, colour="yellow"),
          Variant(269, 8, colour="grey", sale="past"))),
    Plan("tepihe", "rug", "Prizren", "wool", "red", ("size",),
         _sizes({(80, 150): (89, 10), (120, 180): (159, 7), (160, 230): (289, 4),
                 (200, 300): (459, 2)}, {(200, 300): "current"})),
    Plan("tepihe", "hallway runner", "Drenica", "polypropylene", "beige", ("size",),
         _sizes({(80, 200): (69, 12), (80, 300): (99, 6)}, {(80, 300): "future"})),
]


def window(rng: random.Random, phase: str, today: date) -> dict:
    """The first and last day of a sale that is past, current or future on ``today``."""
    if phase == "current":
        starts = today - timedelta(days=rng.randrange(1, 10))
        ends = today + timedelta(days=rng.randrange(5, 30))
    elif phase == "future":
        starts = today + timedelta(days=rng.randrange(3, 15))
        ends = starts + timedelta(days=14)
    else:
        ends = today - timedelta(days=rng.randrange(2, 30))
        starts = ends - timedelta(days=14)
    return {"sale_starts_on": starts, "sale_ends_on": ends}


def rows(plans: list[Plan]) -> int:
    """How many product rows the plans make: a parent and its variants each."""
    return sum(1 + len(plan.variants) for plan in plans)


def _kind(plan: Plan):
    return next(k for kinds in TYPES.values() for k in kinds if k.en == plan.kind_en)


def seed(plans: list[Plan], categories, studio: Studio, today: date,
         rng: random.Random) -> None:
    for number, plan in enumerate(plans, start=1):
        kind = _kind(plan)
        # The material is in the name unless it is a choice ("Divan tre-vendësh Rugova").
        name_sq, name_en = copy.names(
            kind, None if "material" in plan.axes else plan.material, plan.model)
        sizes = [f"{v.size[0]}×{v.size[1]}" for v in plan.variants if v.size]
        shown_colour = plan.colour if "colour" not in plan.axes and kind.colour_matters else None
        materials = list(dict.fromkeys(v.material or plan.material for v in plan.variants))
        choose = "material" if "material" in plan.axes else (
            "colour" if "colour" in plan.axes else None)
        description_sq, description_en = copy.describe(
            kind.en, plan.model, materials, shown_colour, sizes, choose)
        sku = f"LM-{plan.category[:3].upper()}-F{number:02d}"
        parent = manage_families.create_family({
            "sku": sku, "name_sq": name_sq, "name_en": name_en[0].upper() + name_en[1:],
            "description_sq": description_sq, "description_en": description_en,
            "category_id": categories[plan.category].id, "material": plan.material,
            "colour": plan.colour, "height_cm": kind.dims[2], "featured": plan.featured,
            "active": True, "created_at": datetime.now(UTC) - timedelta(days=number),
        }, list(plan.axes), ACTOR)
        for position, close_up in enumerate((False, True)):
            stored = studio(kind, plan.material, plan.colour, close_up)
            db.session.add(_image(parent.id, stored, name_sq, name_en, position))
        for index, variant in enumerate(plan.variants, start=1):
            material = variant.material or plan.material
            colour = variant.colour or plan.colour
            width, depth = variant.size or kind.dims[:2]
            values = {"sku": f"{sku}-{index}", "price_cents": variant.price * 100,
                      "stock": variant.stock, "material": material, "colour": colour,
                      "width_cm": width, "depth_cm": depth, "height_cm": kind.dims[2],
                      "active": True}
            if variant.sale:  # about 12 % off the size's own price
                values.update(window(rng, variant.sale, today),
                              sale_price_cents=round(variant.price * 0.88) * 100 - 10)
            made = manage_families.add_variant(parent.id, values, ACTOR)
            if "colour" in plan.axes or "material" in plan.axes:  # its own picture
                stored = studio(kind, material, colour)
                db.session.add(_image(made.id, stored, made.name_sq, made.name_en, 0))
        db.session.commit()


def _image(product_id: int, stored, alt_sq: str, alt_en: str, position: int) -> ProductImage:
    key, width, height = stored
    return ProductImage(product_id=product_id, key=key, width=width, height=height,
                        position=position, alt_sq=alt_sq, alt_en=alt_en)
