"""Login throttle: wrong passwords slow a guesser down without shutting the owner out.

Counted in the database (lesnamax/ratelimit.py), so every worker and server shares the counts:

- per account *and* address (``LOGIN_LIMIT_PER_ACCOUNT``): a stranger elsewhere who guesses
  the owner's password waits; the owner at home does not;
- per address (``LOGIN_LIMIT_PER_IP``): one address cannot try many accounts;
- per account from anywhere (``LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE``, generous): many addresses
  together still cannot guess a password, so brute force stays out of reach.

Only real password checks count: a blocked attempt is refunded (waiting out the window is
enough, nothing renews it) and so is a right password. The owner always has a way in that the
counts do not touch: a browser where they logged in before carries a signed device cookie,
counted on its own (``device_token``, valid until the password changes), and a sign-in link
by e-mail works whatever the counts (email_views.py). Accounts are named by a hash of the
e-mail, known or not, so the answers never tell which addresses have accounts.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse

from .. import ratelimit

#: A device cookie lasts as long as the remember-me cookie would, a year at most.
DEVICE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    #: Seconds until the next attempt is counted again (0 when allowed).
    wait: int
    keys: tuple[str, ...]


def account_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _limits(config: dict, email: str, ip: str | None, device: str | None):
    """``(key, limit, enforced)`` for one password check."""
    account = account_hash(email)
    anywhere = (f"login:account:{account}", config["LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE"])
    if device:
        # A browser the owner logged in from (with the current password): its own counts,
        # whoever else is guessing. Its wrong guesses still add to the account's daily count, but
        # the daily cap is checked on the device's own daily count, not the account's: strangers
        # filling the account's cap do not block the owner's browser, and a device cannot guess
        # more than the daily cap either (a device cookie only comes with a right password, and
        # dies with a password change).
        return [
            (f"login:device:{device}", config["LOGIN_LIMIT_PER_ACCOUNT"], True),
            (f"login:device-day:{device}", config["LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE"], True),
            (*anywhere, False),
        ]
    return [
        (f"login:account-ip:{account}:{ip}", config["LOGIN_LIMIT_PER_ACCOUNT"], True),
        (f"login:ip:{ip}", config["LOGIN_LIMIT_PER_IP"], True),
        (*anywhere, True),
    ]


def reserve(config: dict, email: str, ip: str | None, device: str | None = None,
            now: float | None = None) -> Verdict:
    """Count one password check before it runs; refuse it if a limit is reached.

    Counting first (one atomic update per key) keeps concurrent requests from slipping past
    a limit together.
    """
    if not config.get("RATELIMIT_ENABLED", True):  # the security scans turn limits off
        return Verdict(True, 0, ())
    now = time.time() if now is None else now
    keys, waits = [], []
    for key, text, enforced in _limits(config, email, ip, device):
        item = parse(text)
        hits, window_end = ratelimit.hit(key, item.get_expiry(), now=now)
        keys.append(key)
        if enforced and hits > item.amount:
            waits.append(max(1, int(window_end - now)))
    verdict = Verdict(not waits, max(waits, default=0), tuple(keys))
    if not verdict.allowed:
        release(verdict, now)
    return verdict


def release(verdict: Verdict, now: float | None = None) -> None:
    """Give back an attempt that did not guess wrong (the right password, or refused)."""
    for key in verdict.keys:
        ratelimit.refund(key, now)


def first_refusal(email: str, ip: str | None, seconds: int) -> bool:
    """True for the first refused attempt for this account and address in ``seconds``: the
    owner's login history gets one "rate_limited" row per window, not one per request."""
    hits, _ = ratelimit.hit(f"login:refused:{account_hash(email)}:{ip}", max(1, seconds))
    return hits == 1


def forget_account(email: str) -> None:
    """Clear the account's password counts (from anywhere and from each address).

    Called when the owner proves they hold the mailbox (a sign-in link used, a password reset
    completed): strangers' wrong guesses no longer keep the owner's password from working.
    The address-wide counts stay: they are about the guessers, not the account.
    """
    account = account_hash(email)
    ratelimit.clear(f"login:account:{account}")
    ratelimit.clear_prefix(f"login:account-ip:{account}:")


def _device_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="login-device")


def new_device_cookie(secret_key: str, email: str, password_fingerprint: str) -> str:
    """Signed proof that this browser logged in to this account with its current password:
    ``{account hash, password fingerprint, nonce}``. A password change (a reset after a theft)
    ends every device cookie, so a thief keeps no private budget of guesses."""
    return _device_serializer(secret_key).dumps(
        {"a": account_hash(email), "p": password_fingerprint, "n": secrets.token_hex(8)}
    )


def device_token(secret_key: str, cookie: str | None, email: str,
                 password_fingerprint: str | None) -> str | None:
    """Return the device's nonce if ``cookie`` is a valid device cookie for ``email`` and the
    account's current password (``password_fingerprint``; None for an unknown address)."""
    if not cookie or not password_fingerprint:
        return None
    try:
        data = _device_serializer(secret_key).loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != account_hash(email):
        return None
    if data.get("p") != password_fingerprint:
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) and nonce.isalnum() and len(nonce) <= 32 else None


def may_send_mail(config: dict, kind: str, email: str) -> bool:
    """A mailbox gets at most ``ACCOUNT_MAILS_LIMIT`` mails of one kind: asking for links (or
    registering someone's address) again and again cannot flood it."""
    item = parse(config["ACCOUNT_MAILS_LIMIT"])
    hits, _ = ratelimit.hit(_mail_key(kind, email), item.get_expiry())
    return hits <= item.amount


def _mail_key(kind: str, email: str) -> str:
    return f"mail:{kind}:{account_hash(email)}"
