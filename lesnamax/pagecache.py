"""Whole-page cache for catalogue pages seen by visitors who are not logged in.

A catalogue page is the same for every such visitor with the same language, address, cart size
and policy notice, except for the CSRF token in its forms. So the rendered page is kept with the
token cut out, and each visitor gets it back with their own token put in: a lookup and a string
replace instead of the queries and the template (the category page went from 3 % of a minimal
Flask page's throughput to about half; see bench/RESULTS.md).

Correctness comes from the key, not from a timer. It holds the catalogue's generation stamp
(``cache.generation``), which changes after every commit that touched a product, its stock or
pictures, a category or a policy version (watched below on the database session, so no service
can forget it); and the shop's day, so dated discounts start and end at midnight.
``PAGE_CACHE_SECONDS`` only bounds changes made behind the app's back (an operator's SQL).
Logged-in customers, visitors with a message to show and non-GET requests are never cached.

The pages themselves stay in each worker's memory (``PAGE_CACHE_BYTES``, least recently used
dropped first); only the stamp is shared, so a worker renders a page once per change.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import cache, htmx, i18n, shoptime

#: Pages the same for every anonymous visitor (given the key below).
CACHED_ENDPOINTS = frozenset({
    "catalogue.home", "catalogue.products", "catalogue.category", "catalogue.product",
    "catalogue.suggest", "catalogue.price_list", "catalogue.sitemap", "catalogue.sitemap_pages",
    "catalogue.sitemap_products", "catalogue.robots",
})
#: Tables whose rows show on those pages (policy versions: the notice of a coming change),
#: and the part of the content stamp (``cache.PARTS``) each one changes.
WATCHED_TABLES = {"product": "product", "product_image": "product", "category": "category",
                  "policy_version": "policy"}
_DROPPED_HEADERS = frozenset({"set-cookie", "content-length"})


class PageStore:
    """Least-recently-used pages with a byte budget; thread-safe for threaded workers."""

    def __init__(self, max_bytes: int, seconds: float) -> None:
        self.max_bytes, self.seconds = max_bytes, seconds
        self.pages: OrderedDict[tuple, tuple[float, bytes, list]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, list] | None:
        with self.lock:
            hit = self.pages.get(key)
            if hit is None:
                return None
            if time.monotonic() - hit[0] > self.seconds:
                self._drop(key)
                return None
            self.pages.move_to_end(key)
            return hit[1], hit[2]

    def put(self, key: tuple, body: bytes, headers: list) -> None:
        if len(body) > self.max_bytes // 4:
            return
        with self.lock:
            if key in self.pages:
                self._drop(key)
            self.pages[key] = (time.monotonic(), body, headers)
            self.size += len(body)
            while self.size > self.max_bytes:
                self._drop(next(iter(self.pages)))

    def _drop(self, key: tuple) -> None:
        self.size -= len(self.pages.pop(key)[1])


def register(app: Flask) -> None:
    if not app.config["PAGE_CACHE_SECONDS"]:
        return
    # Cut out of stored pages and filled in per visitor; random so no product text can match it.
    app.extensions["lesnamax_pages"] = (
        PageStore(app.config["PAGE_CACHE_BYTES"], app.config["PAGE_CACHE_SECONDS"]),
        f"csrf-slot-{secrets.token_hex(16)}".encode(),
    )
    # First of all request hooks: a hit skips the rate limiter's lookup (catalogue pages have no
    # limits) and loading the visitor's account (a cached page is only for nobody logged in).
    app.before_request_funcs.setdefault(None, []).insert(0, _serve)
    app.after_request(_store)


def _key() -> tuple | None:
    """Return the cache key of this request, or None when its page must be rendered afresh."""
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS:
        return None
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if "_user_id" in session or "_flashes" in session or remember in request.cookies:
        return None
    from .templating import policy_notice

    return cache_key(request.full_path, i18n.current_code(), htmx.is_partial(),
                     session.get("cart_count", 0), policy_notice())


def cache_key(full_path: str, lang: str, partial: bool, cart_count: int, notice) -> tuple | None:
    """The key of a page (see the module docstring); None when the stamps cannot be read."""
    stamp = cache.generation()
    if stamp is None:
        return None
    return (stamp, shoptime.shop_today(), lang, full_path, partial, cart_count, notice)


def _serve():
    key = _key()
    if key is None:
        return None
    store, slot = current_app.extensions["lesnamax_pages"]
    hit = store.get(key)
    if hit is None:
        g.page_cache_key = key
        return None
    body, headers = hit
    if slot in body:
        body = body.replace(slot, generate_csrf().encode())
    return Response(body, headers=headers)


def _store(response: Response) -> Response:
    key = g.pop("page_cache_key", None)
    if (key is None or response.status_code != 200 or response.is_streamed
            or "_flashes" in session or "_user_id" in session):
        return response
    store, slot = current_app.extensions["lesnamax_pages"]
    body = response.get_data()
    token = g.get("csrf_token")
    if token:
        body = body.replace(token.encode(), slot)
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _DROPPED_HEADERS]
    store.put(key, body, headers)
    return response


# --- invalidation: any commit that wrote a content table gives its part a new stamp ---

def _wrote(session: Session, table: str | None) -> None:
    part = WATCHED_TABLES.get(table or "")
    if part is not None:
        session.info.setdefault("lesnamax_changed_parts", set()).add(part)


@event.listens_for(Session, "before_flush")
def _before_flush(session, flush_context, instances) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        _wrote(session, getattr(obj, "__tablename__", None))


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    # Conditional and bulk UPDATEs (stock taken by an order, CSV imports) bypass the flush.
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        _wrote(state.session, getattr(table, "name", None))


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    parts = session.info.pop("lesnamax_changed_parts", None)
    if parts and has_app_context():
        cache.bump(parts=parts)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop("lesnamax_changed_parts", None)
