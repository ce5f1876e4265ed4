"""NestPay's XML API (``CC5Request`` posted to ``/fim/api``): status, void and refund.

The same merchant account as the 3D Pay Hosting page, reached with an API user the bank
creates (BANK-PORTAL.md §8). Request and reply shapes follow mewebstudio/pos
``EstPosRequestDataMapper`` / ``EstPosResponseDataMapper`` and their tests; the vectors the
shop relies on are in tests/test_bankapi.py.

Nothing here retries: a Credit sent twice could refund twice. Whatever leaves the answer in
doubt (timeout, refused connection, HTTP error, unreadable XML) raises ``BankUnavailable``;
the caller records the operation as unknown and asks the bank (``query``) before trying again.
The password goes into the request and nowhere else: no log line and no ``fields`` carry it.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET  # builds XML only; parsing goes through defusedxml
from dataclasses import dataclass
from urllib.parse import urlsplit

import defusedxml.ElementTree as defused
import requests
from defusedxml import DefusedXmlException
from flask import current_app
from flask_babel import gettext as _

from ..config import SANDBOX_API_PATH
from ..money import format_cents
from . import nestpay

#: A reply larger than this is not one the bank sends (a history of a few lines is ~2 KB).
MAX_REPLY_BYTES = 256 * 1024
DEFAULT_TIMEOUT = 15.0
#: More history lines than an order can have (a sale, a void, a few credits): the rest is noise.
MAX_HISTORY_LINES = 100

APPROVED = "approved"
VOIDED = "voided"
REFUNDED = "refunded"
DECLINED = "declined"
PENDING = "pending"
UNKNOWN = "unknown"

#: ORDERSTATUS ``TRANS_STAT`` → state (mewebstudio ``EstPosResponseDataMapper``
#: ``$orderStatusMappings``: A authorised, C closed/captured, S sale, V/CNCL cancelled,
#: D failed, ERR error, PN pending, R awaiting a technical reversal).
TRANS_STATES = {
    "A": APPROVED,
    "C": APPROVED,
    "S": APPROVED,
    "V": VOIDED,
    "CNCL": VOIDED,
    "D": DECLINED,
    "ERR": DECLINED,
    "PN": PENDING,
    "R": PENDING,
}
#: The columns of an ORDERHISTORY ``TRXn`` line (tab-separated), as in mewebstudio's
#: ``EstPosResponseDataMapper::mapHistoryResponse`` and its test vectors.
HISTORY_COLUMNS = (
    "CHARGE_TYPE_CD", "TRANS_STAT", "ORIG_TRANS_AMT", "CAPTURE_AMT", "AUTH_DTTM",
    "CAPTURE_DTTM", "VOID_DTTM", "HOST_REF_NUM", "AUTH_CODE", "PROC_RET_CD", "TRANS_ID",
)


class BankUnavailable(Exception):
    """No answer we can trust (timeout, refused connection, HTTP error, unreadable XML): the
    operation may or may not have happened at the bank."""


class NotConfigured(BankUnavailable):
    """The shop has no API URL or API user: nothing was sent to the bank."""


@dataclass(frozen=True)
class Answer:
    """The bank's reply to a Void or a Credit."""

    approved: bool
    response: str
    code: str
    message: str
    trans_id: str
    host_ref: str
    #: The whole reply flattened (``Extra`` children as ``Extra.NAME``), safe to store.
    fields: dict[str, str]


@dataclass(frozen=True)
class Status:
    """The bank's view of one oid (ORDERSTATUS, plus ORDERHISTORY for what was credited)."""

    #: "approved", "voided", "refunded" (fully), "declined", "pending" or "unknown" (no such
    #: order at the bank).
    state: str
    trans_stat: str
    amount_cents: int
    #: Sum of the approved, not voided credits of this oid (from ORDERHISTORY).
    refunded_cents: int
    auth_code: str
    trans_id: str
    code: str
    message: str
    fields: dict[str, str]


# --- requests ------------------------------------------------------------------------------


def _credentials() -> tuple[str, str, str]:
    config = current_app.config
    user = str(config.get("NESTPAY_API_USER") or "")
    password = str(config.get("NESTPAY_API_PASSWORD") or "")
    client_id = str(config.get("NESTPAY_CLIENT_ID") or "")
    if not (config.get("NESTPAY_API_URL") and user and password and client_id):
        raise NotConfigured("the bank's API is not configured (LESNAMAX_NESTPAY_API_*)")
    return user, password, client_id


def request_xml(
    name: str, password: str, client_id: str, oid: str, *, kind: str, amount_cents: int = 0
) -> bytes:
    """Return a ``CC5Request``: ``kind`` is "Void", "Credit", "ORDERSTATUS" or "ORDERHISTORY"."""
    root = ET.Element("CC5Request")
    for tag, value in (("Name", name), ("Password", password), ("ClientId", client_id),
                       ("OrderId", oid)):
        ET.SubElement(root, tag).text = value
    if kind in ("ORDERSTATUS", "ORDERHISTORY"):
        ET.SubElement(ET.SubElement(root, "Extra"), kind).text = "QUERY"
    elif kind == "Void":
        ET.SubElement(root, "Type").text = "Void"
    elif kind == "Credit":
        ET.SubElement(root, "Type").text = "Credit"
        ET.SubElement(root, "Total").text = nestpay.format_amount(amount_cents)
        ET.SubElement(root, "Currency").text = nestpay.EUR
    else:
        raise ValueError(f"unknown request kind {kind!r}")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _timeout() -> float:
    return float(current_app.config.get("NESTPAY_API_TIMEOUT") or DEFAULT_TIMEOUT)


def _is_sandbox(url: str) -> bool:
    """The sandbox bank of this very app: reached in-process, never over the network."""
    from .sandbox import is_this_app  # the sandbox is in this area; imported only when asked

    if current_app.config.get("BANK_MODE") != "sandbox":
        return False
    return urlsplit(url).path.rstrip("/") == SANDBOX_API_PATH and is_this_app(url)


def _post(xml: bytes) -> bytes:
    """POST ``xml`` as the form field ``DATA`` (cubes-doo ``NestpayApi.php``); return the body."""
    url = str(current_app.config["NESTPAY_API_URL"])
    timeout = _timeout()
    if _is_sandbox(url):
        return _post_in_process(url, xml, timeout)
    try:
        # verify=True: never skip TLS checks; no redirects (a redirected POST could be resent)
        # and no retry adapter: requests retries nothing by default.
        response = requests.post(
            url, data={"DATA": xml}, timeout=timeout, verify=True, allow_redirects=False,
            stream=True,
        )
        body = response.raw.read(MAX_REPLY_BYTES + 1, decode_content=True)
        response.close()
    except requests.RequestException as error:
        current_app.logger.warning("Bank API: no answer from %s: %s", url, type(error).__name__)
        raise BankUnavailable(f"no answer from the bank: {type(error).__name__}") from None
    except OSError as error:  # a timeout while reading the body comes through urllib3
        current_app.logger.warning("Bank API: answer from %s cut off: %s", url, error)
        raise BankUnavailable("the bank's answer was cut off") from None
    if response.status_code != 200:
        current_app.logger.warning("Bank API: %s answered HTTP %s", url, response.status_code)
        raise BankUnavailable(f"the bank answered HTTP {response.status_code}")
    return body


def _post_in_process(url: str, xml: bytes, timeout: float) -> bytes:
    """Ask the sandbox through Flask's test client, as its callback does: a single-threaded dev
    server cannot answer itself. A slower answer than ``timeout`` counts as none, as it would
    over the network (the sandbox's "timeout" faults sleep past it)."""
    parts = urlsplit(url)
    started = time.monotonic()
    answer = current_app.test_client().post(
        parts.path, data={"DATA": xml.decode("utf-8")},
        base_url=f"{parts.scheme}://{parts.netloc}",
        headers={"X-Sandbox-Timeout": str(timeout)},
    )
    if time.monotonic() - started > timeout:
        raise BankUnavailable("no answer from the bank: ReadTimeout")
    if answer.status_code != 200:
        raise BankUnavailable(f"the bank answered HTTP {answer.status_code}")
    return answer.get_data()


# --- replies -------------------------------------------------------------------------------


def parse_reply(body: bytes) -> dict[str, str]:
    """Flatten a ``CC5Response``: top-level tags by name, ``Extra`` children as ``Extra.NAME``.

    Raises ``BankUnavailable`` for anything that is not such a reply (HTML error page, garbage,
    a DTD: the bank sends none, and refusing one keeps entity tricks out).
    """
    if len(body) > MAX_REPLY_BYTES:
        raise BankUnavailable("the bank's answer is not a CC5Response")
    try:
        root = defused.fromstring(body, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException):
        raise BankUnavailable("the bank's answer is not XML, or carries a DTD") from None
    if root.tag != "CC5Response":
        raise BankUnavailable("the bank's answer is not a CC5Response")
    fields: dict[str, str] = {}
    for child in root:
        if child.tag == "Extra":
            for extra in child:
                fields[f"Extra.{extra.tag}"] = (extra.text or "").strip()
        elif child.tag.lower() != "password":
            fields[child.tag] = (child.text or "").strip()
    return fields


def _answer(fields: dict[str, str]) -> Answer:
    response = fields.get("Response", "")
    code = fields.get("ProcReturnCode", "")
    return Answer(
        approved=response == "Approved" and code == "00",
        response=response,
        code=code,
        message=fields.get("ErrMsg", ""),
        trans_id=fields.get("TransId", ""),
        host_ref=fields.get("HostRefNum", ""),
        fields=fields,
    )


def _cents(text: str) -> int:
    # Status replies carry amounts in minor units ("101" = 1.01), unlike payment replies.
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else 0


def history_lines(fields: dict[str, str]) -> list[dict[str, str]]:
    """The ``TRXn`` lines of an ORDERHISTORY reply, each as a dict of ``HISTORY_COLUMNS``."""
    lines = []
    count = min(_cents(fields.get("Extra.TRXCOUNT", "")), MAX_HISTORY_LINES)
    for number in range(1, count + 1):
        values = fields.get(f"Extra.TRX{number}", "").split("\t")
        padded = (values + [""] * len(HISTORY_COLUMNS))[: len(HISTORY_COLUMNS)]
        lines.append(dict(zip(HISTORY_COLUMNS, padded, strict=True)))
    return lines


def refunded_cents(history: dict[str, str]) -> int:
    """What was credited back on this oid: credits (``C``) the bank approved (``00``) and that
    were not voided or failed themselves."""
    total = 0
    for line in history_lines(history):
        if (
            line["CHARGE_TYPE_CD"] == "C"
            and line["PROC_RET_CD"] == "00"
            and TRANS_STATES.get(line["TRANS_STAT"]) == APPROVED
        ):
            total += _cents(line["CAPTURE_AMT"]) or _cents(line["ORIG_TRANS_AMT"])
    return total


def parse_status(status: dict[str, str], history: dict[str, str] | None = None) -> Status:
    """Read an ORDERSTATUS reply (and the ORDERHISTORY reply, for the credits).

    "No record found" is a *Declined* status reply with an empty ``ORD_ID``: "unknown". An
    *Error* reply (wrong API user, bank fault) says nothing about the order and raises.
    """
    response = status.get("Response", "")
    code = status.get("ProcReturnCode", "")
    message = status.get("ErrMsg", "")
    if response == "Error":
        raise BankUnavailable(f"the bank refused the status query: {code} {message}"[:200])
    trans_stat = status.get("Extra.TRANS_STAT", "")
    found = bool(status.get("Extra.ORD_ID")) and code == "00"
    amount = _cents(status.get("Extra.ORIG_TRANS_AMT", "")) or _cents(
        status.get("Extra.CAPTURE_AMT", "")
    )
    refunded = refunded_cents(history or {})
    if not found:
        state = UNKNOWN
    else:
        state = TRANS_STATES.get(trans_stat, PENDING)
        if state == APPROVED and amount and refunded >= amount:
            state = REFUNDED
    merged = dict(status)
    merged.update({f"History.{name}": value for name, value in (history or {}).items()})
    return Status(
        state=state,
        trans_stat=trans_stat,
        amount_cents=amount,
        refunded_cents=refunded,
        auth_code=status.get("Extra.AUTH_CODE", ""),
        trans_id=status.get("Extra.TRANS_ID", "") or status.get("TransId", ""),
        code=code,
        message=message,
        fields=merged,
    )


# --- operations ----------------------------------------------------------------------------


def _ask(oid: str, kind: str, amount_cents: int = 0) -> dict[str, str]:
    user, password, client_id = _credentials()
    xml = request_xml(user, password, client_id, oid, kind=kind, amount_cents=amount_cents)
    fields = parse_reply(_post(xml))
    current_app.logger.info(
        "Bank API %s %s: %s %s %s", kind, oid, fields.get("Response", ""),
        fields.get("ProcReturnCode", ""), fields.get("ErrMsg", "")[:200],
    )
    return fields


def query(oid: str) -> Status:
    """Ask the bank what became of ``oid``: its status, and how much of it was credited."""
    status = _ask(oid, "ORDERSTATUS")
    found = status.get("Extra.ORD_ID", "")
    if found and found != oid:
        # cubes-doo checks this too: an answer about another order is no answer about ours.
        raise BankUnavailable("the bank answered about another order")
    history = _ask(oid, "ORDERHISTORY") if found else {}
    if history and history.get("OrderId") not in ("", oid):
        raise BankUnavailable("the bank answered about another order")
    return parse_status(status, history)


def void(oid: str) -> Answer:
    """Cancel the sale ``oid`` (possible only before the bank's end of day)."""
    return _answer(_about(oid, _ask(oid, "Void")))


def refund(oid: str, amount_cents: int) -> Answer:
    """Credit ``amount_cents`` back on the sale ``oid`` (after the bank's end of day)."""
    nestpay.format_amount(amount_cents)  # a positive integer, or ValueError before any call
    return _answer(_about(oid, _ask(oid, "Credit", amount_cents)))


def _about(oid: str, fields: dict[str, str]) -> dict[str, str]:
    """A Void's or Credit's answer naming another order is no answer about ours: unknown, so
    the operation is asked about (``query``) before anything is counted."""
    if fields.get("OrderId", "") not in ("", oid):
        raise BankUnavailable("the bank answered about another order")
    return fields


def explain(result: Answer | Status) -> str:
    """The bank's answer in the owner's language (the bank's own text follows, as it said it)."""
    if isinstance(result, Status):
        text = {
            APPROVED: _("The bank has this payment as approved."),
            VOIDED: _("The bank has this payment as cancelled (voided)."),
            REFUNDED: _("The bank has refunded this payment in full."),
            DECLINED: _("The bank has this payment as declined."),
            PENDING: _("The bank has this payment as not finished yet."),
            UNKNOWN: _("The bank has no payment with this number."),
        }[result.state]
        if result.refunded_cents and result.state != REFUNDED:
            text += " " + _("Part of it was refunded: %(amount)s.",
                            amount=format_cents(result.refunded_cents))
        return text
    if result.approved:
        return _("The bank accepted the operation.")
    if result.response == "Declined":
        text = _("The bank declined the operation (code %(code)s).", code=result.code or "-")
    else:
        text = _("The bank answered with an error (code %(code)s).", code=result.code or "-")
    if result.message:
        text += " " + _("The bank's message: %(message)s", message=result.message[:200])
    return text

