"""The bench's own variant catalogue: a category of rugs that are mostly 12-variant families.

Issue 16 asks for "a product page with 12 variants and a listing of variant products within
10 % of today's product and category figures". The demo ``make run`` seeds has families of
two to five variants, so the bench adds, after ``flask seed-demo``, a category of its own
("qilima") that only the variant scenarios open: ``FAMILIES`` rugs, each in 4 sizes × 3
colours (a picture per colour, as the demo draws them), and ``PLAIN`` rugs sold as single
products. They are made through the owner's operations (``demo/families.py`` and
``catalogue/manage.py``), so the rows are what an owner's would be. Beside it a twin category
("qilima-teke") lists as many rugs, each a single product in the same sizes, colours and
prices: the listing of families is compared with it as well as with the issue's "category"
(~5,100 products).

So that the other scenarios' figures stay as they were, both categories sit under "Tepihë"
(the menu shows only the top level), their products were made three years ago (not the home
page's newest) and the cart scenarios chose their products before (run.py). Only the home
page's list of every category names them: 122 bytes more of its ~30,400.

Run in a subprocess with the bench's environment (``servers.app_env``), like the seeding, so
that no app, engine or per-process cache of the seeding stays in the benchmark's process.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: The category the variant listing opens, and how it is filled.
CATEGORY = ("qilima", "Qilima", "Rugs")
TWIN = ("qilima-teke", "Qilima teke", "Single rugs")
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
            "variants_category": CATEGORY[0], "twin_category": TWIN[0]}


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
    from sqlalchemy import select, text, update

    from lesnamax import create_app, shoptime
    from lesnamax.catalogue import manage
    from lesnamax.catalogue.models import Category, Product, ProductImage
    from lesnamax.demo import copy, families
    from lesnamax.demo.data import MODELS, TYPES
    from lesnamax.demo.drawings import Studio
    from lesnamax.extensions import db

    app = create_app()
    rng = random.Random(16)
    with app.app_context():
        slug, name_sq, name_en = CATEGORY
        under = db.session.scalar(select(Category.id).where(Category.slug == "tepihe"))
        category = Category(slug=slug, name_sq=name_sq, name_en=name_en, position=100,
                            parent_id=under)
        db.session.add(category)
        db.session.commit()
        studio = Studio(Path(app.config["MEDIA_ROOT"]) / "products")
        families.seed(plans(MODELS), {slug: category}, studio, shoptime.shop_today(), rng)
        twin = Category(slug=TWIN[0], name_sq=TWIN[1], name_en=TWIN[2], position=101,
                        parent_id=under)
        db.session.add(twin)
        db.session.commit()
        rug = next(k for kinds in TYPES.values() for k in kinds if k.en == "rug")

        def single(number: int, model: str, category_id: int, size, colour, price) -> None:
            name = copy.names(rug, "wool", model)
            product = manage.create_product({
                "sku": f"LM-QIL-{number:04d}", "name_sq": f"{name[0]} {number}",
                "name_en": f"{name[1][0].upper()}{name[1][1:]} {number}",
                "description_sq": "", "description_en": "", "category_id": category_id,
                "price_cents": price * 100, "stock": number % 9, "material": "wool",
                "colour": colour, "width_cm": size[0], "depth_cm": size[1], "height_cm": 1,
                "active": True,
            }, families.ACTOR)
            key, width, height = studio(rug, "wool", colour)
            db.session.add(ProductImage(product_id=product.id, key=key, width=width,
                                        height=height, position=0, alt_sq=product.name_sq,
                                        alt_en=product.name_en))

        for number, model in enumerate(MODELS[FAMILIES:FAMILIES + PLAIN], start=1):
            single(number, model, category.id, (160, 230), COLOURS[number % 3], 149)
        for number, model in enumerate(MODELS[:FAMILIES + PLAIN], start=PLAIN + 1):
            single(number, model, twin.id, SIZES[number % 4], COLOURS[number % 3],
                   PRICES[number % 4])
        # Old enough to stay off the home page's newest (a core UPDATE: nothing else changes).
        db.session.execute(update(Product).where(Product.category_id.in_((category.id, twin.id)))
                           .values(created_at=datetime.now(UTC) - timedelta(days=3 * 365)))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print(f"variant catalogue: {FAMILIES} families of {len(SIZES) * len(COLOURS)} variants "
          f"and {PLAIN} single products in /category/{slug}, {FAMILIES + PLAIN} single products "
          f"in /category/{TWIN[0]}")


if __name__ == "__main__":
    _main(Path(sys.argv[1]))
