"""Caches: a small per-process cache with a time limit, and the catalogue's generation stamp.

``remember`` keeps answers that change rarely for a bounded time; use it only where a slightly
old answer is harmless (a material filter that lists a material a minute longer, say).

The generation stamp changes whenever the catalogue changes (a product, its stock or picture,
a category) or a privacy policy version is published (``pagecache.WATCHED_TABLES``).
Everything cached from them is keyed by it, so every worker of every app server sees a change
at once. It lives in Redis when ``REDIS_URL`` is set (shared by all app servers), else in a
small file next to the SQLite database (shared by the workers of one machine).
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app, g, has_app_context

T = TypeVar("T")
#: Entries kept per process before the oldest are dropped.
MAX_ENTRIES = 512
REDIS_KEY = "lesnamax:catalogue-generation"
log = logging.getLogger(__name__)


def remember(key: Hashable, seconds: float, compute: Callable[[], T]) -> T:
    """Return the cached value for ``key``, computing it when missing or older than ``seconds``."""
    store: dict = current_app.extensions.setdefault("lesnamax_cache", {})
    hit = store.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < seconds:
        return hit[1]
    value = compute()
    if len(store) >= MAX_ENTRIES:
        store.clear()
    store[key] = (now, value)
    return value


def forget(prefix: str) -> None:
    """Drop every entry whose key is a tuple starting with ``prefix``."""
    store: dict = current_app.extensions.get("lesnamax_cache", {})
    for key in [k for k in store if isinstance(k, tuple) and k and k[0] == prefix]:
        del store[key]


def generation() -> str | None:
    """Return the catalogue's current stamp, read once per request; None if it cannot be read.

    None means "do not cache": a Redis outage must slow the shop down, not make it stale.
    """
    if "catalogue_generation" not in g:
        g.catalogue_generation = _stamp(current_app).read()
    return g.catalogue_generation


def bump(app: Flask | None = None) -> None:
    """Give the catalogue a new stamp: every page and fragment cached from it is now stale."""
    app = app or current_app._get_current_object()
    _stamp(app).write()
    if has_app_context():
        g.pop("catalogue_generation", None)


def _stamp(app: Flask) -> _RedisStamp | _FileStamp:
    stamp = app.extensions.get("lesnamax_stamp")
    if stamp is None:
        url = app.config["REDIS_URL"]
        stamp = _RedisStamp(url) if url else _FileStamp(stamp_path(app))
        app.extensions["lesnamax_stamp"] = stamp
    return stamp


def stamp_path(app: Flask) -> Path:
    """The file shared by every process using the same SQLite database (or instance folder)."""
    if app.config.get("CACHE_STAMP_FILE"):
        return Path(app.config["CACHE_STAMP_FILE"])
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and ":memory:" not in uri:
        return Path(uri.removeprefix("sqlite:///").split("?")[0] + ".stamp")
    return Path(app.instance_path) / "catalogue.stamp"


class _RedisStamp:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def read(self) -> str | None:
        try:
            value = self.client.get(REDIS_KEY)
        except Exception:  # noqa: BLE001 - any Redis failure: serve uncached, log it
            log.exception("cannot read the catalogue stamp from Redis")
            return None
        return value.decode() if value else "0"

    def write(self) -> None:
        try:
            self.client.incr(REDIS_KEY)
        except Exception:  # noqa: BLE001
            # Pages keyed by the old stamp stay until PAGE_CACHE_SECONDS; say so loudly.
            log.exception("cannot change the catalogue stamp in Redis")


class _FileStamp:
    """A random token in a file; a new token on every change (no lost updates between writers)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str | None:
        try:
            return self.path.read_text() or "0"
        except FileNotFoundError:
            return "0"
        except OSError:
            log.exception("cannot read the catalogue stamp %s", self.path)
            return None

    def write(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".stamp-")
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(8))
            os.replace(tmp, self.path)  # atomic: readers see the old token or the new one
        except OSError:
            log.exception("cannot write the catalogue stamp %s", self.path)
