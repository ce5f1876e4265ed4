"""What happens to a return, told to later areas (sent after the change is committed).

Returns come before invoices and the account area, so they learn of a return's news here;
receivers connect in ``lesnamax.connect_signals``.
"""

from __future__ import annotations

from blinker import Namespace

from ..orders import signals as order_signals

_signals = Namespace()

#: The owner recorded a cash refund of a return (``returns.manage.refund_cash``), with the
#: order as ``order`` and the return as ``ret``. The place a credit note is issued for a cash
#: refund (the invoices area's receiver, once it exists). A card refund is the payments
#: ledger's "done" refund movement (``payments.manage.refund``), whose reason names the return.
cash_refunded = _signals.signal("return-cash-refunded")

#: A return was closed (refunded or rejected): an erased customer's order kept its contact for
#: it, and the account area erases that contact now if the order is closed too.
return_closed = _signals.signal("return-closed")


def send(signal, order, **extra) -> None:
    """Send ``signal`` after the commit; a failing receiver is logged (orders.signals.send)."""
    order_signals.send(signal, order, **extra)
