"""``flask seed-demo``: a believable catalogue with pictures drawn by Pillow (no downloads)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import func, insert, select, text

from .. import shoptime
from ..catalogue import vocab
from ..catalogue.models import Category, Product, ProductImage, category_names, search_text_for
from ..extensions import db
from ..media import store_image
from ..text import slugify
from .data import (
    CATEGORIES,
    DESCRIPTION_EN,
    DESCRIPTION_SQ,
    MATERIAL_IN_NAME,
    MODELS,
    SWATCHES,
    TYPES,
)

#: Believable products made one by one (with their own pictures) before bulk filling.
HANDMADE = 180
BATCH = 5000


def seed(media_root: Path, products: int = HANDMADE, today: date | None = None) -> int:
    """Create categories and ``products`` products; return how many products exist after."""
    today = today or shoptime.shop_today()
    rng = random.Random(2026)
    categories = _categories()
    directory = media_root / "products"
    specs = list(_specs(rng))
    handmade = specs[: min(products, HANDMADE)]
    pool: list[tuple[str, int, int]] = []
    slugs: set[str] = set()
    for n, spec in enumerate(handmade, start=1):
        product = _product(spec, n, categories, rng, today)
        if product.slug in slugs:  # same name in another colour
            product.slug = f"{product.slug}-{n}"
        slugs.add(product.slug)
        picture = _picture(spec, variant=0)
        pool.append(store_image(picture, directory))
        product.images.append(_image_row(pool[-1], spec, 0))
        if n % 3 == 0:
            product.images.append(_image_row(store_image(_picture(spec, 1), directory), spec, 1))
        db.session.add(product)
    db.session.commit()
    if products > HANDMADE:
        _bulk(products - HANDMADE, specs, categories, pool, rng, today)
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


def _specs(rng: random.Random):
    """Yield ``(category, type, material, colour, model)`` combinations, shuffled fairly."""
    per_category = []
    for slug, types in TYPES.items():
        combos = [
            (slug, kind, material, colour, model)
            for kind in types
            for material, colour in itertools.product(kind[2], kind[3])
            for model in rng.sample(MODELS, 2)
        ]
        rng.shuffle(combos)
        per_category.append(combos)
    # Round-robin across categories so a small seed still fills every category.
    for group in itertools.zip_longest(*per_category):
        yield from (spec for spec in group if spec)


def _values(spec, n: int, rng: random.Random, today: date) -> dict:
    slug, kind, material, colour, model = spec
    type_sq, type_en, _materials, _colours, (low, high), dims = kind
    mat_sq, mat_en = MATERIAL_IN_NAME[material]
    name_sq = f"{type_sq} {mat_sq} {model}"
    name_en = f"{model} {mat_en} {type_en}"
    price = rng.randrange(low, high + 1) * 100 - rng.choice([0, 0, 1, 10, 50])
    values = {
        "sku": f"LM-{slug[:3].upper()}-{n:06d}",
        "name_sq": name_sq,
        "name_en": name_en[0].upper() + name_en[1:],
        "price_cents": price,
        "stock": rng.choice([0] * 2 + [1, 2, 3, 5] + list(range(6, 40))),
        "material": material,
        "colour": colour,
        "width_cm": dims[0],
        "depth_cm": dims[1],
        "height_cm": dims[2],
        "featured": rng.random() < 0.08,
        "active": True,
        "created_at": datetime.now(UTC) - timedelta(days=rng.randrange(400)),
    }
    values["slug"] = f"{slugify(name_sq)}-{n}" if n > HANDMADE else slugify(name_sq)
    words = {
        "model": model,
        "colour": vocab.label(vocab.COLOURS, colour, "sq"),
        "material": vocab.label(vocab.MATERIALS, material, "sq"),
    }
    values["description_sq"] = DESCRIPTION_SQ.format(name=name_sq, **words)
    words.update(
        colour=vocab.label(vocab.COLOURS, colour, "en"),
        material=vocab.label(vocab.MATERIALS, material, "en"),
    )
    values["description_en"] = DESCRIPTION_EN.format(name=values["name_en"], **words)
    if rng.random() < 0.2:
        # On sale at ``price`` today, for a while, down from a rounder regular price.
        values["sale_price_cents"] = price
        values["price_cents"] = round(price * rng.choice([1.1, 1.15, 1.2, 1.25, 1.35]), -2)
        values["sale_starts_on"] = today - timedelta(days=rng.randrange(1, 10))
        values["sale_ends_on"] = today + timedelta(days=rng.randrange(5, 30))
    return values


def _product(spec, n, categories, rng, today) -> Product:
    values = _values(spec, n, rng, today)
    return Product(category_id=categories[spec[0]].id, **values)


def _image_row(stored: tuple[str, int, int], spec, position: int) -> ProductImage:
    key, width, height = stored
    _slug, kind, material, _colour, model = spec
    mat_sq, mat_en = MATERIAL_IN_NAME[material]
    return ProductImage(
        key=key,
        width=width,
        height=height,
        position=position,
        alt_sq=f"{kind[0]} {mat_sq} {model}",
        alt_en=f"{model} {mat_en} {kind[1]}",
    )


def _picture(spec, variant: int) -> Image.Image:
    """Draw a simple studio-style picture of the piece in its colour (variant 1: a close-up)."""
    slug, _kind, _material, colour, _model = spec
    base = SWATCHES[colour]
    dark = tuple(max(0, c - 45) for c in base)
    image = Image.new("RGB", (800, 600), (246, 244, 240))
    draw = ImageDraw.Draw(image)
    if variant:
        for x in range(-600, 800, 36):  # fabric / grain close-up
            draw.line((x, 0, x + 600, 600), fill=base, width=22)
            draw.line((x + 18, 0, x + 618, 600), fill=dark, width=4)
        return image
    draw.rectangle((0, 470, 800, 600), fill=(225, 221, 214))
    _SHAPES.get(slug, _draw_table)(draw, base, dark)
    return image


def _draw_sofa(draw, base, dark):
    draw.rounded_rectangle((150, 170, 650, 330), radius=30, fill=dark)
    draw.rounded_rectangle((130, 290, 670, 430), radius=24, fill=base, outline=dark, width=5)
    draw.rounded_rectangle((110, 250, 190, 430), radius=20, fill=dark)
    draw.rounded_rectangle((610, 250, 690, 430), radius=20, fill=dark)
    for x in (150, 630):
        draw.rectangle((x, 430, x + 20, 475), fill=(60, 50, 40))


def _draw_bed(draw, base, dark):
    draw.rounded_rectangle((120, 150, 230, 470), radius=12, fill=dark)
    draw.rounded_rectangle(
        (200, 300, 700, 420), radius=18, fill=(250, 250, 248), outline=dark, width=4
    )
    draw.rectangle((200, 360, 700, 440), fill=base)
    draw.rounded_rectangle(
        (230, 270, 360, 320), radius=16, fill=(255, 255, 255), outline=dark, width=3
    )


def _draw_table(draw, base, dark):
    draw.rounded_rectangle((140, 220, 660, 260), radius=8, fill=base, outline=dark, width=4)
    for x in (170, 610):
        draw.rectangle((x, 260, x + 22, 470), fill=dark)


def _draw_mattress(draw, base, dark):
    draw.rounded_rectangle(
        (120, 260, 680, 420), radius=40, fill=(250, 250, 248), outline=dark, width=6
    )
    for x in range(170, 660, 60):
        draw.ellipse((x, 330, x + 10, 340), fill=dark)
    draw.line((130, 300, 670, 300), fill=(200, 200, 200), width=3)


def _draw_rug(draw, base, dark):
    draw.polygon([(160, 460), (640, 460), (560, 250), (240, 250)], fill=base, outline=dark)
    draw.polygon([(210, 440), (590, 440), (530, 275), (270, 275)], outline=dark, width=6)
    for x in range(165, 640, 16):
        draw.line((x, 460, x, 478), fill=dark, width=3)


def _draw_curtain(draw, base, dark):
    draw.rectangle((100, 90, 700, 104), fill=(80, 80, 80))
    for x in range(120, 690, 40):
        draw.rectangle((x, 104, x + 30, 470), fill=base)
        draw.line((x + 30, 104, x + 30, 470), fill=dark, width=6)


def _draw_vase(draw, base, dark):
    draw.ellipse((300, 230, 500, 470), fill=base, outline=dark, width=5)
    draw.rectangle((360, 150, 440, 260), fill=base, outline=dark, width=5)
    draw.ellipse((345, 135, 455, 170), fill=dark)


def _draw_pot(draw, base, dark):
    draw.rounded_rectangle((230, 260, 570, 450), radius=26, fill=base, outline=dark, width=6)
    draw.rounded_rectangle((170, 290, 240, 315), radius=10, fill=dark)
    draw.rounded_rectangle((560, 290, 630, 315), radius=10, fill=dark)
    draw.ellipse((220, 230, 580, 290), fill=dark)
    draw.ellipse((380, 205, 420, 240), fill=dark)


_SHAPES = {
    "dhoma-ndenje": _draw_sofa,
    "dhoma-gjumi": _draw_bed,
    "kuzhina": _draw_table,
    "zyre": _draw_table,
    "dysheke": _draw_mattress,
    "tepihe": _draw_rug,
    "tekstil-perde": _draw_curtain,
    "dekor": _draw_vase,
    "kuzhine-ene": _draw_pot,
}


def _bulk(count: int, specs, categories, pool, rng, today) -> None:
    """Insert ``count`` more products with core inserts (fast enough for 100,000 rows)."""
    next_id = (db.session.scalar(select(func.max(Product.id))) or 0) + 1
    connection = db.session.connection()
    names = {slug: category_names(connection, c.id) for slug, c in categories.items()}
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
            values["search_text"] = search_text_for(values, names[spec[0]])
            rows.append(values)
            key, width, height = pool[index % len(pool)]
            images.append(
                {
                    "product_id": next_id,
                    "key": key,
                    "width": width,
                    "height": height,
                    "position": 0,
                    "alt_sq": values["name_sq"],
                    "alt_en": values["name_en"],
                }
            )
            next_id += 1
        db.session.execute(insert(Product), rows)
        db.session.execute(insert(ProductImage), images)
    db.session.commit()
