"""Error pages: translated, full page or htmx partial, never a stack trace."""

from __future__ import annotations

from flask import render_template, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException, InternalServerError

from . import htmx
from .extensions import db
from .i18n import _l

TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("The upload is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
MESSAGES = {
    400: _l("The request could not be understood. Please check what you entered and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("The page you are looking for does not exist or has been moved."),
    405: _l("This address does not accept that kind of request."),
    413: _l("The file you sent is larger than we accept."),
    429: _l("Too many attempts. Please wait a little and try again."),
    500: _l("Something went wrong on our side. Please try again in a moment."),
}


def render_error(code: int, message: str | None = None):
    """Render the error page (or its partial for htmx) with status ``code``."""
    template = "errors/_error.html" if htmx.is_htmx() else "errors/error.html"
    title = TITLES.get(code, TITLES[500])
    body = message or MESSAGES.get(code, MESSAGES[500])
    return render_template(template, code=code, title=title, message=body), code


def register(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # A 400 raised with our own translated text keeps it; Werkzeug's English text does not.
        message = getattr(error, "lesnamax_message", None)
        return render_error(error.code, message)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        if request.endpoint == "account.login":
            from .account.views import login_rate_limited

            return login_rate_limited()
        if request.endpoint == "contact.contact":
            from .contact.views import rate_limited as contact_rate_limited

            return contact_rate_limited()
        if request.endpoint == "alerts.ask":
            from .account.alert_views import rate_limited as alert_rate_limited

            answer = alert_rate_limited()
            if answer is not None:
                return answer
        return render_error(429)

    @app.errorhandler(InternalServerError)
    def server_error(_error):
        db.session.rollback()
        return render_error(500)
