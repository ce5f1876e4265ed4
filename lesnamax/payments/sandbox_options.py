"""How the sandbox bank delivers its answer: the ways a real NestPay gateway differs from the
tidy default (BANK-PORTAL.md §5 and §10, mewebstudio/pos #165, #169, #170).

Each is a field of the bank page's form, so a person picks it on the page and a test posts it:

* ``sandbox_real_fields=1``: add what real replies carry besides the documented fields
  (``NATIONALIDNO`` outside the hash, ``clientIp``, ``ACQBIN``, ``SettleId``, PHP nulls posted
  blank, ``callbackCall``...), as in the Payten reply kept in tests/test_nestpay.py;
* ``sandbox_charset=ISO-8859-9``: answer in Latin-5 with Turkish bank texts, as Payten does when
  it does not honour the merchant's ``encoding``;
* ``sandbox_callback``: ``before`` the browser return (default), ``after`` it, or ``none``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, current_app

from ..i18n import _l

REAL_FIELDS = "sandbox_real_fields"
CHARSET = "sandbox_charset"
CALLBACK = "sandbox_callback"
NAMES = (REAL_FIELDS, CHARSET, CALLBACK)

CHARSETS = {"UTF-8": _l("UTF-8, as the shop asks"), "ISO-8859-9": _l("ISO-8859-9 (Turkish)")}
CALLBACK_TIMES = {
    "before": _l("Callback before the browser return"),
    "after": _l("Callback a few seconds after the browser return"),
    "none": _l("No callback at all"),
}
#: Seconds between the browser return and a callback sent "after" it (config overrides).
CALLBACK_DELAY = 3.0
#: ErrMsg texts of a Turkish Payten system, by ProcReturnCode (non-ASCII on purpose).
TURKISH_ERRORS = {
    "05": "İşlem onaylanmadı",
    "51": "Yetersiz bakiye, kart limiti aşıldı",
    "99": "Kart doğrulanamadı, işlem reddedildi",
}


@dataclass(frozen=True)
class Options:
    real_fields: bool = False
    charset: str = "UTF-8"
    callback: str = "before"


def take(fields: dict[str, str]) -> Options | None:
    """Remove the options from the posted ``fields``; return them, or None if one is invalid."""
    real = fields.pop(REAL_FIELDS, "")
    charset = fields.pop(CHARSET, "") or "UTF-8"
    callback = fields.pop(CALLBACK, "") or "before"
    if real not in ("", "1") or charset not in CHARSETS or callback not in CALLBACK_TIMES:
        return None
    return Options(real_fields=real == "1", charset=charset, callback=callback)


def real_fields(fields: Mapping[str, str], client_ip: str, approved: bool) -> dict[str, str]:
    """The extra fields of a real reply. Blank ones stand for PHP nulls, which are posted
    blank and still take a slot in the hash (NATIONALIDNO, outside it, is added last)."""
    return {
        "clientIp": client_ip,
        "ACQBIN": "454672",
        "SettleId": str(1000 + secrets.randbelow(9000)) if approved else "",
        "acqStan": f"{secrets.randbelow(10**6):06d}",
        "callbackCall": "true",
        "TRANID": "",
        "taksit": "",
        "PAResSyntaxOK": "true",
        "PAResVerified": "true",
        "merchantID": fields.get("clientid", ""),
        "merchantName": "LESNA MAX",
        "EXTRA_CARDISSUER": "SANDBOX BANK SH.A.",
        "Ecom_Payment_Card_ExpDate_Year": "29",
        "Ecom_Payment_Card_ExpDate_Month": "12",
        "txstatus": "Y" if approved else "N",
        "version": "2.0",
        "dsId": "1",
        "digest": "digest",
    }


def in_charset(reply: dict[str, str], options: Options, code: str) -> dict[str, str]:
    """Declare the reply's charset; in Latin-5 use Turkish texts and turn what the charset
    cannot hold into "?", as a Latin-5 system would."""
    if options.charset == "UTF-8":
        return reply
    reply = dict(reply)
    if reply.get("ErrMsg") and code in TURKISH_ERRORS:
        reply["ErrMsg"] = TURKISH_ERRORS[code]
    codec = options.charset
    reply = {
        name: value.encode(codec, "replace").decode(codec) for name, value in reply.items()
    }
    reply["encoding"] = options.charset
    return reply


# Callbacks sent "after" the browser return wait here until a timer (or a test) sends them.
_lock = threading.Lock()


def _queue(app: Flask) -> list[tuple[str, dict[str, str]]]:
    return app.extensions.setdefault("sandbox_bank_callbacks", [])


def defer(url: str, reply: dict[str, str], times: int) -> None:
    """Send ``reply`` to ``url`` ``times`` times, ``SANDBOX_CALLBACK_DELAY`` seconds from now.

    A delay of 0 or less starts no timer: the callbacks wait for ``flush`` (tests call it
    once the browser return has been posted, which makes the order certain).
    """
    app = current_app._get_current_object()
    with _lock:
        _queue(app).extend([(url, dict(reply))] * times)
    delay = float(app.config.get("SANDBOX_CALLBACK_DELAY", CALLBACK_DELAY))
    if delay > 0:
        timer = threading.Timer(delay, _flush_later, args=(app,))
        timer.daemon = True
        timer.start()


def _flush_later(app: Flask) -> None:
    # On a timer thread nobody would see an exception: log it like a failed callback.
    try:
        flush(app)
    except Exception:  # noqa: BLE001 - the sandbox must not take the server down
        app.logger.exception("Sandbox bank: a delayed callback failed")


def flush(app: Flask) -> int:
    """Send every waiting callback now; return how many were sent."""
    from .sandbox import deliver_callback

    with _lock:
        waiting, _queue(app)[:] = list(_queue(app)), []
    with app.app_context():
        for url, reply in waiting:
            deliver_callback(url, reply)
    return len(waiting)
