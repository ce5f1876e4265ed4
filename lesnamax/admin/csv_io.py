"""Admin: products as CSV. Export (streamed), and import in two steps: check, then confirm.

Between the steps the file waits in the import folder (``catalogue.csv.apply``); only its
token is kept, in this admin's (signed) session.
"""

from __future__ import annotations

import re

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
from flask_babel import ngettext
from flask_login import current_user

from .. import htmx
from ..catalogue import vocab
from ..catalogue.csv import apply as csv_apply
from ..catalogue.csv import export as products_csv
from ..catalogue.csv import plan as csv_plan
from ..catalogue.services import category_tree
from ..shoptime import shop_today
from . import bp, current_actor

SESSION_KEY = "csv_import"


@bp.get("/csv")
def csv():
    return _page()


@bp.get("/csv/export")
def csv_export():
    chunks = products_csv.export_csv(current_actor())
    response = Response((c.encode("utf-8") for c in chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="lesnamax-produktet-{shop_today().isoformat()}.csv"')
    return response


@bp.post("/csv/import")
def csv_upload():
    upload = request.files.get("file")
    data = upload.read() if upload and upload.filename else None
    plan, token = csv_apply.check_upload(_folder(), current_user.id, data, _max_rows(),
                                         session.get(SESSION_KEY))
    if token is None:
        return _answer(422, plan=plan)
    session[SESSION_KEY] = token
    return _answer(200, plan=plan, review=True)


@bp.post("/csv/confirm")
def csv_confirm():
    expected = request.form.get("expected", "")
    # Nine digits are more products than any shop has, and int() of thousands of digits
    # raises (Python's limit on int from text) instead of saying what is wrong.
    if expected and not re.fullmatch(r"\d{1,9}:\d{1,9}", expected):
        return _answer(400, message=_("The confirmation was not understood: please check the "
                                      "file again."), kind="warning")
    counts = tuple(int(n) for n in expected.split(":")) if expected else None
    try:
        plan = csv_apply.confirm_upload(_folder(), current_user.id, session.get(SESSION_KEY),
                                        _max_rows(), counts, current_actor())
    except csv_apply.NothingToImport:
        return _done(_("There is nothing to import any more: please upload the file again."),
                     "warning", 409)
    except csv_apply.StockChanged as moved:
        session.pop(SESSION_KEY, None)
        return _done(_("Nothing was saved: the stock of these products changed since the file "
                       "was checked (stock now in brackets): %(skus)s. Check their stock in "
                       "the file and upload it again.", skus=moved.named()), "warning", 409)
    except csv_apply.ImportRefused as refused:
        if refused.changed and not refused.plan.problem_count:
            # Same file, but the catalogue moved on: show the new numbers and ask again.
            return _answer(409, plan=refused.plan, review=True, changed=True)
        session.pop(SESSION_KEY, None)
        return _answer(422, plan=refused.plan)
    session.pop(SESSION_KEY, None)
    new, updated = plan.counts
    # One plural form per count ("1 produkt i ri", "2 produkte të reja"), then the sentence.
    return _done(_("Import finished: %(new)s, %(updated)s, %(same)s.",
                   new=ngettext("%(num)d new product", "%(num)d new products", new),
                   updated=ngettext("%(num)d updated", "%(num)d updated", updated),
                   same=ngettext("%(num)d unchanged", "%(num)d unchanged", plan.unchanged)),
                 "success", 200)


@bp.post("/csv/cancel")
def csv_cancel():
    _forget_upload()
    return _done(_("The import was cancelled; nothing was changed."), "success", 200)


def _page(status: int = 200, **context):
    return render_template("admin/csv/index.html", active_page="csv", columns=csv_plan.COLUMNS,
                           required=csv_plan.REQUIRED, materials=vocab.MATERIALS,
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


def _max_rows() -> int:
    return current_app.config["CSV_MAX_ROWS"]


def _forget_upload() -> None:
    csv_apply.discard_upload(_folder(), current_user.id, session.pop(SESSION_KEY, None))
