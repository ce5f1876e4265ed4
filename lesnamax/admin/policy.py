"""Admin: Privacy policy (placeholder until the area is built)."""

from __future__ import annotations

from flask import render_template

from . import bp


@bp.get("/policy")
def policies():
    return render_template("admin/placeholder.html", active_page="policies")
