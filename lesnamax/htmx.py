"""The one place that touches htmx-flask: it reads ``HX-*`` request headers and writes htmx
response headers. Views call the helpers here, never ``request.htmx`` or an ``HX-`` header
themselves, so a change of htmx (version 4's ``HX-Request-Type``) or of the package is one
edit in this file.

htmx-flask replaces ``app.request_class`` with its own ``HtmxAwareRequest`` (it subclasses
Flask's, and nothing else in the shop sets a request class).
"""

from __future__ import annotations

from typing import Literal

from flask import Flask, Response, render_template, request
from htmx_flask import Htmx
from htmx_flask import make_response as htmx_response
from htmx_flask.constants import RESWAPS

#: Every swap style htmx 2 knows (the first word of an ``HX-Reswap`` value).
SWAP_STYLES = frozenset({"innerHTML", "outerHTML", "textContent", "beforebegin", "afterbegin",
                         "beforeend", "afterend", "delete", "none"})


def register(app: Flask) -> None:
    Htmx(app)


def is_htmx() -> bool:
    """Return True for any request sent by htmx."""
    return bool(request.htmx)


def is_partial() -> bool:
    """Return True when htmx wants a fragment, not a whole page.

    Boosted links and history restores (cache misses after "back") need the full page.
    """
    headers = request.htmx
    return bool(headers) and not headers.boosted and not headers.history_restore_request


def page_or_partial(page: str, partial: str, /, **context) -> Response:
    """Render ``partial`` for htmx and ``page`` otherwise, varying the cache on HX-Request."""
    template = partial if is_partial() else page
    return vary(respond(render_template(template, **context)))


def vary(response: Response) -> Response:
    """Mark ``response`` as depending on whether htmx asked (a fragment or the whole page)."""
    response.vary.add("HX-Request")
    return response


def respond(*args, trigger: str | dict | None = None, redirect: str | None = None,
            retarget: str | None = None, reswap: str | None = None,
            push_url: str | Literal[False] | None = None, refresh: bool = False) -> Response:
    """``flask.make_response(*args)`` plus the htmx response headers asked for.

    ``trigger`` is an event name or a dict of events and their details (HX-Trigger);
    ``redirect`` a URL htmx loads as a whole page (HX-Redirect); ``retarget`` a CSS selector
    (HX-Retarget); ``reswap`` a swap style with optional modifiers (HX-Reswap); ``push_url``
    a URL, or False to keep the address bar (HX-Push-Url); ``refresh`` reloads the page.
    """
    style = reswap.split()[0] if reswap and reswap.strip() else None
    if reswap is not None and style not in SWAP_STYLES:
        raise ValueError(f"not an htmx swap style: {reswap!r}")
    # htmx-flask 0.1.0 accepts only the exact values of its RESWAPS list, where a missing comma
    # glued "beforebegin" and "afterbegin" into one word, and it knows no modifiers
    # ("innerHTML swap:1s") nor textContent: those values are set here, not through it.
    passed = reswap if reswap in RESWAPS else None
    response = htmx_response(*args, trigger=trigger, redirect=redirect, retarget=retarget,
                             reswap=passed, push_url=push_url, refresh=refresh)
    if reswap is not None and passed is None:
        response.headers["HX-Reswap"] = reswap
    return response
