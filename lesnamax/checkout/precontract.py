"""What the review page tells the customer before the order binds them (pre-contract
information for a distance contract: Law 06/L-034, as Directive 2011/83 art. 6 and 8(2)):
the trader, the total with the VAT inside it, the withdrawal right or its exception per line,
and the terms of sale in force, whose acceptance is required to place the order."""

from __future__ import annotations

from datetime import date

from .. import trader
from ..cart.pricing import PricedLine, Totals
from ..orders.emails import WITHDRAWAL_DAYS
from ..privacy import services as privacy
from ..privacy.models import TERMS


def information(user, lines: list[PricedLine], totals: Totals, today: date) -> dict:
    """The review page's context for the pre-contract information and the terms' box."""
    who = trader.details()
    in_force = privacy.state(today, TERMS).in_force
    accepted = privacy.accepted_version(user, TERMS) if in_force is not None else None
    return {
        "trader": who,
        # The rate the figures (and their fingerprint) were computed with.
        "vat_rate": totals.vat_percent,
        "vat_cents": totals.vat_cents,
        "withdrawal_days": WITHDRAWAL_DAYS,
        "excepted": [line for line in lines if line.made_to_order],
        "terms_version": in_force,
        # Said next to the box: the customer accepted an earlier version at a past order.
        "terms_changed": accepted is not None and in_force is not None and accepted < in_force,
    }
