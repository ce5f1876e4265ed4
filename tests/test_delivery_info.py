"""Delivery where people decide: the product page's general rule (shared, cached) and the
visitor's own municipality (a private partial), the cart's "how much more for free delivery",
checkout's days, and "Falas" in the confirmation of an order delivered free."""

from __future__ import annotations

import re

import pytest

from lesnamax.cart import pricing

from .account_support import outbox_messages, text_of
from .test_checkout import go_to_review, place_form

HX = {"HX-Request": "true"}


def page(client, url: str, **kwargs) -> str:
    """The answer's text with Babel's no-break spaces (in "25,00 €") made plain."""
    return client.get(url, **kwargs).text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def chair(make_product):
    return make_product(name_sq="Karrige", name_en="Chair", slug="karrige", price_cents=12500)


@pytest.fixture
def sofa(make_product):
    return make_product(name_sq="Divan", name_en="Sofa", slug="divan", price_cents=45000)


def test_delivery_rules_are_read_from_one_place(app):
    app.config["DELIVERY_DAYS"] = {"prishtine": [1, 1], "*": [3, 6]}  # JSON from the env
    app.config["FREE_DELIVERY_FROM_CENTS"] = 20000
    with app.app_context():
        rules = pricing.delivery_rules()
        assert rules.fee("prishtine") == 250 and rules.fee("prizren") == rules.fee(None) == 500
        assert rules.days_for("prishtine") == (1, 1) and rules.days_for("peje") == (3, 6)
        assert rules.missing_for_free(18750) == 1250 and rules.missing_for_free(25000) == 0
        # The fee that placing charges comes from the same rules.
        assert pricing.delivery_fee(pricing.STANDARD, "prizren", 19999) == 500
        assert pricing.delivery_fee(pricing.STANDARD, "prizren", 20000) == 0
    # The configuration only seeded the owner's settings: the rules stay what was seeded, and a
    # municipality without its own days takes those of "*".
    app.config["DELIVERY_DAYS"] = {"*": (9, 9)}
    with app.app_context():
        groups = pricing.delivery_rules().groups()
    assert groups == [(250, (1, 1), ["prishtine"]),
                      (250, (3, 6), ["fushe-kosove", "obiliq", "gracanice"]),
                      (350, (3, 6), ["lipjan"])]


def test_the_product_page_states_the_general_rule_without_javascript(client, chair):
    answer = client.get("/products/karrige?lang=en")
    html = answer.text.replace("\xa0", " ")
    assert answer.status_code == 200
    assert "Free delivery for orders from €150.00" in html
    table = html.split('class="delivery-table"', 1)[1].split("</table>", 1)[0]
    rows = [re.sub(r"<[^>]+>", "|", row) for row in table.split("<tr>")[2:]]
    assert "Prishtinë, Fushë Kosovë, Obiliq, Graçanicë" in rows[0] and "€2.50" in rows[0]
    assert "1–2 working days" in rows[0] and "2–5 working days" in rows[-1]
    assert "Other municipalities" in rows[-1]
    assert "Pick-up at our stores is free." in html
    # The visitor's own municipality comes by a private request, not in these shared bytes.
    assert f'hx-get="/cart/delivery/{chair.id}?lang=en"' in html
    assert answer.headers["Cache-Control"] == "no-cache"


def test_in_albanian_too(client, chair):
    html = page(client, "/products/karrige?lang=sq")
    assert "Dërgesë falas për porositë nga 150,00 €" in html
    assert "2–5 ditë pune" in html and "Komunat e tjera" in html


def test_a_product_above_the_threshold_is_delivered_free(client, sofa):
    html = page(client, "/products/divan?lang=en")
    assert "Delivery of this product is free across Kosovo." in html
    assert "Fee</th>" not in html


def test_the_shared_page_is_the_same_for_a_customer(client, chair, make_user, login):
    before = page(client, "/products/karrige?lang=en")
    login(make_user())
    after = page(client, "/products/karrige?lang=en")
    assert "Delivery to Prishtinë" not in after

    def section(html: str) -> str:
        return html.split('class="delivery-info"', 1)[1].split("</section>", 1)[0]

    assert section(before) == section(after)


def test_the_partial_says_nothing_when_nobody_said_where(client, chair):
    answer = client.get(f"/cart/delivery/{chair.id}", headers=HX)
    assert answer.status_code == 204  # htmx keeps the general rule


def test_the_partial_speaks_of_the_customers_municipality(client, chair, sofa, make_user,
                                                          login):
    login(make_user(municipality="lipjan"))
    answer = client.get(f"/cart/delivery/{chair.id}?lang=en", headers=HX)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, no-store"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", answer.text))
    assert "Delivery to Lipjan: €3.50, 1–3 working days." in text or (
        "Delivery to Lipjan:" in text and "3.50" in text and "1–3 working days" in text)
    assert 'id="delivery-for-me"' in answer.text
    free = page(client, f"/cart/delivery/{sofa.id}?lang=sq", headers=HX)
    assert "Dërgesa në Lipjan:" in free and "Falas" in free
    assert client.get("/cart/delivery/999999", headers=HX).status_code == 404


def test_a_municipality_chosen_in_the_cart_counts_everywhere(client, chair, make_user, login):
    login(make_user(municipality="prishtine"))
    client.post("/cart/add", data={"product_id": chair.id})
    answer = client.post("/cart/delivery-to", data={"municipality": "prizren"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#delivery-note")
    cart = page(client, "/cart?lang=sq")
    assert "Dërgesa në Prizren:" in cart and "5,00 €" in cart and "2–5 ditë pune" in cart
    assert "Dërgesa në Prizren:" in client.get(f"/cart/delivery/{chair.id}?lang=sq",
                                              headers=HX).text
    # htmx: the cart's lines come back with the new note.
    swapped = client.post("/cart/delivery-to?lang=en", data={"municipality": "peje"},
                          headers=HX)
    assert swapped.status_code == 200 and 'id="cart-lines"' in swapped.text
    assert "Delivery to Pejë:" in swapped.text


def test_the_cart_refuses_an_unknown_municipality(client, chair):
    client.post("/cart/add", data={"product_id": chair.id})
    assert client.post("/cart/delivery-to?lang=en",
                       data={"municipality": "atlantis"}).status_code == 400
    # None chosen: the cart as it was.
    assert client.post("/cart/delivery-to", data={"municipality": ""}).status_code == 303
    assert "Dërgesa në Prishtinë" not in page(client, "/cart?lang=sq")


def test_the_cart_says_how_much_more_for_free_delivery(client, chair, make_product):
    client.post("/cart/add", data={"product_id": chair.id})
    html = page(client, "/cart?lang=sq")
    assert "Edhe 25,00 € për dërgesë falas" in html
    cushion = make_product(price_cents=2500)
    # Changing the cart by htmx updates the note with the lines.
    answer = client.post("/cart/add", data={"product_id": cushion.id})
    assert answer.status_code == 303
    html = page(client, "/cart?lang=en")
    assert "Delivery is free for this cart." in html and "more for free delivery" not in html
    line = re.search(r'id="line-(\d+)"', html).group(1)
    swapped = client.post(f"/cart/lines/{line}/remove?lang=sq", headers=HX)
    assert "për dërgesë falas" in swapped.text


def test_checkout_remembers_the_municipality_and_states_the_days(client, chair, make_user,
                                                                 login):
    login(make_user(municipality="prishtine"))
    client.post("/cart/add", data={"product_id": chair.id})
    client.post("/checkout/address", data={
        "first_name": "Arta", "last_name": "Krasniqi", "phone": "044 123 456",
        "street": "Rr. 1", "municipality": "gjakove", "postal_code": ""})
    steps = page(client, "/checkout/delivery?lang=en")
    assert "Delivery to Gjakovë takes 2–5 working days." in steps
    assert "Delivery to Gjakovë:" in client.get(f"/cart/delivery/{chair.id}?lang=en",
                                               headers=HX).text


@pytest.mark.parametrize(("lang", "word"), [("sq", "Dërgesa: Falas"), ("en", "Delivery: Free")])
def test_the_confirmation_of_a_free_delivery_says_so(client, app, sofa, make_user, login,
                                                     lang, word):
    login(make_user(language=lang))
    client.set_cookie("lang", lang)
    client.post("/cart/add", data={"product_id": sofa.id})
    placed = client.post("/checkout/place", data=place_form(go_to_review(client).text))
    assert placed.status_code == 303
    [confirmation] = [m for m in outbox_messages(app.config["MAIL_OUTBOX"])
                      if "LM-" in m["Subject"]]
    assert word in text_of(confirmation)
    assert "0,00 €" not in text_of(confirmation) and "€0.00" not in text_of(confirmation)
    html = confirmation.get_body(preferencelist=("html",)).get_content()
    assert ">Falas<" in html or ">Free<" in html
