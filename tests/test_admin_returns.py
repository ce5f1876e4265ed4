"""The owner's returns: requested → goods received (stock back once) → refunded (cash
recorded, card through the bank), or rejected with a reason the customer is told; 409 on a
stale form, 422 on bad input, every action audited, the deadline as a countdown."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lesnamax.audit import AuditEvent
from lesnamax.extensions import db
from lesnamax.orders.models import Order
from lesnamax.returns.models import Return

from .account_support import outbox_messages, text_of
from .returns_support import deliver, placed, returns, stock, withdraw
from .shop_clock import set_clock

placed = placed  # the fixture


def as_owner(client, make_admin, login):
    client.post("/account/logout")
    login(make_admin(email="pronari@example.test"))


def withdrawn(app, client, placed, make_admin, login, pieces=2) -> int:
    deliver(app, placed.number)
    withdraw(client, placed.number, {placed.chair_line: pieces}, reason="Nuk më pëlqen")
    as_owner(client, make_admin, login)
    [ret] = returns(app)
    return ret.id


def actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("return.%")).order_by(AuditEvent.id))]


def test_the_list_and_the_record_show_the_withdrawal(app, client, placed, make_admin, login):
    ret_id = withdrawn(app, client, placed, make_admin, login)
    listing = client.get("/admin/returns")
    assert listing.status_code == 200 and f"/admin/returns/{ret_id}" in listing.text
    page = client.get(f"/admin/returns/{ret_id}")
    assert page.status_code == 200
    assert "Nuk më pëlqen" in page.text and "Karrige lisi" in page.text
    assert "14 ditë për rimbursim" in page.text
    assert client.get("/admin/returns/999").status_code == 404
    assert client.get("/admin/returns?state=nonsense").status_code == 200
    assert actions(app) == ["return.view"] * 3


def test_goods_received_returns_the_stock_once(app, client, placed, make_admin, login):
    ret_id = withdrawn(app, client, placed, make_admin, login)
    before = stock(app, placed.chair.id)
    first = client.post(f"/admin/returns/{ret_id}/receive", data={"state": "requested"})
    assert first.status_code == 303
    assert stock(app, placed.chair.id) == before + 2
    again = client.post(f"/admin/returns/{ret_id}/receive", data={"state": "requested"})
    assert again.status_code == 409 and "malli i pranuar" in again.text
    assert stock(app, placed.chair.id) == before + 2
    assert returns(app)[0].state == "received"
    assert "return.receive" in actions(app)


def test_cash_refund_is_recorded_once_and_told(app, client, placed, make_admin, login):
    ret_id = withdrawn(app, client, placed, make_admin, login)
    early = client.post(f"/admin/returns/{ret_id}/refund",
                        data={"state": "received", "amount": "100"})
    assert early.status_code == 409  # still requested: the goods are not back
    client.post(f"/admin/returns/{ret_id}/receive", data={"state": "requested"})
    for bad in ("", "abc", "-5", "999999"):
        answer = client.post(f"/admin/returns/{ret_id}/refund",
                             data={"state": "received", "amount": bad})
        assert answer.status_code == 422, bad
    heard = []
    from lesnamax.returns import signals

    def note(_sender, order, ret, **_extra):
        heard.append((order.number, ret.refund_cents))

    signals.cash_refunded.connect(note)
    try:
        done = client.post(f"/admin/returns/{ret_id}/refund",
                           data={"state": "received", "amount": "100,00"})
        again = client.post(f"/admin/returns/{ret_id}/refund",
                            data={"state": "received", "amount": "100,00"})
    finally:
        signals.cash_refunded.disconnect(note)
    assert done.status_code == 303 and again.status_code == 409
    assert heard == [(placed.number, 10000)]
    [ret] = returns(app)
    assert (ret.state, ret.refund_method, ret.refund_cents, ret.refunded_by) == (
        "refunded", "cash", 10000, "pronari@example.test")
    mail = outbox_messages(placed.outbox)[-1]
    assert "100,00" in text_of(mail) and placed.number in mail["Subject"]
    assert actions(app).count("return.refund_cash") == 1


def test_rejecting_needs_a_reason_and_tells_the_customer(app, client, placed, make_admin,
                                                        login):
    ret_id = withdrawn(app, client, placed, make_admin, login)
    blank = client.post(f"/admin/returns/{ret_id}/reject", data={"state": "requested",
                                                                 "reason": "  "})
    assert blank.status_code == 422 and "Shkruani arsyen" in blank.text
    done = client.post(f"/admin/returns/{ret_id}/reject",
                       data={"state": "requested", "reason": "Malli është dëmtuar"})
    assert done.status_code == 303
    assert client.post(f"/admin/returns/{ret_id}/reject",
                       data={"state": "requested", "reason": "x"}).status_code == 409
    assert client.post(f"/admin/returns/{ret_id}/receive",
                       data={"state": "requested"}).status_code == 409
    mail = outbox_messages(placed.outbox)[-1]
    assert "Malli është dëmtuar" in text_of(mail)
    assert returns(app)[0].state == "rejected"
    assert "return.reject" in actions(app)


def test_a_form_of_no_state_is_stale(app, client, placed, make_admin, login):
    ret_id = withdrawn(app, client, placed, make_admin, login)
    assert client.post(f"/admin/returns/{ret_id}/receive", data={}).status_code == 409
    assert client.post("/admin/returns/999/receive",
                       data={"state": "requested"}).status_code == 404


def test_the_deadline_counts_down_on_the_page_and_the_dashboard(app, client, placed,
                                                                make_admin, login,
                                                                monkeypatch):
    set_clock(monkeypatch, "2026-12-01 10:00")
    ret_id = withdrawn(app, client, placed, make_admin, login)
    set_clock(monkeypatch, "2026-12-11 08:00")
    page = client.get(f"/admin/returns/{ret_id}").text
    assert "4 ditë për rimbursim" in page
    dashboard = client.get("/admin/").text
    assert "1 kthim ju pret." in dashboard and "brenda 4 ditësh" in dashboard
    set_clock(monkeypatch, "2026-12-17 08:00")
    assert "Rimbursimi vonuar 2 ditë" in client.get(f"/admin/returns/{ret_id}").text
    assert "është vonuar 2 ditë" in client.get("/admin/").text


def test_the_owner_starts_a_return_from_the_order_page(app, client, placed, make_admin,
                                                       login):
    as_owner(client, make_admin, login)
    page = client.get(f"/admin/orders/{placed.number}").text
    assert f"/admin/orders/{placed.number}/returns/new" in page
    form = client.get(f"/admin/orders/{placed.number}/returns/new")
    assert form.status_code == 200
    for bad in ({f"line-{placed.chair_line}": "3"}, {f"line-{placed.chair_line}": "x"}, {}):
        assert client.post(f"/admin/orders/{placed.number}/returns/new",
                           data=bad).status_code == 422
    # The owner may take back a made-to-order piece (a fault, a goodwill return).
    done = client.post(f"/admin/orders/{placed.number}/returns/new",
                       data={f"line-{placed.sofa_line}": "1", "reason": "Defekt"})
    assert done.status_code == 303
    [ret] = returns(app)
    assert (ret.kind, ret.state, ret.reason) == ("owner", "requested", "Defekt")
    assert "return.start" in actions(app)
    assert f"/admin/returns/{ret.id}" in client.get(f"/admin/orders/{placed.number}").text
    assert client.get("/admin/orders/LM-2026-999999/returns/new").status_code == 404


def test_in_english(app, client, placed, make_admin, login):
    ret_id = withdrawn(app, client, placed, make_admin, login)
    client.get("/lang/en")
    page = client.get(f"/admin/returns/{ret_id}").text
    assert "Mark the goods received" in page and "14 days left to refund" in page


def test_customers_see_the_state_on_their_order(app, client, placed, make_admin, login):
    ret_id = withdrawn(app, client, placed, make_admin, login)
    client.post(f"/admin/returns/{ret_id}/receive", data={"state": "requested"})
    client.post("/account/logout")
    client.post("/account/login", data={"email": placed.user.email,
                                        "password": placed.user.password})
    page = client.get(f"/orders/{placed.number}").text
    assert "malli i pranuar" in page and f"/withdrawals/{ret_id}" in page
    with app.app_context():
        assert db.session.get(Return, ret_id).received_at is not None


def test_an_order_cancelled_meanwhile_gave_its_stock_back_already(app, client, placed,
                                                                  make_admin, login):
    withdraw(client, placed.number, {placed.chair_line: 2})  # before delivery
    as_owner(client, make_admin, login)
    [ret] = returns(app)
    client.post(f"/admin/orders/{placed.number}/status",
                data={"current": "cash_on_delivery", "status": "cancelled"})
    after_cancel = stock(app, placed.chair.id)
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "cancelled"
    assert after_cancel == 5  # the two chairs came back with the cancellation
    client.post(f"/admin/returns/{ret.id}/receive", data={"state": "requested"})
    assert returns(app)[0].state == "received"
    assert stock(app, placed.chair.id) == after_cancel  # not twice


def test_a_customer_cannot_reach_the_owners_pages(app, client, placed):
    withdraw(client, placed.number, {placed.chair_line: 1})
    [ret] = returns(app)
    assert client.get(f"/admin/returns/{ret.id}").status_code == 403
    assert client.post(f"/admin/returns/{ret.id}/receive",
                       data={"state": "requested"}).status_code == 403
    assert returns(app)[0].state == "requested"


def test_goods_received_then_the_order_cancelled_return_their_stock_once(
        app, client, placed, make_admin, login):
    start = stock(app, placed.chair.id)
    withdraw(client, placed.number, {placed.chair_line: 2})  # before delivery
    as_owner(client, make_admin, login)
    [ret] = returns(app)
    client.post(f"/admin/returns/{ret.id}/receive", data={"state": "requested"})
    assert stock(app, placed.chair.id) == start + 2
    cancelled = client.post(f"/admin/orders/{placed.number}/status",
                            data={"current": "cash_on_delivery", "status": "cancelled"})
    assert cancelled.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "cancelled"
    assert stock(app, placed.chair.id) == start + 2  # not twice


def test_cash_refunds_of_one_order_never_add_up_to_more_than_was_paid(
        app, client, placed, make_admin, login):
    deliver(app, placed.number)
    withdraw(client, placed.number, {placed.chair_line: 1})
    withdraw(client, placed.number, {placed.chair_line: 1})
    as_owner(client, make_admin, login)
    first, second = (r.id for r in returns(app))
    with app.app_context():
        total = db.session.scalar(select(Order.total_cents))
    euros = f"{total / 100:.2f}".replace(".", ",")
    for ret_id in (first, second):
        client.post(f"/admin/returns/{ret_id}/receive", data={"state": "requested"})
    assert client.post(f"/admin/returns/{first}/refund",
                       data={"state": "received", "amount": euros}).status_code == 303
    refused = client.post(f"/admin/returns/{second}/refund",
                          data={"state": "received", "amount": "0,01"})
    assert refused.status_code == 422
    assert sum(r.refund_cents or 0 for r in returns(app)) == total


def test_a_cash_order_withdrawn_before_delivery_refunds_nothing(app, client, placed,
                                                                make_admin, login):
    withdraw(client, placed.number, {placed.chair_line: 1})  # nothing paid yet
    as_owner(client, make_admin, login)
    [ret] = returns(app)
    client.post(f"/admin/returns/{ret.id}/receive", data={"state": "requested"})
    page = client.get(f"/admin/returns/{ret.id}").text
    assert 'name="amount" inputmode="decimal" value="0.00"' in page
    assert client.post(f"/admin/returns/{ret.id}/refund",
                       data={"state": "received", "amount": "10,00"}).status_code == 422
    assert client.post(f"/admin/returns/{ret.id}/refund",
                       data={"state": "received", "amount": "0"}).status_code == 303


def test_an_operation_from_another_state_is_stale_even_when_the_form_is_current(
        app, client, placed, make_admin, login):
    """The form names the return's current state, but the operation does not start from it:
    409 and nothing done (no refund before the goods are back, no second stock movement, no
    rejection of goods received); a cash order's return is never sent to the card."""
    ret_id = withdrawn(app, client, placed, make_admin, login)
    early = client.post(f"/admin/returns/{ret_id}/refund",
                        data={"state": "requested", "amount": "100"})
    assert early.status_code == 409
    assert returns(app)[0].state == "requested"
    client.post(f"/admin/returns/{ret_id}/receive", data={"state": "requested"})
    before = stock(app, placed.chair.id)
    for action, data in (("receive", {}), ("reject", {"reason": "x"})):
        answer = client.post(f"/admin/returns/{ret_id}/{action}",
                             data={"state": "received", **data})
        assert answer.status_code == 409, action
    assert stock(app, placed.chair.id) == before
    assert returns(app)[0].state == "received"
    from lesnamax.audit import Actor
    from lesnamax.returns import manage

    with app.app_context(), pytest.raises(manage.Refused) as refused:
        manage.refund_card(ret_id, "received", 100, Actor(None, "t@example.test", None),
                           manage.shoptime.now())
    assert refused.value.reason == manage.Refused.NOT_CARD
    assert returns(app)[0].state == "received"
    assert actions(app).count("return.refund") == 0
