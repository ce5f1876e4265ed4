"""Admin: the shop's settings (trader, contact, delivery, VAT) and its stores."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import instalments, shopsettings, shopsettings_save
from . import bp, current_actor
from .instalment_forms import InstalmentsForm, form_data
from .settings_forms import (
    DELIVERY_CODES,
    SettingsForm,
    StoreForm,
    field_key,
    settings_data,
    settings_values,
    store_data,
    store_values,
)


def _settings_page(form: SettingsForm, status: int = 200):
    return render_template("admin/settings/form.html", active_page="settings", form=form,
                           rows=[(code, *form.delivery_fields(code)) for code in DELIVERY_CODES],
                           field_key=field_key), status


@bp.get("/settings")
def settings():
    return _settings_page(SettingsForm(data=settings_data(shopsettings.current())))


@bp.post("/settings")
def settings_save():
    form = SettingsForm()
    if not form.validate_on_submit():
        return _settings_page(form, 422)  # what the owner typed stays in the form
    changes = shopsettings_save.save(settings_values(form), current_actor())
    flash(_("The settings are saved. They apply from the next cart; placed orders keep "
            "theirs.") if changes else _("Nothing changed."), "success" if changes else "info")
    return redirect(url_for("admin.settings"), 303)


@bp.get("/settings/stores")
def stores():
    return render_template("admin/settings/stores.html", active_page="settings",
                           stores=shopsettings.current().stores)


def _store_page(form: StoreForm, store_id: int | None, status: int = 200):
    return render_template("admin/settings/store_form.html", active_page="settings", form=form,
                           store_id=store_id), status


@bp.get("/settings/stores/new")
def store_new():
    return _store_page(StoreForm(data={"active": True, "position": "0"}), None)


@bp.get("/settings/stores/<int:store_id>")
def store_edit(store_id: int):
    found = shopsettings.current().store(store_id) or abort(404)
    return _store_page(StoreForm(data=store_data(found)), store_id)


@bp.post("/settings/stores/new")
def store_create():
    return _store_save(None)


@bp.post("/settings/stores/<int:store_id>")
def store_update(store_id: int):
    if shopsettings_save.store_row(store_id) is None:
        abort(404)
    return _store_save(store_id)


def _store_save(store_id: int | None):
    form = StoreForm()
    if not form.validate_on_submit():
        return _store_page(form, store_id, 422)
    shopsettings_save.save_store(store_id, store_values(form), current_actor())
    flash(_("The store is saved."), "success")
    return redirect(url_for("admin.stores"), 303)


def _instalments_page(form: InstalmentsForm, status: int = 200):
    return render_template("admin/settings/instalments.html", active_page="settings",
                           form=form), status


@bp.get("/settings/instalments")
def instalment_plans():
    return _instalments_page(InstalmentsForm(data=form_data(instalments.current())))


@bp.post("/settings/instalments")
def instalment_plans_save():
    form = InstalmentsForm()
    if not form.validate_on_submit():
        return _instalments_page(form, 422)  # what the owner typed stays in the form
    changes = instalments.save(form.plans, current_actor())
    flash(_("The instalment plans are saved. They apply from the next cart; placed orders "
            "keep theirs.") if changes else _("Nothing changed."),
          "success" if changes else "info")
    return redirect(url_for("admin.instalment_plans"), 303)
