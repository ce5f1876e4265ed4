"""The ver3 signature covers the reply's values, not its names: renamed or repeated fields.

A customer relays the okUrl post, so they can rename fields while keeping the values in the
same name order (the hash stays valid). Such a reply must never make an order paid.
"""

import pytest
from sqlalchemy import select

from lesnamax.extensions import db
from lesnamax.payments import nestpay
from lesnamax.payments.models import PaymentEvent

from .test_payments import card_order, events, order_state, through_the_sandbox  # noqa: F401

FORM = "application/x-www-form-urlencoded"


def forge_md_status(genuine: dict[str, str]) -> dict[str, str]:
    """Give ``dsId``'s value ("1") the name ``mdStatus``; rename the fields in between to names
    that sort between MDSTATUS and OID, so the values keep their order (as /tmp/rev/forge.py)."""
    names = sorted((n for n in genuine if n.lower() not in nestpay.UNHASHED), key=str.upper)
    first, last = names.index("dsId"), names.index("mdStatus")
    forged = {}
    for index, name in enumerate(names):
        if index == first:
            name = "mdStatus"
        elif first < index <= last:
            name = f"MDSTATUSZ{index:03d}"
        forged[name] = genuine[names[index]]
    forged.update({n: v for n, v in genuine.items() if n.lower() in nestpay.UNHASHED})
    return forged


def half_3d_reply(client, card_order):  # noqa: F811
    path, body = through_the_sandbox(
        client, card_order["fields"], "half_3d", real_fields="1", callback="none"
    )
    return path, nestpay.decode_body(body)


def test_renamed_fields_keep_a_valid_hash_but_are_never_paid(app, client, card_order):  # noqa: F811
    path, genuine = half_3d_reply(client, card_order)
    forged = forge_md_status(genuine)
    assert forged["mdStatus"] == "1" and genuine["mdStatus"] == "4"
    assert nestpay.verify(forged, "TEST1234")  # the hole: the names are not signed
    parsed = nestpay.parse_reply(forged, "TEST1234")
    assert not parsed.approved and parsed.unknown_fields
    response = client.post(path, data=nestpay.encode_body(forged), content_type=FORM)
    assert response.status_code == 303
    assert order_state(app) == ("payment_review", "needs_review", 2)
    assert events(app) == [("browser_ok", "review")]


def test_renamed_decline_is_not_taken_as_failed_either(app, client, card_order):  # noqa: F811
    path, genuine = half_3d_reply(client, card_order)
    renamed = {("RESPONSEZ" if n == "Response" else n): v for n, v in genuine.items()}
    assert nestpay.verify(renamed, "TEST1234")  # RESPONSEZ sorts where Response did
    client.post(path, data=nestpay.encode_body(renamed), content_type=FORM)
    assert order_state(app) == ("payment_review", "needs_review", 2)  # not failed: stock held


def test_genuine_real_fields_replies_still_work(app, client, card_order):  # noqa: F811
    path, body = through_the_sandbox(
        client, card_order["fields"], "approve", real_fields="1", callback="none"
    )
    assert not nestpay.unknown_names(nestpay.decode_body(body))
    assert client.post(path, data=body, content_type=FORM).status_code == 303
    assert order_state(app) == ("paid", "paid", 2)


def test_genuine_half_3d_real_fields_reply_goes_to_review(app, client, card_order):  # noqa: F811
    path, genuine = half_3d_reply(client, card_order)
    assert not nestpay.unknown_names(genuine)
    client.post(path, data=nestpay.encode_body(genuine), content_type=FORM)
    assert order_state(app) == ("payment_review", "needs_review", 2)


@pytest.mark.parametrize(
    "extra", [b"&MDSTATUS=1", b"&mdStatus=1", b"&encoding=ISO-8859-9", b"&ENCODING=UTF-8"]
)
@pytest.mark.parametrize("path", ["/payment/nestpay/ok", "/payment/nestpay/callback"])
def test_repeated_field_names_are_refused_and_recorded(
    app, client, card_order, caplog, extra, path  # noqa: F811
):
    _path, body = through_the_sandbox(
        client, card_order["fields"], "approve", real_fields="1", callback="none"
    )
    response = client.post(path, data=body + extra, content_type=FORM)
    assert response.status_code == 400
    assert "repeated" in caplog.text
    assert order_state(app) == ("awaiting_payment", "pending", 2)
    with app.app_context():
        event = db.session.scalar(select(PaymentEvent))
        assert (event.outcome, event.hash_valid) == ("rejected", False)
        assert event.oid == card_order["fields"]["oid"]
    # The genuine reply still counts afterwards.
    assert client.post(path, data=body, content_type=FORM).status_code in (200, 303)
    assert order_state(app)[0] == "paid"


def test_case_twins_in_a_mapping_do_not_verify():
    fields = {"mdStatus": "4", "MDSTATUS": "1"}
    assert nestpay.repeated_name(fields) == "MDSTATUS"
    signed = {**fields, "HASH": nestpay.hash_ver3(fields, "K")}
    assert not nestpay.parse_reply(signed, "K").hash_valid
