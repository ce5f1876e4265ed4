"""Admin: Customers (placeholder until the area is built)."""

from __future__ import annotations

from flask import render_template

from . import bp


@bp.get("/customers")
def customers():
    return render_template("admin/placeholder.html", active_page="customers")
