"""Page-cache hits for returning visitors, answered in front of Flask (a WSGI layer).

A hit costs a lookup and a token swap, yet going through Flask's request handling (request
context, session, Babel, Flask-Login, the limiter, every hook) cost twice that and more
(bench/RESULTS.md). Here a hit is answered from the WSGI environ alone, with the same key and
the same bytes as ``pagecache._serve``; anything else goes on to Flask unchanged.

Only requests that would certainly be a plain hit are taken: a GET with no "remember me"
cookie from a visitor whose signed session cookie is valid, holds a CSRF token already and has
no login and no message, or from a first visitor (no session cookie at all). A first visitor
gets what Flask would give them: a new session holding a new CSRF token, saved into the cookie
by Flask's own session interface. ``tests/test_fast_pages.py`` compares both paths answer by
answer.
"""

from __future__ import annotations

import logging
import secrets
import time

from flask import Flask
from flask.sessions import SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Request, Response

from . import htmx, i18n, pagecache
from .cache import Lru

#: Checked session cookies kept per process (each a few hundred bytes).
SESSIONS_KEPT = 4096
log = logging.getLogger(__name__)


class FastPages:
    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app, self.wsgi_app = app, wsgi_app
        config = app.config
        self.sessions = app.session_interface.get_signing_serializer(app)
        self.session_cookie = config["SESSION_COOKIE_NAME"]
        self.session_max_age = int(app.permanent_session_lifetime.total_seconds())
        self.remember_cookie = config.get("REMEMBER_COOKIE_NAME", "remember_token")
        # As flask_wtf.csrf.generate_csrf signs the session's raw token.
        self.csrf = URLSafeTimedSerializer(config.get("WTF_CSRF_SECRET_KEY") or app.secret_key,
                                           salt="wtf-csrf-token")
        self.csrf_field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        # Checked sessions by their exact cookie text: a visitor sends the same cookie page
        # after page, so its signature is verified once, not on every page.
        self.checked = Lru(SESSIONS_KEPT)
        self.paths: tuple[frozenset, tuple] | None = None  # from the URL map, at first use

    def __call__(self, environ, start_response):
        response = None
        if environ.get("REQUEST_METHOD") == "GET":
            try:
                response = self._hit(environ)
            except Exception:  # noqa: BLE001 - a shortcut must never cost an answer
                log.exception("the fast page layer failed; Flask answers instead")
        if response is None:
            return self.wsgi_app(environ, start_response)
        return response(environ, start_response)

    def _hit(self, environ) -> Response | None:
        if not self._may_be_cached(environ.get("PATH_INFO", "")):
            return None
        request = Request(environ)
        session = self._session(request)
        if session is None:
            return None
        with self.app.app_context():
            from .templating import policy_notice

            key = pagecache.cache_key(
                request.full_path, i18n.choose_code(request), htmx.wants_partial(request.headers),
                session.get("cart_count", 0), policy_notice(request.cookies))
            if key is None:
                return None
            store, slot = self.app.extensions["lesnamax_pages"]
            hit = store.get(key)
        if hit is None:
            return None
        body, headers = hit
        has_token = slot in body
        if has_token:
            body = body.replace(slot, self.csrf.dumps(session[self.csrf_field]).encode())
        response = Response(body, headers=headers)
        response.vary.add("Cookie")  # as Flask adds for a request that read the session
        if has_token and isinstance(session, SessionMixin):  # made here for a first visit
            # Flask's own code writes the new session into its cookie. A page without a form
            # (suggestions, robots.txt) makes no session in Flask either.
            self.app.session_interface.save_session(self.app, session, response)
        return response

    def _may_be_cached(self, path: str) -> bool:
        """Whether ``path`` may be a page the cache keeps: the cart, checkout, account and
        admin pages, files and the rest go straight on, without reading the stamps for a key.
        Only a shortcut: a path let through still needs a stored page to be answered here."""
        if self.paths is None:
            exact, prefixes = set(), set()
            for rule in self.app.url_map.iter_rules():
                if rule.endpoint in pagecache.CACHED_ENDPOINTS:
                    if "<" in rule.rule:
                        prefixes.add(rule.rule.split("<", 1)[0])
                    else:
                        exact.add(rule.rule)
            self.paths = (frozenset(exact), tuple(sorted(prefixes)))
        exact, prefixes = self.paths
        return path in exact or path.startswith(prefixes)

    def _session(self, request: Request) -> dict | None:
        """The visitor's session if a cached page may answer them here, else None."""
        if self.remember_cookie in request.cookies:
            return None
        raw = request.cookies.get(self.session_cookie)
        if raw is None:
            return self._first_session()
        if not raw:
            return None
        checked = self.checked.get(raw)
        if checked is None:
            try:
                session, signed = self.sessions.loads(raw, max_age=self.session_max_age,
                                                      return_timestamp=True)
            except BadSignature:
                return None
            checked = (session, signed.timestamp())
            self.checked.put(raw, checked)
        session, signed_at = checked
        if time.time() - signed_at > self.session_max_age:  # as loads(max_age=...) refuses
            return None
        # A permanent session is sent again on every request (Flask refreshes its expiry).
        if (not isinstance(session, dict) or self.csrf_field not in session
                or {"_user_id", "_flashes", "_permanent"} & session.keys()):
            return None
        return session


    def _first_session(self):
        """A new session with a CSRF token like Flask-WTF's generate_csrf makes: 40 random hex
        digits (it hashes 64 random bytes with SHA-1 into the same shape)."""
        session = self.app.session_interface.session_class()
        session[self.csrf_field] = secrets.token_hex(20)
        return session


def register(app: Flask) -> None:
    """Put the layer in front of the app when the page cache is on."""
    if "lesnamax_pages" in app.extensions and app.config.get("FAST_PAGES", True):
        app.wsgi_app = FastPages(app, app.wsgi_app)
