"""What the admin's money views share: the order page's refunds (order_money.py) and a
return's card refund (returns.py) both call ``payments.manage`` and must word its refusals
and the bank's answer the same way; both read an order number from the URL and a reason.
"""

from __future__ import annotations

import re

from flask import abort, flash
from flask_babel import gettext as _

from ..i18n import _l
from ..money import format_cents
from ..payments import manage as money

REFUSED = {
    money.MoneyRefused.NOT_PAID: _l("Nothing paid by card is left to give back."),
    money.MoneyRefused.IN_FLIGHT: _l("Another refund of this order is waiting for the bank's "
                                     "answer. Ask the bank about it first."),
    money.MoneyRefused.TOO_MUCH: _l("The amount is above what can still be given back."),
    money.MoneyRefused.BAD_LINES: _l("Choose quantities that can still be given back."),
    money.MoneyRefused.NOT_CANCELLABLE: _l("This order cannot be cancelled any more."),
    money.MoneyRefused.NOT_RETRYABLE: _l("This refund is not waiting for an answer any more."),
    money.MoneyRefused.TOO_SOON: _l("The bank may still be booking it: ask again in five "
                                    "minutes, so that it is never given back twice."),
    money.MoneyRefused.ALREADY_ASKED: _l("This refund was already sent to the bank: it is in "
                                         "the ledger below. Nothing more was asked."),
}
#: The longest reason kept (the ledger's and the return's column).
REASON_MAX = 500
_NUMBER = re.compile(r"^[A-Z]{2}-\d{4}-\d{6,9}$")  # as admin/orders.py


def known(number: str) -> str:
    """The order number from the URL, or 404 before any query for a malformed one."""
    if not _NUMBER.match(number):
        abort(404)
    return number


def refused_text(error: money.MoneyRefused) -> str:
    text = str(REFUSED[error.reason])
    if error.reason == money.MoneyRefused.TOO_MUCH:
        text += " " + _("At most %(amount)s.", amount=format_cents(error.available_cents))
    return text


def outcome(result) -> None:
    """Flash the bank's answer to a cancellation or refund: done, refused or not known."""
    if result.state == "done":
        flash(_("The order was cancelled and its money returned.") if result.cancelled
              else _("The bank gave the money back."), "success")
    elif result.state == "refused":
        flash(_("The bank refused it: nothing was given back. %(why)s",
                why=result.movements[-1].bank_message), "error")
    else:
        flash(_("The bank did not answer: not done, retry. Nothing is counted as refunded."),
              "error")
