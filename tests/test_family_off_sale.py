"""A family whose parent is deactivated is off sale whole (``Product.sellable``): no listing,
search, price list, sitemap, page, filter count, cart, order, heart, back-in-stock e-mail or
newsletter product; activating the parent again brings the family back as it was (a variant
the owner had deactivated on its own stays so)."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from lesnamax.account import stock_alerts, wishlist
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.newsletter import manage as newsletter
from lesnamax.orders.models import Order

from . import variants_support
from .test_checkout import go_to_review, place_form
from .variants_support import stock_of

family = variants_support.family


class _Fields(HTMLParser):
    """The fields a browser would send from the page's ``admin-form``."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = "admin-form" in (a.get("class") or "")
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.values[a["name"]] = a.get("value") or ("y" if a.get("type") == "checkbox"
                                                           else "")
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a.get("name")
            self.values[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data


def edit_form(client, product_id: int) -> dict:
    parser = _Fields()
    parser.feed(client.get(f"/admin/products/{product_id}/edit").text)
    return parser.values


def set_active(client, product_id: int, active: bool) -> None:
    """The owner ticks or clears "active" on the family's edit page and saves."""
    values = edit_form(client, product_id)
    values.pop("active", None)
    if active:
        values["active"] = "y"
    assert client.post(f"/admin/products/{product_id}/edit", data=values).status_code == 303


def variant_slug(app, sku: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Product.slug).where(Product.sku == sku))


def shop_shows(client, app) -> dict[str, bool]:
    """Where the family (or one of its variants) shows in the shop."""
    return {
        "listing": "/products/dyshek-dardana" in client.get("/category/dysheke").text,
        "search": "/products/dyshek-dardana" in client.get(
            "/products", query_string={"q": "DAR-160"}).text,
        "suggest": "Dyshek Dardana" in client.get("/search/suggest?q=dardana").text,
        "price list": "Dyshek Dardana, 160×200" in client.get("/cmimore").text,
        "sitemap": "dyshek-dardana" in client.get("/sitemap-products-1.xml").text,
        "page": client.get("/products/dyshek-dardana").status_code == 200,
        "variant page": client.get(
            f"/products/{variant_slug(app, 'DAR-160')}").status_code == 301,
        "size filter": ">160×200 (1)</option>" in client.get("/products").text,
    }


def test_the_owner_deactivates_a_family_and_it_leaves_the_shop_whole(app, client, admin,
                                                                      family):
    everywhere = dict.fromkeys(shop_shows(client, app), True)
    assert shop_shows(client, app) == everywhere
    with app.app_context():  # one size the owner had taken off sale on its own
        db.session.get(Product, family.variant_ids[3]).active = False
        db.session.commit()
    set_active(client, family.id, False)
    assert shop_shows(client, app) == dict.fromkeys(everywhere, False)
    assert client.get(f"/products/{variant_slug(app, 'DAR-160')}").status_code == 404
    assert client.post("/cart/add", data={"product_id": family.variant_ids[2]}).status_code == 404
    assert client.get(f"/cart/delivery/{family.variant_ids[2]}").status_code == 404
    # The owner sees why a variant still ticked "active" is not in the shop.
    variant_page = client.get(f"/admin/products/{family.variant_ids[2]}/edit?lang=sq").text
    assert "Jo në shitje: familja e tij është joaktive" in variant_page
    with app.app_context():  # the variants' own flags are untouched
        assert [db.session.get(Product, i).active for i in family.variant_ids] == [
            True, True, True, False]
    set_active(client, family.id, True)
    assert shop_shows(client, app) == everywhere
    html = client.get("/cmimore").text
    assert "Dyshek Dardana, 90×200" in html and "Dyshek Dardana, 180×200" not in html


def test_a_variant_in_a_cart_becomes_unavailable_and_is_not_ordered(app, client, admin, family,
                                                                    make_user, login):
    from lesnamax.cart.models import Cart
    from lesnamax.orders import services as orders

    user = make_user()
    chosen = family.variant_ids[2]  # 160×200, 3 left
    buyer = app.test_client()
    buyer.post("/account/login", data={"email": user.email, "password": user.password})
    buyer.post("/cart/add", data={"product_id": chosen, "quantity": "2"})
    form = place_form(go_to_review(buyer).text)
    set_active(client, family.id, False)
    cart = buyer.get("/cart?lang=sq").text
    assert "line-unavailable" in cart and "Nuk ka në stok" in cart
    assert buyer.post("/checkout/place", data=form).status_code != 303
    with app.app_context():
        # Placed by a tool with no review page to compare: the stock's own UPDATE refuses.
        delivery = orders.Delivery("Arta", "K", user.email, "+38344123456", "Rr. 1",
                                   "prishtine", "10000", "standard", "cash")
        cart_id = db.session.scalar(select(Cart.id).where(Cart.user_id == user.id))
        with pytest.raises(orders.OutOfStock) as short:
            orders.place_order(cart_id, user.id, delivery, "b" * 32, ip=None, language="sq",
                               policy_version=1)
        assert short.value.available == 0
        assert db.session.scalar(select(func.count(Order.id))) == 0
    assert stock_of(app, chosen) == 3
    set_active(client, family.id, True)
    assert "line-unavailable" not in buyer.get("/cart").text


def test_hearts_alerts_and_newsletters_follow_the_family(app, client, admin, family,
                                                          make_user):
    sold_out = family.variant_ids[1]  # 140×200
    user = make_user()
    customer = app.test_client()
    customer.post("/account/login", data={"email": user.email, "password": user.password})
    customer.post("/account/wishlist/add", data={"product": family.id})
    customer.post(f"/back-in-stock/{sold_out}?lang=sq",
                  data={"email": "drita@example.test", "consent": "y"})
    set_active(client, family.id, False)
    assert customer.post("/account/wishlist/add",
                         data={"product": family.variant_ids[0]}).status_code == 404
    assert "Dyshek Dardana" not in customer.get("/account/wishlist").text
    assert customer.get(f"/back-in-stock/{family.variant_ids[2]}").status_code == 404
    with app.app_context():
        db.session.get(Product, sold_out).stock = 2
        db.session.commit()
        now = datetime.now(UTC)
        assert stock_alerts.due_ids(now) == [] and stock_alerts.notify_due(now) == 0
        assert wishlist.sellable(family.variant_ids[0]) is None
        found, missing = newsletter.products_by_sku(["DAR-160", "DAR"])
        assert found == [] and missing == ["DAR-160", "DAR"]
    set_active(client, family.id, True)
    assert "Dyshek Dardana" in customer.get("/account/wishlist").text
    with app.app_context():
        assert stock_alerts.notify_due(datetime.now(UTC)) == 1  # sent once it is back
        found, _missing = newsletter.products_by_sku(["DAR-160"])
        assert [p.sku for p in found] == ["DAR-160"]


def test_a_campaign_leaves_out_a_family_taken_off_sale(app, client, admin, family):
    from lesnamax import shoptime
    from lesnamax.newsletter import messages

    from .newsletter_support import make_campaign

    with app.app_context():
        chosen = [db.session.get(Product, family.variant_ids[2])]
    campaign = make_campaign(app, chosen)
    with app.app_context():
        assert [s.name for s in messages.showcase(campaign, "sq", shoptime.shop_today())] == [
            "Dyshek Dardana, 160×200"]
    set_active(client, family.id, False)
    with app.app_context():
        assert messages.showcase(campaign, "sq", shoptime.shop_today()) == []
    shown = client.get(f"/admin/newsletter/{campaign}?lang=en").text
    assert "no longer on sale: left out" in shown
