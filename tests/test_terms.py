"""Terms of sale (issue 15 items 2-4): versions like the privacy policy's, accepted with every
order at review after the pre-contract information, and sent with the confirmation as PDF
together with the withdrawal information and the model withdrawal form."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from flask_babel import force_locale
from sqlalchemy import func, select

from lesnamax import mail, money
from lesnamax.audit import AuditEvent
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import Order
from lesnamax.privacy import services
from lesnamax.privacy.models import TERMS, TERMS_OF_SALE, ConsentRecord, PolicyVersion

from .account_support import html_of, outbox_messages, text_of
from .test_checkout import go_to_review, place_form


def pdf_text(document: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=document,
                          capture_output=True, check=True).stdout.decode()


def publish_terms_in_force(app, number_text="Kushtet e shitjes, versioni i ri") -> int:
    """Publish a new terms version and move it into force (as if its day had come)."""
    with app.app_context():
        created = services.publish(f"{number_text}\nTeksti.", "New terms\nText.",
                                   date.today() + timedelta(days=11), datetime.now(UTC),
                                   kind=TERMS)
        created.effective_from = date.today() - timedelta(days=1)
        db.session.commit()
        services.forget_cache()
        return created.version


def consents(app, purpose=TERMS_OF_SALE) -> list[tuple[int, int | None, str | None]]:
    with app.app_context():
        return [(r.policy_version.version, r.order_id, r.ip) for r in db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.purpose == purpose)
            .order_by(ConsentRecord.id))]


# ---- the document and its versions ------------------------------------------------------------

def test_terms_are_a_second_kind_numbered_on_their_own(app):
    with app.app_context():
        today = date.today()
        assert services.in_force(today, TERMS).version == 1
        assert services.in_force(today).version == 1  # the privacy policy, as before
        assert services.in_force(today, TERMS).kind == TERMS
        assert services.in_force(today).kind == "privacy"
        body = services.in_force(today, TERMS).body_sq
        # The trader's data come from trader.details() at render time, not from the text.
        assert "LESNA ING" not in body and "+383" not in body
        for promise in ("14 ditëve", "Porosit me detyrim pagese", "0800 11000",
                        "Departamentit për Mbrojtjen e Konsumatorit", "Me porosi"):
            assert promise in body, promise


def test_the_terms_page_names_the_trader_and_offers_the_pdf(client):
    page = client.get("/terms")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Kushtet e shitjes</h1>" in html and "Kush shet" in html
    assert "LESNA ING (LESNA MAX)" in html and "+383 44 779 977" in html
    assert "<h2>6. E drejta e tërheqjes brenda 14 ditëve</h2>" in html
    assert 'href="/terms/versions/1.pdf"' in html
    assert client.get("/terms/versions/1").status_code == 200
    assert client.get("/terms/versions/9").status_code == 404
    assert client.get("/terms/versions/9.pdf").status_code == 404
    client.set_cookie("lang", "en")
    english = client.get("/terms").text
    assert "<h1>Terms of sale</h1>" in english and "Who sells" in english


def test_the_pdf_carries_the_version_the_trader_and_the_albanian_letters(client):
    response = client.get("/terms/versions/1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="kushtet-e-shitjes-v1.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in ("Kushtet e shitjes", "Versioni 1", "LESNA ING (LESNA MAX)",
                     "E drejta e tërheqjes", "Çmimet", "çdo"):
        assert expected in text, expected


def test_the_owner_publishes_terms_with_the_ten_day_rule(app, client, admin):
    client.set_cookie("lang", "en")
    assert "Terms of sale" in client.get("/admin/terms").text
    assert client.get("/admin/terms/1").status_code == 200
    form = client.get("/admin/terms/new").text
    assert "Terms of sale" in form and 'action="/admin/terms/new"' in form
    values = {"body_sq": "Kushtet e shitjes\nTekst i ri.", "body_en": "Terms of sale\nNew.",
              "summary_sq": "", "summary_en": "", "action": "publish"}
    soon = client.post("/admin/terms/new", data={
        **values, "effective_from": (date.today() + timedelta(days=5)).isoformat()})
    assert soon.status_code == 422 and "no sooner than 10 days" in soon.text
    published = client.post("/admin/terms/new", data={
        **values, "effective_from": (date.today() + timedelta(days=12)).isoformat()})
    assert published.status_code == 303 and published.headers["Location"] == "/admin/terms"
    with app.app_context():
        kinds = dict(db.session.execute(
            select(PolicyVersion.kind, func.max(PolicyVersion.version))
            .group_by(PolicyVersion.kind)).all())
        assert kinds == {"privacy": 1, "terms": 2}
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "terms.publish"))
        assert event.subject_type == "terms" and event.subject_id == "2"
        # Pending: version 1 stays in force for ten days more.
        assert services.state(date.today(), TERMS) == services.PolicyState(
            1, 2, date.today() + timedelta(days=12))
    assert "<p>New.</p>" in client.get("/terms/versions/2").text
    current = client.get("/terms").text
    assert "<p>New.</p>" not in current
    assert "A new version takes effect on" in current and 'href="/terms/versions/2"' in current


# ---- the review page --------------------------------------------------------------------------

def test_review_shows_the_pre_contract_information(app, client, make_product, make_user,
                                                   login):
    sofa = make_product(name_sq="Divan sipas masës", price_cents=90000, stock=2)
    chair = make_product(name_sq="Karrige lisi", price_cents=5000, stock=2)
    with app.app_context():
        product = db.session.get(Product, sofa.id)
        product.made_to_order, product.material = True, "wood"
        product.width_cm, product.depth_cm, product.height_cm = 220, 95, 80
        db.session.commit()
    login(make_user())
    client.post("/cart/add", data={"product_id": sofa.id})
    client.post("/cart/add", data={"product_id": chair.id})
    review = go_to_review(client, payment="cash")
    html = review.text
    section = html.split('id="pre-contract-title"', 1)[1].split("</section>", 1)[0]
    # Before the button, not after it.
    assert html.index('id="pre-contract-title"') < html.index("Porosit me detyrim pagese")
    assert "Nga kjo TVSH (18%)" in section  # its amount: the next test
    assert "220 × 95 × 80 cm" in section and "materiali:" in section
    assert "brenda 14 ditëve nga marrja e mallit" in section
    assert "Pa të drejtë tërheqjeje për produktet e bëra sipas specifikimeve tuaja" in section
    assert "“Divan sipas masës”" in section and "“Karrige lisi”" not in section
    assert "LESNA ING (LESNA MAX)" in section and "Paguani me para në dorë" in section
    # The delivery day chosen at the day step (go_to_review takes the first one offered).
    assert "Porosinë jua sjellim në adresë më " in section
    assert 'name="accept_terms"' in html and "(versioni 1)" in html
    assert "Porosit me detyrim pagese" in html and "Përfundo porosinë ·" not in html


def test_the_vat_inside_the_total_is_shown_apart(app, client, make_product, make_user, login):
    chair = make_product(name_sq="Karrige", price_cents=11800, stock=3)
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id})
    html = go_to_review(client, payment="card").text
    section = html.split('id="pre-contract-title"', 1)[1].split("</section>", 1)[0]
    total = re.search(r'class="total">([^<]+)</dd>\s*<dt>Nga kjo TVSH \(18%\)</dt><dd>([^<]+)<',
                      section)
    assert total, section
    with app.test_request_context(), force_locale("sq_XK"):
        cents = money.parse_euros(total.group(1).replace("\xa0€", "").replace(" €", ""))
        assert total.group(2) == money.format_cents(money.vat_in(cents, 18))
    assert "Paguani me kartelë në faqen e sigurt të bankës" in section


def test_placing_without_the_terms_is_refused_and_keeps_everything(app, client, make_product,
                                                                   make_user, login):
    chair = make_product(name_sq="Karrige", price_cents=5000, stock=3)
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id, "quantity": "2"})
    html = go_to_review(client).text
    refused = client.post("/checkout/place", data=place_form(html, accept_terms=""))
    assert refused.status_code == 422
    assert "Duhet t’i pranoni kushtet e shitjes për ta bërë porosinë." in refused.text
    assert 'aria-invalid="true"' in refused.text.split('name="accept_terms"')[0][-300:] + \
        refused.text.split('name="accept_terms"')[1][:300]
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert db.session.get(Product, chair.id).stock == 3
    assert consents(app) == []
    # The page shown again is the same review, and placing from it works.
    placed = client.post("/checkout/place", data=place_form(refused.text))
    assert placed.status_code == 303
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.terms_version == 1
    assert consents(app) == [(1, order.id, "127.0.0.1")]


def test_every_order_records_its_acceptance_and_a_new_version_is_named(app, client,
                                                                       make_product, make_user,
                                                                       login):
    chair = make_product(name_sq="Karrige", price_cents=5000, stock=5)
    login(make_user())
    for _ in range(2):
        client.post("/cart/add", data={"product_id": chair.id})
        html = go_to_review(client).text
        assert "Kushtet e shitjes kanë ndryshuar" not in html
        assert client.post("/checkout/place", data=place_form(html)).status_code == 303
    assert [v for v, _order, _ip in consents(app)] == [1, 1]
    publish_terms_in_force(app)
    client.post("/cart/add", data={"product_id": chair.id})
    html = go_to_review(client).text
    assert "Kushtet e shitjes kanë ndryshuar që nga porosia juaj e fundit" in html
    assert "(versioni 2)" in html
    assert client.post("/checkout/place", data=place_form(html, accept_terms="")
                       ).status_code == 422
    assert client.post("/checkout/place", data=place_form(html)).status_code == 303
    recorded = consents(app)
    assert [v for v, _order, _ip in recorded] == [1, 1, 2]
    with app.app_context():
        newest = db.session.scalar(select(Order).order_by(Order.id.desc()))
        assert newest.terms_version == 2 and recorded[-1][1] == newest.id
        assert services.accepted_version(SimpleNamespace(id=newest.user_id), TERMS) == 2
    # A fresh customer is asked to accept, not told the terms changed.
    client.post("/account/logout")
    login(make_user(email="tjeter@example.test"))
    client.post("/cart/add", data={"product_id": chair.id})
    html = go_to_review(client).text
    assert "(versioni 2)" in html and "kanë ndryshuar" not in html


# ---- the confirmation on a durable medium ------------------------------------------------------

def confirmation(app):
    [message] = [m for m in outbox_messages(app.config["MAIL_OUTBOX"])
                 if "porosia" in m["Subject"].lower() or "order" in m["Subject"].lower()]
    return message


def test_the_confirmation_carries_the_terms_pdf_and_the_withdrawal_form(app, client,
                                                                        make_product, make_user,
                                                                        login):
    sofa = make_product(name_sq="Divan sipas masës", price_cents=90000, stock=2)
    chair = make_product(name_sq="Karrige", price_cents=5000, stock=2)
    with app.app_context():
        db.session.get(Product, sofa.id).made_to_order = True
        db.session.commit()
    login(make_user())
    client.post("/cart/add", data={"product_id": sofa.id})
    client.post("/cart/add", data={"product_id": chair.id})
    client.post("/checkout/place", data=place_form(go_to_review(client, payment="cash").text))
    message = confirmation(app)
    assert message.get_content_type() == "multipart/mixed"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "kushtet-e-shitjes-v1.pdf"
    assert attachment.get_content_type() == "application/pdf"
    text = pdf_text(attachment.get_content())
    for expected in ("Kushtet e shitjes", "LESNA ING (LESNA MAX)", "tërheqjes", "Çmimet"):
        assert expected in text, expected
    body, html = text_of(message), html_of(message)
    with app.app_context():
        number = db.session.scalar(select(Order.number))
    for part in (body, html):
        assert "Shitësi: LESNA ING (LESNA MAX)" in part
        assert "E drejta juaj e tërheqjes" in part and "brenda 14 ditëve" in part
        assert "Formulari model i tërheqjes" in part
        assert "Unë/Ne (*) njoftoj/njoftojmë (*)" in part and number in part
        assert "Pa të drejtë tërheqjeje për produktet e bëra sipas specifikimeve tuaja" in part
        assert "“Divan sipas masës”" in part
        assert "Kushtet e shitjes të kësaj porosie janë bashkëngjitur si PDF." in part


def test_an_english_order_gets_english_terms(app, client, make_product, make_user, login):
    chair = make_product(name_sq="Karrige", price_cents=5000, stock=2)
    login(make_user())
    client.set_cookie("lang", "en")
    client.post("/cart/add", data={"product_id": chair.id})
    client.post("/checkout/place", data=place_form(go_to_review(client).text))
    message = confirmation(app)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "terms-of-sale-v1.pdf"
    assert "Terms of sale" in pdf_text(attachment.get_content())
    assert "Model withdrawal form" in text_of(message)
    assert "Seller: LESNA ING (LESNA MAX)" in text_of(message)


def test_compose_attaches_documents_after_text_and_html(app):
    document = mail.Attachment("kushtet.pdf", b"%PDF-1.7 test")
    with app.test_request_context(), force_locale("sq_XK"):
        message = mail.compose("ana@example.test", "Provë", "register_confirm",
                               attachments=[document], first_name="Ana",
                               link="http://shop.test/x")
    assert message.get_content_type() == "multipart/mixed"
    first, second = message.iter_parts()
    assert first.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in first.iter_parts()] == ["text/plain", "text/html"]
    assert second.get_filename() == "kushtet.pdf" and second.get_content() == b"%PDF-1.7 test"
    assert second.get_content_disposition() == "attachment"


def test_0018_goes_down_and_up_keeping_the_privacy_consents(app, client, make_product,
                                                              make_user, login):
    import flask_migrate
    from sqlalchemy import inspect

    chair = make_product(name_sq="Karrige", price_cents=5000, stock=2)
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id})
    client.post("/checkout/place", data=place_form(go_to_review(client).text))
    with app.app_context():
        privacy_before = db.session.scalar(select(func.count(ConsentRecord.id)).where(
            ConsentRecord.purpose != TERMS_OF_SALE))
        # The session's connection goes back before the engine is disposed: one still held
        # would be left for the garbage collector (a ResourceWarning in a later test).
        db.session.rollback()
        flask_migrate.downgrade(revision="0016")
        db.engine.dispose()
        columns = {c["name"] for c in inspect(db.engine).get_columns("policy_version")}
        assert "kind" not in columns
        assert "terms_version" not in {c["name"] for c in inspect(db.engine).get_columns("order")}
        flask_migrate.upgrade()
        db.engine.dispose()
        services.forget_cache()
        assert db.session.scalar(select(func.count(ConsentRecord.id))) == privacy_before
        assert services.in_force(date.today(), TERMS).version == 1
        assert services.in_force(date.today()).body_sq.startswith("Politika e privatësisë")


def test_the_consent_histories_name_the_terms_and_link_their_version(app, client, make_product,
                                                                     make_user, login, make_admin):
    chair = make_product(name_sq="Karrige", price_cents=5000, stock=2)
    user = make_user()
    login(user)
    client.post("/cart/add", data={"product_id": chair.id})
    client.post("/checkout/place", data=place_form(go_to_review(client).text))
    history = client.get("/account/privacy").text
    row = history.split("<td>Kushtet e shitjes</td>", 1)[1].split("</tr>", 1)[0]
    assert 'href="/terms/versions/1"' in row
    exported = json.loads(client.get("/account/export.json").text)
    documents = {c["purpose"]: c["document"] for c in exported["consents"]}
    assert documents["terms_of_sale"] == "terms" and documents["privacy_policy"] == "privacy"
    client.post("/account/logout")
    login(make_admin())
    with app.app_context():
        from lesnamax.account.models import User
        user_id = db.session.scalar(select(User.id).where(User.email == user.email))
    page = client.get(f"/admin/customers/{user_id}").text
    row = page.split("<td>Kushtet e shitjes</td>", 1)[1].split("</tr>", 1)[0]
    assert 'href="/admin/terms/1"' in row


def test_the_command_line_publishes_terms_with_the_same_rules(app, tmp_path):
    sq, en = tmp_path / "sq.txt", tmp_path / "en.txt"
    sq.write_text("Kushtet e shitjes\n\nTekst i ri.", encoding="utf-8")
    en.write_text("Terms of sale\n\nNew text.", encoding="utf-8")
    runner = app.test_cli_runner()
    args = ["policy", "publish", str(sq), "--en", str(en), "--terms", "--effective"]
    refused = runner.invoke(args=[*args, (date.today() + timedelta(days=3)).isoformat()])
    assert refused.exit_code != 0 and "10 days" in refused.output
    ok = runner.invoke(args=[*args, (date.today() + timedelta(days=12)).isoformat()])
    assert ok.exit_code == 0 and "Published version 2" in ok.output
    with app.app_context():
        assert services.version(2, TERMS).body_en == "Terms of sale\n\nNew text."
        assert services.version(2) is None  # the privacy policy has still one version


def test_terms_that_came_into_force_after_the_review_are_accepted_anew(app, client,
                                                                       make_product, make_user,
                                                                       login):
    """The tick accepted the version the page named; another version in force by the time
    the order is placed must be read and ticked again (nothing is ordered meanwhile)."""
    chair = make_product(name_sq="Karrige", price_cents=5000, stock=5)
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id})
    html = go_to_review(client).text
    assert 'name="terms_version" type="hidden" value="1"' in html
    publish_terms_in_force(app)
    stopped = client.post("/checkout/place", data=place_form(html))
    assert stopped.status_code == 409
    assert "Kushte të reja të shitjes hynë në fuqi" in stopped.text
    assert "(versioni 2)" in stopped.text
    assert 'name="terms_version" type="hidden" value="2"' in stopped.text
    box = stopped.text.split('name="accept_terms"')[0].rsplit("<input", 1)[1] + \
        stopped.text.split('name="accept_terms"')[1].split(">", 1)[0]
    assert "checked" not in box
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
    assert consents(app) == []
    assert client.post("/checkout/place", data=place_form(stopped.text)).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Order.terms_version)) == 2
    assert [v for v, _order, _ip in consents(app)] == [2]
