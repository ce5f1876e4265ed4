"""A mattress family for the variant tests: four sizes at four prices, one sold out."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lesnamax.audit import Actor
from lesnamax.catalogue import manage_families
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

OWNER = Actor(None, "pronari@example.test", None)

#: (width, depth, price in cents, stock)
SIZES = [(90, 200, 25500, 4), (140, 200, 33900, 0), (160, 200, 38900, 3), (180, 200, 42900, 6)]


def make_family(app, make_category, name_sq="Dyshek Dardana", name_en="Dardana mattress",
                sizes=SIZES, slug="dyshek-dardana", sku="DAR", category=None) -> SimpleNamespace:
    category = category or make_category(slug="dysheke", name_sq="Dyshekë",
                                         name_en="Mattresses")
    with app.app_context():
        parent = manage_families.create_family(
            {"name_sq": name_sq, "name_en": name_en, "slug": slug, "sku": sku,
             "description_sq": "Dyshek me susta të pavarura.",
             "description_en": "Pocket-spring mattress.", "category_id": category.id,
             "material": "springs"}, ["size"], OWNER)
        ids = []
        for width, depth, price, stock in sizes:
            variant = manage_families.add_variant(parent.id, {
                "sku": f"{sku}-{width}", "price_cents": price, "stock": stock,
                "width_cm": width, "depth_cm": depth, "height_cm": 25,
                "material": "springs"}, OWNER)
            ids.append(variant.id)
        return SimpleNamespace(id=parent.id, slug=parent.slug, category=category,
                               variant_ids=ids)


def stock_of(app, product_id: int) -> int:
    with app.app_context():
        return db.session.get(Product, product_id).stock


@pytest.fixture
def family(app, make_category):
    return make_family(app, make_category)
