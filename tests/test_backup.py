"""flask backup and flask restore: a backup taken, the data changed, the backup restored."""

from __future__ import annotations

from sqlalchemy import func, select

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db


def products(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Product.sku, Product.stock)).all())


def test_backup_then_restore_brings_the_data_back(app, make_product, make_user, tmp_path):
    make_product(sku="LM-1", stock=4)
    second = make_product(sku="LM-2", stock=9)
    make_user(email="drita@example.test")
    runner = app.test_cli_runner()
    made = runner.invoke(args=["backup", "--output", str(tmp_path / "backups")])
    assert made.exit_code == 0, made.output
    [file] = (tmp_path / "backups").iterdir()
    assert file.stat().st_size > 0 and str(file) in made.output

    # Life goes on: a sale, a deleted product, a new one.
    with app.app_context():
        db.session.execute(Product.__table__.update().where(Product.sku == "LM-1").values(stock=1))
        db.session.execute(Product.__table__.delete().where(Product.sku == "LM-2"))
        db.session.commit()
    make_product(sku="LM-3", stock=2)
    assert products(app) == {"LM-1": 1, "LM-3": 2}

    restored = runner.invoke(args=["restore", str(file), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert products(app) == {"LM-1": 4, "LM-2": 9}
    with app.app_context():
        from lesnamax.account.models import User

        assert db.session.scalar(select(func.count(User.id))) == 1
    # The restored shop works, its search index included: the SKU finds the product again.
    page = app.test_client().get("/products?q=LM-2")
    assert page.status_code == 200 and f"/products/{second.slug}" in page.text


def test_restore_asks_first_and_refuses_what_is_not_a_backup(app, make_product, tmp_path):
    make_product(sku="LM-1", stock=4)
    runner = app.test_cli_runner()
    bogus = tmp_path / "not-a-backup.dump"
    bogus.write_bytes(b"PK\x03\x04 this is a zip file, not a database")
    asked = runner.invoke(args=["restore", str(bogus)], input="n\n")
    assert asked.exit_code != 0 and "replaced" in asked.output
    refused = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert refused.exit_code != 0 and "Error" in refused.output
    assert products(app) == {"LM-1": 4}
