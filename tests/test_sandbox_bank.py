"""The sandbox bank (BANK-PORTAL.md §12): request checks, scenarios, browser return, callbacks.

The shop's own return endpoints are not needed here: a test route stands in for callbackUrl,
and the browser return is read from the form the bank's page would auto-submit.
"""

from __future__ import annotations

import logging
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from flask import request

from lesnamax.payments import nestpay, sandbox, sandbox_options

from .conftest import base_config, fresh_database

SHOP = "http://shop.test"
KEY = "TEST1234"
GATE = "/sandbox-bank/fim/est3Dgate"
PAY = "/sandbox-bank/fim/est3Dgate/pay"


class Page(HTMLParser):
    """The parts of a bank page the tests look at: forms, their fields, buttons and links."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self.buttons: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.html_lang = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "form":
            self.forms.append({**attrs, "fields": {}})
        elif tag == "input" and attrs.get("type") == "hidden":
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "button" and "name" in attrs:
            self.buttons.append((attrs["name"], attrs.get("value", "")))
        elif tag == "a":
            self.links.append(attrs.get("href", ""))


@pytest.fixture
def callbacks() -> list[dict[str, str]]:
    return []


@pytest.fixture
def bank(app, callbacks):
    """The test app with the sandbox bank and a callbackUrl stand-in that records each post."""

    @app.post("/test-callback")
    def test_callback():
        # Read as the shop does: the raw bytes, in the charset the reply declares.
        callbacks.append(nestpay.decode_body(request.get_data()))
        return "Approved", 200, {"Content-Type": "text/plain"}

    @app.post("/test-callback-wrong")
    def test_callback_wrong():
        return "<html>ok</html>"

    sandbox.register(app)
    return app.test_client()


def shop_request(callback: str = f"{SHOP}/test-callback", **overrides) -> dict[str, str]:
    """The form the shop posts to the bank, signed; ``overrides`` are applied before signing."""
    fields = nestpay.request_fields(
        client_id="190100000",
        oid="LM-2026-000123-1",
        amount_cents=24990,
        ok_url=f"{SHOP}/payment/nestpay/ok",
        fail_url=f"{SHOP}/payment/nestpay/fail",
        callback_url=callback,
        shop_url=f"{SHOP}/checkout",
        rnd="4f9c1e7a2b6d8e03c5a1",
        lang="en",
        store_key=KEY,
        bill_to_name="Arbër Krasniqi",
        email="arber@example.com",
    )
    if overrides:
        fields.update(overrides)
        fields["hash"] = nestpay.hash_ver3(fields, KEY)
    return fields


def choose(client, scenario: str, fields: dict[str, str] | None = None):
    fields = fields or shop_request()
    return client.post(PAY, data={**fields, sandbox.SCENARIO_FIELD: scenario})


def test_valid_request_shows_the_scenarios(bank):
    fields = shop_request()
    response = bank.post(GATE, data=fields)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    page = Page(html)
    assert page.html_lang == "en"
    assert "Simulated bank / Sandbox" in html
    assert "LM-2026-000123-1" in html and "249.90" in html and "<h1>" in html
    assert page.forms[0]["action"] == PAY
    assert page.forms[0]["fields"] == fields  # the request goes on to /pay unchanged
    assert {value for _name, value in page.buttons} == set(sandbox.SCENARIOS)
    assert {name for name, _value in page.buttons} == {sandbox.SCENARIO_FIELD}
    assert f"{SHOP}/checkout" in page.links


def test_page_follows_the_shops_language(bank):
    response = bank.post(GATE, data=shop_request(lang="sq"), headers={"Accept-Language": "en"})
    assert Page(response.get_data(as_text=True)).html_lang == "sq-XK"
    assert "249,90\xa0€" in response.get_data(as_text=True)


def test_lower_case_store_type_is_accepted(bank):
    assert bank.post(GATE, data=shop_request(storetype="3d_pay_hosting")).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"hash": "x" * 88},
        {"amount": "2.49"},  # changed after signing: the hash no longer matches
        {"hash": ""},
    ],
)
def test_bad_hash_is_refused(bank, change):
    response = bank.post(GATE, data={**shop_request(), **change})
    assert response.status_code == 400
    assert "The hash does not match" in response.get_data(as_text=True)


def test_missing_hash_is_refused(bank):
    fields = shop_request()
    del fields["hash"]
    assert bank.post(GATE, data=fields).status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        {"clientid": "999999999"},
        {"hashAlgorithm": "ver2"},
        {"storetype": "3d_pay"},
        {"TranType": "Sale"},
        {"currency": "EUR"},
        {"amount": "249.9"},
        {"amount": "0.00"},
        {"oid": ""},
        {"okUrl": ""},
        {"failUrl": "javascript:alert(1)"},
        {"callbackUrl": "file:///etc/passwd"},
        {"callbackUrl": "http://shop.test:99999/cb"},
        {"shopurl": "https://shop.example'; script-src *"},
    ],
)
def test_invalid_request_is_refused_even_when_signed(bank, callbacks, change):
    response = bank.post(GATE, data=shop_request(**change))
    assert response.status_code == 400
    assert "Payment request refused" in response.get_data(as_text=True)
    assert choose(bank, "approve", shop_request(**change)).status_code == 400
    assert callbacks == []


EXPECTED = {
    # scenario: (browser return, Response, ProcReturnCode, mdStatus, callbacks, browser posts)
    "approve": ("ok", "Approved", "00", "1", 1, 1),
    "decline": ("fail", "Declined", "05", "1", 1, 1),
    "insufficient_funds": ("fail", "Declined", "51", "1", 1, 1),
    "3ds_failed": ("fail", "Declined", "99", "0", 1, 1),
    # Authorised, so okUrl, as from a real bank; the shop (accepting only 1) puts it in review.
    "half_3d": ("ok", "Approved", "00", "4", 1, 1),
    "error": ("fail", "Error", "99", "7", 1, 1),
    "duplicate": ("ok", "Approved", "00", "1", 2, 2),
}


@pytest.mark.parametrize("scenario", EXPECTED)
def test_scenario_replies(bank, callbacks, scenario):
    target, response_text, code, md_status, callback_count, posts = EXPECTED[scenario]
    response = choose(bank, scenario)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    form = Page(response.get_data(as_text=True)).forms[0]
    assert form["action"] == f"{SHOP}/payment/nestpay/{target}"
    assert "data-autosubmit" in form and form["data-repeat"] == str(posts)
    reply = form["fields"]
    assert nestpay.verify(reply, KEY)
    assert "hash" not in reply  # the request's hash is replaced by the bank's HASH
    assert (reply["Response"], reply["ProcReturnCode"], reply["mdStatus"]) == (
        response_text,
        code,
        md_status,
    )
    # The request is echoed, non-ASCII and blanks included.
    for name, value in shop_request().items():
        if name != "hash":
            assert reply[name] == value
    assert reply["ReturnOid"] == "LM-2026-000123-1"
    assert reply["maskedCreditCard"] == "4355 08** **** 4358"
    parsed = nestpay.parse_reply(reply, KEY)
    assert parsed.authorised is (target == "ok")
    assert parsed.approved is (target == "ok" and md_status == "1")
    assert bool(parsed.auth_code) is (response_text == "Approved")
    # The callback carries the very same signed reply.
    assert callbacks == [reply] * callback_count


def test_error_scenario_has_its_error_code(bank):
    reply = Page(choose(bank, "error").get_data(as_text=True)).forms[0]["fields"]
    assert reply["ErrCode"] == "3D-1007"
    assert reply["ErrMsg"]


@pytest.mark.parametrize("accepted", ["1", "1,2,3,4"])
def test_half_3d_goes_to_ok_url_whatever_the_store_accepts(bank, app, accepted):
    app.config["NESTPAY_ACCEPTED_MD_STATUS"] = accepted
    form = Page(choose(bank, "half_3d").get_data(as_text=True)).forms[0]
    assert form["action"] == f"{SHOP}/payment/nestpay/ok"


def test_abandon_sends_only_the_callback(bank, callbacks):
    response = choose(bank, "abandon")
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    assert page.forms == []  # no browser return
    assert f"{SHOP}/checkout" in page.links
    assert "You can close this window" in response.get_data(as_text=True)
    assert len(callbacks) == 1
    assert nestpay.parse_reply(callbacks[0], KEY).approved


def test_duplicate_delivers_the_same_reply_twice(bank, callbacks):
    form = Page(choose(bank, "duplicate").get_data(as_text=True)).forms[0]
    assert len(callbacks) == 2
    assert callbacks[0] == callbacks[1] == form["fields"]


def test_no_callback_url_means_no_callback(bank, callbacks):
    fields = shop_request(callback="")
    form = Page(choose(bank, "approve", fields).get_data(as_text=True)).forms[0]
    assert form["action"] == f"{SHOP}/payment/nestpay/ok"
    assert callbacks == []
    response = choose(bank, "abandon", fields)
    assert "has not been told the result" in response.get_data(as_text=True)


def test_tampered_pay_request_is_refused(bank, callbacks):
    fields = {**shop_request(), "amount": "1.00"}
    assert choose(bank, "approve", fields).status_code == 400
    assert callbacks == []


def test_unknown_scenario_is_refused(bank, callbacks):
    assert choose(bank, "steal").status_code == 400
    assert bank.post(PAY, data=shop_request()).status_code == 400
    assert callbacks == []


def test_return_page_may_post_to_the_shop(bank):
    fields = shop_request(okUrl="https://other-shop.example:8443/ok")
    response = choose(bank, "approve", fields)
    csp = response.headers["Content-Security-Policy"]
    assert "form-action 'self' https://other-shop.example:8443;" in csp
    assert "script-src" not in csp and "unsafe-inline" not in csp
    html = response.get_data(as_text=True)
    assert "sandbox-bank.js" in html and "<script>" not in html and "style=" not in html
    assert '<button type="submit">' in html  # works without JavaScript


def test_callback_answer_other_than_approved_is_logged(bank, caplog):
    fields = shop_request(callback=f"{SHOP}/test-callback-wrong")
    with caplog.at_level(logging.WARNING, logger="lesnamax"):
        assert choose(bank, "approve", fields).status_code == 200
    assert "not 'Approved'" in caplog.text


def test_gate_only_takes_posts(bank):
    assert bank.get(GATE).status_code == 405


def test_not_registered_in_live_mode(migrated, tmp_path, make_app):
    config = base_config(fresh_database(migrated, tmp_path), tmp_path)
    app = make_app(
        {
            **config,
            "BANK_MODE": "live",
            "BASE_URL": "https://lesnamax.com",
            "NESTPAY_CLIENT_ID": "190000001",
            "NESTPAY_STORE_KEY": "real-key",
            "NESTPAY_GATE_URL": "https://ecommerce.teb-kos.com/fim/est3Dgate",
        }
    )
    sandbox.register(app)
    assert "sandbox_bank" not in app.blueprints
    assert app.test_client().post(GATE, data=shop_request()).status_code == 404


def test_register_twice_is_harmless(app):
    sandbox.register(app)
    sandbox.register(app)
    assert app.blueprints["sandbox_bank"] is sandbox.bp


class Listener:
    """Another server on loopback (an internal admin, say) that records every POST it gets."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                received.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"Approved")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.mark.parametrize("testing", [True, False])
def test_callback_to_another_server_is_refused(app, caplog, testing):
    # SSRF: the callbackUrl is whatever the form says; only the shop itself may be called.
    app.config["TESTING"] = testing
    with Listener() as other, app.app_context(), caplog.at_level(logging.WARNING):
        body = sandbox.deliver_callback(f"{other.url}/internal-admin", {"a": "1"})
    assert body == ""
    assert other.received == []
    assert "refused" in caplog.text


def test_pay_never_posts_to_a_callback_outside_the_shop(bank, callbacks):
    with Listener() as other:
        answer = choose(bank, "approve", shop_request(callback=f"{other.url}/internal-admin"))
    assert answer.status_code == 200
    assert other.received == []
    assert callbacks == []


def test_callback_to_base_url_reaches_the_shop(app, bank, callbacks):
    app.config["TESTING"] = False  # as in development: BASE_URL is what makes it the shop
    with app.app_context():
        assert sandbox.deliver_callback(f"{SHOP}/test-callback?x=1", {"oid": "LM-1"}) == "Approved"
    assert callbacks == [{"oid": "LM-1"}]


# Behaving like the real bank (options on the page and in the posted form).


def choose_with(client, scenario: str, fields=None, **options):
    fields = fields or shop_request()
    data = {**fields, sandbox.SCENARIO_FIELD: scenario}
    data.update({f"sandbox_{name}": value for name, value in options.items()})
    return client.post(PAY, data=data)


def test_gate_page_offers_the_delivery_options(bank):
    html = bank.post(GATE, data=shop_request()).get_data(as_text=True)
    assert 'type="checkbox" name="sandbox_real_fields" value="1"' in html
    assert '<select name="sandbox_charset">' in html and 'value="ISO-8859-9"' in html
    for value in ("before", "after", "none"):
        assert f'type="radio" name="sandbox_callback" value="{value}"' in html
    assert 'value="before" checked' in html


def test_real_fields_are_added_and_nationalidno_is_outside_the_hash(bank, callbacks):
    form = Page(choose_with(bank, "approve", real_fields="1").get_data(as_text=True)).forms[0]
    reply = form["fields"]
    assert reply["NATIONALIDNO"] and reply["callbackCall"] == "true"
    assert reply["ACQBIN"] and reply["SettleId"] and reply["clientIp"] == "127.0.0.1"
    assert reply["TRANID"] == "" and reply["taksit"] == ""  # PHP nulls, posted blank
    assert nestpay.verify(reply, KEY)
    # Signed without NATIONALIDNO, as Payten signs: a hash over it would not match.
    without = {k: v for k, v in reply.items() if k not in ("NATIONALIDNO", "HASH")}
    assert reply["HASH"] == nestpay.hash_ver3(without, KEY)
    assert callbacks == [reply]
    assert "NATIONALIDNO" not in Page(choose(bank, "approve").get_data(as_text=True)).forms[0][
        "fields"
    ]


def test_iso_8859_9_answer(bank, callbacks, app):
    raw: list[bytes] = []

    @app.post("/test-callback-raw")
    def test_callback_raw():
        raw.append(request.get_data())
        return "Approved", 200, {"Content-Type": "text/plain"}

    fields = shop_request(callback=f"{SHOP}/test-callback-raw")
    response = choose_with(bank, "decline", fields, charset="ISO-8859-9")
    form = Page(response.get_data(as_text=True)).forms[0]
    assert form["accept-charset"] == "ISO-8859-9"
    reply = form["fields"]
    assert reply["encoding"] == "ISO-8859-9" and reply["ErrMsg"] == "İşlem onaylanmadı"
    assert reply["BillToName"] == "Arbër Krasniqi"  # ë exists in Latin-5
    assert nestpay.verify(reply, KEY)
    assert not nestpay.verify({**reply, "encoding": "UTF-8"}, KEY)  # hashed in Latin-5
    # The callback and the duplicate posts carry Latin-5 bytes (İ is 0xDD there).
    assert b"ErrMsg=%DD%FElem" in raw[0] and nestpay.decode_body(raw[0]) == reply
    assert nestpay.decode_body(form["data-body"].encode("ascii")) == reply


def test_callback_after_the_browser_return(bank, callbacks, app):
    app.config["SANDBOX_CALLBACK_DELAY"] = 0  # sent only when the test says so
    form = Page(choose_with(bank, "approve", callback="after").get_data(as_text=True)).forms[0]
    assert callbacks == []  # the browser return goes first
    assert sandbox_options.flush(app) == 1
    assert callbacks == [form["fields"]]
    assert sandbox_options.flush(app) == 0


def test_callback_after_is_sent_by_a_timer(bank, callbacks, app):
    app.config["SANDBOX_CALLBACK_DELAY"] = 0.05
    choose_with(bank, "duplicate", callback="after")
    assert callbacks == []
    for _wait in range(100):
        if len(callbacks) == 2:
            break
        threading.Event().wait(0.05)
    assert len(callbacks) == 2


def test_no_callback_at_all(bank, callbacks, app):
    app.config["SANDBOX_CALLBACK_DELAY"] = 0
    form = Page(choose_with(bank, "approve", callback="none").get_data(as_text=True)).forms[0]
    assert form["action"] == f"{SHOP}/payment/nestpay/ok"
    assert sandbox_options.flush(app) == 0 and callbacks == []
    closed = choose_with(bank, "abandon", callback="none").get_data(as_text=True)
    assert "has not been told the result" in closed and callbacks == []


@pytest.mark.parametrize(
    "option", [{"charset": "KOI8-R"}, {"callback": "later"}, {"real_fields": "yes"}]
)
def test_unknown_option_is_refused(bank, callbacks, option):
    response = choose_with(bank, "approve", **option)
    assert response.status_code == 400
    assert "ways of delivering the answer" in response.get_data(as_text=True)
    assert callbacks == []


def test_failing_delayed_callback_is_logged_not_raised(bank, app, caplog):
    @app.post("/test-callback-broken")
    def test_callback_broken():
        raise RuntimeError("the shop fell over")

    app.config["SANDBOX_CALLBACK_DELAY"] = 0
    choose_with(bank, "approve", shop_request(callback=f"{SHOP}/test-callback-broken"),
                callback="after")
    with caplog.at_level(logging.ERROR):
        sandbox_options._flush_later(app)  # what the timer runs
    assert "a delayed callback failed" in caplog.text
    assert sandbox_options.flush(app) == 0  # taken off the queue all the same
