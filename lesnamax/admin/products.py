"""Admin: the product list (price and stock edited in place), create, edit, delete."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import htmx
from ..catalogue import manage as catalogue
from ..catalogue.services import category_tree
from ..forms import add_error
from ..i18n import current_code
from ..site import safe_next
from . import bp, current_actor, variants
from . import product_forms as forms

PER_PAGE = 50


def _product(product_id: int, with_images: bool = False):
    try:
        if with_images:
            return catalogue.product_with_images(product_id)
        return catalogue.get_product(product_id)
    except catalogue.NotFound:
        abort(404)


def _back() -> str:
    """Where a plain (no-JS) form returns: the list page it came from, filters kept."""
    target = safe_next(request.form.get("back"))
    if target.startswith(url_for("admin.products")) and target.isprintable():
        return target
    return url_for("admin.products")


@bp.get("/products")
def products():
    query = forms.list_query(request.args, current_app.config["SEARCH_MAX_LENGTH"])
    tree = category_tree()
    page = catalogue.list_products(query, tree, PER_PAGE)
    return render_template(
        "admin/products/list.html", active_page="products", page=page, query=query,
        args=forms.query_args(query), categories=forms.tree_options(tree, current_code()),
        statuses=forms.STATUSES, stock_filters=forms.STOCK_FILTERS, sorts=forms.SORT_LABELS,
        back=request.full_path.rstrip("?"), price_text=forms.price_text,
    )


def _row(product_id: int, status: int, **context):
    """Answer an inline edit: the row for htmx, else the list (or the row alone on errors)."""
    if status < 400 and not htmx.is_partial():
        flash(context["saved"], "success")
        return redirect(_back(), 303)
    product = catalogue.product_with_images(product_id)
    template = ("admin/products/_product_row.html" if htmx.is_partial()
                else "admin/products/row_page.html")
    return render_template(template, product=product, back=_back(), active_page="products",
                           price_text=forms.price_text, **context), status


@bp.post("/products/<int:product_id>/price")
def product_price(product_id: int):
    _product(product_id)
    form = forms.PriceForm()
    if not form.validate_on_submit():
        return _row(product_id, 422, price_form=form)
    product = catalogue.set_price(product_id, form.price.clean, current_actor())
    return _row(product_id, 200, saved=_("Price of %(name)s saved.", name=product.name_sq))


@bp.post("/products/<int:product_id>/stock")
def product_stock(product_id: int):
    if _product(product_id).is_family:
        abort(404)  # a family's stock is its variants' (the list shows it as text)
    form = forms.StockForm()
    seen = forms.seen_stock(form.stock_was.data)
    if not form.validate_on_submit() or seen is None:
        if seen is None and not form.errors:
            add_error(form.stock, _("The page was out of date. Check the stock and save "
                                    "again."))
        return _row(product_id, 422, stock_form=form)
    try:
        product = catalogue.set_stock(product_id, seen, form.stock.clean, current_actor())
    except catalogue.StockChanged as changed:
        form.stock_was.data = str(changed.current)
        add_error(form.stock, _("The stock changed to %(num)d meanwhile (a sale?). Check "
                                "it and save again.", num=changed.current))
        return _row(product_id, 409, stock_form=form)
    return _row(product_id, 200, saved=_("Stock of %(name)s saved.", name=product.name_sq))


def render_edit(product, form, status: int = 200, **context):
    """The create/edit page (also shown by the picture views when an upload is refused)."""
    if product is not None and product.is_family:
        context = variants.section_context(product) | context
    return render_template(
        "admin/products/edit.html", active_page="products", product=product, form=form,
        **context,
    ), status


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    form = forms.product_form()
    if form.validate_on_submit():
        try:
            product = catalogue.create_product(forms.product_values(form), current_actor())
        except catalogue.SkuTaken:
            add_error(form.sku, _("Another product already has this code."))
        except catalogue.SlugTaken:
            add_error(form.slug, _("Another product already has this web address."))
        else:
            flash(_("Product %(name)s created. You can add pictures now.",
                    name=product.name_sq), "success")
            return redirect(url_for("admin.product_edit", product_id=product.id), 303)
    return render_edit(None, form, 422 if form.is_submitted() else 200)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
def product_edit(product_id: int):
    product = _product(product_id, with_images=True)
    if request.method == "GET":
        return render_edit(product, forms.product_form(
            formdata=None, data=forms.initial_data(product, current_code())))
    form = forms.product_form()
    seen = forms.seen_stock(form.stock_was.data)
    status = 422
    if form.validate_on_submit():
        try:
            catalogue.update_product(product_id, forms.product_values(form),
                                     product.stock if seen is None else seen, current_actor())
        except catalogue.SkuTaken:
            add_error(form.sku, _("Another product already has this code."))
        except catalogue.SlugTaken:
            add_error(form.slug, _("Another product already has this web address."))
        except catalogue.StockChanged as changed:
            form.stock_was.data = str(changed.current)
            add_error(form.stock, _("The stock changed to %(num)d meanwhile (a sale?). "
                                    "Check it and save again.", num=changed.current))
            status = 409
        else:
            flash(_("Changes to %(name)s saved.", name=form.name_sq.data), "success")
            return redirect(url_for("admin.product_edit", product_id=product_id), 303)
    return render_edit(_product(product_id, with_images=True), form, status)


@bp.route("/products/<int:product_id>/delete", methods=["GET", "POST"])
def product_delete(product_id: int):
    product = _product(product_id)
    if request.method == "GET":
        return render_template("admin/products/delete.html", active_page="products",
                               product=product)
    name = product.name_sq
    if catalogue.delete_or_deactivate(product_id, current_actor()) == "deleted":
        flash(_("Product %(name)s deleted.", name=name), "success")
    else:
        flash(_("%(name)s is in past orders, so it was deactivated instead of deleted: the "
                "shop no longer shows it.", name=name), "success")
    return redirect(url_for("admin.products"), 303)
