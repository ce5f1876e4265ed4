"""Admin: a product's pictures (upload several, reorder, describe, delete) on its edit page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import htmx
from ..catalogue import manage as catalogue
from ..catalogue import uploads
from ..i18n import current_code
from ..media import media_dir
from . import bp, current_actor
from . import product_forms as forms
from .products import render_edit


def _answer(product_id: int, status: int = 200, saved: str = "", **context):
    """htmx: the pictures section; otherwise back to the edit page (or it, with errors)."""
    try:
        product = catalogue.product_with_images(product_id)
    except catalogue.NotFound:
        abort(404)
    if htmx.is_partial():
        return render_template("admin/products/_product_images.html", product=product,
                               saved=saved, **context), status
    if status < 400:
        flash(saved, "success")
        return redirect(url_for("admin.product_edit", product_id=product_id,
                                _anchor="product-images"), 303)
    form = forms.product_form(formdata=None, data=forms.initial_data(product, current_code()))
    return render_edit(product, form, status, **context)


def _files():
    """Return ``(display name, bytes or None when too large)`` of each uploaded file."""
    limit = current_app.config["IMAGE_MAX_BYTES"]
    return [(uploads.display_name(f.filename), uploads.read_limited(f.stream, limit))
            for f in request.files.getlist("images") if f.filename or f.content_length]


def _guarded(action):
    try:
        return action()
    except catalogue.NotFound:
        abort(404)


@bp.post("/products/<int:product_id>/images")
def image_upload(product_id: int):
    _guarded(lambda: catalogue.get_product(product_id))
    try:
        added = catalogue.add_images(product_id, _files(), current_app.config["IMAGE_MAX_PIXELS"],
                                     current_app.config.get("IMAGE_MAX_FILES", uploads.MAX_FILES),
                                     media_dir(), current_actor())
    except uploads.UploadRefused as refused:
        return _answer(product_id, 422, upload_errors=refused.messages)
    return _answer(product_id, saved=_("Pictures uploaded: %(num)d.", num=len(added)))


@bp.post("/products/<int:product_id>/images/<int:image_id>/move")
def image_move(product_id: int, image_id: int):
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        return _answer(product_id, 422, upload_errors=[_("Choose up or down.")])
    _guarded(lambda: catalogue.move_image(product_id, image_id, step, current_actor()))
    return _answer(product_id, saved=_("Order of the pictures saved."))


@bp.post("/products/<int:product_id>/images/<int:image_id>/alt")
def image_alt(product_id: int, image_id: int):
    form = forms.AltForm()
    if not form.validate_on_submit():
        return _answer(product_id, 422, alt_forms={image_id: form})
    _guarded(lambda: catalogue.update_image_alt(product_id, image_id, form.alt_sq.data,
                                                form.alt_en.data or "", current_actor()))
    return _answer(product_id, saved=_("Picture description saved."))


@bp.post("/products/<int:product_id>/images/<int:image_id>/delete")
def image_delete(product_id: int, image_id: int):
    _guarded(lambda: catalogue.delete_image(product_id, image_id, current_actor()))
    return _answer(product_id, saved=_("Picture deleted."))
