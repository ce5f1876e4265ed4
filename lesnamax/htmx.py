"""The one place that reads ``HX-*`` request headers and builds htmx responses.

We keep this to a few lines of our own instead of the htmx-flask package: that package
replaces ``app.request_class`` (which clashes with other extensions) and its 0.1.0 release
rejects valid swap values. A move to htmx 4 (``HX-Request-Type``) is one edit here.
"""

from __future__ import annotations

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    """Return True for any request sent by htmx."""
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """Return True when htmx wants a fragment, not a whole page."""
    return wants_partial(request.headers)


def wants_partial(headers) -> bool:
    """``is_partial`` for any request's headers (the page cache's WSGI layer has no Flask one).

    Boosted links and history restores (cache misses after "back") need the full page.
    """
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def page_or_partial(page: str, partial: str, /, **context) -> Response:
    """Render ``partial`` for htmx and ``page`` otherwise, varying the cache on HX-Request."""
    template = partial if is_partial() else page
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response
