"""Admin: Orders (placeholder until the area is built)."""

from __future__ import annotations

from flask import render_template

from . import bp


@bp.get("/orders")
def orders():
    return render_template("admin/placeholder.html", active_page="orders")
