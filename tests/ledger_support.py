"""Shared by the ledger tests: a bank in memory behind ``bankapi.query/void/refund``, and a
paid card order made through the real checkout and the bank's signed reply.

The bank keeps each approved sale (amount, day, voided, refunded) and answers as NestPay's
API does: a void only on the sale's day, a refund never above what is left. ``down`` makes
every call fail before reaching it; ``lose`` makes the next call happen at the bank and then
lose its answer (the case a retry must not refund twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lesnamax.extensions import db
from lesnamax.payments import bankapi
from lesnamax.payments.models import PaymentAttempt, PaymentMovement

from . import test_payments


@dataclass
class Sale:
    amount_cents: int
    day: date
    voided: bool = False
    refunded_cents: int = 0


@dataclass
class FakeBank:
    #: The bank's day is the shop's (Prishtinë) day: both settle at its midnight.
    today: date = field(default_factory=lambda: datetime.now(ZoneInfo("Europe/Belgrade")).date())
    sales: dict[str, Sale] = field(default_factory=dict)
    down: bool = False
    lose: int = 0
    calls: list[tuple] = field(default_factory=list)

    def approve(self, oid: str, amount_cents: int) -> None:
        self.sales[oid] = Sale(amount_cents, self.today)

    def _reach(self, *call):
        self.calls.append(call)
        if self.down:
            raise bankapi.BankUnavailable("timed out")

    def _answer(self, ok: bool, message: str, code: str = ""):
        if ok and self.lose:
            self.lose -= 1
            raise bankapi.BankUnavailable("read timed out")
        return bankapi.Answer(approved=ok, response="Approved" if ok else "Declined",
                              code=code or ("00" if ok else "99"), message=message,
                              trans_id=f"T{len(self.calls)}" if ok else "",
                              host_ref=f"H{len(self.calls)}" if ok else "", fields={})

    def query(self, oid):
        self._reach("query", oid)
        sale = self.sales.get(oid)
        if sale is None:
            state = "unknown"
        elif sale.voided:
            state = "voided"
        elif sale.refunded_cents >= sale.amount_cents:
            state = "refunded"
        else:
            state = "approved"
        return bankapi.Status(state=state, trans_stat="", amount_cents=sale.amount_cents
                              if sale else 0, refunded_cents=sale.refunded_cents if sale else 0,
                              auth_code="654321" if sale else "", trans_id="Q1" if sale else "",
                              code="00", message=state, fields={"ORDERSTATUS": state})

    def void(self, oid):
        self._reach("void", oid)
        sale = self.sales.get(oid)
        if sale is None or sale.voided or sale.refunded_cents or sale.day != self.today:
            return self._answer(False, "Void not possible")
        sale.voided = True
        return self._answer(True, "Voided")

    def refund(self, oid, amount_cents):
        self._reach("refund", oid, amount_cents)
        sale = self.sales.get(oid)
        if sale is None or sale.voided or amount_cents > sale.amount_cents - sale.refunded_cents:
            return self._answer(False, "Credit amount exceeds the sale")
        sale.refunded_cents += amount_cents
        return self._answer(True, "Credited")


@pytest.fixture
def bank(monkeypatch):
    fake = FakeBank()
    for name in ("query", "void", "refund"):
        monkeypatch.setattr(bankapi, name, getattr(fake, name))
    monkeypatch.setattr(bankapi, "explain", lambda result: f"Banka: {result.message}")
    return fake


def pay(client, card_order, bank, **changes) -> str:
    """Approve the card order's attempt at the (fake) bank and at the shop; return its oid."""
    fields = {**card_order["fields"], **changes}
    response = client.post("/payment/nestpay/ok", data=test_payments.reply(fields))
    assert response.status_code == 303
    bank.approve(fields["oid"], int(round(float(fields["amount"]) * 100)))
    return fields["oid"]


def movements(app) -> list[tuple[str, str, int]]:
    with app.app_context():
        return [(m.kind, m.state, m.amount_cents) for m in db.session.scalars(
            select(PaymentMovement).order_by(PaymentMovement.id))]


def attempt_id(app, oid: str) -> int:
    with app.app_context():
        return db.session.scalar(select(PaymentAttempt.id).where(PaymentAttempt.oid == oid))


def confirm_refund(client, number: str, **data):
    """The owner's two steps: the refund form's POST shows the confirmation (with its one-time
    token), and "Confirm" sends it. Returns the confirmation's answer."""
    import re

    step = client.post(f"/admin/orders/{number}/refund", data=data)
    assert step.status_code == 200, step.status_code
    token = re.search(r'name="token" value="([0-9a-f]{32})"', step.text).group(1)
    return client.post(f"/admin/orders/{number}/refund",
                       data={**data, "confirmed": "yes", "token": token})


def age(app, movement_id: int, minutes: int = 6) -> None:
    """Move a lost movement's times back: a retry waits until the bank has had time to book."""
    from datetime import timedelta

    with app.app_context():
        movement = db.session.get(PaymentMovement, movement_id)
        movement.created_at -= timedelta(minutes=minutes)
        if movement.answered_at is not None:
            movement.answered_at -= timedelta(minutes=minutes)
        db.session.commit()
