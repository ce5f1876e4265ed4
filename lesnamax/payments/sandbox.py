"""The sandbox bank: NestPay's hosted payment page, simulated for development and tests.

It answers the shop's form at ``/sandbox-bank/fim/est3Dgate`` the way TEB/BKT's gateway would
(BANK-PORTAL.md §12): it checks the request and its hash, lets a person pick what the bank says,
then sends the signed reply back through the browser (okUrl/failUrl) and the callbackUrl.
It exists only when ``BANK_MODE`` is ``sandbox``; ``register`` is the only way in.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    has_request_context,
    make_response,
    render_template,
    request,
)
from flask_babel import LazyString, force_locale

from .. import i18n, security, shoptime
from ..i18n import _l
from . import nestpay, sandbox_options
from .nestpay import get_field
from .sandbox_options import Options

bp = Blueprint("sandbox_bank", __name__, url_prefix="/sandbox-bank")

#: The store the simulated bank knows; the name is what its page shows to the customer.
MERCHANT_NAME = "LESNA MAX"
SCENARIO_FIELD = "sandbox_scenario"
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class Scenario:
    """One button on the bank's page: what the bank answers and how it delivers it."""

    label: LazyString
    response: str
    proc_return_code: str
    md_status: str
    error_message: str = ""
    error_code: str = ""
    browser_posts: int = 1  # 0: the customer closes the window before being sent back
    callbacks: int = 1
    note: LazyString | str = ""


SCENARIOS = {
    "approve": Scenario(_l("Approve the payment"), "Approved", "00", "1"),
    "decline": Scenario(_l("Decline"), "Declined", "05", "1", "Do not honour"),
    "insufficient_funds": Scenario(
        _l("Decline: insufficient funds"), "Declined", "51", "1", "Insufficient funds"
    ),
    "3ds_failed": Scenario(
        _l("3-D Secure authentication failed"), "Declined", "99", "0", "Not authenticated"
    ),
    "half_3d": Scenario(
        _l("Approve with half 3-D Secure (card not enrolled)"),
        "Approved",
        "00",
        "4",
        note=_l(
            "The bank authorises the card and returns to okUrl, as a real bank does; "
            "the shop decides whether it accepts mdStatus 4."
        ),
    ),
    "error": Scenario(_l("Bank error"), "Error", "99", "7", "3-D Secure system error", "3D-1007"),
    "abandon": Scenario(
        _l("Approve, then close the window"),
        "Approved",
        "00",
        "1",
        browser_posts=0,
        note=_l("The shop hears only from the callback; the browser is not sent back."),
    ),
    "duplicate": Scenario(
        _l("Approve and deliver twice"),
        "Approved",
        "00",
        "1",
        browser_posts=2,
        callbacks=2,
        note=_l("The same signed reply reaches the callback twice and the browser return twice."),
    ),
}
#: What the sandbox bank answers to instalments it refuses (below its own minimum): a signed
#: error reply to failUrl, as NestPay does for a transaction it will not run.
INSTALMENTS_REFUSED = "instalments_refused"
REFUSED_SCENARIO = Scenario(
    _l("Back to the shop (instalments refused)"), "Error", "99", "1",
    "Instalments are not allowed for this amount", "CORE-2008",
)
MD_ERROR_MESSAGES = {
    "0": "Not authenticated",
    "1": "Authenticated",
    "4": "Attempt: card not enrolled",
    "7": "System error",
}


def register(app: Flask) -> None:
    """Add the sandbox bank to ``app`` when ``BANK_MODE`` is ``sandbox``; otherwise do nothing."""
    from ..extensions import csrf
    from . import sandbox_api  # noqa: F401 - adds the XML API's routes to the blueprint

    if app.config.get("BANK_MODE") != "sandbox" or bp.name in app.blueprints:
        return
    # The bank's page is not the shop: the shop's hash is what authenticates these POSTs.
    csrf.exempt(bp)
    app.register_blueprint(bp)


def _settings() -> tuple[str, str, frozenset[str]]:
    config = current_app.config
    return (
        str(config.get("NESTPAY_CLIENT_ID", "190100000")),
        str(config.get("NESTPAY_STORE_KEY", "TEST1234")),
        nestpay.parse_md_status_set(config.get("NESTPAY_ACCEPTED_MD_STATUS", "1")),
    )


def _is_web_url(url: str) -> bool:
    # The host is checked strictly because it also goes into the reply page's CSP header.
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(_HOST.match(parts.netloc))


def _problems(fields: Mapping[str, str]) -> list[LazyString]:
    """Return what is wrong with the shop's request, in words for the developer reading it.

    Lazy strings: they are rendered in the language the shop asked for (see ``_page``).
    """
    client_id, store_key, _accepted = _settings()
    problems: list[LazyString] = []
    if get_field(fields, "clientid") != client_id:
        problems.append(_l("Unknown merchant: the bank has no store key for this client id."))
    if get_field(fields, "hashAlgorithm") != nestpay.HASH_ALGORITHM:
        problems.append(_l("The hash algorithm must be ver3."))
    if get_field(fields, "storetype").lower() != nestpay.STORE_TYPE.lower():
        problems.append(_l("The store type must be 3D_PAY_HOSTING."))
    if get_field(fields, "TranType", "islemtipi") not in ("Auth", "PreAuth"):
        problems.append(_l("The transaction type must be Auth or PreAuth."))
    if not re.fullmatch(r"\d{3}", get_field(fields, "currency")):
        problems.append(_l("The currency must be a 3-digit ISO 4217 code, such as 978."))
    if not nestpay.parse_amount(get_field(fields, "amount")):
        problems.append(_l("The amount must be more than zero and written like 249.90."))
    if not get_field(fields, "oid"):
        problems.append(_l("The order number (oid) is missing."))
    if not all(_is_web_url(get_field(fields, name)) for name in ("okUrl", "failUrl")):
        problems.append(_l("okUrl and failUrl must both be http or https addresses."))
    optional = (get_field(fields, name) for name in ("callbackUrl", "shopurl"))
    if not all(_is_web_url(url) for url in optional if url):
        problems.append(_l("callbackUrl and shopurl, when sent, must be http or https addresses."))
    instalment = get_field(fields, "Instalment")
    if instalment and not (instalment.isascii() and instalment.isdigit()
                           and 2 <= int(instalment) <= 36 and instalment[0] != "0"):
        problems.append(_l("Instalment must be empty or a number of instalments from 2 to 36."))
    if not problems and not nestpay.verify(fields, store_key):
        problems.append(_l("The hash does not match the fields and the store key."))
    return problems


def instalments_refused(fields: Mapping[str, str]) -> bool:
    """True when the request asks for instalments below the bank's own minimum
    (``SANDBOX_INSTALMENT_MIN_CENTS``), as a real bank refuses what its plan does not cover."""
    if not get_field(fields, "Instalment"):
        return False
    floor = int(current_app.config.get("SANDBOX_INSTALMENT_MIN_CENTS", 0))
    return (nestpay.parse_amount(get_field(fields, "amount")) or 0) < floor


def _page(
    template: str, shop_fields: Mapping[str, str], /, status: int = 200, target: str = "", **context
):
    """Render a bank page in the language the shop asked for, never cached or indexed."""
    code = get_field(shop_fields, "lang")
    with force_locale(i18n.LOCALES.get(code, i18n.LOCALES[i18n.DEFAULT])):
        response = make_response(render_template(template, target=target, **context), status)
    headers = response.headers
    headers["Cache-Control"] = "no-store"
    headers["X-Robots-Tag"] = "noindex"
    headers["Referrer-Policy"] = "no-referrer"
    if target:
        # Our CSP allows forms to post only to this site; the reply goes to the shop's origin.
        parts = urlsplit(target)
        origin = f"{parts.scheme}://{parts.netloc}"
        headers["Content-Security-Policy"] = security.CSP.replace(
            "form-action 'self'", f"form-action 'self' {origin}"
        )
    return response


@bp.post("/fim/est3Dgate")
def gate():
    """The bank's card page: check the shop's request, then offer one button per scenario."""
    fields = request.form.to_dict()  # keeps blank values, which are part of the hash
    problems = _problems(fields)
    if problems:
        return _page("sandbox/invalid.html", fields, 400, problems=problems)
    refused = instalments_refused(fields)
    return _page(
        "sandbox/gate.html",
        fields,
        fields=fields,
        # Refused instalments leave one way on: back to the shop with the bank's error.
        scenarios={INSTALMENTS_REFUSED: REFUSED_SCENARIO} if refused else SCENARIOS,
        instalments=get_field(fields, "Instalment"),
        refused=refused,
        minimum_cents=int(current_app.config.get("SANDBOX_INSTALMENT_MIN_CENTS", 0)),
        scenario_field=SCENARIO_FIELD,
        merchant=MERCHANT_NAME,
        client_id=get_field(fields, "clientid"),
        oid=get_field(fields, "oid"),
        amount=get_field(fields, "amount"),
        amount_cents=nestpay.parse_amount(get_field(fields, "amount")),
        currency=get_field(fields, "currency"),
        shop_url=get_field(fields, "shopurl"),
        options=sandbox_options,
    )


@bp.post("/fim/est3Dgate/pay")
def pay():
    """Answer with the chosen scenario and delivery options (``sandbox_options``): by default
    callback(s) first, then the browser return (if any)."""
    fields = request.form.to_dict()
    chosen = fields.pop(SCENARIO_FIELD, "")
    options = sandbox_options.take(fields)
    # The request comes back through the customer's browser, so it is checked again.
    problems = _problems(fields)
    if instalments_refused(fields):
        scenario = REFUSED_SCENARIO if chosen == INSTALMENTS_REFUSED else None
    else:
        scenario = SCENARIOS.get(chosen)
    if scenario is None:
        problems.append(_l("Choose one of the offered results."))
    if options is None:
        problems.append(_l("Choose one of the offered ways of delivering the answer."))
    if problems:
        return _page("sandbox/invalid.html", fields, 400, problems=problems)
    _client_id, store_key, _accepted = _settings()
    reply = build_reply(fields, scenario, store_key, options, client_ip=request.remote_addr or "")
    if scenario.response == "Approved":
        # The bank's books, for its XML API (status, void, credit): before any delivery, as a
        # real bank has the sale before the shop hears of it.
        from .sandbox_api import record_sale

        record_sale(
            get_field(fields, "oid"),
            nestpay.parse_amount(get_field(fields, "amount")) or 0,
            reply["TransId"],
            reply["AuthCode"],
            reply["HostRefNum"],
        )
    callback_url = get_field(fields, "callbackUrl")
    if callback_url and options.callback == "before":
        for _attempt in range(scenario.callbacks):
            deliver_callback(callback_url, reply)
    elif callback_url and options.callback == "after":
        sandbox_options.defer(callback_url, reply, scenario.callbacks)
    shop_url = get_field(fields, "shopurl")
    if not scenario.browser_posts:
        callback_sent = bool(callback_url) and options.callback != "none"
        return _page("sandbox/closed.html", fields, callback_sent=callback_sent, shop_url=shop_url)
    # Like a real gateway, the bank sends every authorisation to okUrl, a half 3-D Secure one
    # too: whether the store accepts its mdStatus is for the shop to decide, not the bank.
    approved = nestpay.parse_reply(reply, store_key).authorised
    target = get_field(fields, "okUrl" if approved else "failUrl")
    return _page(
        "sandbox/return.html",
        fields,
        target=target,
        reply=reply,
        approved=approved,
        posts=scenario.browser_posts,
        charset=options.charset,
        # The duplicate posts go by fetch(), which would re-encode the form as UTF-8.
        body=nestpay.encode_body(reply).decode("ascii"),
    )


def _token(size: int) -> str:
    return base64.b64encode(secrets.token_bytes(size)).decode("ascii")


def build_reply(
    fields: Mapping[str, str],
    scenario: Scenario,
    store_key: str,
    options: Options = Options(),  # noqa: B008 - frozen, so sharing the default is safe
    client_ip: str = "",
) -> dict[str, str]:
    """Return the bank's signed reply: the request echoed (minus ``hash``) plus the result,
    with the extra fields and the charset ``options`` ask for."""
    now = datetime.now(shoptime.zone())  # the bank, like the shop, keeps Kosovo time
    day = now.strftime("%y%j")
    authorised = scenario.proc_return_code in ("00", "05", "51")  # the card issuer was asked
    approved = scenario.response == "Approved"
    authenticated = scenario.md_status in ("1", "2", "3", "4")
    reply = {name: value for name, value in fields.items() if name.lower() != "hash"}
    reply.update(
        {
            "Response": scenario.response,
            "ProcReturnCode": scenario.proc_return_code,
            "ErrMsg": scenario.error_message,
            "ErrCode": scenario.error_code,
            "AuthCode": f"{secrets.randbelow(10**6):06d}" if approved else "",
            "TransId": f"{day}SIM{secrets.token_hex(3).upper()}" if authorised else "",
            "HostRefNum": f"{day}{secrets.randbelow(10**7):07d}" if authorised else "",
            "mdStatus": scenario.md_status,
            "mdErrorMsg": MD_ERROR_MESSAGES.get(scenario.md_status, ""),
            "eci": {"1": "05", "4": "06"}.get(scenario.md_status, "07"),
            "cavv": _token(20) if authenticated else "",
            "xid": _token(20),
            "md": f"SIM-MD-{secrets.token_hex(8).upper()}",
            "maskedCreditCard": "4355 08** **** 4358",
            "MaskedPan": "435508***4358",
            "EXTRA_CARDBRAND": "VISA",
            "EXTRA_TRXDATE": now.strftime("%Y%m%d %H:%M:%S"),
            "ReturnOid": get_field(fields, "oid"),
        }
    )
    if options.real_fields:
        reply.update(sandbox_options.real_fields(fields, client_ip, approved))
    reply = sandbox_options.in_charset(reply, options, scenario.proc_return_code)
    reply["HASH"] = nestpay.hash_ver3(reply, store_key)
    if options.real_fields:
        # Posted after the hash was made, as real replies carry it: outside the signature.
        reply["NATIONALIDNO"] = "1234567890"
    return reply


def _endpoint(netloc: str, scheme: str) -> tuple[str, int]:
    parts = urlsplit(f"{scheme}://{netloc}")
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return ("loopback" if host in _LOOPBACK else host), port


def is_this_app(url: str) -> bool:
    """True when ``url`` points at this very server (posting to it could wait on ourselves)."""
    parts = urlsplit(url)
    target = _endpoint(parts.netloc, parts.scheme)
    base = urlsplit(current_app.config.get("BASE_URL", ""))
    ours = {_endpoint(request.host, request.scheme)} if has_request_context() else set()
    if base.netloc:
        ours.add(_endpoint(base.netloc, base.scheme))
    return target in ours


def deliver_callback(url: str, fields: Mapping[str, str]) -> str:
    """POST the reply to the shop's callbackUrl; return the response body.

    The sandbox calls back only to this shop (its BASE_URL, or the host serving the page):
    any other address would let whoever fills the bank form make the server POST wherever it
    can reach (SSRF). The call goes through Flask's test client, because a single-threaded dev
    server cannot answer itself.
    """
    if not is_this_app(url):
        current_app.logger.warning("Sandbox bank: callback to %s refused: not this shop", url)
        return ""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    answer = current_app.test_client().post(
        path,
        data=nestpay.encode_body(fields),  # in the charset the reply declares, as the bank does
        content_type="application/x-www-form-urlencoded",
        base_url=f"{parts.scheme}://{parts.netloc}",
    )
    body = answer.get_data(as_text=True)
    if body.strip() != "Approved":
        current_app.logger.warning(
            "Sandbox bank: callback to %s answered %r, not 'Approved'", url, body[:200]
        )
    return body
