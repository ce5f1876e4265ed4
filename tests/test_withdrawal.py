"""The customer's withdrawal from the contract: two steps, an acknowledgement on screen and by
e-mail with date and time, 14 days after delivery, made-to-order lines excepted, idempotent."""

from __future__ import annotations

import html
import threading

from flask_babel import force_locale, format_datetime
from sqlalchemy import select

from lesnamax.account import data as account_data
from lesnamax.account.models import User
from lesnamax.extensions import db
from lesnamax.orders import status as order_status
from lesnamax.orders.models import Order
from lesnamax.returns.models import Return, ReturnLine

from .account_support import outbox_messages, text_of
from .returns_support import deliver, key_of, placed, returns, withdraw
from .shop_clock import set_clock

placed = placed  # the fixture


def test_the_order_page_the_history_and_the_email_link_to_it(client, placed):
    page = client.get(f"/orders/{placed.number}").text
    link = f'href="/orders/{placed.number}/withdraw"'
    assert link in page and "Tërhiqu nga kontrata këtu" in page
    assert link in client.get("/account/orders").text
    [confirmation] = outbox_messages(placed.outbox)
    assert f"/orders/{placed.number}/withdraw" in text_of(confirmation)
    assert "Tërhiqu nga kontrata këtu:" in text_of(confirmation)


def test_two_steps_then_an_acknowledgement_with_date_and_time(app, client, placed):
    deliver(app, placed.number)
    form = client.get(f"/orders/{placed.number}/withdraw")
    assert form.status_code == 200
    # The made-to-order sofa is offered as excepted, not as a box to fill.
    assert "Bërë sipas porosisë suaj" in form.text
    step, done = withdraw(client, placed.number, {placed.chair_line: 1}, reason="Ngjyra")
    assert step.status_code == 200 and "Konfirmo tërheqjen" in step.text
    assert done.status_code == 303
    [ret] = returns(app)
    assert ret.state == "requested" and ret.kind == "withdrawal" and ret.reason == "Ngjyra"
    ack = client.get(done.headers["Location"])
    assert ack.status_code == 200 and "Tërheqja u mor" in ack.text
    mail = outbox_messages(placed.outbox)[-1]
    assert mail["Subject"] == f"E morëm tërheqjen tuaj nga porosia {placed.number}"
    body = text_of(mail)
    assert "1 × Karrige lisi" in body and "Ngjyra" in body
    # Date and time in the shop's zone, as on the acknowledgement page.
    with app.test_request_context(), force_locale("sq_XK"):
        stamp = format_datetime(ret.requested_at, "medium")
    assert stamp in body and stamp in ack.text


def test_step_one_writes_nothing(app, client, placed):
    form = client.get(f"/orders/{placed.number}/withdraw")
    step = client.post(f"/orders/{placed.number}/withdraw",
                       data={"key": key_of(form.text), f"line-{placed.chair_line}": "2"})
    assert step.status_code == 200 and 'name="confirmed" value="yes"' in step.text
    assert returns(app) == []
    assert len(outbox_messages(placed.outbox)) == 1  # the order's confirmation only


def test_a_second_submit_of_the_confirmation_makes_one_withdrawal(app, client, placed):
    _step, first = withdraw(client, placed.number, {placed.chair_line: 1})
    data = {"key": _key(app), f"line-{placed.chair_line}": "1", "confirmed": "yes"}
    again = client.post(f"/orders/{placed.number}/withdraw", data=data)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert len(returns(app)) == 1
    assert len(outbox_messages(placed.outbox)) == 2  # confirmation + one acknowledgement


def _key(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Return.idempotency_key))


def test_inside_the_14_days_after_delivery_and_not_after(app, client, placed, monkeypatch):
    set_clock(monkeypatch, "2026-12-01 09:00")
    deliver(app, placed.number)
    set_clock(monkeypatch, "2026-12-15 23:59")  # the 14th day after the delivery day
    assert "Tërhiqu nga kontrata këtu" in client.get(f"/orders/{placed.number}").text
    form = client.get(f"/orders/{placed.number}/withdraw")
    data = {"key": key_of(form.text), f"line-{placed.chair_line}": "1"}
    set_clock(monkeypatch, "2026-12-16 00:01")
    late = client.post(f"/orders/{placed.number}/withdraw", data={**data, "confirmed": "yes"})
    assert late.status_code == 422
    assert ("14 ditët për t'u tërhequr nga kjo porosi mbaruan më 15 dhjetor 2026"
            in html.unescape(late.text))
    assert returns(app) == []
    assert "Tërhiqu nga kontrata këtu" not in client.get(f"/orders/{placed.number}").text
    assert 'name="key"' not in client.get(f"/orders/{placed.number}/withdraw").text
    set_clock(monkeypatch, "2026-12-15 23:59")
    ok = client.post(f"/orders/{placed.number}/withdraw", data={**data, "confirmed": "yes"})
    assert ok.status_code == 303


def test_before_delivery_it_is_open(app, client, placed):
    _step, done = withdraw(client, placed.number, {placed.chair_line: 2})
    assert done.status_code == 303


def test_a_made_to_order_line_is_refused(app, client, placed):
    step, done = withdraw(client, placed.number, {placed.sofa_line: 1, placed.chair_line: 1})
    assert step.status_code == done.status_code == 422
    assert "Një produkt i bërë sipas porosisë suaj nuk mund të kthehet" in done.text
    assert returns(app) == []


def test_a_cancelled_order_is_refused(app, client, placed):
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == placed.number))
        order_status.set_status(order, "cancelled")
        db.session.commit()
    page = client.get(f"/orders/{placed.number}/withdraw")
    assert "Kjo porosi u anulua" in page.text and 'name="key"' not in page.text
    assert "Tërhiqu nga kontrata këtu" not in client.get(f"/orders/{placed.number}").text
    _step, done = withdraw(client, placed.number, {placed.chair_line: 1}, key="a" * 32)
    assert done.status_code == 422 and returns(app) == []


def test_more_than_bought_nothing_or_nonsense_is_422(app, client, placed):
    for typed in ("3", "0", "x", "-1", "²", "99999"):
        _step, done = withdraw(client, placed.number, {placed.chair_line: typed})
        assert done.status_code == 422, typed
    done = client.post(f"/orders/{placed.number}/withdraw",
                       data={"key": "not-a-key", f"line-{placed.chair_line}": "1",
                             "confirmed": "yes"})
    assert done.status_code == 422
    assert returns(app) == []


def test_what_was_withdrawn_is_not_withdrawn_again(app, client, placed):
    withdraw(client, placed.number, {placed.chair_line: 2})
    page = client.get(f"/orders/{placed.number}/withdraw")
    assert "Nuk ka mbetur asgjë për t'u kthyer" in html.unescape(page.text)
    _step, done = withdraw(client, placed.number, {placed.chair_line: 1}, key="b" * 32)
    assert done.status_code == 422 and len(returns(app)) == 1


def test_another_customers_order_is_404(app, client, placed, make_user, login):
    withdraw(client, placed.number, {placed.chair_line: 1})
    [ret] = returns(app)
    client.post("/account/logout")
    login(make_user(email="tjeter@example.test"))
    assert client.get(f"/orders/{placed.number}/withdraw").status_code == 404
    assert client.post(f"/orders/{placed.number}/withdraw",
                       data={"key": "c" * 32, f"line-{placed.chair_line}": "1",
                             "confirmed": "yes"}).status_code == 404
    # Even with the first withdrawal's key (a replayed form): not theirs.
    assert client.post(f"/orders/{placed.number}/withdraw",
                       data={"key": ret.idempotency_key, f"line-{placed.chair_line}": "1",
                             "confirmed": "yes"}).status_code == 404
    assert client.get(f"/orders/{placed.number}/withdrawals/{ret.id}").status_code == 404
    assert client.get("/orders/LM-2026-999999/withdraw").status_code == 404
    client.post("/account/logout")
    assert client.get(f"/orders/{placed.number}/withdraw").status_code == 302


def test_in_english(app, client, placed):
    client.get("/lang/en")
    page = client.get(f"/orders/{placed.number}/withdraw").text
    assert "Withdraw from the contract" in page
    step, _done = withdraw(client, placed.number, {placed.chair_line: 1})
    assert "Confirm the withdrawal" in step.text


def test_an_erased_customers_open_withdrawal_is_still_completed(app, client, placed, admin):
    deliver(app, placed.number)
    # (``admin`` logged the client in as the owner; the customer withdraws first.)
    client.post("/account/logout")
    client.post("/account/login", data={"email": placed.user.email,
                                        "password": placed.user.password})
    withdraw(client, placed.number, {placed.chair_line: 2})
    [ret] = returns(app)
    page = client.get("/account/delete").text
    assert 'id="returning-orders"' in page and placed.number in page
    with app.app_context():
        account_data.erase(db.session.get(User, placed.user.id), ret.requested_at)
        order = db.session.scalar(select(Order).where(Order.number == placed.number))
        # Delivered (closed) yet its contact is kept: its return is open.
        assert order.email and order.phone and order.street
        assert db.session.scalar(select(ReturnLine.quantity)) == 2
    client.post("/account/logout")
    client.post("/account/login", data={"email": admin.email, "password": admin.password})
    client.post(f"/admin/returns/{ret.id}/receive", data={"state": "requested"})
    done = client.post(f"/admin/returns/{ret.id}/refund",
                       data={"state": "received", "amount": "100,00"})
    assert done.status_code == 303
    mail = outbox_messages(placed.outbox)[-1]
    assert mail["To"] == order.email and "100,00" in text_of(mail)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == placed.number))
        assert db.session.get(Return, ret.id).state == "refunded"
        assert order.email == "" and order.phone == ""  # closed now: erased


def test_tabs_withdrawing_the_same_pieces_at_once_make_one_withdrawal(app, placed):
    clients = [app.test_client() for _ in range(4)]
    for one in clients:
        one.post("/account/login", data={"email": placed.user.email,
                                         "password": placed.user.password})
    barrier = threading.Barrier(len(clients))
    answers = []

    def send(one, key):
        barrier.wait()
        answers.append(one.post(f"/orders/{placed.number}/withdraw", data={
            "key": key, f"line-{placed.chair_line}": "2", "confirmed": "yes"}).status_code)

    threads = [threading.Thread(target=send, args=(one, f"{n:x}" * 32))
               for n, one in enumerate(clients, start=10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == [303, 422, 422, 422]
    assert len(returns(app)) == 1
