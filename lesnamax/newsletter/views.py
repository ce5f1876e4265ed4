"""The unsubscribe link of every campaign message (RFC 8058).

GET shows a page with one button (a link opened by a mail scanner must not unsubscribe
anyone); POST unsubscribes at once, with no login and no confirmation page: the mail client's
one-click POST carries no CSRF token and no session, and the signed token is what
authenticates it (so the view is CSRF-exempt and allowed cross-site, lesnamax/security.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, make_response, render_template
from werkzeug.exceptions import NotFound

from ..extensions import csrf
from ..i18n import _l
from ..shoptime import shop_today
from ..web import visit
from . import services

bp = Blueprint("newsletter", __name__)

BAD_LINK = _l("This unsubscribe link is not valid. You can stop the offers in your account, "
              "under Privacy and my data, or tell us by e-mail.")


def _bad_link():
    error = NotFound()
    error.lesnamax_message = BAD_LINK  # errors.py shows it on the error page
    raise error


def _no_store(page: str):
    response = make_response(page)
    # The page names the customer's address; never cached, never indexed.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def masked(address: str) -> str:
    """"a•••@example.com": enough for the reader to know the address, not for someone the
    message was forwarded to to learn it."""
    name, _at, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}"


@bp.get("/newsletter/unsubscribe/<token>")
def unsubscribe(token: str):
    found = services.reader(token)
    if found is None:
        _bad_link()
    user, _campaign = found
    return _no_store(render_template("newsletter/unsubscribe.html", token=token,
                                     email=masked(user.email), done=None))


@bp.post("/newsletter/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_post(token: str):
    outcome = services.unsubscribe(token, visit(), shop_today(), datetime.now(UTC))
    if outcome is None:
        _bad_link()
    return _no_store(render_template("newsletter/unsubscribe.html", token=token, email=None,
                                     done=True))
