"""Security headers on every response, and the cross-origin check on every unsafe request.

The check is Go 1.25's ``net/http.CrossOriginProtection`` (docs/security.md says why it is
enough for the forms on shared catalogue pages, which carry no per-visitor token): a browser
tells where a request comes from in ``Sec-Fetch-Site`` (every browser since 2023) or, older
ones, in ``Origin``; a request from another site is refused. A client that sends neither header
is not a browser acting for someone else (curl, the bank's server), and is let through.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.exceptions import Forbidden

from .i18n import _l

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: POSTs that come from another site on purpose: the bank sends the customer's browser back to
#: the shop. The bank's signature (HASH) is what authenticates them (lesnamax/payments/views.py).
#: The newsletter's one-click unsubscribe (RFC 8058) is POSTed by the reader's mail client,
#: which may be a web page of another site; its signed token authenticates it.
CROSS_SITE_ENDPOINTS = frozenset({"payments.ok", "payments.fail", "payments.callback",
                                  "newsletter.unsubscribe_post"})
#: Forms on shared catalogue pages (lesnamax/pagecache.py): the same bytes for everybody, so no
#: per-visitor token; the cross-origin check and SameSite=Lax cookies guard them instead.
#: The stop link of a back-in-stock e-mail is authenticated by its signature (mail clients
#: POST to it for RFC 8058's one-click unsubscribe, with no page and no token).
TOKENLESS_ENDPOINTS = ("cart.add", "privacy.dismiss_notice", "account.wishlist_add",
                       "alerts.ask", "alerts.stop")
REFUSED = _l("This request came from another website, so it was refused. Please go back to the "
             "shop's page and try again.")


def cross_origin_refused() -> bool:
    """Whether this request must be refused as a cross-origin browser request (see above)."""
    if request.method in SAFE_METHODS or request.endpoint in CROSS_SITE_ENDPOINTS:
        return False
    site = request.headers.get("Sec-Fetch-Site", "")
    if site:
        # "none": typed or bookmarked by the person themselves; "same-site" is another origin.
        return site not in {"same-origin", "none"}
    # Older browsers: Origin, or without it Referer (both name the page the form was on).
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    return _origin(source) not in own_origins()


def own_origins() -> set[str]:
    """This request's own origin (after ProxyFix) and the shop's public one (BASE_URL)."""
    return {_origin(request.host_url), _origin(current_app.config["BASE_URL"])}


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # "http://[::1": no origin at all, so not this shop's
        return ""
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def _check_origin():
    if cross_origin_refused():
        error = Forbidden()
        error.lesnamax_message = REFUSED  # errors.py renders it in the error page
        raise error


def register(app: Flask) -> None:
    from .extensions import csrf

    for endpoint in TOKENLESS_ENDPOINTS:
        csrf.exempt(app.view_functions[endpoint])
    # Before every other hook: a refused request costs nothing else (and not a CSRF 400).
    app.before_request_funcs.setdefault(None, []).insert(0, _check_origin)

    @app.after_request
    def headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure or app.config["SESSION_COOKIE_SECURE"]:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
