"""Money news from payments, told to later areas (blinker, as ``orders/signals.py``).

Sent after the change is committed, with the application as sender; receivers connect at
start-up (``lesnamax.connect_signals``). A failing receiver is logged, never raised: the bank
already gave the money back, and the periodic sweep (``tasks.issue_missing_documents``)
catches up what the receiver did not do.
"""

from __future__ import annotations

from blinker import Namespace
from flask import current_app

from ..extensions import db

_signals = Namespace()

#: A void or refund movement turned "done" by the bank's answer (``refunding.finish``): once
#: per movement, with ``order`` and ``movement``. The invoices area issues the credit note.
refund_done = _signals.signal("refund-done")


def send(signal, order, **extra) -> None:
    """Send ``signal`` about ``order``; call it only after the change is committed."""
    app = current_app._get_current_object()
    for receiver in signal.receivers_for(app):
        try:
            receiver(app, order=order, **extra)
        except Exception:  # noqa: BLE001 - see the module's docstring
            app.logger.exception("%s: a receiver failed for order %s", signal.name, order.number)
            db.session.rollback()
