"""The cart: htmx and plain forms, stock caps, flags, totals, and merging at login."""

import re

import pytest
from sqlalchemy import select

from lesnamax.cart.models import Cart, CartLine
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db


@pytest.fixture
def chair(make_product):
    return make_product(name_sq="Karrige lisi", name_en="Oak chair", price_cents=4990, stock=3)


def badge(html: str) -> str:
    return re.search(r'id="cart-badge".*?<span class="count"[^>]*>(\d+)</span>', html, re.S).group(
        1
    )


def test_badge_starts_at_zero(client):
    assert badge(client.get("/header/me").text) == "0"


def test_add_with_htmx_updates_the_badge_out_of_band(hx, chair):
    response = hx.post("/cart/add", data={"product_id": chair.id})
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith(f'<span id="add-status-{chair.id}"')
    assert "U shtua në shportë." in html
    assert 'id="cart-badge"' in html and 'hx-swap-oob="true"' in html
    assert badge(html) == "1"
    assert badge(hx.get("/header/me").text) == "1"


def test_add_without_htmx_redirects_to_the_cart(client, chair):
    response = client.post("/cart/add", data={"product_id": chair.id, "quantity": "2"})
    assert response.status_code == 303 and response.headers["Location"] == "/cart"
    page = client.get("/cart").text
    assert "Karrige lisi" in page and badge(page) == "2"
    assert 'value="2"' in page


def test_quantity_is_capped_by_stock(client, hx, chair):
    response = hx.post("/cart/add", data={"product_id": chair.id, "quantity": "5"})
    assert "Kanë mbetur vetëm 3" in response.text and badge(response.text) == "3"


@pytest.mark.parametrize(
    "data",
    [
        {"product_id": "abc"},
        {"product_id": ""},
        {},
        {"product_id": "1", "quantity": "-2"},
        {"product_id": "1", "quantity": "x" * 10_000},
    ],
)
def test_bad_add_requests_are_400(client, chair, data):
    assert client.post("/cart/add", data=data).status_code == 400


def test_unknown_or_inactive_product_is_404(client, make_product):
    hidden = make_product(active=False)
    assert client.post("/cart/add", data={"product_id": "99999"}).status_code == 404
    assert client.post("/cart/add", data={"product_id": hidden.id}).status_code == 404


def test_sold_out_product_cannot_be_added(hx, make_product):
    gone = make_product(stock=0)
    response = hx.post("/cart/add", data={"product_id": gone.id})
    assert "Nuk ka në stok" in response.text and badge(response.text) == "0"


def line_id(app):
    with app.app_context():
        return db.session.scalar(select(CartLine.id))


def test_change_quantity_with_htmx(app, hx, chair):
    hx.post("/cart/add", data={"product_id": chair.id})
    lid = line_id(app)
    response = hx.post(f"/cart/lines/{lid}", data={"action": "inc"})
    html = response.text
    assert html.lstrip().startswith('<section id="cart-lines"')
    assert badge(html) == "2" and 'hx-swap-oob="true"' in html
    assert "99,80" in html  # 2 × 49,90 €
    assert badge(hx.post(f"/cart/lines/{lid}", data={"quantity": "3"}).text) == "3"
    capped = hx.post(f"/cart/lines/{lid}", data={"quantity": "9"}).text
    assert "Kanë mbetur vetëm 3" in capped and badge(capped) == "3"
    assert badge(hx.post(f"/cart/lines/{lid}", data={"action": "dec"}).text) == "2"


def test_change_and_remove_without_htmx(app, client, chair):
    client.post("/cart/add", data={"product_id": chair.id})
    lid = line_id(app)
    assert client.post(f"/cart/lines/{lid}", data={"quantity": "2"}).status_code == 303
    assert badge(client.get("/cart").text) == "2"
    response = client.post(f"/cart/lines/{lid}/remove")
    assert response.status_code == 303
    page = client.get("/cart").text
    assert "Shporta juaj është e zbrazët." in page and badge(page) == "0"


def test_quantity_zero_removes_the_line(app, hx, chair):
    hx.post("/cart/add", data={"product_id": chair.id})
    html = hx.post(f"/cart/lines/{line_id(app)}", data={"quantity": "0"}).text
    assert "Shporta juaj është e zbrazët." in html


def test_someone_elses_line_is_404(app, client, chair):
    other = app.test_client()
    other.post("/cart/add", data={"product_id": chair.id})
    lid = line_id(app)
    client.post("/cart/add", data={"product_id": chair.id})  # a cart of our own
    assert client.post(f"/cart/lines/{lid}", data={"quantity": "3"}).status_code == 404
    assert client.post(f"/cart/lines/{lid}/remove").status_code == 404
    assert client.post("/cart/lines/abc").status_code == 404


def test_totals_and_vat_note(client, chair, make_product):
    lamp = make_product(name_sq="Llambë", price_cents=1010)
    client.post("/cart/add", data={"product_id": chair.id, "quantity": "2"})
    client.post("/cart/add", data={"product_id": lamp.id})
    page = client.get("/cart").text
    assert "109,90" in page  # 2 × 49,90 + 10,10
    # Delivery is chosen at checkout, so the cart's total is the goods alone.
    total = re.search(r'<dd class="total">([^<]+)</dd>', page).group(1)
    assert total.startswith("109,90")
    assert "Çmimet përfshijnë TVSH-në (18%)." in page


def test_out_of_stock_and_price_changes_are_flagged(app, client, chair):
    client.post("/cart/add", data={"product_id": chair.id})
    with app.app_context():
        product = db.session.get(Product, chair.id)
        product.price_cents = 5990
        db.session.commit()
    assert "Çmimi ka ndryshuar" in client.get("/cart").text
    with app.app_context():
        db.session.get(Product, chair.id).stock = 0
        db.session.commit()
    page = client.get("/cart").text
    assert "Nuk ka në stok" in page and "0,00" in page.split("Nëntotali")[1][:120]


def test_visitor_cart_merges_at_login(app, client, chair, make_product, make_user, login):
    user = make_user()
    lamp = make_product(name_sq="Llambë", price_cents=1010)
    # The customer already has a chair in the cart from another device.
    other = app.test_client()
    other.post("/account/login", data={"email": user.email, "password": user.password})
    other.post("/cart/add", data={"product_id": chair.id, "quantity": "2"})
    client.post("/cart/add", data={"product_id": chair.id, "quantity": "2"})
    client.post("/cart/add", data={"product_id": lamp.id})
    response = login(user)
    page = client.get(response.headers["Location"]).text
    assert "Shtuam në shportë 3 artikuj" in page
    assert "Karrige lisi" in page and "më pak" in page  # 2 + 2 capped at 3
    cart_page = client.get("/cart").text
    assert badge(cart_page) == "4" and "Llambë" in cart_page
    with app.app_context():
        assert [c.status for c in db.session.scalars(select(Cart).order_by(Cart.id))] == [
            "open",
            "merged",
        ]


def test_logout_leaves_an_empty_visitor_cart(client, chair, make_user, login):
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id})
    client.post("/account/logout")
    assert badge(client.get("/cart").text) == "0"


# A visitor's cart belongs to the session that made it, and to nobody else.


def session_of(client) -> dict:
    with client.session_transaction() as sess:
        return dict(sess)


@pytest.mark.parametrize("first_add", ["sold out", "unknown"])
def test_a_failed_first_add_leaves_no_cart_id(app, client, make_product, first_add):
    product_id = make_product(stock=0).id if first_add == "sold out" else 99999
    client.post("/cart/add", data={"product_id": product_id})
    assert "cart_id" not in session_of(client) and "cart_token" not in session_of(client)
    with app.app_context():
        assert db.session.scalar(select(Cart.id)) is None


def test_the_next_visitors_cart_stays_theirs(app, client, chair, make_product):
    """SQLite gives an unsaved cart's id to the next cart: the first visitor must not see it."""
    client.post("/cart/add", data={"product_id": make_product(stock=0).id})
    other = app.test_client()
    assert other.post("/cart/add", data={"product_id": chair.id}).status_code == 303
    assert "Karrige lisi" in other.get("/cart").text
    assert "Karrige lisi" not in client.get("/cart").text


@pytest.mark.parametrize("token", [None, "", "guessed-token", "its own"])
def test_another_visitors_cart_id_opens_nothing(app, client, chair, make_product, token):
    owner = app.test_client()
    owner.post("/cart/add", data={"product_id": chair.id})
    theirs = session_of(owner)
    if token == "its own":  # a real token, of the visitor's own cart
        client.post("/cart/add", data={"product_id": make_product(name_sq="Tavolinë").id})
    with client.session_transaction() as sess:
        sess["cart_id"] = theirs["cart_id"]
        if token != "its own":
            sess.pop("cart_token", None)
        if token is not None and token != "its own":
            sess["cart_token"] = token
    assert "Karrige lisi" not in client.get("/cart").text
    # Nor can it be changed through the forged id.
    client.post(f"/cart/lines/{line_of(app, theirs['cart_id'])}", data={"quantity": "0"})
    assert "Karrige lisi" in owner.get("/cart").text


def line_of(app, cart_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(CartLine.id).where(CartLine.cart_id == cart_id))
