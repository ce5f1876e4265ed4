"""Admin: the category tree. Create, rename, nest, reorder and delete categories."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import htmx
from ..catalogue import categories as service
from ..forms import add_error, cleaned
from . import bp, current_actor
from .category_forms import CategoryForm, EditCategoryForm, fill_parents


def _tree(**context) -> str:
    return render_template("admin/categories/_category_tree.html", rows=service.tree_rows(),
                           **context)


def _page(form, status: int = 200):
    return render_template("admin/categories/index.html", active_page="categories", form=form,
                           rows=service.tree_rows()), status


def _new_form(fresh: bool = False) -> CategoryForm:
    # ``fresh``: an empty form even though this request posted one.
    form = CategoryForm(formdata=None) if fresh else CategoryForm()
    fill_parents(form, service.parent_choices())
    return form


@bp.get("/categories")
def categories():
    return _page(_new_form())


@bp.post("/categories")
def create_category():
    form = _new_form()
    if form.validate_on_submit():
        try:
            category = service.create(cleaned(form), current_actor())
        except service.CategoryError as error:
            add_error(getattr(form, error.field or "name_sq"), error.message)
        else:
            message = _("Category “%(name)s” created.", name=category.name_sq)
            if not htmx.is_partial():
                flash(message, "success")
                return redirect(url_for("admin.categories"), 303)
            # A fresh form for the next one, and the tree out of band with the new row.
            fresh = _new_form(fresh=True)
            return render_template("admin/categories/_category_form.html", form=fresh,
                                   saved=message) + _tree(oob=True)
    if htmx.is_partial():
        return render_template("admin/categories/_category_form.html", form=form), 422
    return _page(form, 422)


def _edit_form(category_id: int) -> tuple[object, EditCategoryForm]:
    category = service.get(category_id)
    if category is None:
        abort(404)
    form = EditCategoryForm(obj=category if request.method == "GET" else None)
    if request.method == "GET":
        form.parent_id.data = str(category.parent_id or "")
    fill_parents(form, service.parent_choices(exclude_id=category.id))
    return category, form


@bp.get("/categories/<int:category_id>/edit")
def edit_category(category_id: int):
    category, form = _edit_form(category_id)
    return render_template("admin/categories/edit.html", active_page="categories",
                           category=category, form=form)


@bp.post("/categories/<int:category_id>")
def update_category(category_id: int):
    category, form = _edit_form(category_id)
    if form.validate_on_submit():
        try:
            service.update_category(category_id, cleaned(form), current_actor())
        except service.CategoryError as error:
            add_error(getattr(form, error.field or "name_sq"), error.message)
        else:
            flash(_("Category “%(name)s” saved.", name=category.name_sq), "success")
            return redirect(url_for("admin.categories"), 303)
    return render_template("admin/categories/edit.html", active_page="categories",
                           category=category, form=form), 422


@bp.post("/categories/<int:category_id>/move")
def move_category(category_id: int):
    return _tree_action(lambda: service.move(category_id, request.form.get("direction", ""),
                                             current_actor()),
                        lambda c: _("“%(name)s” moved.", name=c.name_sq))


@bp.post("/categories/<int:category_id>/delete")
def delete_category(category_id: int):
    return _tree_action(lambda: service.delete(category_id, current_actor()),
                        lambda name: _("Category “%(name)s” deleted.", name=name))


def _tree_action(action, describe):
    """Run a tree change; answer htmx with the tree (and a message), others with a redirect."""
    try:
        message, status, kind = describe(action()), 200, "success"
    except service.CategoryError as error:
        message, status, kind = str(error.message), 409, "warning"
    if htmx.is_partial():
        return _tree(message=message, kind=kind), status
    flash(message, kind)
    return redirect(url_for("admin.categories"), 303)
