"""Request helpers more than one area's views use; core, so they need no area.

Where a request came from (``visit()``) is recorded by privacy (consents), account (logins,
changes) and checkout (the order's consent); the policy notice's cookie is set by a privacy
view and read by the page layout. A helper that needs an area's services stays in that area,
outside its views (``cart/current.py``, ``catalogue/current.py``), so a later area may use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

#: Holds the pending policy version the visitor has dismissed the notice of.
NOTICE_COOKIE = "policy_notice_dismissed"


@dataclass(frozen=True)
class Visit:
    """Where a request came from: recorded with consents, logins and changes."""

    ip: str | None
    user_agent: str = ""


def visit() -> Visit:
    """The current request's visit (behind ProxyFix, ``remote_addr`` is the client's)."""
    return Visit(ip=request.remote_addr, user_agent=request.headers.get("User-Agent", ""))
