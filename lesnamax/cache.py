"""A small per-process cache with a time limit, for answers that change rarely.

Staleness is bounded by ``seconds``; use it only where a slightly old answer is harmless
(a material filter that lists a material a minute longer, say).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
#: Entries kept per process before the oldest are dropped.
MAX_ENTRIES = 512


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
