"""Accounts: register, authenticate, change details, reset passwords. No request objects here."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from .. import ratelimit
from ..database import commit_keeping_loaded
from ..extensions import db
from ..privacy import services as privacy
from ..privacy.models import AGE, MARKETING, PRIVACY_POLICY
from ..text import whole_number
from ..web import Visit
from .models import LoginEvent, ProfileChange, User, new_session_token


def _hasher() -> PasswordHasher:
    return _argon2(*_cost())[0]


def _cost() -> tuple[int, int, int]:
    """Argon2's cost from the app's config (PASSWORD_HASH_* in config.py; cheap in tests)."""
    config = current_app.config
    return (int(config["PASSWORD_HASH_TIME_COST"]), int(config["PASSWORD_HASH_MEMORY_COST"]),
            int(config["PASSWORD_HASH_PARALLELISM"]))


@cache
def _argon2(time_cost: int, memory_cost: int, parallelism: int) -> tuple[PasswordHasher, str]:
    """One hasher per cost, and a real hash of a random password made at that cost: unknown
    e-mails then take as long to check as known ones."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher, hasher.hash("not-a-real-password-" + new_session_token())


#: Inline-editable details -> the User columns each one sets.
FIELDS = {
    "first_name": ("first_name",),
    "last_name": ("last_name",),
    "email": ("email",),
    "phone": ("phone",),
    "address": ("street", "municipality", "postal_code"),
}


class EmailTaken(ValueError):
    """Another account already uses this e-mail address."""


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    return password_matches(user.password_hash, password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def email_in_use(email: str, except_user: User | None = None) -> bool:
    statement = select(User.id).where(User.email == email.lower())
    if except_user is not None:
        statement = statement.where(User.id != except_user.id)
    return db.session.scalar(statement) is not None


def register(details: dict, consents: dict[str, bool], visit: Visit, today: date,
             policy_version: int | None = None) -> User:
    """Create a customer with ``details`` and record the consents given at registration.

    ``details`` holds the ``password`` or, for a confirmed registration, its ``password_hash``;
    ``policy_version`` is the policy the consents were given to (default: the one in force).
    """
    if email_in_use(details["email"]):
        raise EmailTaken(details["email"])
    user = User(
        email=details["email"].lower(),
        password_hash=details.get("password_hash") or hash_password(details["password"]),
        first_name=details["first_name"],
        last_name=details["last_name"],
        phone=details["phone"],
        street=details["street"],
        municipality=details["municipality"],
        postal_code=details.get("postal_code") or "",
        language=details.get("language", "sq"),
        created_ip=visit.ip,
    )
    db.session.add(user)
    db.session.flush()
    version = (privacy.version(policy_version) if policy_version else None) or privacy.in_force(
        today
    )
    for purpose in (PRIVACY_POLICY, AGE, MARKETING):
        privacy.record_consent(user, purpose, bool(consents.get(purpose)), version, visit)
    db.session.commit()
    return user


def authenticate(email: str, password: str, visit: Visit) -> User | None:
    """Return the active user with these credentials; record the attempt either way."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        _hasher_verify_dummy(password)
        outcome = "unknown_email"
    elif check_password(user, password):
        outcome = "ok"
        if _hasher().check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
    else:
        outcome = "bad_password"
    record_login(user if user is not None and user.is_active else None, outcome, visit)
    return user if outcome == "ok" else None


def _hasher_verify_dummy(password: str) -> None:
    hasher, dummy_hash = _argon2(*_cost())
    try:
        hasher.verify(dummy_hash, password)
    except VerificationError:
        pass


def record_login(user: User | None, outcome: str, visit: Visit) -> None:
    db.session.add(LoginEvent(user_id=user.id if user else None, ip=visit.ip, outcome=outcome))
    db.session.commit()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def update_field(user: User, field: str, values: dict, visit: Visit) -> None:
    """Set one inline-editable detail and record that it changed (not what it was)."""
    columns = FIELDS[field]
    if field == "email" and email_in_use(values["email"], except_user=user):
        raise EmailTaken(values["email"])
    changed = False
    for column in columns:
        value = values.get(column) or ""
        if column == "email":
            value = value.lower()
        if getattr(user, column) != value:
            setattr(user, column, value)
            changed = True
    if changed:
        db.session.add(ProfileChange(user_id=user.id, field=field, ip=visit.ip))
    # The answer shows the field just written: reloading the account after the commit would
    # only cost a query and SQLAlchemy's refresh (a tenth of an inline edit's time).
    commit_keeping_loaded()


def last_changes(user: User) -> dict[str, datetime]:
    """Return when each detail last changed."""
    rows = db.session.execute(
        select(ProfileChange.field, func.max(ProfileChange.at))
        .where(ProfileChange.user_id == user.id)
        .group_by(ProfileChange.field)
    ).all()
    return {field: _aware(at) for field, at in rows}


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="password-reset")


def password_fingerprint(user: User) -> str:
    # Part of tokens and device cookies: once the password changes, every earlier one stops
    # working.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_reset_token(user: User, secret_key: str) -> str:
    return _reset_serializer(secret_key).dumps({"id": user.id, "p": password_fingerprint(user)})


def user_for_reset_token(token: str, secret_key: str, max_age: int) -> User | None:
    """Return the user a valid, unused, unexpired reset token belongs to."""
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("id"))
    if user is None or not user.is_active or data.get("p") != password_fingerprint(user):
        return None
    return user


def _signin_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="signin-link")


def signin_token(user: User, secret_key: str) -> str:
    """A one-time sign-in link's token; the nonce makes each link usable once."""
    return _signin_serializer(secret_key).dumps(
        {"id": user.id, "p": password_fingerprint(user), "n": new_session_token()}
    )


def user_for_signin_token(token: str, secret_key: str, max_age: int,
                          use: bool = False) -> User | None:
    """Return the user of a valid, unexpired, unused sign-in token; ``use`` spends it.

    Spent nonces are kept in the shared rate-limit table for as long as the token could live,
    so a link works once across every worker.
    """
    try:
        data = _signin_serializer(secret_key).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str):
        return None
    user = db.session.get(User, data.get("id"))
    if user is None or not user.is_active or data.get("p") != password_fingerprint(user):
        return None
    used_key = "signin-used:" + hashlib.sha256(data["n"].encode()).hexdigest()
    if use:
        if ratelimit.hit(used_key, max_age + 60)[0] > 1:
            return None
    elif ratelimit.count(used_key)[0]:
        return None
    return user


def set_password(user: User, password: str, visit: Visit) -> None:
    """Set a new password and end every session of the user (all devices)."""
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    db.session.add(ProfileChange(user_id=user.id, field="password", ip=visit.ip))
    db.session.commit()


def end_sessions(user: User) -> None:
    """End every session of ``user`` (all devices, remember-me cookies included).

    Logging out means "log out everywhere": the one session token is part of every login cookie,
    so a cookie copied before logout is refused afterwards.
    """
    user.session_token = new_session_token()
    db.session.commit()


def load_user(identifier: str) -> User | None:
    """Flask-Login's loader: ``"<id>:<session token>"``; a changed token means logged out."""
    user_id, _, token = identifier.partition(":")
    number = whole_number(user_id, 9)
    if number is None:
        return None
    user = db.session.get(User, number)
    if user is None or not user.is_active or not _same(user.session_token, token):
        return None
    return user


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def create_admin(email: str, password: str | None,
                 on_change: Callable[[User, bool], None] | None = None) -> tuple[User, bool]:
    """Promote the account with ``email`` to admin, or create a staff account for it.

    Returns ``(user, created)``. A new account needs ``password``; an existing one keeps its
    password unless one is given. Staff accounts carry no address: they do not buy as staff.
    ``on_change(user, created)`` runs before the commit, so a record of the change (the audit
    trail) is saved in the same transaction.
    """
    email = email.strip().lower()
    user = user_by_email(email)
    created = user is None
    if created:
        if not password:
            raise ValueError("a new admin needs a password")
        user = User(email=email, password_hash=hash_password(password), first_name="Admin",
                    last_name="LESNA MAX", phone="", street="", municipality="")
        db.session.add(user)
    elif password:
        user.password_hash = hash_password(password)
        user.session_token = new_session_token()
    user.is_admin = True
    db.session.flush()
    if on_change is not None:
        on_change(user, created)
    db.session.commit()
    return user, created
