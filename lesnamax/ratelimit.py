"""Fixed-window counters in the database, shared by every worker process and app server.

Without Redis, Flask-Limiter's memory storage counted per process: with 2 gunicorn workers,
"5 per 10 minutes" let 7-8 attempts through. The counters live in the ``rate_limit`` table
instead: one row per key, bumped with a single atomic ``INSERT … ON CONFLICT … RETURNING``, so
two processes never both see the same count. ``DatabaseStorage`` offers them to Flask-Limiter
(``RATELIMIT_STORAGE_URI = "database://"``, the default without ``REDIS_URL``); the login
throttle (account/throttle.py) uses ``hit``/``refund`` directly.

The counters use their own connection and commit at once: a limit counts whether or not the
request's own transaction later commits.
"""

from __future__ import annotations

import hashlib
import time

from limits.storage import Storage
from sqlalchemy import BigInteger, Column, Integer, String, Table, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

rate_limit = Table(
    "rate_limit",
    db.metadata,
    # Keys name a limit and what it counts (an address, a hash of an e-mail), never a password.
    Column("key", String(200), primary_key=True),
    #: Unix time (seconds) at which the current window ends and the count starts again.
    Column("window_end", BigInteger, nullable=False, index=True),
    Column("hits", Integer, nullable=False),
)


def _engine():
    return db.engine


def hit(key: str, seconds: int, amount: int = 1, now: float | None = None) -> tuple[int, int]:
    """Add ``amount`` to ``key``'s count; return ``(count, window_end)``.

    A window that has ended starts again at ``now`` and lasts ``seconds``.
    """
    now = int(now if now is not None else time.time())
    engine = _engine()
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(rate_limit).values(
        key=_fit(key), window_end=now + seconds, hits=amount
    )
    # SET expressions read the row as it was: both columns see the old window_end.
    expired = rate_limit.c.window_end <= now
    statement = statement.on_conflict_do_update(
        index_elements=[rate_limit.c.key],
        set_={
            "hits": case((expired, amount), else_=rate_limit.c.hits + amount),
            "window_end": case((expired, now + seconds), else_=rate_limit.c.window_end),
        },
    ).returning(rate_limit.c.hits, rate_limit.c.window_end)
    with engine.begin() as connection:
        hits, window_end = connection.execute(statement).one()
    return int(hits), int(window_end)


def _fit(key: str) -> str:
    # Flask-Limiter's keys are short; a longer one is stored as its hash.
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def refund(key: str, now: float | None = None) -> None:
    """Take one back from ``key``'s current window (never below zero)."""
    now = int(now if now is not None else time.time())
    with _engine().begin() as connection:
        connection.execute(
            update(rate_limit)
            .where(rate_limit.c.key == _fit(key), rate_limit.c.window_end > now,
                   rate_limit.c.hits > 0)
            .values(hits=rate_limit.c.hits - 1)
        )


def count(key: str, now: float | None = None) -> tuple[int, int]:
    """Return ``(count, window_end)`` of ``key``'s current window; ``(0, 0)`` if none."""
    now = int(now if now is not None else time.time())
    with _engine().connect() as connection:
        row = connection.execute(
            select(rate_limit.c.hits, rate_limit.c.window_end).where(
                rate_limit.c.key == _fit(key), rate_limit.c.window_end > now
            )
        ).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def clear(key: str) -> None:
    with _engine().begin() as connection:
        connection.execute(delete(rate_limit).where(rate_limit.c.key == _fit(key)))


def clear_prefix(prefix: str) -> None:
    """Delete every counter whose key starts with ``prefix`` (keys of short, known alphabets)."""
    if not prefix or any(c in prefix for c in "%_\\"):
        raise ValueError("prefix must not hold LIKE wildcards")
    with _engine().begin() as connection:
        connection.execute(delete(rate_limit).where(rate_limit.c.key.like(prefix + "%")))


def purge(now: float | None = None) -> int:
    """Delete the rows of ended windows (they hold IP addresses); return how many."""
    now = int(now if now is not None else time.time())
    with _engine().begin() as connection:
        return connection.execute(delete(rate_limit).where(rate_limit.c.window_end <= now)).rowcount


class DatabaseStorage(Storage):
    """Flask-Limiter storage (fixed windows) in the app's database: ``database://``."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return hit(key, int(expiry), amount)[0]

    def get(self, key: str) -> int:
        return count(key)[0]

    def get_expiry(self, key: str) -> float:
        return float(count(key)[1] or time.time())

    def check(self) -> bool:
        try:
            with _engine().connect() as connection:
                connection.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with _engine().begin() as connection:
            return connection.execute(
                delete(rate_limit).where(rate_limit.c.key.like("LIMITER/%"))
            ).rowcount

    def clear(self, key: str) -> None:
        clear(key)


def memory_storage_warning(app) -> None:
    """Say in the log why memory storage is wrong for several workers (docs/deploy.md)."""
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory") and not app.testing:
        app.logger.warning(
            "RATELIMIT_STORAGE_URI=memory:// counts per process: with several gunicorn workers "
            "every limit is multiplied by their number. Leave it unset (database://, shared "
            "through the database) or set LESNAMAX_REDIS_URL."
        )

