"""flask seed-demo: a believable catalogue with pictures, seeded once; migrations match."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from PIL import Image
from sqlalchemy import func, select

from lesnamax.catalogue.models import Category, Product, ProductImage
from lesnamax.extensions import db
from lesnamax.text import slugify


def test_seed_demo_builds_a_believable_catalogue(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Seeded 180 products" in result.output
    with app.app_context():
        categories = {c.slug: c for c in db.session.scalars(select(Category))}
        assert {
            "mobilje",
            "dhoma-ndenje",
            "dhoma-gjumi",
            "kuzhina",
            "zyre",
            "dysheke",
            "tepihe",
            "tekstil-perde",
            "dekor",
            "kuzhine-ene",
        } <= set(categories)
        assert categories["dysheke"].name_sq == "Dyshekë"
        assert categories["dhoma-gjumi"].parent_id == categories["mobilje"].id
        products = db.session.scalars(select(Product)).all()
        assert len(products) >= 150
        assert all(p.name_sq and p.name_en and p.price_cents > 0 for p in products)
        assert any(p.stock == 0 for p in products), "some are sold out"
        assert any(p.today.on_sale for p in products), "some are on sale today"
        # Albanian slugs without diacritics, from the Albanian name.
        assert all(p.slug.isascii() and p.slug.startswith(slugify(p.name_sq)) for p in products)
        assert any(p.slug == slugify(p.name_sq) and "ë" in p.name_sq for p in products)
        # Every category that holds products has several, so listings look real.
        used = {p.category_id for p in products}
        assert used == {c.id for c in categories.values() if c.slug != "mobilje"}
        image = db.session.scalars(select(ProductImage)).first()
    for width in (400, 800):
        path = Path(app.config["MEDIA_ROOT"]) / "products" / f"{image.key}-{width}.webp"
        with Image.open(path) as picture:
            assert picture.format == "WEBP" and picture.width == width


def test_seed_demo_only_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--products", "12"]).exit_code == 0
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "nothing seeded" in again.output
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "not empty" in refused.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Product.id))) == 12


def test_seed_demo_bulk_products_are_searchable(app, client):
    assert app.test_cli_runner().invoke(args=["seed-demo", "--products", "400"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Product.id))) == 400
        bulk = db.session.scalars(select(Product).order_by(Product.id.desc())).first()
        name = bulk.name_sq
    first_word = name.split()[0]
    assert name in client.get("/products", query_string={"q": name}).text
    assert client.get("/products", query_string={"q": first_word}).status_code == 200


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, *_: (
                    not (name or "").startswith(("product_fts", "ix_product_search_tsv",
                                                  "search_tsv"))
                )
            },
        )
        assert compare_metadata(context, db.metadata) == []
