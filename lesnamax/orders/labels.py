"""What people read for order statuses and choices."""

from __future__ import annotations

from ..cart.pricing import PICKUP, STANDARD
from ..i18n import _l
from . import models as m

STATUS = {
    m.AWAITING_PAYMENT: _l("Awaiting payment"),
    m.PAYMENT_FAILED: _l("Payment failed"),
    m.PAYMENT_REVIEW: _l("Payment under review"),
    m.PAID: _l("Paid"),
    m.CASH_ON_DELIVERY: _l("Cash on delivery"),
    m.PROCESSING: _l("Processing"),
    m.SHIPPED: _l("Shipped"),
    m.DELIVERED: _l("Delivered"),
    m.CANCELLED: _l("Cancelled"),
}
DELIVERY = {STANDARD: _l("Delivery to your address"), PICKUP: _l("Pick up from the shop")}
PAYMENT = {m.CARD: _l("Card payment on the bank's page"), m.CASH: _l("Cash on delivery")}
