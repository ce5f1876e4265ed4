"""Catalogue pages are the same bytes for every visitor: kept in memory, tagged, revalidated.

A catalogue page (``SHARED_ENDPOINTS``) shows nothing of the visitor: no CSRF token (its POSTs,
add to cart and closing the policy notice, are guarded by the origin check in
``lesnamax/security.py``), no cart count and no account name (``GET /header/me`` fills those
in). So one rendered page serves everybody with the same address, language, htmx kind and
policy-notice state, through plain HTTP: an ``ETag`` with ``Cache-Control: no-cache`` (every
use is revalidated, a ``304`` costs no query and no template), and nginx's ``proxy_cache`` in
front (deploy/nginx/lesnamax.conf keys on the same things).

Correctness comes from the key, not from a timer. It holds the content's generation stamp
(``cache.generation``), which changes after every commit that touched a product, its stock or
pictures, a category, a policy version, the shop's settings or stores (every footer shows
them): watched below on the database session, so no service can forget it; and the shop's day,
so dated discounts start and end at midnight.
``PAGE_CACHE_SECONDS`` only bounds changes made behind the app's back (an operator's SQL).

A page that carries a message (a flash) is personal: it is rendered afresh, marked
``private, no-store``, and the ``lm_flash`` cookie set while a message waits tells nginx to let
such requests through. Every other dynamic answer (cart, account, checkout, the header partial)
is ``private, no-store`` too. The pages stay in each worker's memory (cachetools, a byte budget
of ``PAGE_CACHE_BYTES``); only the stamp is shared, so a worker renders a page once per change.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from cachetools import TTLCache
from flask import Flask, Response, current_app, g, has_app_context, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import cache, htmx, i18n, shoptime
from .config import ROOT
from .web import NOTICE_COOKIE

#: Pages the same for every visitor (given the key below).
SHARED_ENDPOINTS = frozenset({
    "catalogue.home", "catalogue.products", "catalogue.category", "catalogue.product",
    "catalogue.suggest", "catalogue.price_list", "catalogue.sitemap", "catalogue.sitemap_pages",
    "catalogue.sitemap_products", "catalogue.robots", "catalogue.stores",
})
#: Tables whose rows show on those pages (policy versions: the notice of a coming change),
#: and the part of the content stamp (``cache.PARTS``) each one changes.
WATCHED_TABLES = {"product": "product", "product_image": "product", "category": "category",
                  "policy_version": "policy", "shop_settings": "settings", "store": "settings",
                  "instalment_plan": "settings"}
#: Set while a message waits in the session, so nginx lets the next page through to the app.
FLASH_COOKIE = "lm_flash"
#: Shared pages: any cache may keep them, but must ask (ETag) before each use.
SHARED = "no-cache"
PERSONAL = "private, no-store"
_DROPPED_HEADERS = frozenset({"set-cookie", "content-length", "date"})
#: Endpoints whose answers set their own caching (files that never change, pictures).
_OWN_CACHING = frozenset({"static", "media.product_image"})


class PageStore:
    """Rendered pages by key, least recently used dropped past the byte budget; thread-safe."""

    def __init__(self, max_bytes: int, seconds: float) -> None:
        self.max_bytes = max_bytes
        self.pages = TTLCache(maxsize=max_bytes, ttl=seconds, getsizeof=lambda hit: len(hit[0]))
        self.lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, list] | None:
        with self.lock:
            return self.pages.get(key)

    def put(self, key: tuple, body: bytes, headers: list) -> None:
        if len(body) > self.max_bytes // 4:  # one page must not push out dozens
            return
        with self.lock:
            self.pages[key] = (body, headers)


def release(app: Flask, root: Path = ROOT) -> str:
    """A short digest of what renders the pages besides the data: the code, templates,
    translations and static files (names, sizes, times) and the shop's address. A new release
    gives every page a new tag, so browsers and nginx do not keep the old HTML by revalidating
    it (a stamp or the day would only change later)."""
    digest = hashlib.blake2b(app.config["BASE_URL"].encode(), digest_size=8)
    for folder in ("lesnamax", "templates", "translations", "static"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found = path.stat()
                digest.update(f"{path.relative_to(root)}|{found.st_size}|{found.st_mtime_ns}"
                              .encode())
    return digest.hexdigest()


def register(app: Flask) -> None:
    app.extensions["lesnamax_release"] = release(app)
    if app.config["PAGE_CACHE_SECONDS"]:
        app.extensions["lesnamax_pages"] = PageStore(app.config["PAGE_CACHE_BYTES"],
                                                     app.config["PAGE_CACHE_SECONDS"])
    # First of all request hooks: a hit skips the rate limiter's lookup (catalogue pages have no
    # limits) and loading the visitor's account (the page is the same for them).
    app.before_request_funcs.setdefault(None, []).insert(0, _serve)
    app.after_request(_finish)
    app.add_template_global(is_shared, "shared_page")


def is_shared() -> bool:
    """Whether this request's answer is a shared page (templates leave out personal bits)."""
    return g.get("shared_page", False)


def _user_language_unknown() -> bool:
    # A customer's own language counts only when no ?lang= or cookie says otherwise; it needs
    # their account loaded, so such a request is rendered (and its cookie set, see _finish).
    return ("_user_id" in session and request.args.get("lang") not in i18n.LOCALES
            and request.cookies.get(i18n.COOKIE) not in i18n.LOCALES)


def _serve():
    if (request.method not in ("GET", "HEAD") or request.endpoint not in SHARED_ENDPOINTS
            or "_flashes" in session):
        return None
    g.shared_page = True
    if _user_language_unknown():
        return None
    key = g.page_key = page_key()
    if key is None:
        return None
    # Weak comparison (RFC 9110): nginx's gzip turns the tag into W/"…".
    if request.if_none_match.contains_weak(etag_of(key)):
        return _tagged(Response(status=304), key)
    store = current_app.extensions.get("lesnamax_pages")
    hit = store.get(key) if store is not None else None
    if hit is None:
        return None
    g.page_served = True
    return Response(hit[0], headers=hit[1])


def page_key() -> tuple | None:
    """The key of this request's page (see the module docstring); None without the stamps.

    The policy notice is keyed on what decides it (the policy stamp, the day and the
    dismissal cookie) rather than decided here: that costs more than the rest of a hit, and
    a visitor who dismissed an older notice only makes one more key for the same page.
    """
    stamp = cache.generation()
    if stamp is None:
        return None
    # The account's language (g.user_lang) is known only once the page was rendered for it:
    # _serve never answers such a visitor, and _finish stores under the language it rendered.
    return (current_app.extensions["lesnamax_release"], stamp, shoptime.shop_today(),
            i18n.choose_code(request, g.get("user_lang")),
            request.path,
            request.query_string, request.cookies.get(NOTICE_COOKIE), htmx.is_partial())


def etag_of(key: tuple) -> str:
    return hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()


def _tagged(response: Response, key: tuple | None) -> Response:
    if key is not None:
        response.set_etag(etag_of(key))
    response.headers["Cache-Control"] = SHARED
    # Language comes from ?lang=, the cookie or Accept-Language; htmx asks for fragments.
    response.vary.update(("Accept-Language", "Cookie"))
    if request.endpoint in {"catalogue.products", "catalogue.category", "catalogue.suggest"}:
        htmx.vary(response)
    return response


def _finish(response: Response) -> Response:
    _flash_cookie(response)
    _language_cookie(response)
    if not is_shared():
        if request.endpoint not in _OWN_CACHING and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = PERSONAL
        return response
    if response.status_code == 304 or g.pop("page_served", False):
        return response
    if "_flashes" in session:  # flashed while rendering: never a page for someone else
        response.headers["Cache-Control"] = PERSONAL
        return response
    if response.status_code != 200 or response.is_streamed:
        # Not kept here (nothing personal in it either): any cache must ask again.
        response.headers.setdefault("Cache-Control", SHARED)
        response.vary.update(("Accept-Language", "Cookie"))
        return response
    key = g.get("page_key") or page_key()
    _tagged(response, key)
    store = current_app.extensions.get("lesnamax_pages")
    if key is not None and store is not None:
        headers = [(k, v) for k, v in response.headers.items()
                   if k.lower() not in _DROPPED_HEADERS]
        store.put(key, response.get_data(), headers)
    return response


def _flash_cookie(response: Response) -> None:
    waiting = "_flashes" in session
    if waiting and FLASH_COOKIE not in request.cookies:
        response.set_cookie(FLASH_COOKIE, "1", httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    elif not waiting and FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, httponly=True, samesite="Lax",
                               secure=current_app.config["SESSION_COOKIE_SECURE"])


def _language_cookie(response: Response) -> None:
    # A customer's language, once known, goes into the language cookie: shared caches (nginx)
    # key on the cookie and cannot see whose session it is.
    language = g.get("user_lang")
    chosen = any(c.startswith(f"{i18n.COOKIE}=") for c in response.headers.getlist("Set-Cookie"))
    if (language in i18n.LOCALES and not chosen
            and request.cookies.get(i18n.COOKIE) not in i18n.LOCALES):
        response.set_cookie(i18n.COOKIE, language, max_age=i18n.COOKIE_MAX_AGE, samesite="Lax",
                            httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])


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
