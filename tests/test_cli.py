"""flask seed-demo: a believable catalogue with pictures, seeded once; migrations match."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from PIL import Image
from sqlalchemy import func, select

from lesnamax.catalogue.models import Category, Product, ProductImage
from lesnamax.extensions import db
from lesnamax.shoptime import shop_today
from lesnamax.text import slugify


def test_seed_demo_builds_a_believable_catalogue(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Seeded 180 products and 2 stores" in result.output
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
        # Albanian slugs without diacritics, from the Albanian name (a variant's page is its
        # family's: its slug is the family's and its SKU).
        assert all(p.slug.isascii() and p.slug.startswith(slugify(p.name_sq))
                   for p in products if p.parent_id is None)
        # No two products share a name, in either language.
        for lang in ("sq", "en"):
            names = [getattr(p, f"name_{lang}") for p in products]
            assert len(set(names)) == len(names)
        assert any(p.slug == slugify(p.name_sq) and "ë" in p.name_sq for p in products)
        # Every category that holds products has several, so listings look real.
        used = {p.category_id for p in products}
        assert used == {c.id for c in categories.values() if c.slug != "mobilje"}
        image = db.session.scalars(select(ProductImage)).first()
        _families_sales_and_stores(products, categories)
    for width in (400, 800):
        path = Path(app.config["MEDIA_ROOT"]) / "products" / f"{image.key}-{width}.webp"
        with Image.open(path) as picture:
            assert picture.format == "WEBP" and picture.width == width


def _families_sales_and_stores(products, categories):
    from lesnamax.shopsettings import Store

    today = shop_today()
    by_id = {p.id: p for p in products}
    families = {p.sku: p for p in products if p.is_family}
    variants = {sku: sorted((v for v in products if v.parent_id == parent.id),
                            key=lambda v: v.sku) for sku, parent in families.items()}
    assert all(v.parent_id in by_id and by_id[v.parent_id].is_family
               for v in products if v.parent_id)

    def of(category):
        return [sku for sku, p in families.items() if p.category_id == categories[category].id]

    # Mattresses in the four sizes, each at its own price; the listing's "from" price.
    mattresses = of("dysheke")
    assert len(mattresses) >= 2
    for sku in mattresses:
        assert families[sku].axes == ["size"]
        sizes = [(v.width_cm, v.depth_cm) for v in variants[sku]]
        assert {(w, d) for w, d in sizes} <= {(90, 200), (140, 200), (160, 200), (180, 200)}
        prices = [v.price_cents for v in variants[sku]]
        assert prices == sorted(prices) and len(set(prices)) == len(prices)
        assert families[sku].price_varies
        assert families[sku].price_cents == min(v.today.price_cents for v in variants[sku]) \
            or families[sku].today.price_cents == min(v.today.price_cents for v in variants[sku])
    assert any(len(variants[sku]) == 4 for sku in mattresses)
    dardana = next(families[sku] for sku in mattresses if "Dardana" in families[sku].name_sq)
    assert [v.name_sq.split(", ")[-1] for v in variants[dardana.sku]] == [
        "90×200", "140×200", "160×200", "180×200"]
    assert any(v.stock == 0 for v in variants[dardana.sku]), "a size is sold out"
    # Sofas in material and colour, carpets in sizes.
    sofas = [families[sku] for sku in of("dhoma-ndenje")]
    assert any(p.axes == ["material", "colour"] for p in sofas)
    assert any(len({v.material for v in variants[p.sku]}) > 1 for p in sofas)
    carpets = [families[sku] for sku in of("tepihe")]
    assert carpets and all(p.axes == ["size"] for p in carpets)
    assert all(len(variants[p.sku]) >= 2 for p in carpets)
    # Each family shows pictures; a sofa's colours each have their own.
    pictured = set(db.session.scalars(select(ProductImage.product_id)))
    assert all(p.id in pictured for p in families.values())
    sofa = next(p for p in sofas if p.axes == ["material", "colour"])
    assert all(v.id in pictured for v in variants[sofa.sku])
    # Sales that have ended, that run today and that are still to come, on single products
    # and on variants.
    phases = {p.sale_phase for p in products if p.sale_price_cents is not None}
    assert phases == {"ended", "on", "coming"}
    assert {v.sale_phase for vs in variants.values() for v in vs} >= {"ended", "on", "coming"}
    assert all(p.sale_price_cents < p.price_cents for p in products if p.sale_price_cents)
    assert all(p.sale_ends_on < today for p in products if p.sale_phase == "ended")
    # Two showrooms, the second in Prizren with its own address, hours and phone.
    stores = db.session.scalars(select(Store).order_by(Store.position)).all()
    assert len(stores) == 2 and "Prizren" in stores[1].address_sq
    assert stores[1].hours_sq and stores[1].phone.startswith("+383")


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
        # Every name is its own, bulk ones too; a bulk product shows its kind's picture.
        names = db.session.scalars(select(Product.name_sq)).all()
        assert len(set(names)) == len(names)
        [picture] = db.session.scalars(select(ProductImage).where(
            ProductImage.product_id == bulk.id)).all()
        kind = " ".join(name.split()[:2])
        handmade = db.session.scalars(select(Product).join(ProductImage).where(
            ProductImage.key == picture.key, Product.id < 181)).all()
        assert handmade and all(p.name_sq.startswith(kind.split()[0]) for p in handmade)
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
