"""Forms of a product family's admin (catalogue/variants.py): a new family, a new variant,
products gathered into a family. Field rules are the product form's (product_forms.py)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from ..catalogue import variants, vocab
from ..catalogue.rules import centimetres, euros, sku_code, stock_count
from ..forms import add_error, cleaned
from ..i18n import _l
from .product_forms import ProductForm, _vocab_choices, one_of, text

#: SKUs are [A-Za-z0-9-] (catalogue.rules.sku_code): anything else separates them.
_SEPARATORS = re.compile(r"[^A-Za-z0-9-]+")


class FamilyForm(ProductForm):
    """A new product sold in variants: the product form without price and stock (its
    variants have them), with the options they differ in."""

    axis_size = BooleanField(_l("Size (width × depth)"))
    axis_material = BooleanField(_l("Material"))
    axis_colour = BooleanField(_l("Colour"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("price", "sale_price", "sale_starts_on", "sale_ends_on", "stock",
                     "stock_was"):
            del self[name]

    def validate(self, extra_validators=None) -> bool:
        ok = FlaskForm.validate(self, extra_validators)
        if not self.axes():
            add_error(self.axis_size, _l("Choose at least one option the variants differ in."))
            ok = False
        return ok

    def axes(self) -> list[str]:
        return [axis for axis in variants.AXES if self[f"axis_{axis}"].data]

    def values(self) -> dict:
        values = cleaned(self)
        for name in ("csrf_token", "axis_size", "axis_material", "axis_colour"):
            values.pop(name, None)
        values["category_id"] = int(values["category_id"])
        values["material"] = values["material"] or None
        values["colour"] = values["colour"] or None
        # Offered on the family's page: its variants take the parent's fee.
        values["assembly_fee_cents"] = values.pop("assembly_fee", None)
        return values


class VariantForm(FlaskForm):
    sku = text(_l("Product code (SKU)"), 40, required=True, extra=[sku_code])
    width_cm = text(_l("Width (cm)"), 10, extra=[centimetres])
    depth_cm = text(_l("Depth (cm)"), 10, extra=[centimetres])
    height_cm = text(_l("Height (cm)"), 10, extra=[centimetres])
    material = SelectField(_l("Material"), validate_choice=False, validators=[
        one_of("material_codes", _l("Choose a material from the list."))])
    colour = SelectField(_l("Colour"), validate_choice=False, validators=[
        one_of("colour_codes", _l("Choose a colour from the list."))])
    price = text(_l("Regular price (€)"), 30, required=True, extra=[euros])
    stock = text(_l("Stock"), 10, required=True, extra=[stock_count])

    def __init__(self, lang: str, *args, **kwargs):
        kwargs.setdefault("prefix", "variant")  # on the product's page, beside its own form
        super().__init__(*args, **kwargs)
        self.material.choices = _vocab_choices(vocab.MATERIALS, lang, _l("No material"))
        self.colour.choices = _vocab_choices(vocab.COLOURS, lang, _l("No colour"))
        self.material_codes = {"", *vocab.MATERIALS}
        self.colour_codes = {"", *vocab.COLOURS}

    def values(self) -> dict:
        values = cleaned(self)
        values.pop("csrf_token", None)
        values["price_cents"] = values.pop("price")
        values["material"] = values["material"] or None
        values["colour"] = values["colour"] or None
        return values


class GatherForm(FlaskForm):
    skus = text(_l("Product codes (SKU)"), 2000, required=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "gather")
        super().__init__(*args, **kwargs)

    def codes(self) -> list[str]:
        return [code for code in _SEPARATORS.split(self.skus.data or "") if code]
