"""``flask seed-demo``: a believable catalogue with pictures drawn by Pillow (no downloads).

The first ``HANDMADE`` products are made one by one, each with its own picture of its kind;
with a full seed some of them are families (``families.py``). Beyond that, ``--products``
fills the catalogue with fast core inserts that reuse those pictures (the benchmarks).
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from .. import shoptime
from ..catalogue.models import Category, Product, ProductImage, category_names, search_text_for
from ..extensions import db
from ..text import slugify
from . import copy, families
from .data import CATEGORIES, MODELS, TYPES, Kind
from .drawings import Studio

#: Believable products made one by one (with their own pictures) before bulk filling.
HANDMADE = 180
BATCH = 5000

#: (category slug, kind, material, colour, model)
Spec = tuple[str, Kind, str, str, str]


def seed(media_root: Path, products: int = HANDMADE, today: date | None = None) -> int:
    """Create categories and ``products`` products; return how many products exist after.

    A full seed (``products`` >= HANDMADE) includes the families: their parents and variants
    count as products, so ``products`` is always the number of product rows made.
    """
    today = today or shoptime.shop_today()
    rng = random.Random(2026)
    categories = _categories()
    studio = Studio(media_root / "products")
    plans = families.PLANS if products >= HANDMADE else []
    specs = list(_specs(rng, reserved={(plan.kind_en, plan.model) for plan in plans}))
    handmade = specs[: min(products, HANDMADE) - families.rows(plans)]
    pool: list[tuple[str, int, int]] = []
    for n, spec in enumerate(handmade, start=1):
        product = Product(category_id=categories[spec[0]].id, **_values(spec, n, rng, today))
        _slug, kind, material, colour, _model = spec
        pool.append(studio(kind, material, colour))
        product.images.append(_image_row(pool[-1], product, 0))
        if n % 3 == 0:  # a close-up of the material
            product.images.append(_image_row(studio(kind, material, colour, True), product, 1))
        db.session.add(product)
    db.session.commit()
    families.seed(plans, categories, studio, today, rng)
    if products > HANDMADE:
        _bulk(products - HANDMADE, handmade, categories, pool, rng, today)
    # Fresh statistics let the query planner pick the listing indexes (SQLite and PostgreSQL).
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return db.session.scalar(select(func.count(Product.id))) or 0


def _categories() -> dict[str, Category]:
    made: dict[str, Category] = {}
    for position, (slug, sq, en, parent) in enumerate(CATEGORIES):
        category = Category(slug=slug, name_sq=sq, name_en=en, position=position)
        if parent:
            category.parent_id = made[parent].id
        db.session.add(category)
        db.session.flush()
        made[slug] = category
    return made


def _specs(rng: random.Random, reserved: set[tuple[str, str]]):
    """Yield every (category, kind, material, colour, model) sold, shuffled fairly.

    Each (material, colour) of a kind gets a model of its own, so no two products share a
    name; ``reserved`` (kind, model) pairs are the families' names."""
    per_category = []
    for slug, kinds in TYPES.items():
        combos = []
        for kind in kinds:
            models = [m for m in MODELS if (kind.en, m) not in reserved]
            pairs = kind.combos()
            combos += [(slug, kind, material, colour, model) for (material, colour), model
                       in zip(pairs, rng.sample(models, len(pairs)), strict=True)]
        rng.shuffle(combos)
        per_category.append(combos)
    # Round-robin across categories so a small seed still fills every category.
    for group in itertools.zip_longest(*per_category):
        yield from (spec for spec in group if spec)


def sale(rng: random.Random, phase: str | None, price: int, today: date) -> dict:
    """A dated sale ``phase`` ("past", "current" or "future") at ``price``, below a rounder
    regular price."""
    if phase is None:
        return {}
    regular = round(price * rng.choice([1.1, 1.15, 1.2, 1.25, 1.35]), -2)
    return {"price_cents": regular, "sale_price_cents": price, **families.window(rng, phase, today)}


#: Which products have a sale, by their number: about one in six on sale today, one in twelve
#: with a sale to come and one in twelve with a sale that has ended.
PHASES = {1: "current", 4: "future", 7: "current", 10: "past"}


def _values(spec: Spec, n: int, rng: random.Random, today: date) -> dict:
    slug, kind, material, colour, model = spec
    name_sq, name_en = copy.names(kind, material, model)
    if n > HANDMADE:  # the bulk repeats the handmade kinds: a series number keeps names apart
        name_sq, name_en = f"{name_sq} {n}", f"{name_en} {n}"
    low, high = kind.prices
    if copy.carpet_fibre(kind.en, material):  # a synthetic carpet costs a fraction of a wool one
        high = max(low, high // 3)
    price = rng.randrange(low, high + 1) * 100 - rng.choice([0, 0, 1, 10, 50])
    description_sq, description_en = copy.describe(
        kind.en, model, material, colour if kind.colour_matters else None)
    values = {
        "sku": f"LM-{slug[:3].upper()}-{n:06d}",
        "slug": slugify(name_sq),
        "name_sq": name_sq,
        "name_en": name_en[0].upper() + name_en[1:],
        "description_sq": description_sq,
        "description_en": description_en,
        "price_cents": price,
        "stock": rng.choice([0] * 2 + [1, 2, 3, 5] + list(range(6, 40))),
        "material": material,
        "colour": colour,
        "width_cm": kind.dims[0],
        "depth_cm": kind.dims[1],
        "height_cm": kind.dims[2],
        "featured": rng.random() < 0.08,
        "active": True,
        "created_at": datetime.now(UTC) - timedelta(days=rng.randrange(400)),
    }
    values.update(sale(rng, PHASES.get(n % 12), price, today))
    return values


def _image_row(stored: tuple[str, int, int], product, position: int) -> ProductImage:
    key, width, height = stored
    return ProductImage(key=key, width=width, height=height, position=position,
                        alt_sq=product.name_sq, alt_en=product.name_en)


def _bulk(count: int, specs: list[Spec], categories, pool, rng, today) -> None:
    """Insert ``count`` more products with core inserts (fast enough for 100,000 rows), each
    with the picture of the handmade product of its kind it repeats."""
    next_id = (db.session.scalar(select(func.max(Product.id))) or 0) + 1
    connection = db.session.connection()
    names_of = {slug: category_names(connection, c.id) for slug, c in categories.items()}
    cycle = itertools.cycle(enumerate(specs))
    for start in range(0, count, BATCH):
        rows, images = [], []
        for offset in range(min(BATCH, count - start)):
            index, spec = next(cycle)
            n = HANDMADE + start + offset + 1
            values = _values(spec, n, rng, today)
            values.update(
                id=next_id, category_id=categories[spec[0]].id, updated_at=values["created_at"]
            )
            values["search_text"] = search_text_for(values, names_of[spec[0]])
            rows.append(values)
            key, width, height = pool[index]
            images.append({"product_id": next_id, "key": key, "width": width,
                           "height": height, "position": 0, "alt_sq": values["name_sq"],
                           "alt_en": values["name_en"]})
            next_id += 1
        db.session.execute(insert(Product), rows)
        db.session.execute(insert(ProductImage), images)
    db.session.commit()
