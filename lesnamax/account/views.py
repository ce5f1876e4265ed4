"""Account pages."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("")
def index():
    # Until registration exists, say so plainly instead of showing a broken link.
    return render_template("account/index.html")
