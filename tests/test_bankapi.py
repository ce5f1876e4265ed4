"""The client of NestPay's XML API (payments/bankapi.py): vectors, parsing, faults, settings.

The third-party vectors come from mewebstudio/pos (MIT):
``tests/Unit/DataMapper/RequestDataMapper/EstPosRequestDataMapperTest.php`` (requests, as PHP
arrays the library turns into ``<CC5Request>`` children) and
``tests/Unit/DataMapper/ResponseDataMapper/EstPosResponseDataMapperTest.php`` (replies of a
real Payten test system, as arrays read from ``<CC5Response>``). They are written back here as
the XML the bank exchanges; the field names and values are theirs.
"""

from __future__ import annotations

import logging
import threading
import time
import xml.etree.ElementTree as ET

import pytest
import requests
from flask_babel import force_locale
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from lesnamax.payments import bankapi, sandbox, sandbox_api

from .bank_faults import SLOW_ENOUGH, set_fault
from .conftest import base_config
from .shop_clock import set_clock
from .test_bank_mode import LIVE

# mewebstudio's account: AccountFactory::createEstPosAccount('akbank', '700655000200',
# 'ISBANKAPI', 'ISBANK07', ...), order id '2020110828BC'.
ACCOUNT = ("ISBANKAPI", "ISBANK07", "700655000200")
MEWS_OID = "2020110828BC"


def children(xml: bytes) -> dict:
    root = ET.fromstring(xml)
    assert root.tag == "CC5Request"
    out: dict = {}
    for child in root:
        out[child.tag] = {c.tag: c.text for c in child} if len(child) else child.text
    return out


def cc5(top: dict[str, str], extra: dict[str, str]) -> bytes:
    """A ``CC5Response`` holding a mewebstudio response array (top level, then ``Extra``)."""
    root = ET.Element("CC5Response")
    for name, value in top.items():
        ET.SubElement(root, name).text = value
    holder = ET.SubElement(root, "Extra")
    for name, value in extra.items():
        ET.SubElement(holder, name).text = value
    return ET.tostring(root, encoding="ISO-8859-9", xml_declaration=True)


# --- request vectors -----------------------------------------------------------------------


def test_status_request_matches_mewebstudio():
    # Source: mewebstudio/pos EstPosRequestDataMapperTest::getSampleStatusRequestData.
    xml = bankapi.request_xml(*ACCOUNT, MEWS_OID, kind="ORDERSTATUS")
    assert children(xml) == {
        "Name": "ISBANKAPI", "Password": "ISBANK07", "ClientId": "700655000200",
        "OrderId": "2020110828BC", "Extra": {"ORDERSTATUS": "QUERY"},
    }


def test_history_request_matches_mewebstudio():
    # Source: mewebstudio/pos EstPosRequestDataMapperTest::orderHistoryRequestDataProvider.
    xml = bankapi.request_xml(*ACCOUNT, MEWS_OID, kind="ORDERHISTORY")
    assert children(xml) == {
        "Name": "ISBANKAPI", "Password": "ISBANK07", "ClientId": "700655000200",
        "OrderId": "2020110828BC", "Extra": {"ORDERHISTORY": "QUERY"},
    }


def test_void_request_matches_mewebstudio():
    # Source: mewebstudio/pos EstPosRequestDataMapperTest::getSampleCancelXMLData.
    xml = bankapi.request_xml(*ACCOUNT, MEWS_OID, kind="Void")
    assert children(xml) == {
        "Name": "ISBANKAPI", "Password": "ISBANK07", "ClientId": "700655000200",
        "OrderId": "2020110828BC", "Type": "Void",
    }


def test_credit_request_matches_mewebstudio_in_euros():
    # Source: mewebstudio/pos EstPosRequestDataMapperTest::getSampleRefundXMLData (their
    # vector is 50 in TRY, 949; the shop credits euros, 978, with two decimals as the gate).
    xml = bankapi.request_xml(*ACCOUNT, MEWS_OID, kind="Credit", amount_cents=5000)
    assert children(xml) == {
        "Name": "ISBANKAPI", "Password": "ISBANK07", "ClientId": "700655000200",
        "OrderId": "2020110828BC", "Type": "Credit", "Total": "50.00", "Currency": "978",
    }


def test_request_values_are_escaped():
    xml = bankapi.request_xml("a<b", "p&</Password>", "1", "x", kind="Void")
    assert children(xml)["Password"] == "p&</Password>"


# --- reply vectors -------------------------------------------------------------------------

# Source: mewebstudio/pos EstPosResponseDataMapperTest::statusTestDataProvider 'success1'.
STATUS_SUCCESS1 = cc5(
    {"ErrMsg": "Record(s) found for 20221030FAC5", "ProcReturnCode": "00",
     "Response": "Approved", "OrderId": "20221030FAC5", "TransId": "22303Md4C19254"},
    {"AUTH_CODE": "P90325", "AUTH_DTTM": "2022-10-30 12:29:53.773", "CAPTURE_AMT": "",
     "CAPTURE_DTTM": "", "CAVV_3D": "", "CHARGE_TYPE_CD": "S", "ECI_3D": "",
     "HOSTDATE": "1030-122954", "HOST_REF_NUM": "230300671782", "MDSTATUS": "", "NUMCODE": "0",
     "ORDERSTATUS": "ORD_ID:20221030FAC5\tCHARGE_TYPE_CD:S\tORIG_TRANS_AMT:101\tCAPTURE_AMT:\t"
                    "TRANS_STAT:A\tAUTH_DTTM:2022-10-30 12:29:53.773\tCAPTURE_DTTM:\t"
                    "AUTH_CODE:P90325\tTRANS_ID:22303Md4C19254",
     "ORD_ID": "20221030FAC5", "ORIG_TRANS_AMT": "101", "PAN": "4355 08** **** 4358",
     "PROC_RET_CD": "00", "SETTLEID": "", "TRANS_ID": "22303Md4C19254", "TRANS_STAT": "A",
     "XID_3D": ""},
)
# Source: the same provider, 'fail1' (no such order).
STATUS_FAIL1 = cc5(
    {"ErrMsg": "No record found for 2022103088D22", "ProcReturnCode": "99",
     "Response": "Declined", "OrderId": "", "TransId": ""},
    {"NUMCODE": "0", "ORDERSTATUS": "ORD_ID:\tCHARGE_TYPE_CD:\tORIG_TRANS_AMT:\tCAPTURE_AMT:\t"
                                    "TRANS_STAT:\tAUTH_DTTM:\tCAPTURE_DTTM:\tAUTH_CODE:"},
)
# Source: the same provider, 'canceled_order_status' (TRANS_STAT V).
STATUS_CANCELED = cc5(
    {"ErrMsg": "Record(s) found for 20240103BBF9", "ProcReturnCode": "00",
     "Response": "Approved", "OrderId": "20240103BBF9", "TransId": "24003VxrB15662"},
    {"AUTH_CODE": "P42795", "CAPTURE_AMT": "101", "CHARGE_TYPE_CD": "S",
     "HOST_REF_NUM": "400300744237", "NUMCODE": "0", "ORD_ID": "20240103BBF9",
     "ORIG_TRANS_AMT": "101", "PROC_RET_CD": "00", "TRANS_ID": "24003VxrB15662",
     "TRANS_STAT": "V", "VOID_DTTM": "2024-01-03 21:49:44.301"},
)
# Source: historyTestDataProvider 'success_cancel_success_refund_fail': a voided sale and a
# failed credit (TRANS_STAT D, code 99) on the same order.
HISTORY_VOID_AND_FAILED_CREDIT = cc5(
    {"ErrMsg": "", "ProcReturnCode": "00", "Response": "Approved", "OrderId": "20240102D8F1"},
    {"TERMINALID": "00655020", "MERCHANTID": "655000200", "NUMCODE": "0",
     "TRX1": "C\tD\t100\t100\t2024-01-02 21:53:02.486\t2024-01-02 21:53:02.486\t\t\t\t99\t"
             "24002V3CG19993",
     "TRX2": "S\tV\t101\t101\t2024-01-02 21:52:59.261\t2024-01-02 21:52:59.261\t"
             "2024-01-02 21:53:01.297\t400200744059\tP78955\t00\t24002V29G19979",
     "TRXCOUNT": "2"},
)
# Source: cancelTestDataProvider 'success1' and 'fail1'; refundTestDataProvider 'fail1'.
VOID_SUCCESS1 = cc5(
    {"OrderId": "20221030B3FF", "GroupId": "20221030B3FF", "Response": "Approved",
     "AuthCode": "P43467", "HostRefNum": "230300671786", "ProcReturnCode": "00",
     "TransId": "22303MzZG10851", "ErrMsg": ""},
    {"SETTLEID": "2287", "TRXDATE": "20221030 12:51:25", "ERRORCODE": "",
     "TERMINALID": "00655020", "MERCHANTID": "655000200", "CARDBRAND": "VISA",
     "CARDISSUER": "AKBANK T.A.S.", "HOSTDATE": "1030-125130", "NUMCODE": "00"},
)
VOID_FAIL1 = cc5(
    {"OrderId": "", "GroupId": "", "Response": "Error", "AuthCode": "", "HostRefNum": "",
     "ProcReturnCode": "99", "TransId": "22303M5IA11121",
     "ErrMsg": "İptal edilmeye uygun satış işlemi bulunamadı."},
    {"SETTLEID": "", "TRXDATE": "20221030 12:55:08", "ERRORCODE": "CORE-2008",
     "NUMCODE": "992008"},
)
REFUND_FAIL1 = cc5(
    {"OrderId": "20221030B3FF", "GroupId": "20221030B3FF", "Response": "Error",
     "AuthCode": "", "HostRefNum": "", "ProcReturnCode": "99", "TransId": "22303M8rC11328",
     "ErrMsg": "Iade yapilamaz, siparis gunsonuna girmemis."},
    {"SETTLEID": "", "TRXDATE": "20221030 12:58:42", "ERRORCODE": "CORE-2508",
     "NUMCODE": "992508"},
)


def test_status_of_an_authorised_sale():
    status = bankapi.parse_status(bankapi.parse_reply(STATUS_SUCCESS1))
    assert status.state == "approved" and status.trans_stat == "A"
    assert status.amount_cents == 101  # status replies count minor units: "101" is 1.01
    assert (status.auth_code, status.trans_id, status.code) == ("P90325", "22303Md4C19254", "00")
    assert status.refunded_cents == 0


def test_status_of_no_such_order_is_unknown():
    status = bankapi.parse_status(bankapi.parse_reply(STATUS_FAIL1))
    assert status.state == "unknown" and status.code == "99"
    assert status.message == "No record found for 2022103088D22"


def test_status_of_a_voided_sale_with_a_failed_credit():
    status = bankapi.parse_status(
        bankapi.parse_reply(STATUS_CANCELED), bankapi.parse_reply(HISTORY_VOID_AND_FAILED_CREDIT)
    )
    assert status.state == "voided" and status.amount_cents == 101
    assert status.refunded_cents == 0  # the credit of that history failed (D, 99)
    assert status.fields["History.Extra.TRXCOUNT"] == "2"


def test_history_lines_follow_mewebstudios_columns():
    lines = bankapi.history_lines(bankapi.parse_reply(HISTORY_VOID_AND_FAILED_CREDIT))
    assert [(line["CHARGE_TYPE_CD"], line["TRANS_STAT"], line["PROC_RET_CD"]) for line in lines] \
        == [("C", "D", "99"), ("S", "V", "00")]
    assert lines[1]["TRANS_ID"] == "24002V29G19979" and lines[1]["AUTH_CODE"] == "P78955"


def test_approved_credits_add_up_to_refunded():
    # Ours: the column layout of the vector above, with credits the bank approved (C, 00).
    history = bankapi.parse_reply(cc5(
        {"ProcReturnCode": "00", "Response": "Approved", "OrderId": "X"},
        {"TRX1": "C\tC\t60\t60\t\t\t\t1\tA1\t00\tT3", "TRX2": "C\tC\t41\t\t\t\t\t2\tA2\t00\tT2",
         "TRX3": "S\tC\t101\t101\t\t\t\t3\tA3\t00\tT1", "TRXCOUNT": "3"},
    ))
    assert bankapi.refunded_cents(history) == 101
    status = bankapi.parse_status(bankapi.parse_reply(STATUS_SUCCESS1), history)
    assert status.state == "refunded"


def test_void_replies():
    ok = bankapi._answer(bankapi.parse_reply(VOID_SUCCESS1))
    assert ok.approved and (ok.trans_id, ok.host_ref) == ("22303MzZG10851", "230300671786")
    refused = bankapi._answer(bankapi.parse_reply(VOID_FAIL1))
    assert not refused.approved and refused.response == "Error" and refused.code == "99"
    assert refused.message == "İptal edilmeye uygun satış işlemi bulunamadı."  # ISO-8859-9 read
    assert refused.fields["Extra.ERRORCODE"] == "CORE-2008"


def test_refund_refused_before_end_of_day():
    answer = bankapi._answer(bankapi.parse_reply(REFUND_FAIL1))
    assert not answer.approved and answer.fields["Extra.ERRORCODE"] == "CORE-2508"


def test_an_error_reply_to_a_status_query_is_not_unknown():
    reply = bankapi.parse_reply(cc5(
        {"Response": "Error", "ProcReturnCode": "99", "ErrMsg": "Kullanici dogrulanamadi"}, {}
    ))
    with pytest.raises(bankapi.BankUnavailable):
        bankapi.parse_status(reply)


@pytest.mark.parametrize("body", [
    b"", b"<html>502 Bad Gateway</html>", b"<CC5Response><unclosed></CC5Response>",
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><CC5Response>&a;</CC5Response>',
    b"<CC5Response>" + b"x" * (bankapi.MAX_REPLY_BYTES + 1) + b"</CC5Response>",
])
def test_unreadable_replies_are_bank_unavailable(body):
    with pytest.raises(bankapi.BankUnavailable):
        bankapi.parse_reply(body)


def test_a_password_echoed_in_a_reply_is_not_kept():
    fields = bankapi.parse_reply(b"<CC5Response><Password>s3cret</Password>"
                                 b"<Response>Approved</Response></CC5Response>")
    assert "s3cret" not in str(fields)


# --- explain -------------------------------------------------------------------------------


def test_explain_in_both_languages(app):
    refused = bankapi._answer(bankapi.parse_reply(REFUND_FAIL1))
    status = bankapi.Status("approved", "C", 24990, 10000, "", "", "00", "", {})
    with app.test_request_context():
        with force_locale("en"):
            assert bankapi.explain(refused) == (
                "The bank answered with an error (code 99). The bank's message: "
                "Iade yapilamaz, siparis gunsonuna girmemis."
            )
            assert "Part of it was refunded: €100.00." in bankapi.explain(status)
        with force_locale("sq_XK"):
            assert bankapi.explain(refused).startswith("Banka u përgjigj me një gabim (kodi 99).")
            assert "100,00\xa0€" in bankapi.explain(status)
            for state in ("approved", "voided", "refunded", "declined", "pending", "unknown"):
                text = bankapi.explain(bankapi.Status(state, "", 0, 0, "", "", "", "", {}))
                assert text.startswith("Banka")


# --- faults, through the sandbox in-process ------------------------------------------------


@pytest.fixture
def bank(app):
    app.config["NESTPAY_API_TIMEOUT"] = SLOW_ENOUGH
    sandbox.register(app)
    with app.test_request_context():
        sandbox_api.record_sale("LM-1", 24990, "T1", "A1", "H1")
        yield app


@pytest.mark.parametrize("fault", ["timeout", "http_500", "garbage"])
@pytest.mark.parametrize("operation", ["query", "void", "refund"])
def test_faults_raise_bank_unavailable_and_change_nothing(bank, fault, operation):
    set_fault(bank, fault)
    call = {"query": lambda: bankapi.query("LM-1"), "void": lambda: bankapi.void("LM-1"),
            "refund": lambda: bankapi.refund("LM-1", 100)}[operation]
    started = time.monotonic()
    with pytest.raises(bankapi.BankUnavailable):
        call()
    assert time.monotonic() - started < 5
    set_fault(bank, "")
    status = bankapi.query("LM-1")
    assert status.state == "approved" and status.refunded_cents == 0


def test_error_fault_is_a_refused_answer(bank):
    set_fault(bank, "error")
    answer = bankapi.refund("LM-1", 100)
    assert not answer.approved and answer.response == "Error" and answer.code == "99"
    set_fault(bank, "")
    assert bankapi.query("LM-1").refunded_cents == 0


def test_a_lost_answer_after_the_credit_was_applied(bank):
    """The refund the shop never heard about shows in the status: a retry can see it."""
    set_fault(bank, "timeout_applied")
    with pytest.raises(bankapi.BankUnavailable):
        bankapi.refund("LM-1", 5000)
    set_fault(bank, "")
    assert bankapi.query("LM-1").refunded_cents == 5000


def test_a_lost_answer_after_the_void_was_applied(bank, monkeypatch):
    set_fault(bank, "timeout_applied")
    with pytest.raises(bankapi.BankUnavailable):
        bankapi.void("LM-1")
    set_fault(bank, "")
    assert bankapi.query("LM-1").state == "voided"


def test_the_fault_switch_is_shared_through_the_database(bank, make_app, tmp_path):
    other = make_app(base_config(bank.config["SQLALCHEMY_DATABASE_URI"], tmp_path))
    set_fault(bank, "http_500")
    with other.app_context():
        assert sandbox_api.fault() == "http_500"
    with pytest.raises(ValueError):
        sandbox_api.set_fault("meteor")


def test_nothing_secret_is_logged(bank, caplog):
    caplog.set_level(logging.DEBUG)
    bankapi.refund("LM-1", 100)
    bankapi.query("LM-1")
    set_fault(bank, "http_500")
    with pytest.raises(bankapi.BankUnavailable):
        bankapi.void("LM-1")
    assert "TEST1234" not in caplog.text and "LESNAMAXAPI" not in caplog.text
    assert "LM-1" in caplog.text  # it does log what it did


def test_refund_amount_must_be_positive_cents(bank):
    for amount in (0, -5, 1.5, True):
        with pytest.raises(ValueError):
            bankapi.refund("LM-1", amount)


def test_void_is_refused_the_next_bank_day(bank, monkeypatch):
    set_clock(monkeypatch, "2099-01-02 09:00")
    assert not bankapi.void("LM-1").approved


# --- the real HTTP path --------------------------------------------------------------------


class Bank:
    """A bank on 127.0.0.1 in a thread: answers ``reply`` after ``delay`` seconds."""

    def __init__(self, reply: bytes = VOID_SUCCESS1, status: int = 200, delay: float = 0):
        self.reply, self.status, self.delay = reply, status, delay
        self.bodies: list[dict] = []
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/fim/api"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @Request.application
    def wsgi(self, request):
        self.bodies.append(request.form.to_dict())
        time.sleep(self.delay)
        return Response(self.reply, self.status, content_type="text/xml")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def remote(app):
    made = []

    def start(**kwargs):
        bank_server = Bank(**kwargs)
        made.append(bank_server)
        app.config.update(NESTPAY_API_URL=bank_server.url, NESTPAY_API_TIMEOUT=0.5)
        return bank_server

    with app.test_request_context():
        yield start
    for bank_server in made:
        bank_server.stop()


def test_requests_posts_the_xml_as_data_and_reads_the_reply(remote):
    bank_server = remote()
    answer = bankapi.void("20221030B3FF")
    assert answer.approved and answer.trans_id == "22303MzZG10851"
    sent = children(bank_server.bodies[0]["DATA"].encode())
    assert sent["OrderId"] == "20221030B3FF" and sent["Type"] == "Void"
    assert sent["Name"] == "LESNAMAXAPI"


@pytest.mark.parametrize("operation", ["void", "refund"])
def test_an_answer_about_another_order_is_no_answer(remote, operation):
    """The reply names 20221030B3FF, we asked about LM-9: unknown, never counted as done."""
    remote()
    with pytest.raises(bankapi.BankUnavailable):
        bankapi.void("LM-9") if operation == "void" else bankapi.refund("LM-9", 100)


def test_a_slow_bank_times_out(remote):
    bank_server = remote(delay=2)
    started = time.monotonic()
    with pytest.raises(bankapi.BankUnavailable, match="Timeout"):
        bankapi.refund("LM-9", 100)
    assert time.monotonic() - started < 1.5
    assert len(bank_server.bodies) == 1  # sent once: no retry


@pytest.mark.parametrize("status", [500, 502, 302])
def test_http_errors_are_bank_unavailable(remote, status):
    remote(status=status)
    with pytest.raises(bankapi.BankUnavailable, match=str(status)):
        bankapi.void("LM-9")


def test_a_refused_connection_is_bank_unavailable(app):
    with app.test_request_context():
        app.config["NESTPAY_API_URL"] = "http://127.0.0.1:9/fim/api"  # discard port: closed
        with pytest.raises(bankapi.BankUnavailable):
            bankapi.query("LM-9")


def test_tls_is_verified(remote, monkeypatch):
    bank_server = remote()
    # A plain-http server spoken to over https: the TLS handshake fails, nothing is parsed.
    monkeypatch.setitem(bankapi.current_app.config, "NESTPAY_API_URL",
                        bank_server.url.replace("http://", "https://"))
    with pytest.raises(bankapi.BankUnavailable, match="SSLError"):
        bankapi.void("LM-9")
    seen = {}
    real_post = requests.post

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real_post(*args, **kwargs)

    monkeypatch.setattr(requests, "post", spy)
    monkeypatch.setitem(bankapi.current_app.config, "NESTPAY_API_URL", bank_server.url)
    bankapi.void("20221030B3FF")
    assert seen["verify"] is True and seen["allow_redirects"] is False and seen["timeout"] == 0.5


# --- settings ------------------------------------------------------------------------------


API_LIVE = {
    "NESTPAY_API_URL": "https://ecommerce.teb-kos.com/fim/api",
    "NESTPAY_API_USER": "LESNAMAXAPI1",
    "NESTPAY_API_PASSWORD": "from-the-bank",
}


@pytest.fixture
def production(app, tmp_path, monkeypatch):
    for name in ("LESNAMAX_BANK_MODE", "LESNAMAX_BASE_URL", "FLASK_DEBUG", "LESNAMAX_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    config = base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    return {**config, "TESTING": False, "DEBUG": False}


def test_sandbox_mode_uses_the_sandbox_api(app):
    assert app.config["NESTPAY_API_URL"] == "http://shop.test/sandbox-bank/fim/api"
    assert app.config["NESTPAY_API_USER"] == "LESNAMAXAPI"


def test_live_mode_with_the_banks_api_starts(production, make_app):
    app = make_app({**production, **LIVE, **API_LIVE})
    assert app.config["NESTPAY_API_URL"] == API_LIVE["NESTPAY_API_URL"]


def test_live_mode_without_the_api_starts_but_operations_say_so(production, make_app):
    app = make_app({**production, **LIVE})
    with app.test_request_context():
        with pytest.raises(bankapi.NotConfigured):
            bankapi.query("LM-1")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"NESTPAY_API_URL": "http://ecommerce.teb-kos.com/fim/api"}, "NESTPAY_API_URL"),
        ({"NESTPAY_API_URL": "https://127.0.0.1/fim/api"}, "NESTPAY_API_URL"),
        ({"NESTPAY_API_URL": "https://localhost:8443/sandbox-bank/fim/api"}, "NESTPAY_API_URL"),
        ({"NESTPAY_API_URL": "https://entegrasyon.asseco-see.com.tr/fim/api"}, "NESTPAY_API_URL"),
        ({"NESTPAY_API_USER": ""}, "NESTPAY_API_USER"),
        ({"NESTPAY_API_PASSWORD": ""}, "NESTPAY_API_PASSWORD"),
        ({"NESTPAY_API_PASSWORD": "TEST1234"}, "NESTPAY_API_PASSWORD"),
    ],
)
def test_live_mode_refuses_test_and_local_api_settings(production, make_app, change, named):
    with pytest.raises(RuntimeError, match=named):
        make_app({**production, **LIVE, **API_LIVE, **change})
