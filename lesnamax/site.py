"""Site-wide routes: language switch, the header's personal links and the health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import text

from .extensions import db
from .i18n import COOKIE, COOKIE_MAX_AGE, LOCALES
from .text import CONTROL

bp = Blueprint("site", __name__)

#: The largest number a URL may carry (``<int:…>``): ids are PostgreSQL ``integer`` columns,
#: and SQLite raises on anything past 2**63 - 1 instead of finding nothing.
MAX_URL_NUMBER = 2**31 - 1


@bp.app_url_value_preprocessor
def _values_that_can_exist(_endpoint, values) -> None:
    # Every route of the app, in one place: a new route cannot forget it. No id is that large,
    # and no slug, order number or token holds a control character (PostgreSQL refuses a NUL
    # in a query outright: a 500 instead of "not found").
    for value in (values or {}).values():
        if isinstance(value, int) and value > MAX_URL_NUMBER:
            abort(404)
        if isinstance(value, str) and CONTROL.search(value):
            abort(404)


def safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the home page (no open redirect).

    Control characters are refused too: a newline in a Location header is a 500 (Werkzeug
    refuses to send it), found by wapiti's crlf module in ``make audit``.
    """
    if target and not CONTROL.search(target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("catalogue.home")


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in LOCALES:
        abort(404)
    response = redirect(safe_next(request.args.get("next")), 303)
    # Secure like the session cookie: only over HTTPS when the shop is served over HTTPS.
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/header/me")
def header_me():
    """The header's personal links (account, cart count) for shared catalogue pages, which
    hold none (lesnamax/pagecache.py); answered ``private, no-store`` like every personal page."""
    return render_template("_header_me.html")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
