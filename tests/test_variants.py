"""Product families (issue 16 items 1-4): one page, variants with their own SKU, price, sale,
stock and options; listed once "from" the cheapest; each variant with its own URL; sold and
stocked as a product of its own."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lesnamax import shoptime
from lesnamax.catalogue import manage_families, variants
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import OrderLine

from . import variants_support
from .race_support import buyers_at_review, place_at_once
from .test_checkout import go_to_review, place_form
from .variants_support import OWNER, stock_of

family = variants_support.family


def json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html,
                                re.S).group(1))


def test_the_parent_holds_the_cheapest_price_and_the_sum_of_the_stock(app, family):
    with app.app_context():
        parent = db.session.get(Product, family.id)
        assert (parent.price_cents, parent.stock, parent.price_varies) == (25500, 13, True)
        names = [p.name_sq for p in variants.variants_of(family.id)]
        assert names == ["Dyshek Dardana, 90×200", "Dyshek Dardana, 140×200",
                         "Dyshek Dardana, 160×200", "Dyshek Dardana, 180×200"]
        assert [p.name_en for p in variants.variants_of(family.id)][2] == \
            "Dardana mattress, 160×200"
        # Variants are found through their family only.
        assert all(p.search_text == "" for p in variants.variants_of(family.id))
        assert "dar-160" in parent.search_text and "160x200" in parent.search_text


def test_the_page_offers_the_sizes_and_shows_the_first_in_stock(client, family):
    page = client.get("/products/dyshek-dardana")
    assert page.status_code == 200
    html = page.text
    assert html.count('type="radio" id="v-size-') == 4
    assert 'value="90x200" checked' in html
    assert "90×200" in html and "255,00" in html and "DAR-90" in html
    sold_out = html.split('id="v-size-140x200"')[1].split("</label>")[0]
    assert "nuk ka në stok" in sold_out
    # The family's bare address is its canonical one; the offer is the variant shown.
    assert '<link rel="canonical" href="http://shop.test/products/dyshek-dardana">' in html
    assert json_ld(html)["sku"] == "DAR-90"


def test_a_chosen_size_has_its_own_url_price_and_offer(client, family):
    page = client.get("/products/dyshek-dardana?size=160x200")
    html = page.text
    assert 'value="160x200" checked' in html and "389,00" in html
    assert "DAR-160" in html
    assert ('<link rel="canonical" href="http://shop.test/products/dyshek-dardana?size=160x200">'
            in html)
    offer = json_ld(html)
    assert offer["sku"] == "DAR-160" and offer["offers"]["price"] == "389.00"
    assert offer["offers"]["availability"] == "https://schema.org/InStock"
    # The add-to-cart form adds that variant.
    with client.application.app_context():
        chosen = db.session.scalar(select(Product.id).where(Product.sku == "DAR-160"))
    assert f'name="product_id" value="{chosen}"' in html


def test_htmx_swaps_the_product_part_only(client, family):
    page = client.get("/products/dyshek-dardana?size=180x200", headers={"HX-Request": "true"})
    assert page.status_code == 200 and "HX-Request" in page.headers["Vary"]
    assert page.text.lstrip().startswith("<div class=\"product-page\" id=\"product-main\"") or \
        'id="product-main"' in page.text.split("\n", 3)[-1][:400]
    assert "<html" not in page.text and "429,00" in page.text


def test_a_sold_out_size_is_shown_and_cannot_be_added(client, family):
    html = client.get("/products/dyshek-dardana?size=140x200").text
    assert 'value="140x200" checked' in html and "339,00" in html
    assert 'name="product_id"' not in html  # no add-to-cart for a sold-out variant


def test_an_unknown_size_is_ignored_and_a_variants_own_address_leads_to_its_family(
        client, family):
    assert client.get("/products/dyshek-dardana?size=999x999").status_code == 200
    with client.application.app_context():
        slug = db.session.scalar(select(Product.slug).where(Product.sku == "DAR-180"))
    moved = client.get(f"/products/{slug}")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/products/dyshek-dardana?size=180x200")


def test_the_listing_shows_the_family_once_from_its_cheapest_price(client, family):
    html = client.get("/category/dysheke").text
    assert html.count('class="card"') == 1
    card = html.split('class="card"')[1]
    assert "nga" in card and "255,00" in card and "Zgjidh variantin" in card
    assert 'name="product_id"' not in card


def test_the_size_filter_offers_the_sizes_with_counts_and_filters(client, app, family,
                                                                  make_product):
    make_product(name_sq="Dyshek tjetër", category_id=family.category.id, width_cm=160,
                 depth_cm=200, price_cents=30000)
    html = client.get("/category/dysheke").text
    assert 'name="size"' in html
    assert ">160×200 (2)</option>" in html and ">90×200 (1)</option>" in html
    filtered = client.get("/category/dysheke?size=160x200").text
    assert filtered.count('class="card"') == 2
    assert client.get("/category/dysheke?size=90x200").text.count('class="card"') == 1
    # Nonsense is dropped, never a 500.
    assert client.get("/category/dysheke?size=abc").status_code == 200


def test_search_finds_the_family_by_a_variants_sku_or_size(client, family):
    for words in ("DAR-160", "160x200", "dardana"):
        html = client.get("/products", query_string={"q": words}).text
        assert html.count('class="card"') == 1, words
        assert "/products/dyshek-dardana" in html


def test_the_price_list_lists_each_variant_and_not_the_family(client, family):
    html = client.get("/cmimore").text
    assert "Dyshek Dardana, 160×200" in html and "Dyshek Dardana, 90×200" in html
    assert ">Dyshek Dardana<" not in html


def test_a_family_cannot_be_added_to_the_cart_itself(client, family):
    assert client.post("/cart/add", data={"product_id": family.id}).status_code == 404


def test_a_variant_is_bought_as_a_product_with_its_label(app, client, family, make_user, login):
    login(make_user())
    chosen = family.variant_ids[2]  # 160×200, 3 left
    client.post("/cart/add", data={"product_id": chosen, "quantity": "2"})
    assert "Dyshek Dardana, 160×200" in client.get("/cart").text
    review = go_to_review(client)
    assert "Dyshek Dardana, 160×200" in review.text
    assert client.post("/checkout/place", data=place_form(review.text)).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(OrderLine.name)) == "Dyshek Dardana, 160×200"
    assert stock_of(app, chosen) == 1
    assert stock_of(app, family.id) == 11  # 13 - 2, kept by the database


def test_the_parents_stock_follows_every_move(app, family):
    with app.app_context():
        variant = db.session.get(Product, family.variant_ids[0])
        variant.stock = 10  # 4 -> 10
        db.session.commit()
        assert db.session.get(Product, family.id).stock == 19
        variant.active = False  # an inactive variant is not for sale: its stock is not
        db.session.commit()
        assert db.session.get(Product, family.id).stock == 9
        variant.active = True
        db.session.commit()
        manage_families.release(variant.id, OWNER)
        assert db.session.get(Product, family.id).stock == 9
        assert db.session.get(Product, variant.id).search_text != ""


def test_gathering_separate_products_makes_them_variants(app, client, make_category,
                                                         make_product):
    carpets = make_category(slug="qilima", name_sq="Qilima", name_en="Carpets")
    small = make_product(name_sq="Qilim Drenica 120×170", sku="DRE-120", width_cm=120,
                         depth_cm=170, price_cents=8900, stock=2, category_id=carpets.id,
                         slug="qilim-drenica-120")
    large = make_product(name_sq="Qilim Drenica 160×230", sku="DRE-160", width_cm=160,
                         depth_cm=230, price_cents=14900, stock=5, category_id=carpets.id,
                         slug="qilim-drenica-160")
    with app.app_context():
        parent = manage_families.create_family(
            {"name_sq": "Qilim Drenica", "name_en": "Drenica carpet", "sku": "DRE",
             "category_id": carpets.id}, ["size"], OWNER)
        manage_families.gather(parent.id, [small.id, large.id], OWNER)
        parent = db.session.get(Product, parent.id)
        assert (parent.stock, parent.price_cents) == (7, 8900)
        assert db.session.get(Product, large.id).name_sq == "Qilim Drenica, 160×230"
    assert client.get("/products/qilim-drenica-160").headers["Location"].endswith(
        "/products/qilim-drenica?size=160x230")
    assert client.get("/category/qilima").text.count('class="card"') == 1


def test_two_variants_with_the_same_options_are_refused(app, family):
    with app.app_context(), pytest.raises(manage_families.FamilyError) as refused:
        manage_families.add_variant(family.id, {"sku": "DAR-160B", "price_cents": 1,
                                                "stock": 1, "width_cm": 160,
                                                "depth_cm": 200}, OWNER)
    assert refused.value.code == manage_families.SAME_OPTIONS
    with app.app_context(), pytest.raises(manage_families.FamilyError) as refused:
        manage_families.add_variant(family.id, {"sku": "DAR-X", "price_cents": 1,
                                                "stock": 1}, OWNER)
    assert refused.value.code == manage_families.MISSING_VALUE


def test_the_nightly_refresh_follows_a_sale_that_starts(app, family):
    with app.app_context():
        today = shoptime.shop_today()
        dear = db.session.get(Product, family.variant_ids[3])  # 429 €
        dear.sale_price_cents, dear.sale_starts_on = 19900, today + timedelta(days=1)
        db.session.commit()
        variants.refresh(family.id, today)
        db.session.commit()
        assert db.session.get(Product, family.id).offer(today).price_cents == 25500
        variants.refresh_all(today + timedelta(days=1))
        parent = db.session.get(Product, family.id)
        assert parent.offer(today + timedelta(days=1)).price_cents == 19900
        assert parent.offer(today + timedelta(days=1)).on_sale


def test_buyers_race_for_the_last_units_of_one_variant_while_others_buy_another(
        app, family, make_user, engine_name):
    """20 buyers (SQLite: one writer at a time) or 60 (PostgreSQL) for the last 3 of 160×200
    while 10 others buy 180×200 (6 left): no oversell, the other size's sales all go through,
    and the family's stock is the sum of its variants' at the end (the triggers counted every
    sale, however they interleaved)."""
    scarce, other = family.variant_ids[2], family.variant_ids[3]
    racing = 60 if engine_name == "postgresql" else 20
    wanted = [scarce] * racing + [other] * 6
    results = place_at_once(buyers_at_review(app, make_user, wanted))
    pairs = list(zip(wanted, results, strict=True))
    scarce_codes = sorted(r.status_code for w, r in pairs if w == scarce)
    other_codes = [r.status_code for w, r in pairs if w == other]
    assert scarce_codes.count(303) == 3 and scarce_codes.count(409) == racing - 3
    assert other_codes == [303] * 6
    assert stock_of(app, scarce) == 0 and stock_of(app, other) == 0
    with app.app_context():
        assert db.session.scalar(select(func.sum(OrderLine.quantity))) == 9
        stocks = [p.stock for p in variants.variants_of(family.id)]
        assert db.session.get(Product, family.id).stock == sum(stocks) == 4


def test_the_nightly_job_refreshes_every_family_for_the_shop_day(app, family):
    from datetime import UTC, datetime

    from lesnamax import tasks

    with app.app_context():
        dear = db.session.get(Product, family.variant_ids[3])
        dear.sale_price_cents = 19900
        db.session.commit()  # no refresh yet: the parent still says 255 €
        db.session.get(Product, family.id).price_cents = 99999
        db.session.commit()
        assert "1 product families" in tasks.refresh_families(datetime.now(UTC))
        assert db.session.get(Product, family.id).today.price_cents == 19900
