"""Card payments at the shop's end: signed replies applied once, never trusted blindly."""

import html as html_lib
import re
import threading

import pytest
from sqlalchemy import func, select

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import Order
from lesnamax.payments import nestpay
from lesnamax.payments.models import PaymentAttempt, PaymentEvent

from .test_checkout import go_to_review, place_form

APPROVED = {
    "Response": "Approved",
    "ProcReturnCode": "00",
    "mdStatus": "1",
    "AuthCode": "654321",
    "TransId": "25123ABCD0001",
    "HostRefNum": "512300000123",
    "ErrMsg": "",
    "mdErrorMsg": "Authenticated",
    "maskedCreditCard": "4355 08** **** 4358",
}
DECLINED = {
    **APPROVED,
    "Response": "Declined",
    "ProcReturnCode": "05",
    "AuthCode": "",
    "ErrMsg": "Declined",
}


@pytest.fixture
def card_order(app, client, make_product, make_user, login, tmp_path):
    """A logged-in customer with a card order waiting for the bank; returns the bank form."""
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    product = make_product(name_sq="Dyshek", price_cents=24990, stock=3)
    login(make_user(first_name="Arbër"))
    client.post("/cart/add", data={"product_id": product.id})
    placed = client.post(
        "/checkout/place",
        data=place_form(go_to_review(client, payment="card").text),
    )
    assert placed.headers["Location"].startswith("/payment/")
    page = client.get(placed.headers["Location"])
    assert page.status_code == 200
    form = page.text.split("data-autosubmit", 1)[1].split("</form>", 1)[0]
    fields = {
        name: html_lib.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form)
    }
    return {"fields": fields, "page": page, "product": product, "outbox": tmp_path / "outbox"}


def reply(fields, store_key="TEST1234", **changes):
    data = {k: v for k, v in fields.items() if k != "hash"}
    data.update(APPROVED)
    data.update(changes)
    data["HASH"] = nestpay.hash_ver3(data, store_key)
    return data


def order_state(app):
    with app.app_context():
        order = db.session.scalar(select(Order))
        attempt = db.session.scalar(select(PaymentAttempt))
        stock = db.session.scalar(select(Product.stock))
        return order.status, attempt.status, stock


def mails(card_order):
    return list(card_order["outbox"].glob("*.eml")) if card_order["outbox"].exists() else []


def test_the_bank_form_is_signed_and_frozen(app, card_order):
    fields, page = card_order["fields"], card_order["page"]
    assert 'action="http://shop.test/sandbox-bank/fim/est3Dgate"' in page.text
    assert "data-autosubmit" in page.text and "Vazhdo te banka" in page.text
    assert fields["amount"] == "249.90" and fields["currency"] == "978"  # free delivery
    assert fields["hash"] == nestpay.hash_ver3(fields, "TEST1234")
    assert "TEST1234" not in page.text  # the store key never reaches a page
    assert "form-action 'self' http://shop.test" in page.headers["Content-Security-Policy"]
    assert order_state(app) == ("awaiting_payment", "pending", 2)


def test_approved_browser_return_marks_paid_and_sends_one_email(app, client, card_order):
    data = reply(card_order["fields"])
    response = client.post("/payment/nestpay/ok", data=data)
    assert response.status_code == 303 and response.headers["Location"].startswith("/orders/")
    assert "E paguar" in client.get(response.headers["Location"]).text
    assert order_state(app) == ("paid", "paid", 2)
    assert client.post("/payment/nestpay/callback", data=data).text == "Approved"
    assert client.post("/payment/nestpay/ok", data=data).status_code == 303
    assert len(mails(card_order)) == 1
    with app.app_context():
        outcomes = [
            e.outcome for e in db.session.scalars(select(PaymentEvent).order_by(PaymentEvent.id))
        ]
        assert outcomes == ["paid", "duplicate", "duplicate"]


def test_callback_before_browser(app, client, card_order):
    data = reply(card_order["fields"])
    callback = client.post("/payment/nestpay/callback", data=data)
    assert callback.status_code == 200 and callback.mimetype == "text/plain"
    assert callback.text == "Approved"
    assert order_state(app)[0] == "paid"
    assert client.post("/payment/nestpay/ok", data=data).status_code == 303
    assert len(mails(card_order)) == 1


def test_declined_then_retry_with_a_new_attempt(app, client, card_order):
    response = client.post("/payment/nestpay/fail", data=reply(card_order["fields"], **DECLINED))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "Pagesa dështoi" in page and "Paguaj me kartelë" in page
    assert order_state(app) == ("payment_failed", "failed", 3)  # stock returned
    assert mails(card_order) == []
    number = response.headers["Location"].rsplit("/", 1)[1]
    retry = client.post(f"/orders/{number}/retry")
    again = client.get(retry.headers["Location"]).text
    oid = re.search(r'name="oid" value="([^"]+)"', again).group(1)
    assert oid.endswith("-2") and oid != card_order["fields"]["oid"]
    with app.app_context():
        assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 2
        assert db.session.get(Order, 1).status == "awaiting_payment"
        assert db.session.scalar(select(Product.stock)) == 2  # taken again


def test_a_later_failure_never_downgrades_paid(app, client, card_order):
    client.post("/payment/nestpay/ok", data=reply(card_order["fields"]))
    client.post("/payment/nestpay/callback", data=reply(card_order["fields"], **DECLINED))
    assert order_state(app) == ("paid", "paid", 2)


def test_approval_after_failure_counts(app, client, card_order):
    client.post("/payment/nestpay/fail", data=reply(card_order["fields"], **DECLINED))
    client.post("/payment/nestpay/callback", data=reply(card_order["fields"]))
    assert order_state(app) == ("paid", "paid", 2)
    assert len(mails(card_order)) == 1


@pytest.mark.parametrize(
    "change", [{"amount": "2.49"}, {"mdStatus": "0"}, {"oid": "LM-1"}, {"Response": "Approved!"}]
)
def test_tampered_fields_break_the_signature(app, client, card_order, change):
    data = reply(card_order["fields"])
    data.update(change)
    assert client.post("/payment/nestpay/ok", data=data).status_code == 400
    assert client.post("/payment/nestpay/callback", data=data).status_code == 400
    assert order_state(app) == ("awaiting_payment", "pending", 2)
    with app.app_context():
        assert {e.outcome for e in db.session.scalars(select(PaymentEvent))} == {"rejected"}


def test_missing_hash_is_rejected(app, client, card_order):
    data = reply(card_order["fields"])
    del data["HASH"]
    assert client.post("/payment/nestpay/ok", data=data).status_code == 400
    assert order_state(app)[0] == "awaiting_payment"


def test_valid_signature_with_wrong_amount_goes_to_review(app, client, card_order):
    data = reply(card_order["fields"], amount="24.99")  # signed by the bank, but not ours
    client.post("/payment/nestpay/ok", data=data)
    assert order_state(app)[:2] == ("payment_review", "needs_review")
    assert mails(card_order) == []


def test_unknown_oid_and_wrong_client_id(app, client, card_order):
    assert (
        client.post(
            "/payment/nestpay/callback",
            data=reply(card_order["fields"], oid="LM-2026-999999-1", ReturnOid="LM-2026-999999-1"),
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/payment/nestpay/ok", data=reply(card_order["fields"], clientid="999")
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/payment/nestpay/ok", data=reply(card_order["fields"], store_key="WRONG")
        ).status_code
        == 400
    )
    assert order_state(app)[0] == "awaiting_payment"


def test_values_with_pipes_backslashes_and_non_ascii(app, client, card_order):
    data = reply(card_order["fields"], BillToName="Arbër Çitaku", ErrMsg="a|b\\c")
    assert client.post("/payment/nestpay/ok", data=data).status_code == 303
    assert order_state(app)[0] == "paid"


def test_events_never_hold_a_card_number(app, client, card_order):
    data = reply(
        card_order["fields"],
        maskedCreditCard="4355081234564358",
        extra_note="card 4111 1111 1111 1111",
    )
    client.post("/payment/nestpay/ok", data=data)
    with app.app_context():
        logged = str(db.session.scalar(select(PaymentEvent.fields)))
    assert "4355081234564358" not in logged and "4111 1111 1111 1111" not in logged
    assert "TEST1234" not in logged and "HASH" not in logged


def test_concurrent_deliveries_apply_once(app, card_order):
    data = reply(card_order["fields"])
    clients = [app.test_client() for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    results = []

    def deliver(c, path):
        barrier.wait()
        results.append(c.post(path, data=data).status_code)

    threads = [
        threading.Thread(
            target=deliver,
            args=(c, "/payment/nestpay/callback" if i % 2 else "/payment/nestpay/ok"),
        )
        for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [200, 200, 200, 303, 303, 303]
    assert order_state(app) == ("paid", "paid", 2)
    assert len(mails(card_order)) == 1
    with app.app_context():
        outcomes = [e.outcome for e in db.session.scalars(select(PaymentEvent))]
        assert outcomes.count("paid") == 1 and outcomes.count("duplicate") == 5


def test_unanswered_payment_expires_and_returns_stock(app, client, card_order):
    from datetime import UTC, datetime, timedelta

    with app.app_context():
        attempt = db.session.scalar(select(PaymentAttempt))
        attempt.created_at = datetime.now(UTC) - timedelta(hours=2)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert "Expired 1 card payments" in result.output
    assert order_state(app) == ("payment_failed", "expired", 3)
    # A late approval of the expired attempt still counts: the money was taken.
    client.post("/payment/nestpay/callback", data=reply(card_order["fields"]))
    assert order_state(app) == ("paid", "paid", 2)


def test_pending_attempt_is_reused_not_doubled(app, client, card_order):
    number = card_order["fields"]["oid"].rsplit("-", 1)[0]
    again = client.get(f"/payment/{number}/pay").text
    assert f'value="{card_order["fields"]["oid"]}"' in again
    with app.app_context():
        assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 1


def test_live_mode_refuses_the_public_test_key(app, tmp_path, make_app):

    from .conftest import base_config

    config = base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    with pytest.raises(RuntimeError, match="BANK_MODE=live"):
        make_app({**config, "BANK_MODE": "live"})
    live = make_app(
        {
            **config,
            "BANK_MODE": "live",
            "BASE_URL": "https://lesnamax.com",
            "NESTPAY_CLIENT_ID": "190000001",
            "NESTPAY_STORE_KEY": "s3cret-from-bank",
            "NESTPAY_GATE_URL": "https://ecommerce.teb-kos.com/fim/est3Dgate",
        }
    )
    assert live.test_client().post("/sandbox-bank/fim/est3Dgate").status_code == 404


# Half 3-D Secure: approved by the bank with an mdStatus the store does not accept (item 6).

HALF_3D = {"mdStatus": "4", "mdErrorMsg": "Attempt: card not enrolled"}


def events(app):
    with app.app_context():
        return [
            (e.channel, e.outcome)
            for e in db.session.scalars(select(PaymentEvent).order_by(PaymentEvent.id))
        ]


@pytest.mark.parametrize("md_status", ["2", "3", "4"])
def test_half_3d_approval_goes_to_review_and_holds_stock(app, client, card_order, md_status):
    data = reply(card_order["fields"], mdStatus=md_status)
    response = client.post("/payment/nestpay/ok", data=data)
    assert response.status_code == 303
    assert order_state(app) == ("payment_review", "needs_review", 2)  # stock still held
    page = client.get(response.headers["Location"]).text
    assert "Pagesa në shqyrtim" in page
    assert "po e kontrollojmë pagesën" in page and "mos paguani përsëri" in page
    assert "Paguaj me kartelë" not in page  # never invited to pay a second time
    assert "Banka nuk e pranoi pagesën" not in page
    assert mails(card_order) == []  # no confirmation until a person has checked


def test_half_3d_late_callback_after_browser_return_has_one_effect(app, client, card_order):
    data = reply(card_order["fields"], **HALF_3D)
    client.post("/payment/nestpay/fail", data=data)  # some banks send it to failUrl
    assert client.post("/payment/nestpay/callback", data=data).text == "Approved"
    assert client.post("/payment/nestpay/callback", data=data).text == "Approved"
    assert order_state(app) == ("payment_review", "needs_review", 2)
    assert events(app) == [
        ("browser_fail", "review"),
        ("callback", "duplicate"),
        ("callback", "duplicate"),
    ]


def test_half_3d_after_a_decline_takes_the_stock_again(app, client, card_order):
    client.post("/payment/nestpay/fail", data=reply(card_order["fields"], **DECLINED))
    assert order_state(app) == ("payment_failed", "failed", 3)
    client.post("/payment/nestpay/callback", data=reply(card_order["fields"], **HALF_3D))
    assert order_state(app) == ("payment_review", "needs_review", 2)


def test_half_3d_is_paid_when_the_store_accepts_it(app, client, card_order):
    app.config["NESTPAY_ACCEPTED_MD_STATUS"] = "1,2,3,4"
    client.post("/payment/nestpay/ok", data=reply(card_order["fields"], **HALF_3D))
    assert order_state(app) == ("paid", "paid", 2)


def test_order_under_review_gets_no_new_card_attempt(app, client, card_order):
    client.post("/payment/nestpay/ok", data=reply(card_order["fields"], **HALF_3D))
    number = card_order["fields"]["oid"].rsplit("-", 1)[0]
    for response in (client.get(f"/payment/{number}/pay"), client.post(f"/orders/{number}/retry")):
        follow = client.get(response.headers["Location"]) if response.status_code == 303 else None
        assert "/fim/est3Dgate" not in (follow.text if follow else response.text)
    with app.app_context():
        assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 1


def test_review_is_never_expired_nor_its_stock_released(app, client, card_order):
    from datetime import UTC, datetime, timedelta

    # Attempt 1 expires, the customer starts attempt 2, then attempt 1's half 3-D approval
    # arrives late: the order is under review while attempt 2 is still pending.
    with app.app_context():
        attempt = db.session.scalar(select(PaymentAttempt))
        attempt.created_at = datetime.now(UTC) - timedelta(hours=2)
        db.session.commit()
    app.test_cli_runner().invoke(args=["purge-expired"])
    number = card_order["fields"]["oid"].rsplit("-", 1)[0]
    client.post(f"/orders/{number}/retry")  # "pay again": attempt 2
    client.post("/payment/nestpay/callback", data=reply(card_order["fields"], **HALF_3D))
    with app.app_context():
        for attempt in db.session.scalars(select(PaymentAttempt)):
            attempt.created_at = datetime.now(UTC) - timedelta(hours=2)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert "Expired 1 card payments" in result.output  # attempt 2
    with app.app_context():
        assert db.session.get(Order, 1).status == "payment_review"
        assert db.session.scalar(select(Product.stock)) == 2  # still held


def test_second_charge_keeps_the_order_under_review(app, client, card_order):
    from datetime import UTC, datetime, timedelta

    with app.app_context():
        db.session.scalar(select(PaymentAttempt)).created_at = datetime.now(UTC) - timedelta(
            hours=2
        )
        db.session.commit()
    app.test_cli_runner().invoke(args=["purge-expired"])
    number = card_order["fields"]["oid"].rsplit("-", 1)[0]
    second = client.get(client.post(f"/orders/{number}/retry").headers["Location"]).text
    oid_2 = re.search(r'name="oid" value="([^"]+)"', second).group(1)
    client.post("/payment/nestpay/callback", data=reply(card_order["fields"], **HALF_3D))
    # The second attempt is approved too: the customer has now paid twice.
    client.post("/payment/nestpay/ok", data=reply({**card_order["fields"], "oid": oid_2}))
    with app.app_context():
        assert db.session.get(Order, 1).status == "payment_review"


def test_dashboard_shows_orders_under_review(app, client, card_order, make_admin, login):
    assert "duhet kontrolluar" not in dashboard_of(client, make_admin, login)
    client.post("/payment/nestpay/ok", data=reply(card_order["fields"], **HALF_3D))
    page = client.get("/admin/").text
    assert "1 pagesë me kartelë duhet kontrolluar" in page
    assert "/admin/orders?status=payment_review" in page


def dashboard_of(client, make_admin, login):
    login(make_admin(email="pronari@example.test"))
    return client.get("/admin/").text


# The reply's charset (item 8): the raw bytes in the charset the bank declares.

ERR_TR = "Kart doğrulanamadı: İşlem reddedildi (ë, ç)"


def post_raw(client, path, fields, charset):
    body = nestpay.encode_body({**fields, "encoding": charset})
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("charset", ["UTF-8", "ISO-8859-9"])
def test_declined_reply_with_non_ascii_err_msg_verifies(app, client, card_order, charset):
    data = reply(card_order["fields"], **{**DECLINED, "ErrMsg": ERR_TR}, encoding=charset)
    response = post_raw(client, "/payment/nestpay/fail", data, charset)
    assert response.status_code == 303
    assert order_state(app) == ("payment_failed", "failed", 3)
    with app.app_context():
        event = db.session.scalar(select(PaymentEvent))
        assert event.hash_valid and event.fields["ErrMsg"] == ERR_TR


def test_iso_8859_9_approval_by_callback(app, client, card_order):
    data = reply(card_order["fields"], encoding="ISO-8859-9", BillToName="Arbër Çela")
    assert post_raw(client, "/payment/nestpay/callback", data, "ISO-8859-9").text == "Approved"
    assert order_state(app) == ("paid", "paid", 2)


@pytest.mark.parametrize("path", ["/payment/nestpay/ok", "/payment/nestpay/callback"])
def test_unknown_charset_is_refused_and_logged(app, client, card_order, caplog, path):
    data = reply(card_order["fields"])
    body = nestpay.encode_body(data).replace(b"encoding=UTF-8", b"encoding=KLINGON-8")
    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "unknown charset" in caplog.text
    assert order_state(app) == ("awaiting_payment", "pending", 2)


def test_body_not_valid_in_its_charset_is_refused(app, client, card_order):
    data = reply(card_order["fields"], **{**DECLINED, "ErrMsg": "ë"})
    body = nestpay.encode_body({**data, "encoding": "ISO-8859-9"}).replace(
        b"encoding=ISO-8859-9", b"encoding=UTF-8"
    )  # "ë" as the single byte 0xEB is not UTF-8
    response = client.post(
        "/payment/nestpay/fail", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert order_state(app) == ("awaiting_payment", "pending", 2)


def test_nationalidno_in_the_reply_does_not_break_it(app, client, card_order):
    data = reply(card_order["fields"])
    data["NATIONALIDNO"] = "1234567890"  # added by the bank, outside its hash
    assert client.post("/payment/nestpay/callback", data=data).text == "Approved"
    assert order_state(app) == ("paid", "paid", 2)


# Through the sandbox bank acting like the real one: every quirk at once.


def through_the_sandbox(client, fields, scenario, **options):
    """Press ``scenario`` on the sandbox bank's page; return the browser return's target and
    body, encoded as the browser would send it (in the reply's own charset)."""
    data = {**fields, "sandbox_scenario": scenario}
    data.update({f"sandbox_{name}": value for name, value in options.items()})
    page = client.post("/sandbox-bank/fim/est3Dgate/pay", data=data).text
    target = html_lib.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    body = html_lib.unescape(re.search(r'data-body="([^"]*)"', page).group(1))
    return target.removeprefix("http://shop.test"), body.encode("ascii")


@pytest.mark.parametrize("charset", ["UTF-8", "ISO-8859-9"])
def test_real_half_3d_reply_browser_first_then_callback(app, client, card_order, charset):
    from lesnamax.payments import sandbox_options

    app.config["SANDBOX_CALLBACK_DELAY"] = 0
    path, body = through_the_sandbox(
        client, card_order["fields"], "half_3d", real_fields="1", charset=charset,
        callback="after",
    )
    assert path == "/payment/nestpay/ok" and b"NATIONALIDNO=" in body
    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303
    assert order_state(app) == ("payment_review", "needs_review", 2)
    assert sandbox_options.flush(app) == 1  # the late callback: no second effect
    assert order_state(app) == ("payment_review", "needs_review", 2)
    assert events(app) == [("browser_ok", "review"), ("callback", "duplicate")]
    with app.app_context():
        logged = db.session.scalar(select(PaymentEvent)).fields
        assert logged["encoding"] == charset and "Ecom_Payment_Card_ExpDate_Year" not in logged


def test_real_decline_in_iso_8859_9_without_callback(app, client, card_order):
    path, body = through_the_sandbox(
        client, card_order["fields"], "insufficient_funds", real_fields="1",
        charset="ISO-8859-9", callback="none",
    )
    assert path == "/payment/nestpay/fail" and b"%FD" in body  # "ı" in Latin-5
    client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert order_state(app) == ("payment_failed", "failed", 3)
    with app.app_context():
        assert db.session.scalar(select(PaymentEvent)).fields["ErrMsg"].startswith("Yetersiz")


def test_a_link_cannot_take_a_failed_orders_stock_again(app, client, card_order):
    """The page after placing is a GET: another site could make a customer's browser follow it.
    After a failed payment it only leads back to the order; "pay again" is a POST."""
    response = client.post("/payment/nestpay/fail", data=reply(card_order["fields"], **DECLINED))
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert order_state(app) == ("payment_failed", "failed", 3)
    followed = client.get(f"/payment/{number}/pay")
    assert followed.status_code == 303 and followed.headers["Location"] == f"/orders/{number}"
    assert order_state(app) == ("payment_failed", "failed", 3)  # stock not taken, no attempt
    with app.app_context():
        assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 1
    # The button's POST starts attempt 2; the GET it lands on finds it and makes no third.
    retry = client.post(f"/orders/{number}/retry")
    assert order_state(app)[0] == "awaiting_payment"
    for _ in range(2):
        assert 'name="oid" value="' + number + '-2"' in client.get(retry.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 2
