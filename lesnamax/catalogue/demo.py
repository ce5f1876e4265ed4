"""``flask seed-demo``: a believable catalogue with pictures drawn by Pillow (no downloads)."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, insert, select

from ..extensions import db
from ..media import store_image
from ..text import slugify
from . import vocab
from .demo_data import (
    CATEGORIES,
    DESCRIPTION_EN,
    DESCRIPTION_SQ,
    MATERIAL_IN_NAME,
    MODELS,
    SWATCHES,
    TYPES,
)
from .models import Category, Product, ProductImage, category_names, search_text_for

#: Believable products made one by one (with their own pictures) before bulk filling.
HANDMADE = 180
BATCH = 5000


def seed(media_root: Path, products: int = HANDMADE, today: date | None = None) -> int:
    """Create categories and ``products`` products; return how many products exist after."""
    today = today or date.today()
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
        "created_at": datetime.now(timezone.utc) - timedelta(days=rng.randrange(400)),
    }
    values["slug"] = f"{slugify(name_sq)}-{n}" if n > HANDMADE else slugify(name_sq)
    words = {
        "model": model,
        "colour": vocab.label(vocab.COLOURS, colour, "sq"),
        "material": vocab.label(vocab.MATERIALS, material, "sq"),
    }
    values["description_sq"] = DESCRIPTION_SQ.format(name=name_sq, **words)
    words.update(colour=vocab.label(vocab.COLOURS, colour, "en"),
                 material=vocab.label(vocab.MATERIALS, material, "en"))
    values["description_en"] = DESCRIPTION_EN.format(name=values["name_en"], **words)
    if rng.random() < 0.2:
        values["regular_price_cents"] = round(price * rng.choice([1.1, 1.15, 1.2, 1.25, 1.35]), -2)
        values["discount_starts_on"] = today - timedelta(days=rng.randrange(1, 10))
        values["discount_ends_on"] = today + timedelta(days=rng.randrange(5, 30))
    return values


def _product(spec, n, categories, rng, today) -> Product:
    values = _values(spec, n, rng, today)
    return Product(category_id=categories[spec[0]].id, **values)


def _image_row(stored: tuple[str, int, int], spec, position: int) -> ProductImage:
    key, width, height = stored
    _slug, kind, material, _colour, model = spec
    mat_sq, mat_en = MATERIAL_IN_NAME[material]
    return ProductImage(
        key=key, width=width, height=height, position=position,
        alt_sq=f"{kind[0]} {mat_sq} {model}", alt_en=f"{model} {mat_en} {kind[1]}",
    )


def _picture(spec, variant: int) -> Image.Image:
    """Draw a simple studio-style picture: the piece as shapes on its colour, with its name."""
    _slug, kind, material, colour, model = spec
    base = SWATCHES[colour]
    image = Image.new("RGB", (800, 600), (246, 244, 240) if variant == 0 else (232, 236, 238))
    draw = ImageDraw.Draw(image)
    shade = tuple(max(0, c - 40) for c in base)
    draw.rectangle((0, 470, 800, 600), fill=(225, 221, 214))
    if variant == 0:
        draw.rounded_rectangle((170, 190, 630, 420), radius=28, fill=base, outline=shade, width=6)
        draw.rectangle((200, 420, 230, 480), fill=shade)
        draw.rectangle((570, 420, 600, 480), fill=shade)
    else:
        draw.ellipse((250, 120, 550, 420), fill=base, outline=shade, width=8)
    font = ImageFont.load_default(size=34)
    label = f"{kind[0]} · {model}"
    draw.text((400, 540), label, fill=(40, 40, 44), font=font, anchor="mm")
    return image


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
            values.update(id=next_id, category_id=categories[spec[0]].id,
                          updated_at=values["created_at"])
            values["search_text"] = search_text_for(values, names[spec[0]])
            rows.append(values)
            key, width, height = pool[index % len(pool)]
            images.append({"product_id": next_id, "key": key, "width": width,
                           "height": height, "position": 0, "alt_sq": values["name_sq"],
                           "alt_en": values["name_en"]})
            next_id += 1
        db.session.execute(insert(Product), rows)
        db.session.execute(insert(ProductImage), images)
    db.session.commit()
