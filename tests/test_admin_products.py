"""Admin products: the list (search, filters, sorting, pages), create, edit, delete or deactivate,
hostile input on the form, changes audited. Price and stock in the rows: test_admin_product_rows."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lesnamax.admin import products as product_views
from lesnamax.audit import Actor
from lesnamax.catalogue import manage as catalogue
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import Order, OrderLine

from . import admin_support
from .admin_support import LONG, events, product, text

# Fixtures from admin_support: pytest finds them as attributes of this module.
en, owner = admin_support.en, admin_support.owner


def row_ids(response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="product-(\d+)"', response.get_data(as_text=True))]


# --- the list ---------------------------------------------------------------------------


def test_list_shows_inactive_products_too(client, owner, make_product):
    shown = make_product(name_en="Red sofa")
    hidden = make_product(name_en="Old chair", active=False)
    body = text(client.get("/admin/products"))
    assert "Red sofa" in body and "Old chair" in body
    assert f'id="product-{shown.id}"' in body and f'id="product-{hidden.id}"' in body
    assert "Inactive" in body


def test_search_ignores_diacritics_and_finds_skus(client, owner, make_product):
    mattress = make_product(name_sq="Dyshekë ortopedik", sku="LM-DYS-000777")
    other = make_product(name_sq="Tavolinë")
    assert row_ids(client.get("/admin/products?q=dysheke")) == [mattress.id]
    assert row_ids(client.get("/admin/products?q=DYSHEKË")) == [mattress.id]
    assert row_ids(client.get("/admin/products?q=LM-DYS-000777")) == [mattress.id]
    assert row_ids(client.get("/admin/products?q=lm-dys-000777")) == [mattress.id]
    assert row_ids(client.get("/admin/products?q=tavoline")) == [other.id]
    assert row_ids(client.get("/admin/products?q=nothinglikethis")) == []


def test_filters_category_with_children_status_and_stock(client, owner, make_product,
                                                         make_category):
    furniture = make_category(slug="mobilje")
    chairs = make_category(slug="karrige", parent_id=furniture.id)
    rugs = make_category(slug="qilima")
    chair = make_product(category_id=chairs.id, stock=0)
    sofa = make_product(category_id=furniture.id, stock=3)
    rug = make_product(category_id=rugs.id, stock=50, active=False)
    assert sorted(row_ids(client.get(f"/admin/products?category={furniture.id}"))) == sorted(
        [chair.id, sofa.id])
    assert row_ids(client.get(f"/admin/products?category={chairs.id}")) == [chair.id]
    assert row_ids(client.get("/admin/products?status=inactive")) == [rug.id]
    assert sorted(row_ids(client.get("/admin/products?status=active"))) == sorted(
        [chair.id, sofa.id])
    assert row_ids(client.get("/admin/products?stock=out")) == [chair.id]
    assert row_ids(client.get("/admin/products?stock=low")) == [sofa.id]


def test_sorting(client, owner, make_product):
    a = make_product(name_sq="Abazhur", price_cents=3000, stock=7)
    b = make_product(name_sq="Zhardinierë", price_cents=1000, stock=1)
    c = make_product(name_sq="Llambë", price_cents=2000, stock=20)
    assert row_ids(client.get("/admin/products?sort=name")) == [a.id, c.id, b.id]
    assert row_ids(client.get("/admin/products?sort=price_asc")) == [b.id, c.id, a.id]
    assert row_ids(client.get("/admin/products?sort=price_desc")) == [a.id, c.id, b.id]
    assert row_ids(client.get("/admin/products?sort=stock_asc")) == [b.id, a.id, c.id]
    assert row_ids(client.get("/admin/products?sort=stock_desc")) == [c.id, a.id, b.id]
    assert row_ids(client.get("/admin/products")) == [c.id, b.id, a.id]  # newest first


@pytest.mark.parametrize("query", ["page=abc", "page=-1", "page=99999999", "sort=<script>",
                                   "category=x", "category=99999", "status=%00", "stock=lots",
                                   "q=" + "a" * 5000, "q=%00<script>"])
def test_odd_list_parameters_never_break_the_list(client, owner, make_product, query):
    make_product()
    response = client.get(f"/admin/products?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[1]


def test_pages(client, owner, make_product, monkeypatch):
    monkeypatch.setattr(product_views, "PER_PAGE", 2)
    made = [make_product(name_sq=f"Produkt {n}") for n in range(5)]
    first = client.get("/admin/products?sort=name")
    assert row_ids(first) == [made[0].id, made[1].id]
    assert 'rel="next"' in first.get_data(as_text=True)
    assert row_ids(client.get("/admin/products?sort=name&page=3")) == [made[4].id]
    assert row_ids(client.get("/admin/products?sort=name&page=9")) == [made[4].id]


def test_list_query_count_does_not_grow_with_rows(client, owner, make_product, count_queries):
    make_product()
    client.get("/admin/products")
    with count_queries() as few:
        client.get("/admin/products")
    for _n in range(12):
        make_product()
    client.get("/admin/products")  # the category menu is cached again after the change
    with count_queries() as many:
        response = client.get("/admin/products")
    assert len(row_ids(response)) == 13
    assert len(many) == len(few)


# --- create and edit -------------------------------------------------------------------------


def form_values(category_id, /, **changes) -> dict:
    values = {
        "name_sq": "Tavolinë çaji", "name_en": "Coffee table",
        "description_sq": "Tavolinë e vogël\r\nprej lisi.", "description_en": "A small table.",
        "sku": "lm-tav-000900", "slug": "", "category_id": str(category_id),
        "material": "oak", "colour": "natural", "width_cm": "90", "depth_cm": "50",
        "height_cm": "45", "price": "149,90", "sale_price": "", "sale_starts_on": "",
        "sale_ends_on": "", "stock": "6", "active": "y",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def new_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Product.id).order_by(Product.id.desc()).limit(1))


def test_create_page_lists_the_category_tree_indented(client, owner, make_category):
    parent = make_category(name_en="Furniture")
    make_category(name_en="Chairs", parent_id=parent.id)
    body = text(client.get("/admin/products/new"))
    assert "Furniture" in body and "\u00a0\u00a0\u00a0\u00a0Chairs" in body
    assert 'type="date"' in body and 'name="csrf_token"' in body


def test_create_a_product(app, client, owner, make_category):
    category = make_category()
    response = client.post("/admin/products/new", data=form_values(category.id))
    assert response.status_code == 303
    created = product(app, new_id(app))
    assert response.headers["Location"] == f"/admin/products/{created.id}/edit"
    assert (created.sku, created.slug, created.price_cents) == ("LM-TAV-000900", "tavoline-caji",
                                                                14990)
    assert created.description_sq == "Tavolinë e vogël\nprej lisi."
    assert (created.material, created.width_cm, created.stock) == ("oak", 90, 6)
    assert created.active and not created.featured and created.sale_price_cents is None
    assert "tavoline caji" in created.search_text
    [event] = events(app, "product.create")
    assert event.subject_id == str(created.id) and "LM-TAV-000900" in event.detail
    shop = text(client.get("/products/tavoline-caji"))
    assert "Coffee table" in shop and "149.90" in shop
    assert created.id in row_ids(client.get("/admin/products?q=tavoline"))


def test_generated_slugs_are_made_unique(app, client, owner, make_category, make_product):
    category = make_category()
    make_product(slug="tavoline-caji-x")  # shares the prefix, not a numbered slug
    slugs = []
    for n in range(5):
        response = client.post("/admin/products/new",
                               data=form_values(category.id, sku=f"LM-TAV-00090{n}"))
        assert response.status_code == 303
        slugs.append(product(app, new_id(app)).slug)
    assert slugs == ["tavoline-caji", *(f"tavoline-caji-{n}" for n in range(2, 6))]


def test_a_post_without_the_optional_texts_saves_them_empty(app, client, owner, make_category):
    values = form_values(make_category().id)
    for name in ("name_en", "description_sq", "description_en", "slug", "sale_price"):
        del values[name]
    response = client.post("/admin/products/new", data=values)
    assert response.status_code == 303
    created = product(app, new_id(app))
    assert (created.name_en, created.description_en, created.slug) == ("", "", "tavoline-caji")


def test_a_clash_found_only_at_save_names_the_right_field(app, client, owner, make_product,
                                                          monkeypatch):
    # As when another admin saves the same SKU or slug between the check and the save.
    first, second = make_product(sku="LM-A-1", slug="a"), make_product(sku="LM-B-1", slug="b")
    monkeypatch.setattr(catalogue, "_check_unique", lambda values, *_args, **_kw: values["slug"])
    for changes, field_message in (
        ({"sku": "LM-A-1", "slug": "c"}, "Another product already has this code."),
        ({"sku": "LM-B-1", "slug": "a"}, "Another product already has this web address."),
    ):
        values = {**form_values(second.category_id, **changes), "stock_was": "10"}
        response = client.post(f"/admin/products/{second.id}/edit", data=values)
        assert response.status_code == 422 and field_message in text(response)
    assert (product(app, second.id).sku, product(app, second.id).slug) == ("LM-B-1", "b")
    assert product(app, first.id).slug == "a" and events(app) == []


def test_other_integrity_errors_are_not_called_a_clash(app, make_category):
    values = {"name_sq": "Karrige", "name_en": None, "sku": "LM-K-1", "slug": "",
              "category_id": make_category().id, "price_cents": 100, "stock": 1}
    actor = Actor(None, "pronari@example.test", None)
    with app.app_context(), pytest.raises(IntegrityError):
        catalogue.create_product(values, actor)


def test_duplicate_sku_and_typed_slug_are_refused(app, client, owner, make_product,
                                                  make_category):
    make_product(sku="LM-TAV-000900", slug="tavolina-ime")
    category = make_category()
    response = client.post("/admin/products/new", data=form_values(category.id))
    assert response.status_code == 422
    assert "Another product already has this code." in text(response)
    assert 'value="lm-tav-000900"' in text(response)
    response = client.post("/admin/products/new",
                           data=form_values(category.id, sku="X-1", slug="tavolina-ime"))
    assert response.status_code == 422
    assert "Another product already has this web address." in text(response)
    assert events(app, "product.create") == []


def test_discounted_product(app, client, owner, make_category):
    category = make_category()
    response = client.post("/admin/products/new", data=form_values(
        category.id, price="200", sale_price="150", sale_starts_on="2026-01-01",
        sale_ends_on="2026-12-31"))
    assert response.status_code == 303
    created = product(app, new_id(app))
    assert (created.price_cents, created.sale_price_cents) == (20000, 15000)
    assert (str(created.sale_starts_on), str(created.sale_ends_on)) == ("2026-01-01", "2026-12-31")
    assert created.slug in text(client.get("/cmimore")) or "Tavolinë çaji" in text(
        client.get("/cmimore"))
    edit = text(client.get(f"/admin/products/{created.id}/edit"))
    assert 'value="200.00"' in edit and 'value="150.00"' in edit
    assert 'value="2026-01-01"' in edit and 'value="2026-12-31"' in edit


@pytest.mark.parametrize(("changes", "message"), [
    ({"name_sq": ""}, "This field is required."),
    ({"name_sq": "   "}, "This field is required."),
    ({"name_sq": LONG}, "too long"),
    ({"name_sq": "<script>alert(1)</script>"}, "HTML tags are not allowed"),
    ({"description_en": "<img src=x onerror=alert(1)>"}, "HTML tags are not allowed"),
    ({"description_sq": LONG + "y"}, "too long"),
    ({"name_en": "Table\x00"}, "invisible or control characters"),
    ({"sku": ""}, "This field is required."),
    ({"sku": "LM 12"}, "Use letters, digits"),
    ({"sku": "x" * 41}, "too long"),
    ({"slug": "Tavolinë Çaji"}, "lower-case letters"),
    ({"slug": "../admin"}, "lower-case letters"),
    ({"category_id": ""}, "This field is required."),
    ({"category_id": "abc"}, "Choose a category"),
    ({"category_id": "99999"}, "Choose a category"),
    ({"material": "plutonium"}, "Choose a material"),
    ({"colour": "<script>"}, "Choose a colour"),
    ({"width_cm": "-5"}, "whole centimetres"),
    ({"height_cm": "12,5"}, "whole centimetres"),
    ({"depth_cm": "0"}, "whole centimetres"),
    ({"price": ""}, "This field is required."),
    ({"price": "12,5€€"}, "Write the price in euros"),
    ({"price": "-3"}, "cannot be negative"),
    ({"price": "2000000"}, "more than 1 000 000"),
    ({"sale_price": "149,90"}, "lower than the regular price"),
    ({"sale_price": "200"}, "lower than the regular price"),
    ({"sale_ends_on": "2026-12-31"}, "need a discounted price"),
    ({"sale_price": "100", "sale_starts_on": "2026-05-01",
      "sale_ends_on": "2026-04-01"}, "cannot end before it starts"),
    ({"sale_price": "100", "sale_starts_on": "31.12.2026"}, "Enter a date like"),
    ({"sale_price": "100", "sale_starts_on": "2026-02-30"}, "Enter a date like"),
    ({"stock": "-1"}, "whole number"),
    ({"stock": "abc"}, "whole number"),
])
def test_hostile_and_wrong_values_on_the_create_form(app, client, owner, make_category,
                                                     changes, message):
    category = make_category()
    response = client.post("/admin/products/new", data=form_values(category.id, **changes))
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert "Please correct the errors below." in body
    assert "<script>alert" not in response.get_data(as_text=True)
    assert new_id(app) is None
    assert events(app) == []


def test_empty_form_lists_every_required_field(app, client, owner):
    response = client.post("/admin/products/new", data={})
    assert response.status_code == 422
    assert text(response).count("This field is required.") >= 5


def test_edit_page_and_save(app, client, owner, make_product):
    item = make_product(name_sq="Kolltuk", price_cents=30000, stock=3)
    page = text(client.get(f"/admin/products/{item.id}/edit"))
    assert 'value="Kolltuk"' in page and 'value="300.00"' in page
    assert 'name="stock_was" type="hidden" value="3"' in page or \
        'type="hidden" name="stock_was" value="3"' in page or 'value="3"' in page
    values = form_values(item.category_id, name_sq="Kolltuk lëkure", sku=item.sku,
                         slug=item.slug, price="275", stock="5")
    values["stock_was"] = "3"
    response = client.post(f"/admin/products/{item.id}/edit", data=values)
    assert response.status_code == 303
    saved = product(app, item.id)
    assert (saved.name_sq, saved.price_cents, saved.stock) == ("Kolltuk lëkure", 27500, 5)
    [event] = events(app, "product.update")
    # Data, not English prose: the audit page is read in Albanian.
    assert event.detail.startswith("name_sq, name_en, ")
    assert event.detail.endswith(", price_cents: 300.00 € → 275.00 €, stock: 3 → 5")
    shop = text(client.get(f"/products/{item.slug}"))
    assert "275.00" in shop and "Kolltuk lëkure" in shop


def test_edit_leaves_a_stock_sold_meanwhile_alone(app, client, owner, make_product):
    item = make_product(stock=3)
    with app.app_context():
        db.session.get(Product, item.id).stock = 2
        db.session.commit()
    values = form_values(item.category_id, sku=item.sku, slug=item.slug, stock="3",
                         name_sq="Emri i ri")
    values["stock_was"] = "3"
    assert client.post(f"/admin/products/{item.id}/edit", data=values).status_code == 303
    assert product(app, item.id).stock == 2  # untouched stock field: the sale stays
    values.update(stock="9", stock_was="3")
    response = client.post(f"/admin/products/{item.id}/edit", data=values)
    assert response.status_code == 409
    assert "changed to 2" in text(response)
    saved = product(app, item.id)
    assert saved.stock == 2 and saved.name_sq == "Emri i ri"


def test_edit_refuses_another_products_sku(app, client, owner, make_product):
    make_product(sku="TAKEN-1")
    item = make_product()
    values = form_values(item.category_id, sku="taken-1", slug=item.slug)
    values["stock_was"] = "10"
    response = client.post(f"/admin/products/{item.id}/edit", data=values)
    assert response.status_code == 422
    assert "Another product already has this code." in text(response)
    assert product(app, item.id).sku == item.sku


def test_inactive_products_leave_the_shop(app, client, owner, make_product):
    item = make_product(name_sq="Raft librash")
    values = form_values(item.category_id, name_sq="Raft librash", sku=item.sku, slug=item.slug,
                         active=None)
    values["stock_was"] = "10"
    assert client.post(f"/admin/products/{item.id}/edit", data=values).status_code == 303
    assert product(app, item.id).active is False
    assert client.get(f"/products/{item.slug}").status_code == 404
    assert "Raft librash" not in text(client.get("/products"))
    assert item.id in row_ids(client.get("/admin/products"))


def test_a_new_material_shows_in_the_shop_filter_at_once(app, client, owner, make_product):
    make_product(material="oak")
    assert "rattan" not in client.get("/products").get_data(as_text=True)  # cached now
    item = make_product(material="oak")
    values = form_values(item.category_id, sku=item.sku, slug=item.slug, material="rattan")
    values["stock_was"] = "10"
    assert client.post(f"/admin/products/{item.id}/edit", data=values).status_code == 303
    assert 'value="rattan"' in client.get("/products").get_data(as_text=True)


def test_unknown_product_pages_are_404(client, owner):
    assert client.get("/admin/products/999/edit").status_code == 404
    assert client.post("/admin/products/999/edit", data={}).status_code == 404
    assert client.get("/admin/products/999/delete").status_code == 404
    assert client.post("/admin/products/999/delete").status_code == 404


# --- delete or deactivate ---------------------------------------------------------------


def order_for(app, item) -> None:
    with app.app_context():
        db.session.add(Order(
            status="cash_on_delivery", payment_method="cash", idempotency_key=uuid.uuid4().hex,
            email="a@example.test", first_name="Arta", last_name="Krasniqi", phone="+38344123456",
            street="Rr. 1", municipality="prishtine", delivery_method="standard",
            subtotal_cents=item.price_cents, delivery_cents=0, total_cents=item.price_cents,
            policy_version=1,
            lines=[OrderLine(product_id=item.id, name=item.name_sq, sku=item.sku,
                             unit_price_cents=item.price_cents, quantity=1,
                             line_total_cents=item.price_cents)]))
        db.session.commit()


def test_delete_a_product_nobody_ordered(app, client, owner, make_product):
    item = make_product()
    assert "past orders" in text(client.get(f"/admin/products/{item.id}/delete"))
    response = client.post(f"/admin/products/{item.id}/delete")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/products"
    assert product(app, item.id) is None
    [event] = events(app, "product.delete")
    assert event.subject_id == str(item.id)
    assert "deleted" in text(client.get("/admin/products"))


def test_an_ordered_product_is_deactivated_instead(app, client, owner, make_product):
    item = make_product()
    order_for(app, item)
    response = client.post(f"/admin/products/{item.id}/delete")
    assert response.status_code == 303
    saved = product(app, item.id)
    assert saved is not None and saved.active is False
    [event] = events(app)
    assert (event.action, event.detail) == ("product.deactivate", f"{item.sku} {item.name_sq}")
    assert "deactivated instead of deleted" in text(client.get("/admin/products"))
    with app.app_context():
        assert db.session.scalar(select(OrderLine.product_id)) == item.id
