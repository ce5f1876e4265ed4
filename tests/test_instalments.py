"""Instalments ("me këste"): plans per bank in the settings, "ose 12 × 41,66 €" where one
applies, the choice at the payment step in the review's fingerprint, signed into the bank
form's Instalment field, verified in the reply, and kept on the order, invoice and e-mail."""

from __future__ import annotations

import email
import email.policy
import html as html_lib
import re

import pytest
from sqlalchemy import select

from lesnamax import instalments
from lesnamax.audit import AuditEvent
from lesnamax.extensions import db
from lesnamax.instalments import InstalmentPlan, Plan
from lesnamax.invoices.models import Invoice
from lesnamax.orders.models import Order
from lesnamax.payments import nestpay, sandbox
from lesnamax.payments.models import PaymentAttempt, PaymentEvent

from .test_checkout import choose_day, place_form
from .test_payments import reply
from .test_sandbox_bank import Page

PLANS = "TEB:3,6,12:300:0;BKT:3,6:200:2.5"
ADDRESS = {"first_name": "Arta", "last_name": "Krasniqi", "phone": "044 123 456",
           "street": "Rr. Bill Clinton, Nr. 33", "municipality": "prishtine",
           "postal_code": "10000"}


# --- the rules, without a request ------------------------------------------------------------

def test_plans_from_the_environment_and_their_offers():
    teb, bkt = instalments.parse_plans(PLANS)
    assert teb == Plan("TEB", (3, 6, 12), 30000, 0)
    assert bkt == Plan("BKT", (3, 6), 20000, 250)
    assert instalments.parse_plans("") == ()
    for bad in ("TEB:3,6", "TEB:1,6:300:0", "TEB:3:x:0", "TEB:3:300:30", "T|B:3:300:0"):
        with pytest.raises(ValueError):
            instalments.parse_plans(bad)
    offers = instalments.options((teb, bkt), 49990)
    assert [o.value for o in offers] == ["TEB:3", "TEB:6", "TEB:12", "BKT:3", "BKT:6"]
    bkt6 = instalments.find((teb, bkt), "BKT", 6, 49990)
    assert (bkt6.fee_cents, bkt6.total_cents, bkt6.per_instalment_cents) == (1250, 51240, 8540)
    # Below a plan's minimum it is not offered; below every minimum nothing is.
    assert [o.value for o in instalments.options((teb, bkt), 25000)] == ["BKT:3", "BKT:6"]
    assert instalments.options((teb, bkt), 19999) == []
    assert instalments.find((teb, bkt), "TEB", 9, 49990) is None
    best, banks = instalments.teaser((teb, bkt), 49990)
    assert (best.count, best.per_instalment_cents, banks) == (12, 4166, ("TEB",))  # rounded up
    assert instalments.teaser((teb, bkt), 19999) is None


def test_choices_counts_and_percentages_are_read_strictly():
    assert instalments.parse_choice("TEB:6") == ("TEB", 6)
    assert instalments.parse_choice("TEB:") is None and instalments.parse_choice("6") is None
    assert instalments.parse_counts("12, 3 6 6") == (3, 6, 12)
    assert instalments.parse_counts("1, 3") is None and instalments.parse_counts("x") is None
    assert instalments.parse_percent("2,5") == 250 and instalments.parse_percent("0") == 0
    assert instalments.parse_percent("2.555") is None and instalments.parse_percent("-1") is None
    assert instalments.parse_percent("21") is None and instalments.parse_percent("nan") is None


def test_the_instalment_field_is_signed_and_only_a_number():
    common = dict(client_id="190100000", oid="LM-1-1", amount_cents=49990, ok_url="http://s/ok",
                  fail_url="http://s/fail", callback_url="", shop_url="", rnd="ab", lang="sq",
                  store_key="TEST1234")
    full = nestpay.request_fields(**common)
    six = nestpay.request_fields(**common, instalments=6)
    assert full["Instalment"] == "" and six["Instalment"] == "6"
    assert six["hash"] != full["hash"] and nestpay.verify(six, "TEST1234")
    assert not nestpay.verify({**six, "Instalment": "12"}, "TEST1234")
    for bad in (1, 0, True, "6"):
        with pytest.raises(ValueError):
            nestpay.request_fields(**common, instalments=bad)


# --- the shop ----------------------------------------------------------------------------------

@pytest.fixture
def shop(app, client, make_product, make_user, login, tmp_path):
    """Plans named by the environment (seeded with the settings at the first request), a bed of
    499,90 € and a logged-in customer with it in the cart."""
    app.config["INSTALMENT_PLANS"] = PLANS
    sandbox.register(app)  # before the first request
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    bed = make_product(name_sq="Shtrat Dardana", name_en="Dardana bed", price_cents=49990,
                       stock=3)
    cheap = make_product(name_sq="Jastëk", name_en="Pillow", price_cents=1990, stock=9)
    login(make_user(first_name="Arbër"))
    return {"bed": bed, "cheap": cheap, "outbox": tmp_path / "outbox"}


def to_payment(client, product_id):
    client.post("/cart/add", data={"product_id": product_id})
    assert client.post("/checkout/address", data=ADDRESS).status_code == 303
    assert client.post("/checkout/delivery", data={"method": "standard"}).status_code == 303
    choose_day(client)
    return client.get("/checkout/payment")


def bank_form(client, location):
    page = client.get(location)
    form = page.text.split("data-autosubmit", 1)[1].split("</form>", 1)[0]
    return {name: html_lib.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form)}


def test_product_page_and_cart_say_ose_12_only_where_a_plan_applies(client, shop):
    bed = client.get(f"/products/{shop['bed'].slug}").text
    assert "ose 12 × 41,66\xa0€" in bed and "me këste me kartelë TEB" in bed
    pillow = client.get(f"/products/{shop['cheap'].slug}").text
    assert 'class="instalments"' not in pillow  # no teaser under a 19,90 € price
    client.post("/cart/add", data={"product_id": shop["cheap"].id})
    assert 'class="instalments"' not in client.get("/cart").text
    client.post("/cart/add", data={"product_id": shop["bed"].id})
    cart = client.get("/cart").text  # 519,80 €: TEB's 12 still gives the smallest instalment
    assert "ose 12 × 43,32\xa0€" in cart


def test_paying_in_6_instalments_from_the_payment_step_to_the_invoice(app, client, shop):
    page = to_payment(client, shop["bed"].id)
    assert page.status_code == 200
    for text in ("6 këste me kartelë TEB", "3 këste me kartelë BKT", "E plotë, me një pagesë",
                 "tarifë për këste 12,50\xa0€", "6 × 83,32\xa0€, gjithsej 499,90\xa0€"):
        assert text in page.text
    assert client.post("/checkout/payment",
                       data={"method": "card", "plan": "TEB:6"}).status_code == 303
    review = client.get("/checkout/review").text
    assert "në 6 këste me kartelë TEB: 6 × 83,32\xa0€" in review
    assert "Tarifa për këste" in review and "Pa tarifë" in review
    placed = client.post("/checkout/place", data=place_form(review))
    assert placed.headers["Location"].startswith("/payment/")
    fields = bank_form(client, placed.headers["Location"])
    assert fields["Instalment"] == "6" and fields["amount"] == "499.90"
    assert fields["hash"] == nestpay.hash_ver3(fields, "TEST1234")
    # The sandbox bank shows and echoes the number; its approval pays the order.
    gate = client.post("/sandbox-bank/fim/est3Dgate", data=fields)
    assert gate.status_code == 200 and "Këste" in gate.text
    answer = client.post("/sandbox-bank/fim/est3Dgate/pay",
                         data={**fields, "sandbox_scenario": "approve"})
    back = Page(answer.text).forms[0]
    assert back["action"].endswith("/payment/nestpay/ok")
    assert back["fields"]["Instalment"] == "6"
    done = client.post("/payment/nestpay/ok", data=back["fields"])
    order_page = client.get(done.headers["Location"]).text
    assert "E paguar" in order_page and "në 6 këste me kartelë TEB" in order_page
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.status, order.instalments, order.instalment_bank,
                order.instalment_fee_cents, order.total_cents) == ("paid", 6, "TEB", 0, 49990)
        assert db.session.scalar(select(PaymentAttempt.instalments)) == 6
        invoice = db.session.scalar(select(Invoice))
        assert invoice.data["instalments"] == 6 and invoice.data["instalment_bank"] == "TEB"
    [mail] = list(shop["outbox"].glob("*.eml"))
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert "në 6 këste me kartelë TEB" in message.get_body(("plain",)).get_content()


def test_a_fee_is_on_the_review_the_order_the_bank_amount_and_the_invoice(app, client, shop):
    to_payment(client, shop["bed"].id)
    client.post("/checkout/payment", data={"method": "card", "plan": "BKT:6"})
    review = client.get("/checkout/review").text
    assert "(tarifë për këste 12,50\xa0€)" in review and "512,40\xa0€" in review
    placed = client.post("/checkout/place", data=place_form(review))
    fields = bank_form(client, placed.headers["Location"])
    assert (fields["Instalment"], fields["amount"]) == ("6", "512.40")
    client.post("/payment/nestpay/ok", data=reply(fields))
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.status, order.instalment_fee_cents, order.total_cents) == (
            "paid", 1250, 51240)
        invoice = db.session.scalar(select(Invoice))
        fee_lines = [line for line in invoice.data["lines"] if line["name"] == "instalment_fee"]
        assert [line["gross_cents"] for line in fee_lines] == [1250]
        assert invoice.total_cents == 51240


@pytest.mark.parametrize("echoed", ["12", "", "06"])
def test_a_reply_naming_another_number_is_not_a_payment(app, client, shop, echoed):
    to_payment(client, shop["bed"].id)
    client.post("/checkout/payment", data={"method": "card", "plan": "TEB:6"})
    placed = client.post("/checkout/place", data=place_form(client.get("/checkout/review").text))
    fields = bank_form(client, placed.headers["Location"])
    client.post("/payment/nestpay/ok", data=reply(fields, Instalment=echoed))
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "payment_review"
        assert db.session.scalar(select(PaymentEvent.outcome)) == "review"


def test_instalments_where_none_were_asked_are_not_a_payment(app, client, shop):
    to_payment(client, shop["bed"].id)
    client.post("/checkout/payment", data={"method": "card"})
    placed = client.post("/checkout/place", data=place_form(client.get("/checkout/review").text))
    fields = bank_form(client, placed.headers["Location"])
    assert fields["Instalment"] == ""
    client.post("/payment/nestpay/ok", data=reply(fields, Instalment="6"))
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "payment_review"


def test_a_bad_plan_is_refused_with_422_and_cash_ignores_it(client, shop):
    to_payment(client, shop["bed"].id)
    refused = client.post("/checkout/payment", data={"method": "card", "plan": "TEB:9"})
    assert refused.status_code == 422
    assert "Zgjidhni një nga planet me këste që ofrohen." in refused.text
    assert 'value="TEB:9"' not in refused.text
    assert client.post("/checkout/payment",
                       data={"method": "cash", "plan": "TEB:9"}).status_code == 303
    review = client.get("/checkout/review").text
    assert "këste" not in review


def test_a_plan_withdrawn_after_the_review_orders_nothing(app, client, shop):
    to_payment(client, shop["bed"].id)
    client.post("/checkout/payment", data={"method": "card", "plan": "BKT:6"})
    review = client.get("/checkout/review").text
    with app.app_context():  # the owner raises BKT's fee meanwhile
        plan = db.session.scalar(select(InstalmentPlan).where(InstalmentPlan.bank == "BKT"))
        plan.fee_basis_points = 300
        db.session.commit()
    changed = client.post("/checkout/place", data=place_form(review))
    assert changed.status_code == 409 and "514,90\xa0€" in changed.text  # 3 % of 499,90 €
    with app.app_context():
        db.session.execute(db.delete(InstalmentPlan).where(InstalmentPlan.bank == "BKT"))
        db.session.commit()
    again = client.get("/checkout/review", follow_redirects=True)
    assert "Plani me këste që zgjodhët nuk ofrohet më" in again.text
    with app.app_context():
        assert db.session.scalar(select(Order)) is None


def test_the_sandbox_bank_refuses_instalments_below_its_minimum(app, client, shop):
    app.config["SANDBOX_INSTALMENT_MIN_CENTS"] = 60000
    to_payment(client, shop["bed"].id)
    client.post("/checkout/payment", data={"method": "card", "plan": "TEB:6"})
    placed = client.post("/checkout/place", data=place_form(client.get("/checkout/review").text))
    fields = bank_form(client, placed.headers["Location"])
    gate = client.post("/sandbox-bank/fim/est3Dgate", data=fields)
    assert "nuk lejon këste nën 600,00\xa0€" in gate.text
    assert Page(gate.text).buttons == [("sandbox_scenario", "instalments_refused")]
    sneaked = client.post("/sandbox-bank/fim/est3Dgate/pay",
                          data={**fields, "sandbox_scenario": "approve"})
    assert sneaked.status_code == 400
    answer = client.post("/sandbox-bank/fim/est3Dgate/pay",
                         data={**fields, "sandbox_scenario": "instalments_refused"})
    back = Page(answer.text).forms[0]
    assert back["action"].endswith("/payment/nestpay/fail")
    client.post("/payment/nestpay/fail", data=back["fields"])
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "payment_failed"


def test_the_sandbox_bank_refuses_a_malformed_instalment(app, client, shop):
    fields = nestpay.request_fields(
        client_id="190100000", oid="LM-2026-000001-1", amount_cents=49990,
        ok_url="http://shop.test/ok", fail_url="http://shop.test/fail", callback_url="",
        shop_url="", rnd="ab", lang="en", store_key="TEST1234")
    fields["Instalment"] = "1"
    fields["hash"] = nestpay.hash_ver3(fields, "TEST1234")
    page = client.post("/sandbox-bank/fim/est3Dgate", data=fields)
    assert page.status_code == 400 and "Instalment" in page.text


# --- the owner's settings ----------------------------------------------------------------------

def plan_rows(*rows) -> dict:
    data = {}
    for n, (bank, counts, minimum, fee) in enumerate(rows):
        data |= {f"rows-{n}-bank": bank, f"rows-{n}-counts": counts,
                 f"rows-{n}-minimum": minimum, f"rows-{n}-fee": fee}
    return data


def test_the_owner_sets_the_plans_audited(app, client, admin):
    page = client.get("/admin/settings/instalments")
    assert page.status_code == 200 and "Planet me këste" in page.text
    saved = client.post("/admin/settings/instalments",
                        data=plan_rows(("TEB", "12, 3, 6", "300", "0"), ("BKT", "3 6", "200",
                                                                            "2,5")))
    assert saved.status_code == 303
    with app.app_context():
        assert instalments.current() == (Plan("TEB", (3, 6, 12), 30000, 0),
                                         Plan("BKT", (3, 6), 20000, 250))
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "settings.instalments"))
        assert "BKT: – → 3,6 × from 200.00 €, fee 2.5 %" in event.detail
    form = client.get("/admin/settings/instalments").text
    assert 'value="3, 6, 12"' in form and 'value="2,5"' in form
    # The same again changes nothing and records nothing.
    client.post("/admin/settings/instalments",
                data=plan_rows(("TEB", "3,6,12", "300.00", "0"), ("BKT", "3,6", "200", "2.5")))
    with app.app_context():
        assert len(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "settings.instalments")).all()) == 1
    # Emptied: no plans, no teaser.
    client.post("/admin/settings/instalments", data={})
    with app.app_context():
        assert instalments.current() == ()


def test_bad_plans_are_refused_with_422_keeping_what_was_typed(app, client, admin):
    refused = client.post("/admin/settings/instalments", data=plan_rows(
        ("TEB", "1, 6", "300", "0"), ("teb", "3", "abc", "50"), ("", "3", "", "")))
    assert refused.status_code == 422
    for text in ("Shkruani numrat e kësteve nga 2 deri në 36", "Kjo bankë ka tashmë një plan",
                 "Shkruajeni shumën në euro", "Shkruajeni tarifën si përqindje",
                 'value="1, 6"', 'value="abc"'):
        assert text in refused.text
    with app.app_context():
        assert db.session.scalar(select(InstalmentPlan)) is None


def test_the_owner_sees_the_instalments_on_the_order(app, client, shop, make_admin, login):
    to_payment(client, shop["bed"].id)
    client.post("/checkout/payment", data={"method": "card", "plan": "BKT:6"})
    client.post("/checkout/place", data=place_form(client.get("/checkout/review").text))
    with app.app_context():
        number = db.session.scalar(select(Order.number))
    login(make_admin())
    page = client.get(f"/admin/orders/{number}").text
    assert "në 6 këste me kartelë BKT" in page and "Tarifa për këste" in page
    assert "12,50\xa0€" in page and "512,40\xa0€" in page


def test_the_teaser_follows_the_variant_chosen_with_and_without_htmx(app, client, make_category):
    from .variants_support import make_family

    app.config["INSTALMENT_PLANS"] = "TEB:3,6,12:350:0"
    make_family(app, make_category)  # 90×200 255 €, 160×200 389 €, 180×200 429 €
    small = client.get("/products/dyshek-dardana?size=90x200").text
    assert 'class="instalments"' not in small  # below the plan's 350 €
    big = client.get("/products/dyshek-dardana?size=160x200").text
    assert "ose 12 × 32,42\xa0€" in big  # 389 € / 12, rounded up
    swapped = client.get("/products/dyshek-dardana?size=180x200",
                         headers={"HX-Request": "true"}).text
    assert "ose 12 × 35,75\xa0€" in swapped and "<html" not in swapped


def test_the_form_shows_amounts_as_the_owner_types_them(app, client, admin):
    client.post("/admin/settings/instalments",
                data=plan_rows(("TEB", "3", "299,90", "0"), ("BKT", "6", "200", "1")))
    form = client.get("/admin/settings/instalments").text
    assert 'value="299,90"' in form and 'value="200"' in form and 'value="1"' in form


def test_a_malformed_environment_stops_the_start_and_the_demo_turns_plans_on(
        migrated, tmp_path, make_app):
    from lesnamax.demo import instalments as demo_instalments

    from .conftest import base_config, fresh_database

    config = base_config(fresh_database(migrated, tmp_path), tmp_path)
    with pytest.raises(ValueError, match="TEB:3"):
        make_app({**config, "INSTALMENT_PLANS": "TEB:3"})
    app = make_app(config)
    app.test_client().get("/")  # the first request seeds the settings
    with app.app_context():
        assert instalments.current() == ()  # off unless the environment names plans
        demo_instalments.seed()
        assert [p.bank for p in instalments.current()] == ["TEB", "BKT"]
        instalments.seed((Plan("NLB", (3,), 100, 0),))  # plans exist: nothing added
        db.session.commit()
        assert [p.bank for p in instalments.current()] == ["TEB", "BKT"]


def test_a_declined_instalment_order_switched_to_cash_drops_the_plan_and_its_fee(app, client,
                                                                                 shop):
    from .test_payments import DECLINED

    to_payment(client, shop["bed"].id)
    client.post("/checkout/payment", data={"method": "card", "plan": "BKT:6"})
    placed = client.post("/checkout/place", data=place_form(client.get("/checkout/review").text))
    fields = bank_form(client, placed.headers["Location"])
    back = client.post("/payment/nestpay/fail", data=reply(fields, **DECLINED))
    number = back.headers["Location"].rsplit("/", 1)[1]
    client.post(f"/orders/{number}/pay-on-delivery")
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.status, order.payment_method, order.instalments, order.instalment_bank,
                order.instalment_fee_cents, order.total_cents) == (
            "cash_on_delivery", "cash", None, "", 0, 49990)
    page = client.get(f"/orders/{number}").text
    assert "këste" not in page and "499,90\xa0€" in page


def test_the_customers_export_says_how_an_order_was_paid(app, client, shop):
    to_payment(client, shop["bed"].id)
    client.post("/checkout/payment", data={"method": "card", "plan": "BKT:6"})
    client.post("/checkout/place", data=place_form(client.get("/checkout/review").text))
    [order] = client.get("/account/export.json").get_json()["orders"]
    assert (order["instalments"], order["instalment_bank"], order["instalment_fee_cents"],
            order["total_cents"]) == (6, "BKT", 1250, 51240)
