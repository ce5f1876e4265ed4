"""The sandbox bank's XML API: NestPay's ``/fim/api`` answering from the sandbox's own books.

It answers what payments/bankapi.py asks (ORDERSTATUS, ORDERHISTORY, Void, Credit) with the
reply shapes of mewebstudio/pos's EstPos vectors, and keeps the bank's rules: a Void only on
the bank day of the sale and only once, a Credit never above what is left of the sale. Where a
real bank's text is known (mewebstudio's vectors), the sandbox answers with it.

A fault switch (``set_fault``; the page ``/sandbox-bank/fim/api/faults``) makes the API time
out (before or after applying the operation), fail (HTTP 500, garbage) or answer an error, so
the shop's handling of each is tested. It is a database row: every process sees the same bank.
"""

from __future__ import annotations

import hmac
import secrets
import time
import xml.etree.ElementTree as ET  # builds XML only; parsing goes through defusedxml
from datetime import UTC, datetime

import defusedxml.ElementTree as defused
from defusedxml import DefusedXmlException
from flask import current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import shoptime
from ..config import SANDBOX_API_PASSWORD, SANDBOX_API_USER
from ..database import begin_write
from ..extensions import db
from ..i18n import _l
from . import nestpay
from .sandbox import bp
from .sandbox_models import CREDIT, SALE, VOID, SandboxApiFault, SandboxTransaction

#: Faults the switch offers; "" is a healthy bank.
TIMEOUT = "timeout"  # no answer in time, nothing applied
TIMEOUT_APPLIED = "timeout_applied"  # applied, but the answer comes too late (lost)
HTTP_500 = "http_500"
GARBAGE = "garbage"
ERROR = "error"  # a well-formed "Error" reply, code 99
FAULTS = (TIMEOUT, TIMEOUT_APPLIED, HTTP_500, GARBAGE, ERROR)
#: What the fault page offers, healthy first.
FAULT_LABELS = {
    "": _l("Healthy: the API answers every request"),
    TIMEOUT: _l("Time out: no answer in time, nothing is done"),
    TIMEOUT_APPLIED: _l("Time out after doing it: the void or refund is done, the answer is lost"),
    HTTP_500: _l("Fail: HTTP 500"),
    GARBAGE: _l("Fail: an answer that is not XML"),
    ERROR: _l("Answer with an error (Response Error, code 99)"),
}

#: Real bank texts, from mewebstudio/pos tests/Unit/DataMapper/ResponseDataMapper/
#: EstPosResponseDataMapperTest.php (cancel fail1, refund fail1).
NOT_VOIDABLE = ("CORE-2008", "İptal edilmeye uygun satış işlemi bulunamadı.")
NOT_SETTLED = ("CORE-2508", "Iade yapilamaz, siparis gunsonuna girmemis.")
#: Sandbox texts (the real codes are not published).
OVER_REMAINING = ("CORE-2503", "Credit amount is more than what is left of the sale.")
NO_SALE = ("CORE-2008", "No sale found for this order.")
BAD_LOGIN = ("CORE-2001", "API user authentication failed.")
BAD_REQUEST = ("CORE-1001", "The request could not be read.")
SYSTEM_ERROR = ("CORE-9999", "System error (sandbox fault).")


# --- the fault switch ----------------------------------------------------------------------


def fault() -> str:
    row = db.session.get(SandboxApiFault, 1)
    return row.mode if row else ""


def set_fault(mode: str) -> None:
    """Make the sandbox's API show ``mode`` (one of ``FAULTS``) until set back to ``""``."""
    if mode and mode not in FAULTS:
        raise ValueError(f"unknown fault {mode!r}")
    row = db.session.get(SandboxApiFault, 1)
    if row is None:
        db.session.add(SandboxApiFault(id=1, mode=mode))
    else:
        row.mode = mode
    db.session.commit()


def _sleep_past_timeout() -> None:
    # The shop's own timeout setting, and a little more: the client has given up by then.
    time.sleep(float(current_app.config.get("NESTPAY_API_TIMEOUT") or 15) + 0.3)


# --- the books -----------------------------------------------------------------------------


def _stamp() -> tuple[str, str]:
    day = shoptime.now().astimezone(shoptime.zone()).strftime("%y%j")
    return f"{day}SIM{secrets.token_hex(3).upper()}", f"{day}{secrets.randbelow(10**7):07d}"


def record_sale(oid: str, amount_cents: int, trans_id: str, auth_code: str, host_ref: str) -> None:
    """Book a sale the card page approved (called by sandbox.pay, once per approval)."""
    db.session.add(
        SandboxTransaction(
            oid=oid, kind=SALE, amount_cents=amount_cents, trans_id=trans_id,
            auth_code=auth_code, host_ref=host_ref, at=shoptime.now(),
        )
    )
    db.session.commit()


def _transactions(oid: str, lock: bool = False) -> list[SandboxTransaction]:
    if lock:
        # PostgreSQL: lock the sale first, in a statement of its own, so two credits wait for
        # each other; the read below is a new statement, whose snapshot (read committed) then
        # sees the credit the other one committed. Read in the locking statement, it would
        # not. SQLite already holds the write lock (begin_write).
        db.session.execute(
            select(SandboxTransaction.id)
            .where(SandboxTransaction.oid == oid, SandboxTransaction.kind == SALE)
            .with_for_update()
        )
    statement = (
        select(SandboxTransaction).where(SandboxTransaction.oid == oid)
        .order_by(SandboxTransaction.id)
    )
    return list(db.session.scalars(statement))


# --- replies -------------------------------------------------------------------------------


def _reply(fields: dict[str, str], extra: dict[str, str] | None = None, status: int = 200):
    root = ET.Element("CC5Response")
    for name, value in fields.items():
        ET.SubElement(root, name).text = value
    holder = ET.SubElement(root, "Extra")
    for name, value in (extra or {}).items():
        ET.SubElement(holder, name).text = value
    body = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return body, status, {"Content-Type": "text/xml; charset=UTF-8", "Cache-Control": "no-store"}


def _error(oid: str, error: tuple[str, str], trans_id: str = ""):
    code, message = error
    return _reply(
        {"OrderId": oid, "GroupId": oid, "Response": "Error", "AuthCode": "", "HostRefNum": "",
         "ProcReturnCode": "99", "TransId": trans_id, "ErrMsg": message},
        {"SETTLEID": "", "TRXDATE": _trxdate(), "ERRORCODE": code, "NUMCODE": "99" + code[-4:]},
    )


def _approved(oid: str, auth_code: str, trans_id: str, host_ref: str):
    return _reply(
        {"OrderId": oid, "GroupId": oid, "Response": "Approved", "AuthCode": auth_code,
         "HostRefNum": host_ref, "ProcReturnCode": "00", "TransId": trans_id, "ErrMsg": ""},
        {"SETTLEID": "", "TRXDATE": _trxdate(), "ERRORCODE": "", "NUMCODE": "00"},
    )


def _trxdate(moment: datetime | None = None) -> str:
    moment = moment or shoptime.now()
    return moment.astimezone(shoptime.zone()).strftime("%Y%m%d %H:%M:%S")


def _dttm(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # read back from SQLite: stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(shoptime.zone()).strftime("%Y-%m-%d %H:%M:%S.000")


def _split(rows: list[SandboxTransaction]):
    sale = next((row for row in rows if row.kind == SALE), None)
    voided = next((row for row in rows if row.kind == VOID), None)
    credits = [row for row in rows if row.kind == CREDIT]
    return sale, voided, credits


def _status(oid: str):
    sale, voided, _credits = _split(_transactions(oid))
    if sale is None:
        empty = "ORD_ID:\tCHARGE_TYPE_CD:\tORIG_TRANS_AMT:\tCAPTURE_AMT:\tTRANS_STAT:\tAUTH_DTTM:"
        return _reply(
            {"ErrMsg": f"No record found for {oid}", "ProcReturnCode": "99",
             "Response": "Declined", "OrderId": "", "TransId": ""},
            {"NUMCODE": "0", "ORDERSTATUS": empty + "\tCAPTURE_DTTM:\tAUTH_CODE:"},
        )
    stat = "V" if voided else "C"
    amount = str(sale.amount_cents)
    extra = {
        "AUTH_CODE": sale.auth_code, "AUTH_DTTM": _dttm(sale.at), "CAPTURE_AMT": amount,
        "CAPTURE_DTTM": _dttm(sale.at), "CHARGE_TYPE_CD": "S", "HOST_REF_NUM": sale.host_ref,
        "NUMCODE": "0", "ORD_ID": oid, "ORIG_TRANS_AMT": amount, "PAN": "4355 08** **** 4358",
        "PROC_RET_CD": "00", "SETTLEID": "", "TRANS_ID": sale.trans_id, "TRANS_STAT": stat,
    }
    if voided:
        extra["VOID_DTTM"] = _dttm(voided.at)
    extra["ORDERSTATUS"] = "\t".join(
        f"{name}:{extra[name]}"
        for name in ("ORD_ID", "CHARGE_TYPE_CD", "ORIG_TRANS_AMT", "CAPTURE_AMT", "TRANS_STAT",
                     "AUTH_DTTM", "CAPTURE_DTTM", "AUTH_CODE", "TRANS_ID")
    )
    return _reply(
        {"ErrMsg": f"Record(s) found for {oid}", "ProcReturnCode": "00", "Response": "Approved",
         "OrderId": oid, "TransId": sale.trans_id},
        dict(sorted(extra.items())),
    )


def _history(oid: str):
    sale, voided, credits = _split(_transactions(oid))
    lines = []
    for credit in reversed(credits):  # newest first, as in the real vectors
        amount = str(credit.amount_cents)
        lines.append(["C", "C", amount, amount, _dttm(credit.at), _dttm(credit.at), "",
                      credit.host_ref, credit.auth_code, "00", credit.trans_id])
    if sale is not None:
        amount = str(sale.amount_cents)
        lines.append(["S", "V" if voided else "C", amount, amount, _dttm(sale.at),
                      _dttm(sale.at), _dttm(voided.at if voided else None), sale.host_ref,
                      sale.auth_code, "00", sale.trans_id])
    extra = {"NUMCODE": "0"}
    extra.update({f"TRX{number}": "\t".join(line) for number, line in enumerate(lines, 1)})
    extra["TRXCOUNT"] = str(len(lines))
    found = bool(lines)
    return _reply(
        {"ErrMsg": "" if found else f"No record found for {oid}",
         "ProcReturnCode": "00" if found else "99",
         "Response": "Approved" if found else "Declined", "OrderId": oid if found else ""},
        extra,
    )


def _void(oid: str):
    begin_write()
    sale, voided, credits = _split(_transactions(oid, lock=True))
    today = shoptime.shop_day(shoptime.now())
    if sale is None or voided or credits or shoptime.shop_day(sale.at) != today:
        db.session.rollback()
        return _error(oid, NOT_VOIDABLE, _stamp()[0])
    trans_id, host_ref = _stamp()
    db.session.add(
        SandboxTransaction(oid=oid, kind=VOID, amount_cents=sale.amount_cents, trans_id=trans_id,
                           auth_code=sale.auth_code, host_ref=host_ref, at=shoptime.now())
    )
    db.session.commit()
    return _approved(oid, sale.auth_code, trans_id, host_ref)


def _credit(oid: str, total: str, currency: str):
    amount = nestpay.parse_amount(total)
    if not amount or currency != nestpay.EUR:
        return _error(oid, BAD_REQUEST)
    begin_write()
    sale, voided, credits = _split(_transactions(oid, lock=True))
    if sale is None or voided:
        db.session.rollback()
        return _error(oid, NO_SALE, _stamp()[0])
    same_day = shoptime.shop_day(sale.at) == shoptime.shop_day(shoptime.now())
    if same_day and not current_app.config.get("SANDBOX_API_CREDIT_SAME_DAY", True):
        db.session.rollback()
        return _error(oid, NOT_SETTLED, _stamp()[0])
    if amount > sale.amount_cents - sum(credit.amount_cents for credit in credits):
        db.session.rollback()
        return _error(oid, OVER_REMAINING, _stamp()[0])
    trans_id, host_ref = _stamp()
    auth_code = f"{secrets.randbelow(10**6):06d}"
    db.session.add(
        SandboxTransaction(oid=oid, kind=CREDIT, amount_cents=amount, trans_id=trans_id,
                           auth_code=auth_code, host_ref=host_ref, at=shoptime.now())
    )
    db.session.commit()
    return _approved(oid, auth_code, trans_id, host_ref)


# --- the endpoint --------------------------------------------------------------------------


def _read_request() -> ET.Element | None:
    # cubes-doo posts the XML as the form field DATA; others post it as the raw body.
    data = request.form.get("DATA")
    body = data.encode("utf-8") if data is not None else request.get_data()
    if not body:
        return None
    try:
        root = defused.fromstring(body, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException):
        return None
    return root if root.tag == "CC5Request" else None


def _text(root: ET.Element, path: str) -> str:
    node = root.find(path)
    return (node.text or "").strip() if node is not None else ""


def _logged_in(root: ET.Element) -> bool:
    # The bank's own user: the shop's settings are what the shop *sends* (a wrong one must
    # fail here). The client id is the store's, as the card page checks it.
    pairs = (
        (_text(root, "Name"), SANDBOX_API_USER),
        (_text(root, "Password"), SANDBOX_API_PASSWORD),
        (_text(root, "ClientId"), str(current_app.config.get("NESTPAY_CLIENT_ID") or "")),
    )
    # Every pair compared (no early exit), in bytes (compare_digest refuses non-ASCII str).
    results = [hmac.compare_digest(a.encode(), b.encode()) for a, b in pairs]
    return all(results) and all(expected for _given, expected in pairs)


@bp.post("/fim/api")
def api():
    """NestPay's XML API, answered from the sandbox's books (and its fault switch)."""
    mode = fault()
    db.session.rollback()  # the switch was read; each operation opens its own transaction
    if mode == TIMEOUT:
        _sleep_past_timeout()
        return "", 504
    if mode == HTTP_500:
        return "<html><body>Internal Server Error</body></html>", 500
    if mode == GARBAGE:
        return "<html><body>Service temporarily unavailable</body></html>", 200
    root = _read_request()
    oid = _text(root, "OrderId") if root is not None else ""
    if mode == ERROR:
        return _error(oid, SYSTEM_ERROR)
    if root is None:
        return _error("", BAD_REQUEST)
    if not _logged_in(root):
        return _error(oid, BAD_LOGIN)
    kind = _text(root, "Type")
    if _text(root, "Extra/ORDERSTATUS") == "QUERY":
        answer = _status(oid)
    elif _text(root, "Extra/ORDERHISTORY") == "QUERY":
        answer = _history(oid)
    elif kind == "Void" and oid:
        answer = _void(oid)
    elif kind == "Credit" and oid:
        answer = _credit(oid, _text(root, "Total"), _text(root, "Currency"))
    else:
        answer = _error(oid, BAD_REQUEST)
    if mode == TIMEOUT_APPLIED:
        _sleep_past_timeout()  # done and committed, but the shop has stopped listening
    return answer


@bp.get("/fim/api/faults")
def faults():
    """The sandbox's API page: the fault it shows now, a switch, and the bank's books."""
    rows = db.session.scalars(
        select(SandboxTransaction).order_by(SandboxTransaction.id.desc()).limit(50)
    ).all()
    response = current_app.make_response(
        render_template("sandbox/api_faults.html", labels=FAULT_LABELS, current=fault(),
                        transactions=rows)
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.post("/fim/api/faults")
def switch_fault():
    mode = request.form.get("fault", "")
    if mode not in FAULT_LABELS:
        return render_template("sandbox/invalid.html",
                               problems=[_l("Choose one of the offered faults.")]), 400
    set_fault(mode)
    return redirect(url_for("sandbox_bank.faults"), 303)
