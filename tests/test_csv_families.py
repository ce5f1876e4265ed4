"""Families in the product CSV (issue 16 item 4): one line per variant, grouped under its
family's parent (the "options" column marks it, "family" names it by SKU); checked whole before
anything changes; an export imported back changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

from . import variants_support
from .test_admin_csv import csv_bytes, export, parse, products, upload
from .variants_support import stock_of

family = variants_support.family


def confirm(client, response):
    import re
    expected = re.search(r'name="expected" value="([0-9:]+)"', response.text).group(1)
    return client.post("/admin/csv/confirm", data={"expected": expected})


def test_the_export_groups_each_family_parent_first(client, admin, family, make_product):
    make_product(sku="LONE-1", name_sq="Llambë", category_id=family.category.id)
    rows = parse(export(client))
    header, body = rows[0], rows[1:]
    sku, fam, options = (header.index(c) for c in ("sku", "family", "options"))
    order = [(r[sku], r[fam], r[options]) for r in body]
    assert order[0] == ("DAR", "", "size")
    assert [o[0] for o in order[1:5]] == ["DAR-90", "DAR-140", "DAR-160", "DAR-180"]
    assert all(o[1] == "DAR" and o[2] == "" for o in order[1:5])
    assert order[5] == ("LONE-1", "", "")


def test_an_export_imported_back_changes_nothing(app, client, admin, family):
    before = products(app)
    checked = upload(client, export(client))
    assert checked.status_code == 200 and 'value="0:0"' in checked.text
    assert confirm(client, checked).status_code == 303
    assert products(app) == before


def test_a_new_family_with_its_variants_is_imported(app, client, admin, make_category):
    make_category(slug="qilima", name_sq="Qilima", name_en="Carpets")
    rows = [
        {"sku": "KIL", "name_sq": "Qilim Kosova", "name_en": "Kosova carpet",
         "category": "qilima", "price": "0", "stock": "0", "options": "size"},
        {"sku": "KIL-120", "name_sq": "x", "category": "qilima", "price": "89", "stock": "3",
         "width_cm": "120", "depth_cm": "170", "family": "KIL"},
        {"sku": "KIL-160", "name_sq": "x", "category": "qilima", "price": "149", "stock": "2",
         "width_cm": "160", "depth_cm": "230", "family": "KIL"},
    ]
    header = ["sku", "name_sq", "name_en", "category", "price", "stock", "width_cm",
              "depth_cm", "family", "options"]
    checked = upload(client, csv_bytes(rows, header=header))
    assert checked.status_code == 200, checked.text[:3000]
    assert confirm(client, checked).status_code == 303
    with app.app_context():
        parent = db.session.scalar(select(Product).where(Product.sku == "KIL"))
        assert (parent.variant_axes, parent.stock, parent.price_cents) == ("size", 5, 8900)
        small = db.session.scalar(select(Product).where(Product.sku == "KIL-120"))
        assert small.parent_id == parent.id and small.name_sq == "Qilim Kosova, 120×170"
        assert small.search_text == "" and "kil-160" in parent.search_text
    page = client.get("/products/qilim-kosova?size=160x230")
    assert page.status_code == 200 and "149,00" in page.text


def test_a_variant_line_is_moved_into_a_family_and_its_stock_follows(app, client, admin,
                                                                     family, make_product):
    make_product(sku="DAR-200", name_sq="Dyshek 200", width_cm=200, depth_cm=200, stock=2,
                 category_id=family.category.id)
    header = ["sku", "name_sq", "category", "price", "stock", "family"]
    checked = upload(client, csv_bytes([["DAR-200", "Dyshek 200", "dysheke", "450", "2",
                                         "DAR"]], header=header))
    assert checked.status_code == 200, checked.text[:3000]
    assert confirm(client, checked).status_code == 303
    assert stock_of(app, family.id) == 15
    with app.app_context():
        assert db.session.scalar(select(Product.name_sq).where(Product.sku == "DAR-200")) == \
            "Dyshek Dardana, 200×200"


def test_bad_families_are_refused_whole_with_their_lines(app, client, admin, family):
    before = products(app)
    header = ["sku", "name_sq", "category", "price", "stock", "width_cm", "depth_cm",
              "family", "options"]
    rows = [
        ["NEW-1", "A", "dysheke", "10", "1", "160", "200", "DAR", ""],  # same as DAR-160
        ["NEW-2", "B", "dysheke", "10", "1", "", "", "DAR", ""],  # no size
        ["NEW-3", "C", "dysheke", "10", "1", "100", "200", "NUK-KA", ""],  # no such family
        ["NEW-4", "D", "dysheke", "10", "1", "100", "200", "DAR", "size"],  # both
        ["NEW-5", "E", "dysheke", "10", "1", "100", "200", "", "shape"],  # unknown option
    ]
    checked = upload(client, csv_bytes(rows, header=header))
    assert checked.status_code == 422
    text = checked.text
    for expected in ("DAR-160", "NUK-KA", "shape"):
        assert expected in text
    assert text.count('class="problem-line"') >= 5 or text.count("<tr") >= 6
    assert products(app) == before
