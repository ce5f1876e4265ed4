"""Admin: messages sent through /contact, with a "handled" mark (both audited)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..contact import manage
from . import bp, current_actor

MAX_PAGE = 10_000


@bp.get("/messages")
def messages():
    shown = request.args.get("shown", "open")
    if shown not in manage.SHOWN:
        abort(400)
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    found = manage.listing(shown, page, current_actor())
    return render_template("admin/messages/list.html", active_page="messages", found=found,
                           shown=shown)


@bp.post("/messages/<int:message_id>/handled")
def message_handled(message_id: int):
    handled = request.form.get("handled", "1")
    if handled not in ("0", "1"):
        abort(400)
    message = manage.set_handled(message_id, handled == "1", current_actor())
    if message is None:
        abort(404)
    flash(_("The message is marked as handled.") if handled == "1"
          else _("The message is open again."), "success")
    shown = request.form.get("shown", "open")
    # Back to the page the owner was reading (a page past the end shows the last one).
    page = min(max(request.form.get("page", 1, type=int), 1), MAX_PAGE)
    return redirect(url_for("admin.messages", shown=shown if shown in manage.SHOWN else "open",
                            page=page), 303)
