"""Admin: product families (catalogue/variants.py). A new family, its variants added or
gathered from products sold so far on their own pages, each variant then edited as any
product (its price and stock in place, in the family's table). Section target: #variants."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import htmx
from ..catalogue import manage as catalogue
from ..catalogue import manage_families as families
from ..catalogue import variants
from ..catalogue.models import Product
from ..catalogue.services import category_tree
from ..extensions import db
from ..forms import add_error
from ..i18n import current_code
from . import bp, current_actor
from . import product_forms as forms
from .variant_forms import FamilyForm, GatherForm, VariantForm


def _family_message(error: families.FamilyError) -> str:
    if error.code == families.MISSING_VALUE:
        return _("%(sku)s has no value for every option of the family (a size needs width "
                 "and depth).", sku=error.detail)
    if error.code == families.SAME_OPTIONS:
        return _("Two variants would have the same options: %(skus)s.", skus=error.detail)
    if error.code == families.NOT_STANDALONE:
        return _("%(sku)s already belongs to a family or has variants of its own.",
                 sku=error.detail)
    return _("Choose at least one option the variants differ in.")


@bp.route("/products/new-family", methods=["GET", "POST"])
def family_new():
    lang = current_code()
    form = FamilyForm(forms.tree_options(category_tree(), lang), lang)
    if form.validate_on_submit():
        try:
            parent = families.create_family(form.values(), form.axes(), current_actor())
        except catalogue.SkuTaken:
            add_error(form.sku, _("Another product already has this code."))
        except catalogue.SlugTaken:
            add_error(form.slug, _("Another product already has this web address."))
        else:
            flash(_("%(name)s created. Add its variants now.", name=parent.name_sq), "success")
            return redirect(url_for("admin.product_edit", product_id=parent.id) + "#variants",
                            303)
    return render_template("admin/products/family_new.html", active_page="products",
                           form=form), 422 if form.is_submitted() else 200


def _parent(product_id: int) -> Product:
    parent = db.session.get(Product, product_id)
    if parent is None or not parent.is_family:
        abort(404)
    return parent


def section_context(parent: Product, **forms_) -> dict:
    """What the family's section needs (the edit page includes the same partial)."""
    lang = current_code()
    return {
        "variants": variants.variants_of(parent.id, active_only=False),
        "variant_form": forms_.get("variant_form") or VariantForm(lang, formdata=None),
        "gather_form": forms_.get("gather_form") or GatherForm(formdata=None),
        "back": url_for("admin.product_edit", product_id=parent.id),
        "price_text": forms.price_text,
        "axis_names": [variants.AXES[axis] for axis in parent.axes],
    }


def _answer(parent: Product, status: int, message: str | None = None, **forms_):
    """htmx: the section; without JavaScript: back to the edit page (or it, with errors)."""
    if status < 400 and not htmx.is_partial():
        flash(message, "success")
        return redirect(url_for("admin.product_edit", product_id=parent.id) + "#variants", 303)
    template = "admin/products/_variants.html"
    if not htmx.is_partial():  # the whole edit page, its pictures too
        template, parent = "admin/products/edit.html", catalogue.product_with_images(parent.id)
    form = forms.product_form(formdata=None, data=forms.initial_data(parent, current_code()))
    return render_template(template, product=parent, form=form, active_page="products",
                           saved=message, **section_context(parent, **forms_)), status


@bp.post("/products/<int:product_id>/variants")
def variant_add(product_id: int):
    parent = _parent(product_id)
    form = VariantForm(current_code())
    if form.validate_on_submit():
        try:
            variant = families.add_variant(parent.id, form.values(), current_actor())
        except catalogue.SkuTaken:
            add_error(form.sku, _("Another product already has this code."))
        except families.FamilyError as error:
            add_error(form.sku, _family_message(error))
        else:
            return _answer(_parent(product_id), 200,
                           _("Variant %(name)s added.", name=variant.name_sq))
    return _answer(parent, 422, variant_form=form)


@bp.post("/products/<int:product_id>/variants/gather")
def variant_gather(product_id: int):
    parent = _parent(product_id)
    form = GatherForm()
    if form.validate_on_submit():
        codes = form.codes()
        ids = dict(db.session.execute(
            db.select(Product.sku, Product.id).where(Product.sku.in_(codes))).all())
        unknown = [code for code in codes if code not in ids]
        if unknown:
            add_error(form.skus, _("No product has these codes: %(skus)s.",
                                   skus=", ".join(unknown)))
        else:
            try:
                moved = families.gather(parent.id, list(ids.values()), current_actor())
            except families.FamilyError as error:
                add_error(form.skus, _family_message(error))
            else:
                return _answer(_parent(product_id), 200, _(
                    "%(skus)s are now variants of this product.",
                    skus=", ".join(p.sku for p in moved)))
    return _answer(parent, 422, gather_form=form)


@bp.post("/products/<int:product_id>/release")
def variant_release(product_id: int):
    try:
        variant = families.release(product_id, current_actor())
    except LookupError:
        abort(404)
    flash(_("%(sku)s is a product of its own again.", sku=variant.sku), "success")
    return redirect(url_for("admin.product_edit", product_id=product_id), 303)
