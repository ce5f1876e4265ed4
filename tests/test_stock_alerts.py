"""Back in stock (issue 16 item 7): a visitor or customer asks on a sold-out product's page with
their consent to that one purpose in the ledger; one e-mail through the outbox when the stock
returns, once even when two jobs run after two stock returns at once; a signed stop link (and
RFC 8058's one-click POST); requests purged after 90 days; floods refused per IP address and
per e-mail address; in the export and erased with the account."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from lesnamax import tasks
from lesnamax.account import stock_alerts
from lesnamax.account.models import StockAlert
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.outbox import OutboxMessage
from lesnamax.privacy.models import BACK_IN_STOCK, ConsentRecord

from .account_support import html_of, outbox_messages, text_of
from .conftest import PASSWORD
from .variants_support import make_family

ADDRESS = "drita@example.test"


def alerts(app) -> list[StockAlert]:
    with app.app_context():
        rows = list(db.session.scalars(select(StockAlert).order_by(StockAlert.id)))
        db.session.expunge_all()
        return rows


def consents(app) -> list[ConsentRecord]:
    with app.app_context():
        rows = list(db.session.scalars(select(ConsentRecord).where(
            ConsentRecord.purpose == BACK_IN_STOCK).order_by(ConsentRecord.id)))
        db.session.expunge_all()
        return rows


def restock(app, product_id: int, stock: int = 5) -> None:
    with app.app_context():
        db.session.get(Product, product_id).stock = stock
        db.session.commit()


def notify(app) -> int:
    with app.app_context():
        return stock_alerts.notify_due(datetime.now(UTC))


def back_in_stock_mails(app) -> list:
    return [m for m in outbox_messages(app.config["MAIL_OUTBOX"]) if m["List-Unsubscribe"]]


def ask(client, product_id: int, **values):
    return client.post(f"/back-in-stock/{product_id}?lang=sq",
                       data={"email": ADDRESS, "consent": "y", **values})


def test_a_sold_out_page_offers_the_form_to_everybody(client, make_product):
    gone = make_product(name_sq="Komodë Sharri", stock=0)
    there = make_product(stock=3)
    page = client.get(f"/products/{gone.slug}?lang=sq")
    html = page.text
    assert 'id="stock-alert"' in html and "Më njoftoni kur të kthehet në stok" in html
    assert f'action="/back-in-stock/{gone.id}?lang=sq"' in html and 'type="checkbox"' in html
    assert "csrf_token" not in html and page.headers["Cache-Control"] == "no-cache"
    assert 'id="stock-alert"' not in client.get(f"/products/{there.slug}").text


def test_a_visitor_asks_without_javascript_with_consent_recorded(app, client, make_product):
    gone = make_product(stock=0)
    answer = ask(client, gone.id, email="  Drita@Example.test ")
    assert answer.status_code == 303 and answer.headers["Location"] == f"/products/{gone.slug}"
    assert ADDRESS in client.get(answer.headers["Location"]).text  # the flash says where
    [alert] = alerts(app)
    assert (alert.email, alert.user_id, alert.language, alert.sent_at) == (ADDRESS, None, "sq",
                                                                           None)
    assert alert.expires_at - alert.created_at == timedelta(days=90)
    [consent] = consents(app)
    assert consent.id == alert.consent_id and consent.user_id is None and consent.granted
    assert consent.ip == "127.0.0.1" and consent.policy_version_id is not None
    # Asked again: nothing new.
    assert ask(client, gone.id).status_code == 303
    assert len(alerts(app)) == 1 and len(consents(app)) == 1


def test_htmx_answers_in_place(app, hx, make_product):
    gone = make_product(stock=0)
    answer = ask(hx, gone.id)
    assert answer.status_code == 200 and "<html" not in answer.text
    assert 'id="stock-alert"' in answer.text and ADDRESS in answer.text
    assert "U krye" in answer.text
    again = ask(hx, gone.id)
    assert again.status_code == 200 and "E keni kërkuar tashmë" in again.text


def test_bad_input_is_a_translated_422_that_keeps_what_was_typed(app, client, hx, make_product):
    gone = make_product(stock=0)
    answer = ask(client, gone.id, consent="")
    assert answer.status_code == 422 and "<html" in answer.text
    assert "na duhet pëlqimi juaj" in answer.text and f'value="{ADDRESS}"' in answer.text
    answer = ask(hx, gone.id, email="jo-adrese")
    assert answer.status_code == 422 and "<html" not in answer.text
    assert 'value="jo-adrese"' in answer.text and 'aria-invalid="true"' in answer.text
    answer = ask(client, gone.id, email="")
    assert answer.status_code == 422 and "Shkruani adresën tuaj të e-mailit." in answer.text
    answer = ask(client, gone.id, email="a" * 300 + "@example.test")
    assert answer.status_code == 422
    assert client.post("/back-in-stock/99999", data={}).status_code == 404
    assert client.post("/back-in-stock/99999999999", data={}).status_code == 404
    assert alerts(app) == [] and consents(app) == []


def test_an_available_product_needs_no_request(app, client, make_product):
    there = make_product(stock=2)
    answer = ask(client, there.id)
    assert answer.status_code == 422 and "tani është në stok" in answer.text
    assert alerts(app) == []


def test_the_email_goes_once_when_the_stock_returns(app, client, make_product):
    gone = make_product(name_sq="Komodë Sharri", name_en="Sharri chest", stock=0,
                        price_cents=18900)
    ask(client, gone.id)
    assert notify(app) == 0  # still sold out
    restock(app, gone.id)
    assert notify(app) == 1
    assert notify(app) == 0  # once
    [message] = back_in_stock_mails(app)
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Sërish në stok: Komodë Sharri"
    text = text_of(message)
    assert "Komodë Sharri" in text and "189,00" in text
    assert f"http://shop.test/products/{gone.slug}?lang=sq" in text
    assert "Ky është i vetmi e-mail" in text
    stop_link = message["List-Unsubscribe"].strip("<>")
    assert stop_link.startswith("http://shop.test/back-in-stock/stop/") and stop_link in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert stop_link.replace("&", "&amp;") in html_of(message)
    [alert] = alerts(app)
    assert alert.sent_at is not None


def test_the_job_writes_it_in_the_asked_language(app, client, make_product):
    gone = make_product(name_en="Sharri chest", stock=0)
    client.post(f"/back-in-stock/{gone.id}?lang=en", data={"email": ADDRESS, "consent": "y"})
    restock(app, gone.id)
    with app.app_context():
        assert tasks.notify_back_in_stock(datetime.now(UTC)) == "Wrote 1 back-in-stock e-mails."
    [message] = back_in_stock_mails(app)
    assert message["Subject"] == "Back in stock: Sharri chest"


def test_two_stock_returns_at_once_send_one_email(app, client, make_product, make_app,
                                                  engine_name, tmp_path):
    """The owner's edit and a received return put stock back at the same moment, and each
    runs the job right after (two processes on PostgreSQL, two threads on SQLite's one file):
    one e-mail per request, whatever the interleaving."""
    gone = make_product(stock=0)
    others = [make_product(stock=0) for _ in range(3)]
    for n, product in enumerate([gone, *others]):
        client.post(f"/back-in-stock/{product.id}",
                    data={"email": f"klient{n}@example.test", "consent": "y"})
    second = make_app({**app.config})
    barrier = threading.Barrier(2)
    results: list = [None, None]
    errors: list = []

    def run(index, which):
        try:
            with which.app_context():
                barrier.wait()
                db.session.execute(update(Product).where(
                    Product.id.in_([gone.id] + [o.id for o in others]))
                    .values(stock=Product.stock + 1))
                db.session.commit()
                results[index] = stock_alerts.notify_due(datetime.now(UTC))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(0, app)),
               threading.Thread(target=run, args=(1, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(results) == 4
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 4
        assert db.session.get(Product, gone.id).stock == 2
    assert sorted(m["To"] for m in back_in_stock_mails(app)) == [
        f"klient{n}@example.test" for n in range(4)]


def test_a_variant_is_watched_on_its_own(app, client, make_category):
    family = make_family(app, make_category)
    sold_out = family.variant_ids[1]  # 140×200
    page = client.get("/products/dyshek-dardana?size=140x200&lang=sq").text
    assert f'action="/back-in-stock/{sold_out}?lang=sq"' in page
    ask(client, sold_out)
    restock(app, family.variant_ids[0], 9)  # another size: nothing
    assert notify(app) == 0
    restock(app, sold_out, 2)
    assert notify(app) == 1
    [message] = back_in_stock_mails(app)
    assert "Dyshek Dardana, 140×200" in message["Subject"]


def test_the_stop_link_asks_then_deletes_every_request_of_the_address(
        app, client, make_product):
    first, second = make_product(stock=0), make_product(stock=0)
    ask(client, first.id)
    ask(client, second.id)
    restock(app, first.id)
    notify(app)
    stop_link = back_in_stock_mails(app)[0]["List-Unsubscribe"].strip("<>")
    path = stop_link.removeprefix("http://shop.test")
    page = client.get(path)
    assert page.status_code == 200 and 'method="post"' in page.text
    assert len(alerts(app)) == 2  # a link checker that opens it changes nothing
    done = client.post(path + "&lang=sq" if "?" in path else path + "?lang=sq")
    assert done.status_code == 200 and "2 kërkesa u fshinë" in done.text
    assert alerts(app) == [] and consents(app) == []  # a visitor's consent goes with them
    restock(app, second.id)
    assert notify(app) == 0


def test_one_click_unsubscribe_needs_no_page_and_no_token(app, client, make_product):
    gone = make_product(stock=0)
    ask(client, gone.id)
    with app.app_context():
        token = stock_alerts.stop_token(db.session.scalar(select(StockAlert)))
    # As a mail provider sends it (RFC 8058): a POST from its server, no cookie, no origin.
    answer = app.test_client().post(f"/back-in-stock/stop/{token}",
                                    data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and alerts(app) == []


def test_a_forged_stop_link_is_a_translated_404(client):
    for token in ("abc", "eyJhIjoxLCJlIjoieEB5LnoifQ.forged"):
        answer = client.get(f"/back-in-stock/stop/{token}?lang=sq")
        assert answer.status_code == 404 and "Faqja nuk u gjet" in answer.text
        assert client.post(f"/back-in-stock/stop/{token}").status_code == 404


def test_requests_are_purged_after_90_days(app, client, make_product):
    gone, sent = make_product(stock=0), make_product(stock=0)
    ask(client, gone.id)
    ask(client, sent.id)
    restock(app, sent.id)
    notify(app)
    with app.app_context():
        lines = tasks.housekeeping(datetime.now(UTC) + timedelta(days=89))
        assert "Removed 0 back-in-stock requests past their 90 days." in lines
        assert len(alerts(app)) == 2
        lines = tasks.housekeeping(datetime.now(UTC) + timedelta(days=90, minutes=1))
        assert "Removed 2 back-in-stock requests past their 90 days." in lines
    assert alerts(app) == [] and consents(app) == []


def test_one_address_cannot_be_flooded_from_many_connections(app, make_product):
    products = [make_product(stock=0) for _ in range(7)]
    codes = []
    for n, product in enumerate(products):
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
        codes.append(ask(c, product.id).status_code)
    assert codes == [303] * 5 + [429] * 2
    assert len(alerts(app)) == 5


def test_one_connection_cannot_ask_for_many_addresses(app, client, make_product):
    gone = make_product(stock=0)
    codes = [ask(client, gone.id, email=f"x{n}@example.test").status_code for n in range(11)]
    assert codes == [303] * 10 + [429]
    answer = ask(client, gone.id, email="tjeter@example.test")
    assert answer.status_code == 429 and "Shumë kërkesa nga lidhja juaj" in answer.text
    assert 'value="tjeter@example.test"' in answer.text


def test_a_customer_asks_with_their_account_and_sees_it(app, client, hx, make_product,
                                                        make_user, login):
    gone = make_product(name_sq="Komodë Sharri", stock=0)
    user = make_user(email="arta@example.test")
    login(user)
    # Their own form comes with the hearts: no address to type.
    personal = hx.get(f"/account/wishlist/hearts?ids={gone.id}&alert={gone.id}&lang=sq")
    assert 'hx-swap-oob="true"' in personal.text and "arta@example.test" in personal.text
    assert 'name="email"' not in personal.text
    answer = client.post(f"/back-in-stock/{gone.id}", data={"consent": "y"})
    assert answer.status_code == 303
    [alert] = alerts(app)
    assert (alert.email, alert.user_id) == ("arta@example.test", user.id)
    [consent] = consents(app)
    assert consent.user_id == user.id
    personal = hx.get(f"/account/wishlist/hearts?ids=&alert={gone.id}&lang=sq")
    assert "E keni kërkuar tashmë" in personal.text
    page = client.get("/account/wishlist?lang=sq").text
    assert "Komodë Sharri" in page and "Kërkesat për kthimin në stok" in page
    assert "Një e-mail kur një produkt kthehet në stok" in client.get(
        "/account/privacy?lang=sq").text
    # Stopped from the wishlist page: the withdrawal stays in their ledger.
    answer = client.post(f"/account/wishlist/alerts/{alert.id}/stop")
    assert answer.status_code == 303 and alerts(app) == []
    assert [c.granted for c in consents(app)] == [True, False]
    assert client.post(f"/account/wishlist/alerts/{alert.id}/stop").status_code == 404


def test_requests_are_exported_and_erased_with_the_account(app, client, make_product,
                                                           make_user, login):
    gone, other = make_product(sku="KOM-1", stock=0), make_product(sku="KOM-2", stock=0)
    user = make_user(email="arta@example.test")
    # Typed as a visitor with the address of the account, then asked while logged in.
    ask(client, gone.id, email="arta@example.test")
    login(user)
    client.post(f"/back-in-stock/{other.id}", data={"consent": "y"})
    ask(client, gone.id, email="someone.else@example.test")  # not theirs
    exported = json.loads(client.get("/account/export.json").data)
    assert sorted(r["sku"] for r in exported["back_in_stock_requests"]) == ["KOM-1", "KOM-2"]
    assert "back_in_stock" in [c["purpose"] for c in exported["consents"]]
    assert "KOM-2" in client.get("/account/export").text
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 303
    assert [a.email for a in alerts(app)] == ["someone.else@example.test"]
    assert [c.user_id for c in consents(app)] == [None]


def test_a_deleted_products_requests_go_and_the_purge_takes_their_consent(
        app, client, make_product):
    gone, kept = make_product(stock=0), make_product(stock=0)
    ask(client, gone.id)
    ask(client, kept.id, email="tjeter@example.test")
    with app.app_context():
        db.session.delete(db.session.get(Product, gone.id))
        db.session.commit()
    assert [a.product_id for a in alerts(app)] == [kept.id]
    assert len(consents(app)) == 2  # the database cannot know whose consent it was
    with app.app_context():
        tasks.housekeeping(datetime.now(UTC))
    [left] = consents(app)
    assert left.id == alerts(app)[0].consent_id


def test_the_privacy_page_states_how_long_requests_are_kept(client):
    assert "për të shumtën 90 ditë" in client.get("/privacy?lang=sq").text
