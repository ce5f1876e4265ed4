"""The wishlist (issue 16 item 7): a stateless "save" heart on shared cards and product pages,
the customer's saved hearts filled in by a private request, /account/wishlist with today's
prices and stock, htmx and plain forms, bad input refused with a translated 4xx, and the list
in the data export and gone with the account."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from lesnamax.account import data, wishlist
from lesnamax.account.models import User, WishlistItem
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

from .conftest import PASSWORD


def saved(app, user_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(WishlistItem.product_id)
                                       .where(WishlistItem.user_id == user_id)
                                       .order_by(WishlistItem.id)))


def test_cards_and_the_product_page_carry_a_stateless_heart_and_stay_shared(
        client, make_product, make_user, login):
    product = make_product(name_sq="Kolltuk Drini")
    login(make_user())
    for path in ("/products", f"/products/{product.slug}", "/"):
        page = client.get(path + "?lang=sq")
        html = page.text
        assert page.status_code == 200
        # Shared even for a logged-in customer: no token, no saved state, cacheable.
        assert page.headers["Cache-Control"] == "no-cache"
        assert f'class="wish wish-{product.id}' in html and 'aria-pressed="false"' in html
        assert "Ruaje në listën e dëshirave" in html and "csrf_token" not in html
        # One private request fills in the hearts of the products shown.
        assert "/account/wishlist/hearts?" in html and f"ids={product.id}" in html


def test_a_visitor_gets_an_empty_answer_without_a_query(client, make_product, count_queries):
    product = make_product()
    client.get(f"/account/wishlist/hearts?ids={product.id}")  # the process's settings, once
    with count_queries() as statements:
        answer = client.get(f"/account/wishlist/hearts?ids={product.id}",
                            headers={"HX-Request": "true"})
    assert answer.status_code == 204 and answer.text == ""
    assert statements == []


def test_saving_without_javascript_goes_back_with_a_message(
        app, client, make_product, make_user, login):
    product = make_product(name_sq="Kolltuk Drini")
    user = make_user()
    login(user)
    answer = client.post("/account/wishlist/add", data={"product": product.id},
                         headers={"Referer": f"http://localhost/products/{product.slug}"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/products/{product.slug}"
    assert saved(app, user.id) == [product.id]
    page = client.get(f"/products/{product.slug}?lang=sq")
    assert "U ruajt në listën tuaj të dëshirave." in page.text
    # A page with a message is personal for that one view.
    assert page.headers["Cache-Control"] == "private, no-store"
    # Twice is still once.
    client.post("/account/wishlist/add", data={"product": product.id})
    assert saved(app, user.id) == [product.id]


def test_htmx_saves_and_removes_in_place(app, hx, make_product, make_user, login):
    product = make_product(name_en="Drini armchair")
    user = make_user()
    login(user)
    answer = hx.post("/account/wishlist/add?lang=en", data={"product": product.id})
    assert answer.status_code == 200 and "<html" not in answer.text
    assert 'aria-pressed="true"' in answer.text and "In your wishlist" in answer.text
    assert 'name="csrf_token"' in answer.text  # the remove form is the customer's own
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert saved(app, user.id) == [product.id]
    answer = hx.post("/account/wishlist/remove?lang=en", data={"product": product.id})
    assert answer.status_code == 200 and 'aria-pressed="false"' in answer.text
    assert saved(app, user.id) == []


def test_the_private_fill_in_marks_only_the_saved_hearts(app, hx, make_product, make_user,
                                                         login):
    kept, other = make_product(), make_product()
    user = make_user()
    login(user)
    hx.post("/account/wishlist/add", data={"product": kept.id})
    answer = hx.get(f"/account/wishlist/hearts?ids={kept.id},{other.id},x,99999999999")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert f'hx-swap-oob="outerHTML:.wish-{kept.id}"' in answer.text
    assert f"wish-{other.id}" not in answer.text


def test_a_visitor_is_asked_to_log_in(client, hx, make_product):
    product = make_product()
    answer = client.post("/account/wishlist/add", data={"product": product.id})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/account/login")
    assert "next=" in answer.headers["Location"]
    answer = hx.post("/account/wishlist/add?lang=sq", data={"product": product.id})
    assert answer.status_code == 200 and 'aria-pressed="false"' in answer.text
    assert "Kyçuni ose regjistrohuni për të mbajtur një listë dëshirash." in answer.text


def test_bad_input_is_a_translated_4xx(client, make_product, make_user, login):
    login(make_user())
    make_product()
    answer = client.post("/account/wishlist/add?lang=sq", data={"product": "abc"})
    assert answer.status_code == 400
    assert "Ky produkt nuk u gjet. Ju lutemi ringarkoni faqen." in answer.text
    for value in ("99999", "99999999999", "１"):
        answer = client.post("/account/wishlist/add?lang=sq", data={"product": value})
        assert answer.status_code in (400, 404), value
        assert "<html" in answer.text and "Traceback" not in answer.text
    assert client.post("/account/wishlist/remove", data={}).status_code == 400


def test_a_cross_site_save_is_refused(client, make_product, make_user, login):
    product = make_product()
    login(make_user())
    answer = client.post("/account/wishlist/add", data={"product": product.id},
                         headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 403


def test_the_wishlist_page_shows_todays_price_and_stock(
        app, client, hx, make_product, make_user, login):
    cheap = make_product(name_sq="Tavolinë Ura", price_cents=12000, stock=5)
    gone = make_product(name_sq="Karrige Bora", price_cents=4500, stock=0)
    user = make_user()
    login(user)
    assert client.get("/account/wishlist").status_code == 200
    for product in (cheap, gone):
        hx.post("/account/wishlist/add", data={"product": product.id})
    with app.app_context():
        db.session.get(Product, cheap.id).price_cents = 9900
        db.session.commit()
    page = client.get("/account/wishlist?lang=sq")
    html = page.text
    assert page.status_code == 200 and "Lista ime e dëshirave" in html
    assert "Tavolinë Ura" in html and "99,00" in html and "120,00" not in html
    assert "Karrige Bora" in html and "Nuk ka në stok" in html
    assert "Më njoftoni kur të kthehet" in html  # the sold-out one links to its request form
    # Removed from the page in place (htmx), or by the plain form.
    answer = hx.post("/account/wishlist/remove", data={"product": cheap.id, "from": "list"})
    assert answer.status_code == 200 and answer.text == ""
    answer = client.post("/account/wishlist/remove", data={"product": gone.id},
                         headers={"Referer": "http://localhost/account/wishlist"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/account/wishlist"
    assert saved(app, user.id) == []


def test_the_wishlist_page_needs_a_login(client):
    answer = client.get("/account/wishlist")
    assert answer.status_code == 302 and "/account/login" in answer.headers["Location"]


def test_a_wishlist_has_a_bound(app, make_product, make_user, monkeypatch):
    user = make_user()
    first, second = make_product(), make_product()
    monkeypatch.setattr(wishlist, "MAX_ITEMS", 1)
    with app.app_context():
        wishlist.add(user.id, db.session.get(Product, first.id))
        try:
            wishlist.add(user.id, db.session.get(Product, second.id))
        except wishlist.WishlistFull:
            pass
        else:
            raise AssertionError("a full wishlist took one more")
    assert saved(app, user.id) == [first.id]


def test_a_full_wishlist_says_how_many_in_albanian(app, client, make_product, make_user, login,
                                                    monkeypatch):
    first, second = make_product(), make_product()
    monkeypatch.setattr(wishlist, "MAX_ITEMS", 1)
    login(make_user())
    client.post("/account/wishlist/add", data={"product": first.id})
    answer = client.post("/account/wishlist/add?lang=sq", data={"product": second.id},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 422
    assert "Lista juaj e dëshirave është plot (1 produkt). Hiqeni" in answer.text


def test_the_wishlist_is_exported_and_erased_with_the_account(
        app, client, make_product, make_user, login):
    product = make_product(name_sq="Dollap Rugova", sku="DOL-1")
    user = make_user()
    login(user)
    client.post("/account/wishlist/add", data={"product": product.id})
    exported = json.loads(client.get("/account/export.json").data)
    assert [item["sku"] for item in exported["wishlist"]] == ["DOL-1"]
    assert exported["wishlist"][0]["name"] == "Dollap Rugova"
    assert "Dollap Rugova" in client.get("/account/export").text
    answer = client.post("/account/delete", data={"password": PASSWORD})
    assert answer.status_code == 303
    assert saved(app, user.id) == []
    with app.app_context():
        assert db.session.get(User, user.id).erased_at is not None
        assert data.export(db.session.get(User, user.id))["wishlist"] == []


def test_erasing_is_a_service_too(app, make_product, make_user):
    user = make_user()
    product = make_product()
    with app.app_context():
        wishlist.add(user.id, db.session.get(Product, product.id))
        data.erase(db.session.get(User, user.id), datetime.now(UTC))
    assert saved(app, user.id) == []
