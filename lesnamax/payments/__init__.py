"""Card payments: the NestPay protocol (``nestpay``) and the local bank simulator (``sandbox``)."""
