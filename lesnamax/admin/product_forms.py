"""Forms of the admin product pages; every message is ours (WTForms' own are English only).

As in ``lesnamax/forms.py``, validators leave ``field.data`` as typed (shown again on errors)
and put the stored value in ``field.clean``; ``cleaned(form)`` collects those.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..catalogue import vocab
from ..catalogue.manage import SORTS, AdminQuery
from ..catalogue.rules import (
    MAX_STOCK,
    WHOLE,
    centimetres,
    euros,
    plain_line,
    plain_text,
    sku_code,
    stock_count,
)
from ..catalogue.services import category_tree
from ..forms import REQUIRED, TOO_LONG, add_error, cleaned
from ..i18n import _l, current_code
from ..text import capfirst

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _strip(value):
    # Browsers send CR LF in text areas; store plain LF.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def text(label, maximum, required=False, area=False, extra=()):
    validators = [DataRequired(REQUIRED)] if required else []
    validators += [Length(max=maximum, message=TOO_LONG), plain_text if area else plain_line,
                   *extra]
    kind = TextAreaField if area else StringField
    # default="": a field missing from a (hand-made) POST is empty text, not None, which
    # the NOT NULL columns would refuse at the database instead of the form.
    return kind(label, validators, filters=[_strip], default="")


def iso_date(_form, field) -> None:
    raw = (field.data or "").strip()
    field.clean = None
    if not raw:
        return
    try:
        field.clean = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        pass
    if field.clean is None:
        raise ValidationError(_l("Enter a date like 2026-12-31, or leave it empty."))


def slug_text(_form, field) -> None:
    if field.data and not _SLUG.fullmatch(field.data):
        raise ValidationError(
            _l("Use lower-case letters without accents, digits and single dashes, or leave it "
               "empty to make one from the Albanian name.")
        )


def one_of(choices_attr: str, message):
    def check(form, field) -> None:
        if field.data is None:
            field.data = ""  # left out of the POST: the empty choice
        if field.data not in getattr(form, choices_attr):
            raise ValidationError(message)
    return check


def _vocab_choices(vocabulary, lang: str, empty) -> list[tuple[str, str]]:
    labels = [(code, capfirst(vocab.label(vocabulary, code, lang))) for code in vocabulary]
    return [("", str(empty)), *sorted(labels, key=lambda pair: pair[1].casefold())]


class ProductForm(FlaskForm):
    name_sq = text(_l("Name (Albanian)"), 200, required=True)
    name_en = text(_l("Name (English)"), 200)
    description_sq = text(_l("Description (Albanian)"), 10_000, area=True)
    description_en = text(_l("Description (English)"), 10_000, area=True)
    sku = text(_l("Product code (SKU)"), 40, required=True, extra=[sku_code])
    slug = text(_l("Web address (slug)"), 130, extra=[slug_text])
    category_id = SelectField(_l("Category"), validate_choice=False, validators=[
        DataRequired(REQUIRED), one_of("category_ids", _l("Choose a category from the list."))])
    material = SelectField(_l("Material"), validate_choice=False, validators=[
        one_of("material_codes", _l("Choose a material from the list."))])
    colour = SelectField(_l("Colour"), validate_choice=False, validators=[
        one_of("colour_codes", _l("Choose a colour from the list."))])
    width_cm = text(_l("Width (cm)"), 10, extra=[centimetres])
    depth_cm = text(_l("Depth (cm)"), 10, extra=[centimetres])
    height_cm = text(_l("Height (cm)"), 10, extra=[centimetres])
    price = text(_l("Regular price (€)"), 30, required=True, extra=[euros])
    sale_price = text(_l("Discounted price (€, optional)"), 30, extra=[euros])
    sale_starts_on = text(_l("Discount from"), 10, extra=[iso_date])
    sale_ends_on = text(_l("Discount until"), 10, extra=[iso_date])
    stock = text(_l("Stock"), 10, required=True, extra=[stock_count])
    #: The stock shown when the page was opened (see ``catalogue.manage.set_stock``).
    stock_was = HiddenField()
    active = BooleanField(_l("Active (shown in the shop)"), default=True)
    featured = BooleanField(_l("Featured on the home page"))
    made_to_order = BooleanField(_l("Made to order (no 14-day withdrawal)"))
    #: "Montim": offered when a fee is written (0 for free assembly), per piece.
    assembly_fee = text(_l("Assembly fee per piece (€)"), 30, extra=[euros])

    def __init__(self, tree_options: list[tuple[int, str]], lang: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [("", str(_l("Choose the category")))] + [
            (str(i), label) for i, label in tree_options]
        self.category_ids = {str(i) for i, _label in tree_options}
        self.material.choices = _vocab_choices(vocab.MATERIALS, lang, _l("No material"))
        self.colour.choices = _vocab_choices(vocab.COLOURS, lang, _l("No colour"))
        self.material_codes = {"", *vocab.MATERIALS}
        self.colour_codes = {"", *vocab.COLOURS}

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        sale, regular = self.sale_price.clean, self.price.clean
        if sale is not None and sale >= regular:
            add_error(self.sale_price, _l("The discounted price must be lower than the regular "
                                          "price."))
        starts, ends = self.sale_starts_on.clean, self.sale_ends_on.clean
        if sale is None and (starts or ends):
            add_error(self.sale_starts_on if starts else self.sale_ends_on,
                      _l("Discount dates need a discounted price."))
        if starts and ends and ends < starts:
            add_error(self.sale_ends_on, _l("The discount cannot end before it starts."))
        return not any(field.errors for field in self)


def product_form(**kwargs) -> ProductForm:
    """The create/edit form, its category choices in the request's language."""
    lang = current_code()
    return ProductForm(tree_options(category_tree(), lang), lang, **kwargs)


def product_values(form: ProductForm) -> dict:
    """Turn a valid form into Product column values."""
    values = cleaned(form)
    sale, regular = values.pop("sale_price"), values.pop("price")
    values.pop("stock_was")
    values.pop("csrf_token", None)
    values["category_id"] = int(values["category_id"])
    values["material"] = values["material"] or None
    values["colour"] = values["colour"] or None
    values["price_cents"] = regular
    values["assembly_fee_cents"] = values.pop("assembly_fee")
    values["sale_price_cents"] = sale
    if sale is None:
        values["sale_starts_on"] = values["sale_ends_on"] = None
    return values


def price_text(cents: int | None, lang: str) -> str:
    """Show cents in an input the way the parser reads them back ("12,50" / "12.50")."""
    if cents is None:
        return ""
    text_ = f"{cents // 100}.{cents % 100:02d}"
    return text_.replace(".", ",") if lang == "sq" else text_


def initial_data(product, lang: str) -> dict:
    """Return the edit form's starting values for ``product``."""
    data = {name: getattr(product, name) for name in (
        "name_sq", "name_en", "description_sq", "description_en", "sku", "slug", "active",
        "featured", "made_to_order")}
    data.update(
        category_id=str(product.category_id),
        material=product.material or "",
        colour=product.colour or "",
        price=price_text(product.price_cents, lang),
        sale_price=price_text(product.sale_price_cents, lang),
        assembly_fee=price_text(product.assembly_fee_cents, lang),
        stock=str(product.stock),
        stock_was=str(product.stock),
        **{k: "" if getattr(product, k) is None else str(getattr(product, k))
           for k in ("width_cm", "depth_cm", "height_cm", "sale_starts_on",
                     "sale_ends_on")},
    )
    return data


def seen_stock(raw: str | None) -> int | None:
    """The hidden "stock when the page was opened"; None if missing or not a count."""
    raw = (raw or "").strip()
    return int(raw) if WHOLE.fullmatch(raw) and int(raw) <= MAX_STOCK * 10 else None


class PriceForm(FlaskForm):
    price = text(_l("Price (€)"), 30, required=True, extra=[euros])


class StockForm(FlaskForm):
    stock = text(_l("Stock"), 10, required=True, extra=[stock_count])
    stock_was = HiddenField()


class AltForm(FlaskForm):
    alt_sq = text(_l("Picture description (Albanian)"), 200, required=True)
    alt_en = text(_l("Picture description (English)"), 200)


STATUSES = {"active": _l("Active"), "inactive": _l("Inactive")}
STOCK_FILTERS = {"out": _l("Out of stock"), "low": _l("Low stock")}
SORT_LABELS = {
    "newest": _l("Newest first"),
    "name": _l("Name A–Z"),
    "price_asc": _l("Price: low to high"),
    "price_desc": _l("Price: high to low"),
    "stock_asc": _l("Stock: lowest first"),
    "stock_desc": _l("Stock: highest first"),
}


def list_query(args: Mapping[str, str], max_query_length: int) -> AdminQuery:
    """Read the list's query string leniently: unknown values fall back to the default."""
    raw_category = args.get("category", "")
    raw_page = args.get("page", "1")
    return AdminQuery(
        # Control characters (NUL!) would reach the SKU comparison; PostgreSQL refuses them.
        q=" ".join("".join(c for c in args.get("q", "") if c.isprintable()).split())[
            :max_query_length],
        category_id=int(raw_category) if WHOLE.fullmatch(raw_category) else None,
        status=args.get("status", "") if args.get("status") in STATUSES else "",
        stock=args.get("stock", "") if args.get("stock") in STOCK_FILTERS else "",
        sort=args.get("sort", "") if args.get("sort") in SORTS else "newest",
        page=int(raw_page) if WHOLE.fullmatch(raw_page) and len(raw_page) < 6 else 1,
    )


def query_args(query: AdminQuery, **changes) -> dict[str, str]:
    """Return the list's query string values (without defaults), with ``changes``."""
    values = {"q": query.q, "category": query.category_id or "", "status": query.status,
              "stock": query.stock, "sort": "" if query.sort == "newest" else query.sort,
              "page": query.page if query.page > 1 else "", **changes}
    return {k: str(v) for k, v in values.items() if v}


def tree_options(tree, lang: str) -> list[tuple[int, str]]:
    """Return ``(id, label)`` of every category, depth first, children indented."""
    options: list[tuple[int, str]] = []

    def walk(nodes, depth: int) -> None:
        for node in nodes:
            if depth > 10 or len(options) > len(tree.all):  # a cycle in bad data
                return
            options.append((node.id, "\u00a0\u00a0" * 2 * depth + node.localized("name", lang)))
            walk(tree.children.get(node.id, []), depth + 1)

    walk(tree.roots, 0)
    return options
