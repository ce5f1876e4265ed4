"""The bench's own variant catalogue: a category of rugs that are mostly 12-variant families.

Issue 16 asks for "a product page with 12 variants and a listing of variant products within
10 % of today's product and category figures". The demo ``make run`` seeds has families of
two to five variants, so the bench adds, after ``flask seed-demo``, a category of its own
("qilima") that only the variant scenarios open: ``FAMILIES`` rugs, each in 4 sizes × 3
colours (a picture per colour, as the demo draws them), and ``PLAIN`` rugs sold as single
products. They are made through the owner's operations (``demo/families.py`` and
``catalogue/manage.py``), so the rows are what an owner's would be. Nothing else the bench
measures lists this category, so the other scenarios' figures are unchanged.

Run in a subprocess with the bench's environment (``servers.app_env``), like the seeding, so
that no app, engine or per-process cache of the seeding stays in the benchmark's process.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from pathlib import Path

#: The category the variant listing opens, and how it is filled.
CATEGORY = ("qilima", "Qilima", "Rugs")
FAMILIES, PLAIN = 30, 6
SIZES = [(80, 150), (120, 180), (160, 230), (200, 300)]
COLOURS = ["red", "beige", "grey"]
#: Euros per size; each colour a few euros apart, so the listing says "nga …".
PRICES = [89, 159, 289, 459]


def seed(tmp: Path) -> None:
    """Add the variant catalogue to the bench's fresh database (after ``servers.seed``)."""
    import servers

    done = subprocess.run([sys.executable, str(Path(__file__)), str(tmp)], cwd=servers.ROOT,
                          env=servers.app_env(tmp), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"seeding the variant catalogue failed:\n{done.stdout}{done.stderr}")
    print("  " + done.stdout.strip().splitlines()[-1])


def context(database: Path) -> dict[str, str]:
    """The values the variant scenarios' paths name: the first 12-variant family's slug, a
    variant's choices as the picker's form sends them, and the category."""
    with sqlite3.connect(database) as conn:
        row = conn.execute(
            "SELECT p.id, p.slug FROM product p WHERE p.active AND p.variant_axes != '' "
            "AND (SELECT count(*) FROM product v WHERE v.parent_id = p.id AND v.active) = ? "
            "ORDER BY p.id LIMIT 1", (len(SIZES) * len(COLOURS),)).fetchone()
        if row is None:
            raise RuntimeError("the bench's database has no family of 12 variants")
        # Not the page's default (the first in stock): a size and colour the picker sends.
        width, depth, colour = conn.execute(
            "SELECT width_cm, depth_cm, colour FROM product WHERE parent_id = ? AND stock > 0 "
            "ORDER BY id DESC LIMIT 1", (row[0],)).fetchone()
    return {"variants_slug": row[1], "variant_query": f"size={width}x{depth}&colour={colour}",
            "variants_category": CATEGORY[0]}


def plans(models: list[str]):
    """``FAMILIES`` rug families of 4 sizes × 3 colours (``demo/families.py``'s plans)."""
    from lesnamax.demo.families import Plan, Variant

    made = []
    for number, model in enumerate(models[:FAMILIES]):
        variants = tuple(
            Variant(price + 5 * shade + number % 7, (number + 3 * index + shade) % 9,
                    size=size, colour=colour,
                    sale="current" if (number + index) % 8 == 0 and shade == 0 else None)
            for index, (size, price) in enumerate(zip(SIZES, PRICES, strict=True))
            for shade, colour in enumerate(COLOURS))
        made.append(Plan(CATEGORY[0], "rug", model, "wool", COLOURS[0], ("size", "colour"),
                         variants))
    return made


def _main(tmp: Path) -> None:
    from sqlalchemy import text

    from lesnamax import create_app, shoptime
    from lesnamax.catalogue import manage
    from lesnamax.catalogue.models import Category, ProductImage
    from lesnamax.demo import copy, families
    from lesnamax.demo.data import MODELS, TYPES
    from lesnamax.demo.drawings import Studio
    from lesnamax.extensions import db

    app = create_app()
    rng = random.Random(16)
    with app.app_context():
        slug, name_sq, name_en = CATEGORY
        category = Category(slug=slug, name_sq=name_sq, name_en=name_en, position=100)
        db.session.add(category)
        db.session.commit()
        studio = Studio(Path(app.config["MEDIA_ROOT"]) / "products")
        families.seed(plans(MODELS), {slug: category}, studio, shoptime.shop_today(), rng)
        rug = next(k for kinds in TYPES.values() for k in kinds if k.en == "rug")
        for number, model in enumerate(MODELS[FAMILIES:FAMILIES + PLAIN], start=1):
            colour = COLOURS[number % len(COLOURS)]
            name = copy.names(rug, "wool", model)
            product = manage.create_product({
                "sku": f"LM-QIL-{number:04d}", "name_sq": name[0],
                "name_en": name[1][0].upper() + name[1][1:], "description_sq": "",
                "description_en": "", "category_id": category.id, "price_cents": 14900 + number,
                "stock": number % 4, "material": "wool", "colour": colour,
                "width_cm": 160, "depth_cm": 230, "height_cm": 1, "active": True,
            }, families.ACTOR)
            key, width, height = studio(rug, "wool", colour)
            db.session.add(ProductImage(product_id=product.id, key=key, width=width,
                                        height=height, position=0, alt_sq=name[0],
                                        alt_en=name[1]))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print(f"variant catalogue: {FAMILIES} families of {len(SIZES) * len(COLOURS)} variants "
          f"and {PLAIN} single products in /category/{slug}")


if __name__ == "__main__":
    _main(Path(sys.argv[1]))
