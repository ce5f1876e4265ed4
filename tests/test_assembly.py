"""Assembly ("montim") per line, the owner's delivery settings and the printable day list."""

import re
import subprocess
from datetime import date

from sqlalchemy import select

from lesnamax.audit import AuditEvent
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.invoices import issuing
from lesnamax.orders.models import Order, OrderLine
from lesnamax.shopsettings import ShopSettings, Store

from .account_support import html_of, outbox_messages, text_of
from .test_checkout import choose_day, place_form
from .test_shop_settings import form_data


def go_with_assembly(client, assembly=(), payment="cash"):
    client.post("/checkout/address", data={
        "first_name": "Arta", "last_name": "Krasniqi", "phone": "044 123 456",
        "street": "Rr. Bill Clinton, Nr. 33", "municipality": "prishtine",
        "postal_code": "10000"})
    client.post("/checkout/delivery", data={"method": "standard"})
    day = choose_day(client, assembly=assembly)
    client.post("/checkout/payment", data={"method": payment})
    return client.get("/checkout/review"), day


def test_assembly_is_chosen_per_line_and_copied_everywhere(app, client, admin, make_product):
    bed = make_product(name_sq="Shtrat Dardana", name_en="Dardana bed", price_cents=45000,
                       stock=5)
    lamp = make_product(name_sq="Llambë", price_cents=2000, stock=5)
    with app.app_context():
        db.session.get(Product, bed.id).assembly_fee_cents = 2500
        db.session.commit()
    shown = client.get(f"/products/{bed.slug}").text.replace("\xa0", " ")
    assert "Ofrohet gjatë porosisë: 25,00 € për copë" in shown  # as the terms of sale say
    assert "Ofrohet gjatë porosisë" not in client.get(f"/products/{lamp.slug}").text
    client.post("/cart/add", data={"product_id": bed.id, "quantity": "2"})
    client.post("/cart/add", data={"product_id": lamp.id})
    step = client.get("/checkout/address")
    assert step.status_code == 200
    review, day = go_with_assembly(client, assembly=[bed.id])
    day_page = client.get("/checkout/day").text
    # Only the bed offers assembly; its fee per piece and the pieces are said (plural form).
    assert "Montim për “Shtrat Dardana”" in day_page and "Llambë”" not in day_page
    assert "25,00\xa0€ × 2 copë" in day_page or "25,00 € × 2 copë" in day_page
    assert "Me montim" in review.text and "Montimi" in review.text
    assert client.post("/checkout/place", data=place_form(review.text)).status_code == 303
    with app.app_context():
        order = db.session.scalars(select(Order)).one()
        lines = {ln.product_id: ln for ln in db.session.scalars(select(OrderLine))}
        assert lines[bed.id].assembly_unit_cents == 2500 and lines[lamp.id].assembly_unit_cents \
            is None
        assert order.assembly_cents == 5000
        assert order.total_cents == 2 * 45000 + 2000 + 5000  # delivery free above 150 €
        number = order.number
        # The owner changes the fee later: the order keeps the one it was placed with.
        db.session.get(Product, bed.id).assembly_fee_cents = 9900
        db.session.commit()
    page = client.get(f"/orders/{number}").text
    assert "Me montim" in page and "50,00" in page
    admin_page = client.get(f"/admin/orders/{number}").text
    assert "Me montim" in admin_page and "25,00" in admin_page and "99,00" not in admin_page
    assert f"/admin/deliveries?day={day}" in admin_page
    [mail] = [m for m in outbox_messages(app.config["MAIL_OUTBOX"]) if number in m["Subject"]]
    assert "Me montim: 50,00" in text_of(mail) and "Dita e dorëzimit" in text_of(mail)
    assert "Montimi" in html_of(mail)
    # The invoice has the assembly on its own line, with its VAT.
    with app.app_context():
        db.session.scalars(select(Order)).one().status = "delivered"
        db.session.commit()
        invoice = issuing.issue(db.session.scalars(select(Order.id)).one())
        [assembled] = [ln for ln in invoice.data["lines"] if ln["name"] == "assembly"]
        assert assembled["gross_cents"] == 5000 and assembled["vat_cents"] == 763
        assert invoice.data["total_cents"] == order_total(app)
    pdf = client.get(f"/orders/{number}/invoice.pdf")
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True,
                                   check=True).stdout.decode().split())
    assert "Montim: Shtrat Dardana" in text


def order_total(app) -> int:
    return db.session.scalars(select(Order.total_cents)).one()


def test_a_tampered_assembly_choice_is_refused(app, client, make_user, login, make_product):
    login(make_user())
    lamp = make_product(stock=5)
    client.post("/cart/add", data={"product_id": lamp.id})
    go_with_assembly(client)
    page = client.get("/checkout/day").text
    day = re.findall(r'name="day" type="radio" value="([0-9-]+)"', page)[0]
    refused = client.post("/checkout/day", data={"day": day, "assembly": str(lamp.id)})
    assert refused.status_code == 422
    with client.session_transaction() as session:
        assert session["checkout"]["day"]["assembly"] == []  # the earlier choice stands


def test_the_htmx_summary_adds_the_assembly(app, client, hx, make_user, login, make_product):
    login(make_user())
    bed = make_product(price_cents=30000, stock=3)
    with app.app_context():
        db.session.get(Product, bed.id).assembly_fee_cents = 4000
        db.session.commit()
    client.post("/cart/add", data={"product_id": bed.id})
    go_with_assembly(client)
    summary = hx.post("/checkout/day/summary", data={"assembly": str(bed.id)})
    assert summary.status_code == 200 and 'id="day-summary"' in summary.text
    assert "Montimi" in summary.text and "340,00" in summary.text
    assert "<html" not in summary.text


def test_owner_sets_the_assembly_fee_on_the_product_form(app, client, admin, make_product):
    from .test_admin_products import form_values

    bed = make_product(stock=3)
    assert 'name="assembly_fee"' in client.get(f"/admin/products/{bed.id}/edit").text
    values = form_values(bed.category_id, sku=bed.sku, slug=bed.slug, stock="3")
    values |= {"stock_was": "3", "assembly_fee": "30,00"}
    assert client.post(f"/admin/products/{bed.id}/edit", data=values).status_code == 303
    with app.app_context():
        assert db.session.get(Product, bed.id).assembly_fee_cents == 3000
        events = db.session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "product.update")).all()
        assert any("assembly_fee_cents: – → 30.00 €" in e or "assembly_fee_cents" in e
                   for e in events)
    edit = client.get(f"/admin/products/{bed.id}/edit").text
    assert 'value="30,00"' in edit
    # Emptied: no assembly offered any more.
    values["assembly_fee"] = ""
    assert client.post(f"/admin/products/{bed.id}/edit", data=values).status_code == 303
    with app.app_context():
        assert db.session.get(Product, bed.id).assembly_fee_cents is None


def test_owner_sets_delivery_days_per_area_audited(app, client, admin):
    page = client.get("/admin/settings").text
    assert 'name="weekdays_prishtine"' in page and 'name="capacity_all"' in page
    data = form_data()
    data |= {"fee_prishtine": "2,50", "days_prishtine": "1-2", "weekdays_prishtine": ["1", "3"],
             "lead_prishtine": "2", "capacity_prishtine": "7"}
    assert client.post("/admin/settings", data=data).status_code == 303
    with app.app_context():
        assert db.session.get(ShopSettings, 1).delivery["prishtine"][3:] == ["13", 2, 7]
        detail = db.session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "settings.update")).all()[-1]
        assert "delivery[prishtine]" in detail and "13, +2 d, 7/d" in detail
    # Sunday is not a choice; a capacity of 0 is refused, what was typed stays.
    bad = client.post("/admin/settings", data=data | {"weekdays_prishtine": ["7"],
                                                      "capacity_prishtine": "0"})
    assert bad.status_code == 422
    assert "Zgjidhni ditë nga e hëna deri të shtunën." in bad.text
    assert "Shkruani një numër të plotë nga 1 deri në 500." in bad.text


def test_owner_sets_a_stores_pickup_days(app, client, admin):
    from .test_stores import NEW_STORE

    assert client.post("/admin/settings/stores/new",
                       data=NEW_STORE | {"pickup_days": ["5", "6"]}).status_code == 303
    with app.app_context():
        store = db.session.scalars(select(Store).where(Store.name == NEW_STORE["name"])).one()
        assert store.pickup_days == "56"


def test_deliveries_list_for_the_van(app, client, admin, make_product):
    bed = make_product(name_sq="Shtrat Dardana", price_cents=45000, stock=5)
    with app.app_context():
        db.session.get(Product, bed.id).assembly_fee_cents = 2500
        db.session.commit()
    client.post("/cart/add", data={"product_id": bed.id})
    review, day = go_with_assembly(client, assembly=[bed.id])
    client.post("/checkout/place", data=place_form(review.text))
    listing = client.get(f"/admin/deliveries?day={day}")
    assert listing.status_code == 200
    text = listing.text
    assert "Rr. Bill Clinton, Nr. 33" in text and "044 123 456" in text
    assert "1 × Shtrat Dardana" in text and "Montimi" in text
    assert "Për t’u arkëtuar në dorëzim: 475,00" in text.replace("\xa0", " ")
    assert "1 dorëzim në adresë" in text and "0 marrje në dyqan" in text
    assert "admin-deliveries.css" in text
    other = client.get("/admin/deliveries?day=2026-01-02")
    assert other.status_code == 200 and "Asnjë dorëzim në këtë ditë." in other.text
    for bad in ("2026-13-45", "tomorrow", "9999-01-01", "2026-1-2"):
        answer = client.get(f"/admin/deliveries?day={bad}")
        assert answer.status_code == 400 and "Shkruani ditën si datë" in answer.text
    assert client.get("/admin/deliveries").status_code == 200  # today
    assert date.fromisoformat(day)


def test_a_familys_variants_offer_their_parents_assembly(app, client, make_category,
                                                         make_user, login):
    from lesnamax.catalogue import variants

    from .variants_support import make_family

    family = make_family(app, make_category)
    with app.app_context():
        db.session.get(Product, family.id).assembly_fee_cents = 1500
        variants.refresh(family.id)
        db.session.commit()
        assert {db.session.get(Product, n).assembly_fee_cents
                for n in family.variant_ids} == {1500}
    login(make_user())
    chosen = family.variant_ids[2]  # 160×200
    client.post("/cart/add", data={"product_id": chosen})
    review, _day = go_with_assembly(client, assembly=[chosen])
    assert "Me montim" in review.text
    assert client.post("/checkout/place", data=place_form(review.text)).status_code == 303
    with app.app_context():
        line = db.session.scalars(select(OrderLine)).one()
        assert (line.name, line.assembly_unit_cents) == ("Dyshek Dardana, 160×200", 1500)
