"""NestPay (Payten) "3D Pay Hosting" with hash ver3: the protocol only, no database, no request.

What the shop posts to the bank, how both sides sign, and how to read the bank's reply.
The rules and test vectors are in ``BANK-PORTAL.md`` (§3 fields, §4 hash, §5/§6 reply).
The store key goes into the hash and nowhere else: nothing returned here contains it.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlencode

from ..text import without_control

#: Field names left out of the ver3 hash, compared in lower case (§4 step 1). Payten confirmed
#: that NATIONALIDNO is not hashed either: replies carrying it failed verification until
#: mewebstudio/pos left it out (#169, #170).
UNHASHED = frozenset({"hash", "encoding", "nationalidno"})
#: Charsets a reply may declare in its ``encoding`` field, by Python codec name. The shop asks
#: for UTF-8, but ISO-8859-9 comes back when the bank does not honour that; browsers send the
#: WHATWG "iso-8859-9" label as windows-1254 (cp1254), its superset. Anything else is refused.
CHARSETS = frozenset({"utf-8", "iso8859-9", "cp1254", "ascii"})
DEFAULT_CHARSET = "utf-8"
STORE_TYPE = "3D_PAY_HOSTING"
HASH_ALGORITHM = "ver3"
EUR = "978"
DEFAULT_ACCEPTED_MD_STATUS = frozenset({"1"})

_AMOUNT = re.compile(r"^\d+\.\d{2}$")
# A run of 13-19 digits, single spaces or dashes allowed between them. The lookarounds make the
# run maximal, so part of a longer number (or of "LM-2026-000123-1") is never taken for a card.
_PAN = re.compile(r"(?<!\d)(?<!\d[ -])(?:\d[ -]?){12,18}\d(?![ -]?\d)")
# Names of fields that carry card secrets or expiry dates: dropped from logs, not masked.
_SECRET_NAME = re.compile(r"cvv|cvc|cv2|securitycode|exp(iry|ire|_?date|_?month|_?year)", re.I)


#: Every field name a genuine reply may carry, in lower case: the fields the shop posts
#: (``request_fields``), the reply fields of BANK-PORTAL.md §5, and the extras real replies carry
#: (the sandbox's "real fields" option and Payten's published 3d_pay reply). The ver3 signature
#: covers the values in name order but not the names, so a customer relaying the reply could
#: rename fields and keep the order; an unknown name is therefore never taken as paid.
KNOWN_FIELDS = frozenset(
    name.lower()
    for name in (
        # what the shop posts (echoed back)
        "clientid", "storetype", "TranType", "amount", "currency", "oid", "okUrl", "failUrl",
        "callbackUrl", "shopurl", "Instalment", "rnd", "lang", "hashAlgorithm", "refreshtime",
        "BillToName", "email", "encoding", "hash",
        # the reply's own fields (§5)
        "Response", "ProcReturnCode", "mdStatus", "mdErrorMsg", "ErrMsg", "ErrCode", "AuthCode",
        "TransId", "HostRefNum", "EXTRA_TRXDATE", "SettleId", "ReturnOid", "islemtipi",
        "maskedCreditCard", "MaskedPan", "Ecom_Payment_Card_ExpDate_Month",
        "Ecom_Payment_Card_ExpDate_Year", "EXTRA_CARDBRAND", "EXTRA_CARDISSUER", "eci", "cavv",
        "xid", "md", "txstatus", "version", "dsId", "PAResVerified", "callbackCall",
        "HASHPARAMS", "HASHPARAMSVAL",
        # extras of real replies (sandbox_options.real_fields, Payten's 3d_pay reply)
        "NATIONALIDNO", "clientIp", "ACQBIN", "acqStan", "TRANID", "taksit", "PAResSyntaxOK",
        "merchantID", "merchantName", "digest", "firmaadi", "sID", "payResults_dsId",
        "EXTRA_KAZANILANPUAN",
    )
)


class ReplyFormatError(ValueError):
    """The reply's body cannot be read as one the bank would send."""


class CharsetError(ReplyFormatError):
    """The reply declares a charset the shop does not know, or its bytes are not in it."""


class RepeatedField(ReplyFormatError):
    """Two fields of the reply share a name (ignoring case): the hash and the reading would
    disagree on which one counts. ``fields`` holds the first value of each, for the record."""

    def __init__(self, name: str, fields: dict[str, str]):
        super().__init__(f"field {name[:40]!r} is repeated")
        self.fields = fields


def charset(fields: Mapping[str, str | None]) -> str:
    """Return the codec name of the charset ``fields`` declare (``encoding``); UTF-8 if none."""
    declared = [value for name, value in fields.items() if name.lower() == "encoding"]
    if len(declared) > 1:
        raise CharsetError("more than one encoding field")
    name = (declared[0] or "").strip() if declared else ""
    if not name:
        return DEFAULT_CHARSET
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL byte in the name
        raise CharsetError(f"unknown charset {name[:40]!r}") from None
    if codec not in CHARSETS:
        raise CharsetError(f"charset {codec!r} is not accepted")
    return codec


def decode_body(body: bytes) -> dict[str, str]:
    """Parse a form-encoded reply as the bank meant it: in the charset its ``encoding`` declares.

    Flask would decode the bytes as UTF-8, which garbles an ISO-8859-9 ``ErrMsg`` and breaks its
    hash. Blank values are kept (they are hash slots). Raises ``RepeatedField`` for a name
    posted twice (ignoring case), ``CharsetError`` for an unknown charset or invalid bytes.
    """
    pairs = _byte_pairs(body)
    # Before the charset: a second ``encoding`` would otherwise be read by one side only.
    repeated = repeated_name(name.decode("latin-1") for name, _value in pairs)
    if repeated is not None:
        record: dict[str, str] = {}
        for name, value in pairs:  # for the record only: the first value of each name
            record.setdefault(name.decode("utf-8", "replace"), value.decode("utf-8", "replace"))
        raise RepeatedField(repeated, record)
    # The names and the encoding's value are ASCII in every charset accepted, so they can be
    # read before the charset is known.
    declared = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in pairs
        if name.lower() == b"encoding"
    }
    codec = charset(declared)
    fields: dict[str, str] = {}
    try:
        for name, value in pairs:
            fields.setdefault(name.decode(codec), value.decode(codec))
    except UnicodeDecodeError as error:
        raise CharsetError(f"the body is not valid {codec}") from error
    return fields


def repeated_name(names: Iterable[str]) -> str | None:
    """Return a name that occurs twice ignoring case (``mdStatus``/``MDSTATUS``), else None."""
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            return name
        seen.add(name.lower())
    return None


def unknown_names(fields: Mapping[str, str | None]) -> tuple[str, ...]:
    """Return the names in ``fields`` that no genuine reply carries (see ``KNOWN_FIELDS``)."""
    return tuple(sorted(name for name in fields if name.lower() not in KNOWN_FIELDS))


def _byte_pairs(body: bytes) -> list[tuple[bytes, bytes]]:
    # parse_qsl would decode the bytes as ASCII first, so 8-bit bytes sent unescaped (some
    # senders do) would fail; splitting and unquoting bytes keeps them for the real charset.
    pairs = []
    for part in body.split(b"&"):
        if not part:
            continue
        name, _sep, value = part.replace(b"+", b" ").partition(b"=")
        pairs.append((unquote_to_bytes(name), unquote_to_bytes(value)))
    return pairs


def encode_body(fields: Mapping[str, str | None]) -> bytes:
    """Form-encode ``fields`` in the charset they declare, as the bank would post them."""
    codec = charset(fields)
    pairs = [(name, "" if value is None else value) for name, value in fields.items()]
    return urlencode(pairs, encoding=codec).encode("ascii")


def _escape(value: object) -> str:
    # Backslash first, or the backslashes added for pipes would be doubled again.
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|")


def hash_ver3(fields: Mapping[str, str | None], store_key: str) -> str:
    """Return the ver3 signature of ``fields``: base64 of SHA-512, 88 characters.

    Every field counts except ``hash``/``encoding``/``NATIONALIDNO`` (any case); blank values
    keep their slot. Names sort folded to upper case, as PHP's ``strnatcasecmp`` and Payten's
    Java sample do. The text is hashed as bytes in the charset the fields declare (``encoding``,
    UTF-8 by default), because those are the bytes the signer had. Raises ``CharsetError`` for
    an unknown charset and ``UnicodeEncodeError`` for a value the charset cannot hold.
    """
    codec = charset(fields)
    names = sorted((name for name in fields if name.lower() not in UNHASHED), key=str.upper)
    plain = "|".join([_escape(fields[name]) for name in names] + [_escape(store_key)])
    return base64.b64encode(hashlib.sha512(plain.encode(codec)).digest()).decode("ascii")


def _posted_hash(fields: Mapping[str, str | None]) -> str | None:
    """Return the posted signature (``HASH``, ``hash``, any case); None if absent or ambiguous."""
    values = [value for name, value in fields.items() if name.lower() == "hash"]
    if len(values) != 1 or not values[0]:
        return None
    return values[0]


def verify(fields: Mapping[str, str | None], store_key: str) -> bool:
    """Return True when the posted ``HASH`` signs exactly these fields with ``store_key``."""
    posted = _posted_hash(fields)
    if posted is None:
        return False
    try:
        expected = hash_ver3(fields, store_key)
    except (CharsetError, UnicodeEncodeError):
        return False  # no bank signs what its own charset cannot carry
    # Bytes, because compare_digest refuses str with non-ASCII characters (a forged HASH may).
    return hmac.compare_digest(expected.encode("ascii"), posted.encode("utf-8"))


def instalment_text(instalments: int | None) -> str:
    """The ``Instalment`` field's value: "" for a payment in full, else the number ("6")."""
    if instalments is None:
        return ""
    if isinstance(instalments, bool) or not isinstance(instalments, int) or instalments < 2:
        raise ValueError("instalments must be None or a whole number from 2")
    return str(instalments)


def format_amount(amount_cents: int) -> str:
    """Return the bank's amount text: 24990 -> ``"249.90"``."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValueError("amount_cents must be a positive integer")
    return f"{amount_cents // 100}.{amount_cents % 100:02d}"


def parse_amount(text: str | None) -> int | None:
    """Return cents for ``"249.90"``; None for anything else (``"249.9"``, ``"1,00"``, blank)."""
    if text is None or not _AMOUNT.match(text):
        return None
    whole, cents = text.split(".")
    return int(whole) * 100 + int(cents)


def parse_md_status_set(value: str | Iterable[str] | None) -> frozenset[str]:
    """Turn a setting such as ``"1"``, ``"1,2,3,4"`` or ``["1", "4"]`` into a set of mdStatus."""
    if value is None:
        return DEFAULT_ACCEPTED_MD_STATUS
    parts = value.split(",") if isinstance(value, str) else [str(part) for part in value]
    accepted = frozenset(part.strip() for part in parts if part.strip())
    return accepted or DEFAULT_ACCEPTED_MD_STATUS


def request_fields(
    *,
    client_id: str,
    oid: str,
    amount_cents: int,
    currency: str = EUR,
    ok_url: str,
    fail_url: str,
    callback_url: str,
    shop_url: str,
    rnd: str,
    lang: str,
    store_key: str,
    bill_to_name: str = "",
    email: str = "",
    instalments: int | None = None,
) -> dict[str, str]:
    """Return the hidden fields of the form the customer's browser posts to ``/fim/est3Dgate``.

    ``instalments`` is the number the customer chose (None: in full, the field stays empty);
    like every field it is signed, so it cannot be changed on the way to the bank.

    ``hash`` comes last and covers every other field, so nothing may be added afterwards.
    """
    fields = {
        "clientid": client_id,
        "storetype": STORE_TYPE,
        "TranType": "Auth",
        "amount": format_amount(amount_cents),
        "currency": currency,
        "oid": oid,
        "okUrl": ok_url,
        "failUrl": fail_url,
        "callbackUrl": callback_url,
        "shopurl": shop_url,
        "Instalment": instalment_text(instalments),
        "rnd": rnd,
        "lang": lang,
        "hashAlgorithm": HASH_ALGORITHM,
        # Seconds before the bank's page sends the customer back (PR #168: short is safer).
        "refreshtime": "5",
        "BillToName": bill_to_name,
        "email": email,
        "encoding": "UTF-8",
    }
    fields["hash"] = hash_ver3(fields, store_key)
    return fields


@dataclass(frozen=True)
class BankReply:
    """What the bank said, read from its signed reply. Decide nothing before ``hash_valid``."""

    hash_valid: bool
    oid: str
    client_id: str
    amount_cents: int | None
    currency: str
    #: Signature valid, ``Approved``, ``00`` and an accepted mdStatus: the only "paid" signal.
    approved: bool
    #: Signature valid, ``Approved`` and ``00``: the bank took the money, whatever the mdStatus.
    #: Authorised but not approved (half 3-D Secure) needs a person, never a second charge.
    authorised: bool
    #: Field names no genuine reply carries: the names are not signed, so a renamed field
    #: can fake a value. Never "paid" then, whatever the values say.
    unknown_fields: tuple[str, ...]
    response: str
    proc_return_code: str
    md_status: str
    error_message: str
    trans_id: str
    auth_code: str
    host_ref_num: str
    masked_card: str | None
    #: The ``Instalment`` field the bank echoed ("" when the payment is in full): it must be
    #: ``instalment_text`` of what the shop asked, or the reply is not that payment.
    instalment: str = ""


def get_field(fields: Mapping[str, str | None], *names: str) -> str:
    """Return the first non-blank value among ``names`` (exact name, then any case)."""
    for name in names:
        value = fields.get(name)
        if value is None:
            lowered = name.lower()
            value = next((v for k, v in fields.items() if k.lower() == lowered), None)
        if value:
            return value
    return ""


def _looks_masked(value: str) -> bool:
    digits = sum(ch.isdigit() for ch in value)
    return any(ch in value for ch in "*xX#") and digits <= 10 and not _PAN.search(value)


def parse_reply(
    fields: Mapping[str, str | None],
    store_key: str,
    accepted_md_status: Iterable[str] = DEFAULT_ACCEPTED_MD_STATUS,
) -> BankReply:
    """Read a reply posted to okUrl, failUrl or callbackUrl (pass every posted field)."""
    # Two names equal ignoring case: get_field and the hash may read different ones.
    hash_valid = repeated_name(fields) is None and verify(fields, store_key)
    unknown = unknown_names(fields)
    response = get_field(fields, "Response")
    proc_return_code = get_field(fields, "ProcReturnCode")
    md_status = get_field(fields, "mdStatus")
    card = get_field(fields, "maskedCreditCard", "MaskedPan")
    authorised = hash_valid and response == "Approved" and proc_return_code == "00"
    return BankReply(
        hash_valid=hash_valid,
        oid=get_field(fields, "oid", "ReturnOid"),
        client_id=get_field(fields, "clientid"),
        amount_cents=parse_amount(get_field(fields, "amount")),
        currency=get_field(fields, "currency"),
        approved=authorised and not unknown and md_status in frozenset(accepted_md_status),
        authorised=authorised,
        unknown_fields=unknown,
        response=response,
        proc_return_code=proc_return_code,
        md_status=md_status,
        error_message=get_field(fields, "ErrMsg", "mdErrorMsg"),
        trans_id=get_field(fields, "TransId"),
        auth_code=get_field(fields, "AuthCode"),
        host_ref_num=get_field(fields, "HostRefNum"),
        masked_card=card if card and _looks_masked(card) else None,
        instalment=get_field(fields, "Instalment"),
    )


def mask_pan(text: str) -> str:
    """Replace every full card number in ``text`` with its first 6 and last 4 digits."""

    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]

    return _PAN.sub(mask, text)


def sanitise(fields: Mapping[str, str | None]) -> dict[str, str]:
    """Return the fields safe to log: no signature, no CVV or expiry, card numbers masked."""
    clean: dict[str, str] = {}
    for name, value in fields.items():
        if name.lower() == "hash" or _SECRET_NAME.search(name):
            continue
        clean[name] = mask_pan("" if value is None else without_control(str(value)))
    return clean
