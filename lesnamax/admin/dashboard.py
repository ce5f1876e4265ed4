"""The dashboard: today's and this month's figures, what waits for action (orders to
deliver or mark delivered among it), a sales chart."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, render_template

from .. import outbox, shoptime
from ..orders import reports
from ..payments.manage import double_charges
from ..returns import manage as returns
from . import bp, chart


@bp.get("/")
def dashboard():
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    figures = reports.dashboard(datetime.now(UTC), zone)
    # E-mails still waiting (the mail server may be down) and given up after every retry:
    # the only place the owner learns that customers did not get a message.
    now = shoptime.now()
    return render_template("admin/dashboard.html", active_page="dashboard", figures=figures,
                           chart=chart.bar_chart(figures.days), double=double_charges(),
                           mail=outbox.counts(), returns=returns.waiting(now),
                           overdue=reports.overdue(now, reports.overdue_days()))
