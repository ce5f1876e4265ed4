"""Payments: card payments through NestPay (``nestpay``), the local bank simulator
(``sandbox``), cash on delivery, and the owner's view of an order's payments (``manage``)."""
