"""The sandbox bank's XML API (payments/sandbox_api.py), asked through the shop's client
(payments/bankapi.py) in-process, and by raw XML where the client would not send it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from lesnamax.extensions import db
from lesnamax.payments import bankapi, sandbox, sandbox_api
from lesnamax.payments.sandbox_models import SandboxTransaction

from .shop_clock import set_clock
from .test_sandbox_bank import choose, shop_request

API = "/sandbox-bank/fim/api"
OID = "LM-2026-000123-1"


@pytest.fixture
def bank(app):
    sandbox.register(app)
    with app.test_request_context():
        yield app


def sale(oid: str = OID, cents: int = 24990) -> None:
    sandbox_api.record_sale(oid, cents, "26340SIMABC123", "P12345", "234000123")


def test_the_card_page_books_its_approved_sale(app):
    sandbox.register(app)
    client = app.test_client()
    assert choose(client, "approve", shop_request(callback="")).status_code == 200
    assert choose(client, "decline", shop_request(callback="", oid="LM-X-2")).status_code == 200
    with app.test_request_context():
        rows = db.session.scalars(select(SandboxTransaction)).all()
        assert [(row.oid, row.kind, row.amount_cents) for row in rows] == [(OID, "sale", 24990)]
        status = bankapi.query(OID)
    assert status.state == "approved" and status.amount_cents == 24990
    assert status.trans_id == rows[0].trans_id and status.auth_code == rows[0].auth_code


def test_status_of_an_unknown_oid(bank):
    status = bankapi.query("LM-NOPE-1")
    assert status.state == "unknown"
    assert status.code == "99" and "No record found" in status.message
    assert status.amount_cents == 0 and status.refunded_cents == 0


def test_void_on_the_day_of_the_sale(bank, monkeypatch):
    set_clock(monkeypatch, "2026-12-05 10:00")
    sale()
    set_clock(monkeypatch, "2026-12-05 23:59")  # still the same bank day in Prishtinë
    answer = bankapi.void(OID)
    assert answer.approved and answer.code == "00" and answer.trans_id
    status = bankapi.query(OID)
    assert status.state == "voided" and status.trans_stat == "V"
    again = bankapi.void(OID)  # one void per sale
    assert not again.approved and again.response == "Error" and again.code == "99"
    assert not bankapi.refund(OID, 100).approved  # nothing left to credit on a voided sale


def test_void_refused_the_next_day_then_credit_works(bank, monkeypatch):
    set_clock(monkeypatch, "2026-12-05 23:58")
    sale()
    set_clock(monkeypatch, "2026-12-06 00:01")  # after the bank's end of day
    answer = bankapi.void(OID)
    assert not answer.approved
    assert answer.message == sandbox_api.NOT_VOIDABLE[1]
    assert answer.fields["Extra.ERRORCODE"] == "CORE-2008"
    credit = bankapi.refund(OID, 24990)
    assert credit.approved and credit.host_ref
    status = bankapi.query(OID)
    assert status.state == "refunded" and status.refunded_cents == 24990


def test_partial_credits_then_above_what_is_left_is_refused(bank, monkeypatch):
    set_clock(monkeypatch, "2026-12-01 12:00")
    sale()
    set_clock(monkeypatch, "2026-12-03 12:00")
    assert bankapi.refund(OID, 10000).approved
    status = bankapi.query(OID)
    assert status.state == "approved" and status.refunded_cents == 10000
    over = bankapi.refund(OID, 14991)  # 149.90 is left
    assert not over.approved and over.message == sandbox_api.OVER_REMAINING[1]
    assert bankapi.refund(OID, 14990).approved
    assert bankapi.query(OID).state == "refunded"
    assert not bankapi.void(OID).approved  # a refunded sale cannot be voided


def test_credit_on_the_day_of_the_sale_can_be_refused_like_a_real_bank(bank, monkeypatch):
    bank.config["SANDBOX_API_CREDIT_SAME_DAY"] = False
    sale()
    answer = bankapi.refund(OID, 100)
    assert not answer.approved and answer.message == sandbox_api.NOT_SETTLED[1]


@pytest.mark.parametrize(
    "change", [{"NESTPAY_API_PASSWORD": "wrong"}, {"NESTPAY_API_USER": "someone"}]
)
def test_wrong_credentials_are_refused(bank, change):
    sale()
    bank.config.update(change)
    answer = bankapi.refund(OID, 100)
    assert not answer.approved and answer.message == sandbox_api.BAD_LOGIN[1]
    with pytest.raises(bankapi.BankUnavailable, match="refused the status query"):
        bankapi.query(OID)  # an error says nothing about the order: never "unknown"
    assert db.session.scalars(select(SandboxTransaction.kind)).all() == ["sale"]


def test_another_stores_client_id_is_refused(bank):
    sale()
    xml = bankapi.request_xml("LESNAMAXAPI", "TEST1234", "190000001", OID, kind="Void")
    reply = bankapi.parse_reply(bank.test_client().post(API, data={"DATA": xml.decode()}).data)
    assert reply["Response"] == "Error" and reply["ErrMsg"] == sandbox_api.BAD_LOGIN[1]


def test_raw_xml_body_and_form_field_both_accepted(bank):
    sale()
    xml = bankapi.request_xml("LESNAMAXAPI", "TEST1234", "190100000", OID, kind="ORDERSTATUS")
    client = bank.test_client()
    raw = client.post(API, data=xml, content_type="application/xml")
    form = client.post(API, data={"DATA": xml.decode()})
    assert raw.status_code == form.status_code == 200
    assert bankapi.parse_reply(raw.data)["Extra.TRANS_STAT"] == "C"
    assert bankapi.parse_reply(form.data)["Extra.ORD_ID"] == OID


@pytest.mark.parametrize("body", [b"", b"not xml", b"<Other/>",
                                  b'<!DOCTYPE x [<!ENTITY a "b">]><CC5Request/>'])
def test_unreadable_request_gets_an_error_reply(bank, body):
    response = bank.test_client().post(API, data=body, content_type="application/xml")
    fields = bankapi.parse_reply(response.data)
    assert fields["Response"] == "Error" and fields["ErrMsg"] == sandbox_api.BAD_REQUEST[1]


def test_the_api_exists_only_in_sandbox_mode(make_app, app, tmp_path):
    from .conftest import base_config
    from .test_bank_mode import LIVE

    config = base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    live = make_app({**config, **LIVE, "TESTING": False})
    assert live.test_client().post(API, data={"DATA": "<CC5Request/>"}).status_code == 404


def test_concurrent_credits_never_exceed_the_sale(make_app, app, tmp_path, monkeypatch):
    """Two processes (two apps on one database) credit 150.00 of a 249.90 sale at once: the
    bank approves one of them."""
    from .conftest import base_config

    config = base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    apps = [make_app(config) for _ in range(4)]
    for each in apps:
        sandbox.register(each)
    with apps[0].test_request_context():
        sale()
    barrier = threading.Barrier(len(apps))
    real_stamp = sandbox_api._stamp

    def slow_stamp():
        # Between reading what is left and booking the credit: widen the race on purpose.
        time.sleep(0.2)
        return real_stamp()

    monkeypatch.setattr(sandbox_api, "_stamp", slow_stamp)
    answers: list[bankapi.Answer] = []

    def credit(each):
        with each.test_request_context():
            barrier.wait()
            answers.append(bankapi.refund(OID, 15000))

    threads = [threading.Thread(target=credit, args=(each,)) for each in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.approved for answer in answers) == [False, False, False, True]
    with apps[0].test_request_context():
        assert bankapi.query(OID).refunded_cents == 15000


def test_the_fault_page_switches_the_fault_and_shows_the_books(bank):
    sale()
    client = bank.test_client()
    page = client.get(f"{API}/faults", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert html.count('name="fault"') == len(sandbox_api.FAULT_LABELS)
    assert 'value="" checked' in html and OID in html and "Card sale" in html
    answer = client.post(f"{API}/faults", data={"fault": "http_500"})
    assert answer.status_code == 303
    assert sandbox_api.fault() == "http_500"
    assert 'value="http_500" checked' in client.get(f"{API}/faults").get_data(as_text=True)
    with pytest.raises(bankapi.BankUnavailable):
        bankapi.void(OID)
    refused = client.post(f"{API}/faults", data={"fault": "meteor"})
    assert refused.status_code == 400 and sandbox_api.fault() == "http_500"
    client.post(f"{API}/faults", data={"fault": ""})
    assert bankapi.void(OID).approved


def test_the_fault_page_in_albanian(bank):
    html = bank.test_client().get(f"{API}/faults", headers={"Accept-Language": "sq"}).get_data(
        as_text=True
    )
    assert "API-ja e bankës" in html and "Librat e bankës" in html
