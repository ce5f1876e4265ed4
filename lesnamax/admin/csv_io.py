"""Admin: products as CSV. Export (streamed), and import in two steps: check, then confirm.

Between the steps the uploaded file waits under ``IMPORT_DIR`` with a random name that also
carries the admin's id; only its token is kept, in this admin's (signed) session.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import date
from pathlib import Path

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import htmx
from ..catalogue import csv_io as service
from ..catalogue import vocab
from ..catalogue.services import category_tree
from . import bp, current_actor

SESSION_KEY = "csv_import"
UPLOAD_MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@bp.get("/csv")
def csv():
    return _page()


@bp.get("/csv/export")
def csv_export():
    chunks = service.export_csv(current_actor())
    response = Response((c.encode("utf-8") for c in chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="lesnamax-produktet-{date.today().isoformat()}.csv"')
    return response


@bp.post("/csv/import")
def csv_upload():
    upload = request.files.get("file")
    data = upload.read() if upload and upload.filename else None
    plan = service.plan_import(data, current_app.config["CSV_MAX_ROWS"])
    if plan.problem_count:
        return _answer(422, plan=plan)
    _forget_upload()
    session[SESSION_KEY] = store_upload(_folder(), current_user.id, data)
    return _answer(200, plan=plan, review=True)


@bp.post("/csv/confirm")
def csv_confirm():
    data = load_upload(_folder(), current_user.id, session.get(SESSION_KEY))
    if data is None:
        return _done(_("There is nothing to import any more: please upload the file again."),
                     "warning", 409)
    expected = request.form.get("expected", "")
    counts = tuple(int(n) for n in expected.split(":")) if re.fullmatch(r"\d+:\d+", expected) \
        else None
    try:
        plan = service.apply_import(data, current_app.config["CSV_MAX_ROWS"], counts,
                                    current_actor())
    except service.ImportRefused as refused:
        if refused.changed and not refused.plan.problem_count:
            # Same file, but the catalogue moved on: show the new numbers and ask again.
            return _answer(409, plan=refused.plan, review=True, changed=True)
        _forget_upload()
        return _answer(422, plan=refused.plan)
    _forget_upload()
    new, updated = plan.counts
    return _done(_("Import finished: %(new)s new products, %(updated)s updated, %(same)s "
                   "unchanged.", new=new, updated=updated, same=plan.unchanged), "success", 200)


@bp.post("/csv/cancel")
def csv_cancel():
    _forget_upload()
    return _done(_("The import was cancelled; nothing was changed."), "success", 200)


def _page(status: int = 200, **context):
    return render_template("admin/csv/index.html", active_page="csv", columns=service.COLUMNS,
                           required=service.REQUIRED, materials=vocab.MATERIALS,
                           colours=vocab.COLOURS, categories=category_tree().all,
                           **context), status


def _answer(status: int, **context):
    if htmx.is_partial():
        return render_template("admin/csv/_csv_import.html", **context), status
    return _page(status, **context)


def _done(message: str, kind: str, status: int):
    """End of the flow: htmx gets the fresh import panel with the message, others a redirect."""
    if htmx.is_partial():
        return render_template("admin/csv/_csv_import.html", message=message, kind=kind), status
    flash(message, kind)
    return redirect(url_for("admin.csv"), 303)


def _folder() -> str:
    return current_app.config["IMPORT_DIR"]


def _forget_upload() -> None:
    discard_upload(_folder(), current_user.id, session.pop(SESSION_KEY, None))


def store_upload(directory: str, owner_id: int, data: bytes) -> str:
    """Save ``data`` under a random name tied to ``owner_id``; return its token."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    cutoff = time.time() - UPLOAD_MAX_AGE
    for old in folder.glob("*.csv"):  # abandoned uploads do not pile up
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    _path(directory, owner_id, token).write_bytes(data)
    return token


def load_upload(directory: str, owner_id: int, token: str | None) -> bytes | None:
    path = _path(directory, owner_id, token) if token and _TOKEN.match(token) else None
    return path.read_bytes() if path is not None and path.is_file() else None


def discard_upload(directory: str, owner_id: int, token: str | None) -> None:
    if token and _TOKEN.match(token):
        _path(directory, owner_id, token).unlink(missing_ok=True)


def _path(directory: str, owner_id: int, token: str) -> Path:
    return Path(directory) / f"{int(owner_id)}-{token}.csv"
