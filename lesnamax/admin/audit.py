"""The audit trail page."""

from __future__ import annotations

from flask import render_template

from . import bp


@bp.get("/audit")
def audit():
    return render_template("admin/audit.html", active_page="audit")
