"""The dashboard: today's and this month's figures, what waits for action, a sales chart."""

from __future__ import annotations

from flask import render_template

from . import bp


@bp.get("/")
def dashboard():
    return render_template("admin/dashboard.html", active_page="dashboard")
