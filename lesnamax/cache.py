"""Caches: a small per-process cache with a time limit, and the content's generation stamps.

``remember`` keeps answers that change rarely for a bounded time (cachetools' ``TLRUCache``, per
process); use it only where a slightly old answer is harmless, or key the answer by a stamp.

The generation stamps change whenever the content changes: one part per kind of content
(``PARTS``: products with their stock and pictures, categories, privacy policy versions, the
shop's settings and stores;
``pagecache.WATCHED_TABLES`` says which table is which). Everything cached from them is keyed by
the parts it shows, so every worker of every app server sees a change at once, and a sale
(stock) does not throw away the category menu or the policy state. The stamps live in Redis when
``REDIS_URL`` is set (shared by all app servers), else in a small file next to the SQLite
database (shared by the workers of one machine).
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import TypeVar

from cachetools import TLRUCache
from flask import Flask, current_app, g, has_app_context

T = TypeVar("T")
#: Entries kept per process before the oldest are dropped.
MAX_ENTRIES = 512
REDIS_KEY = "lesnamax:catalogue-generation"
#: The kinds of content that change independently.
#: "settings": the shop's settings and stores (lesnamax/shopsettings.py), in every page's footer.
PARTS = ("product", "category", "policy", "settings")
log = logging.getLogger(__name__)


def remember(key: Hashable, seconds: float, compute: Callable[[], T]) -> T:
    """Return the cached value for ``key``, computing it when missing or older than ``seconds``."""
    store = _store(current_app)
    with store.lock:
        hit = store.values.get(key)
    if hit is not None:
        return hit[1]
    value = compute()
    with store.lock:
        store.values[key] = (seconds, value)
    return value


def forget(prefix: str) -> None:
    """Drop every entry whose key is a tuple starting with ``prefix``."""
    store = _store(current_app)
    with store.lock:
        for key in [k for k in store.values if isinstance(k, tuple) and k and k[0] == prefix]:
            store.values.pop(key, None)


class _Store:
    """cachetools' time-aware LRU: each entry lives as long as its ``remember`` call said."""

    def __init__(self) -> None:
        self.values = TLRUCache(MAX_ENTRIES, ttu=lambda _key, hit, now: now + hit[0])
        self.lock = threading.Lock()  # cachetools caches are not thread-safe themselves


def _store(app: Flask) -> _Store:
    store = app.extensions.get("lesnamax_cache")
    if store is None:
        store = app.extensions["lesnamax_cache"] = _Store()
    return store


def generation(*parts: str) -> str | None:
    """Return the current stamp of ``parts`` (all of them if none given); None if unreadable.

    The stamps are read once per request, in one Redis round trip. None means "do not cache":
    a Redis outage must slow the shop down, not make it stale.
    """
    if "catalogue_generation" not in g:
        g.catalogue_generation = _stamp(current_app).read()
    stamps = g.catalogue_generation
    if stamps is None:
        return None
    return ":".join(stamps[part] for part in (parts or PARTS))


def bump(app: Flask | None = None, parts: Iterable[str] = PARTS) -> None:
    """Give ``parts`` a new stamp: every page and fragment cached from them is now stale."""
    app = app or current_app._get_current_object()
    _stamp(app).write(sorted(parts))
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

    def read(self) -> dict[str, str] | None:
        try:
            values = self.client.mget([f"{REDIS_KEY}:{part}" for part in PARTS])
        except Exception:  # noqa: BLE001 - any Redis failure: serve uncached, log it
            log.exception("cannot read the catalogue stamps from Redis")
            return None
        pairs = zip(PARTS, values, strict=True)
        return {part: value.decode() if value else "0" for part, value in pairs}

    def write(self, parts: list[str]) -> None:
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for part in parts:
                    pipe.incr(f"{REDIS_KEY}:{part}")
                pipe.execute()
        except Exception:  # noqa: BLE001
            # Pages keyed by the old stamp stay until PAGE_CACHE_SECONDS; say so loudly.
            log.exception("cannot change the catalogue stamps in Redis")


class _FileStamp:
    """One token per part, all in one small file: one look per request.

    Writers change their parts under an exclusive lock (read, change, write a new file, rename
    it over the old one), so two writers never lose each other's change; readers need no lock,
    as the rename makes them see the old file or the new one, whole. Every write is a new file,
    so a reader still holding the file it read last (an open descriptor, so that its inode
    cannot be given to a newer file) knows the tokens while the path names that same file: a
    stat costs a tenth of an open and a read. Sizes and times cannot tell files apart: every
    stamp file has the same size, and older kernels tick file times every few milliseconds.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self.held: tuple[int, tuple[int, int], dict[str, str]] | None = None
        self.lock = threading.Lock()

    def read(self) -> dict[str, str] | None:
        try:
            found = os.stat(self.path)
        except OSError:
            return self._read()
        held = self.held
        if held is not None and held[1] == (found.st_dev, found.st_ino):
            return held[2]
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return self._read()
        try:
            opened = os.fstat(fd)
            stamps = self._parse(os.read(fd, 4096).decode())
        except (OSError, UnicodeDecodeError):
            os.close(fd)
            log.exception("cannot read the catalogue stamp %s", self.path)
            return None
        with self.lock:
            old, self.held = self.held, (fd, (opened.st_dev, opened.st_ino), stamps)
        if old is not None:
            os.close(old[0])
        return stamps

    def __del__(self) -> None:
        held = getattr(self, "held", None)
        if held is not None:
            try:
                os.close(held[0])
            except OSError:
                pass

    def _read(self) -> dict[str, str] | None:
        try:
            tokens = self.path.read_text().split()
        except FileNotFoundError:
            tokens = []
        except OSError:
            log.exception("cannot read the catalogue stamp %s", self.path)
            return None
        return self._parse(" ".join(tokens))

    @staticmethod
    def _parse(text: str) -> dict[str, str]:
        tokens = text.split()
        if len(tokens) != len(PARTS):  # none yet, or a file from before there were parts
            tokens = ["".join(tokens) or "0"] * len(PARTS)
        return dict(zip(PARTS, tokens, strict=True))

    def write(self, parts: list[str]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.lock_path, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
                stamps = self._read() or dict.fromkeys(PARTS, "0")  # fresh, under the lock
                stamps.update({part: secrets.token_hex(8) for part in parts})
                fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".stamp-")
                with os.fdopen(fd, "w") as handle:
                    handle.write(" ".join(stamps[part] for part in PARTS))
                os.replace(tmp, self.path)  # atomic: readers see the old file or the new one
        except OSError:
            log.exception("cannot write the catalogue stamp %s", self.path)
