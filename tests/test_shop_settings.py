"""Shop settings in /admin/settings: saved, audited, refused with 422 keeping what was typed,
read through a cache that a save invalidates; fees that apply to the next cart, never to a
placed order."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lesnamax import shopsettings, trader
from lesnamax.audit import AuditEvent
from lesnamax.extensions import db
from lesnamax.kosovo import BY_SLUG
from lesnamax.orders.models import Order

from .test_checkout import go_to_review, place_form


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")


def form_data(**changes) -> dict:
    """The settings form as the page shows it today (the seed), with ``changes``."""
    data = {
        "legal_name": "LESNA ING", "trade_name": "LESNA MAX", "nrb": "811234567",
        "nf": "601234567", "vat_number": "330123456",
        "address_sq": "Magjistralja Prishtinë – Fushë Kosovë",
        "address_en": "Prishtinë – Fushë Kosovë highway", "phone": "044 779 977",
        "email": "online.lesnamax@gmail.com", "viber": "044 779 977", "whatsapp": "",
        "hours_sq": "E hënë – e premte: 08:00–20:00", "hours_en": "Monday – Friday: 08:00–20:00",
        "free_delivery_from": "150,00", "vat_standard_percent": "18",
        "vat_reduced_percent": "8", "fee_all": "5,00", "days_all": "1-2",
        "fee_prishtine": "2,50", "days_prishtine": "1", "fee_fushe_kosove": "2,50",
        "fee_lipjan": "3,50", "days_lipjan": "1-2",
    }
    data.update(changes)
    return data


def events(app, action="settings.update") -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_customer_cannot_see_or_change_the_settings(client, make_user, login):
    assert client.get("/admin/settings").status_code == 302  # to the login page
    login(make_user())
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data=form_data(trade_name="X")).status_code == 403
    assert client.get("/admin/settings/stores").status_code == 403


def test_the_page_shows_the_seed_from_the_configuration(client, admin, english):
    html = client.get("/admin/settings").text
    assert 'value="LESNA ING"' in html and 'value="044 779 977"' in html
    assert 'name="fee_prishtine" size="6" type="text" value="2,50"' in html or (
        'value="2,50"' in html)
    assert 'name="days_all"' in html and "Everywhere else" in html


def test_saving_changes_the_footer_and_is_audited_with_before_and_after(app, client, admin,
                                                                      english):
    client.get("/")  # the page cache keeps the old footer until the save
    response = client.post("/admin/settings", data=form_data(phone="049 111 222",
                                                            hours_en="Mon–Sat: 9–17"))
    assert response.status_code == 303
    footer = client.get("/").text
    assert "+383 49 111 222" in footer and "Mon–Sat: 9–17" in footer
    assert "+383 44 779 977" not in footer.split("site-footer")[1]
    [event] = events(app)
    assert "phone: +38344779977 → +38349111222" in event.detail
    assert "nrb:  → 811234567" in event.detail
    assert event.actor_email == "pronari@example.test"
    # The same form again changes nothing and records nothing.
    client.post("/admin/settings", data=form_data(phone="049 111 222", hours_en="Mon–Sat: 9–17"))
    assert len(events(app)) == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("fee_prishtine", "-2", "The amount cannot be negative."),
    ("free_delivery_from", "-1", "The amount cannot be negative."),
    ("vat_standard_percent", "120", "Write the rate as a whole number from 0 to 100."),
    ("vat_reduced_percent", "8.5", "Write the rate as a whole number from 0 to 100."),
    ("phone", "12345", "Enter a Kosovo phone number"),
    ("viber", "abc", "Enter a Kosovo phone number"),
    ("days_lipjan", "3-1", "Write the days as a number or a range"),
    ("fee_all", "", "This field is required."),
    ("email", "not-an-address", "Enter a valid e-mail address."),
    ("nrb", "81<script>", "Use digits and letters only."),
])
def test_bad_input_is_refused_with_422_keeping_what_was_typed(app, client, admin, english,
                                                             field, value, message):
    typed = form_data(trade_name="LESNA MAX Shtëpia", **{field: value})
    response = client.post("/admin/settings", data=typed)
    assert response.status_code == 422
    assert message in response.text
    assert 'value="LESNA MAX Shtëpia"' in response.text  # nothing the owner typed is lost
    assert events(app) == []


def test_a_fee_without_its_municipality_rule_falls_back_and_days_need_a_fee(client, admin,
                                                                           english):
    response = client.post("/admin/settings", data=form_data(days_peje="3"))
    assert response.status_code == 422
    assert "Write the fee too, or leave both empty." in response.text


def test_the_cached_read_is_invalidated_by_a_save(app, client, admin, count_queries):
    client.get("/admin/settings")
    with app.test_request_context():
        first = shopsettings.current()
        with count_queries() as queries:
            assert shopsettings.current() is first  # cached: no query
        assert queries == []
    client.post("/admin/settings", data=form_data(fee_prishtine="3,00"))
    with app.test_request_context():
        now = shopsettings.current()
        assert now is not first and now.rule_for("prishtine").fee_cents == 300
        assert trader.details().phone == "+383 44 779 977"


def test_another_process_sees_a_save_at_its_next_request(app, make_app, client, admin):
    """Two app objects share the database and the stamp file, like two workers."""
    other = make_app(dict(app.config))
    with other.test_request_context():
        assert shopsettings.current().rule_for("peje").fee_cents == 500
    client.post("/admin/settings", data=form_data(fee_all="6,00"))
    with other.test_request_context():
        assert shopsettings.current().rule_for("peje").fee_cents == 600


def test_a_fee_change_applies_to_the_next_cart_not_to_a_placed_order(
        app, client, admin, make_product, english):
    lamp = make_product(name_en="Lamp", price_cents=2000, stock=5)
    client.post("/cart/add", data={"product_id": lamp.id})
    review = go_to_review(client, municipality="peje")
    assert "€5.00" in review.text
    assert client.post("/checkout/place", data=place_form(review.text)).status_code == 303
    client.post("/admin/settings", data=form_data(fee_all="7,00"))
    with app.app_context():
        placed = db.session.scalars(select(Order)).one()
        assert (placed.delivery_cents, placed.total_cents) == (500, 2500)
    client.post("/cart/add", data={"product_id": lamp.id})
    assert "€7.00" in go_to_review(client, municipality="peje").text
    with app.app_context():
        assert db.session.scalars(select(Order)).one().delivery_cents == 500


@pytest.mark.parametrize(("municipality", "change", "shown", "column", "value"), [
    ("peje", {"fee_all": "7,00"}, "€7.00", "delivery_cents", 700),
    # The total is the same, but the VAT the page showed inside it is not.
    ("prishtine", {"vat_standard_percent": "20"}, "Of which VAT (20%)", "vat_percent", 20),
], ids=["fee", "vat"])
def test_a_change_between_review_and_place_orders_nothing(app, client, admin, make_product,
                                                          english, municipality, change, shown,
                                                          column, value):
    """The review page is shown again with the new figures; placing from it then goes through."""
    lamp = make_product(name_en="Lamp", price_cents=11800, stock=5)
    client.post("/cart/add", data={"product_id": lamp.id})
    review = go_to_review(client, municipality=municipality)
    client.post("/admin/settings", data=form_data(**change))
    response = client.post("/checkout/place", data=place_form(review.text))
    assert response.status_code == 409 and shown in response.text
    with app.app_context():
        assert db.session.scalars(select(Order)).all() == []
    assert client.post("/checkout/place", data=place_form(response.text)).status_code == 303
    with app.app_context():
        assert getattr(db.session.scalars(select(Order)).one(), column) == value


def test_free_delivery_threshold_and_days_come_from_the_settings(client, admin, make_product,
                                                                english):
    lamp = make_product(name_en="Lamp", price_cents=2000, stock=5)
    client.post("/admin/settings", data=form_data(free_delivery_from="20,00", days_all="3-5"))
    client.post("/cart/add", data={"product_id": lamp.id})
    assert "free" in go_to_review(client, municipality="peje").text.lower()
    page = client.get("/checkout/delivery").text
    assert "takes 3–5 working days" in page and "€20.00" in page


def test_every_municipality_has_a_row(client, admin):
    html = client.get("/admin/settings").text
    for slug in BY_SLUG:
        assert f'name="fee_{slug.replace("-", "_")}"' in html


def test_two_processes_seed_once(app, make_app):
    from sqlalchemy import func

    from lesnamax.shopsettings import ShopSettings, Store

    other = make_app(dict(app.config))
    for each in (app, other, app):
        with each.test_request_context():
            shopsettings.seed(each)
    with app.app_context():
        assert db.session.scalar(select(func.count(ShopSettings.id))) == 1
        assert db.session.scalar(select(func.count(Store.id))) == 1


def test_settings_come_from_the_configuration_until_seeded(make_app, app):
    config = {**app.config, "SHOP_PHONE": "049 555 666", "DELIVERY_FEES_CENTS": {"*": 900}}
    other = make_app(config)
    with other.test_request_context():
        shop = shopsettings.current()  # nothing written: the configuration's values
        assert shop.phone == "+38349555666" and shop.rule_for("peje").fee_cents == 900
        assert shop.rule_for("peje").days == "2–5"  # DELIVERY_DAYS["*"]


def test_a_vat_change_applies_to_later_orders_not_to_a_placed_ones_invoice(
        app, client, admin, make_product, english):
    """A cash order is invoiced at delivery, days after placing: the VAT rate on its invoice
    is the one its prices included when placed, not the one in the settings by then."""
    from lesnamax.invoices.models import Invoice

    from .admin_orders_support import move
    from .test_terms import pdf_text

    lamp = make_product(name_en="Lamp", price_cents=11800, stock=5)
    client.post("/cart/add", data={"product_id": lamp.id})
    review = go_to_review(client, municipality="prishtine")
    assert "Of which VAT (18%)" in review.text
    assert client.post("/checkout/place", data=place_form(review.text)).status_code == 303
    assert client.post("/admin/settings", data=form_data(vat_standard_percent="20")
                       ).status_code == 303
    with app.app_context():
        order = db.session.scalars(select(Order)).one()
        assert order.vat_percent == 18
    assert "Prices include VAT (18%)" in client.get(f"/orders/{order.number}").text
    for old, new in (("cash_on_delivery", "processing"), ("processing", "shipped"),
                     ("shipped", "delivered")):
        assert move(client, order, old, new, notify="").status_code == 303
    with app.app_context():
        invoice = db.session.scalars(select(Invoice)).one()
        assert {line["vat_rate"] for line in invoice.data["lines"]} == {18}
        # 118,00 € + 2,50 € delivery at 18 %: 18,38 € of VAT (at 20 % it would be 20,08 €).
        assert invoice.vat_cents == 1838
    text = pdf_text(client.get(f"/orders/{order.number}/invoice.pdf").data)
    assert "18 %" in text and "18.38" in text and "20 %" not in text
    # The next cart is computed at the new rate.
    client.post("/cart/add", data={"product_id": lamp.id})
    assert "Of which VAT (20%)" in go_to_review(client, municipality="prishtine").text
