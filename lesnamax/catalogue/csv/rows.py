"""One line of a product CSV turned into a product's values, or the reasons it cannot be.

Each cell is parsed the way people type in a spreadsheet (prices like "1 250,00", dates like
31.12.2026, "po"/"jo" for yes/no) and then held to exactly the rules of the product form: the
validators it shares with the form (``catalogue/rules.py``) check plain text, the SKU
(upper-cased), prices, stock and centimetres, so a file cannot store what the form would
refuse. Then the line's values are checked against each other. Reading the file around the
lines (encoding, delimiter, header) and what an import does with the values are in ``plan``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_ngettext
from wtforms.validators import ValidationError

from ...i18n import _l
from .. import variants, vocab
from ..rules import centimetres, euros, plain_line, plain_text, sku_code, stock_count

#: CSV column -> Product attribute, where they differ.
FIELD = {"category": "category_id", "price": "price_cents",
         "sale_price": "sale_price_cents", "options": "variant_axes",
         "family": "family_sku"}
#: What a new product gets for a column the file leaves out.
DEFAULTS = {"name_en": "", "description_sq": "", "description_en": "",
            "sale_price_cents": None, "sale_starts_on": None, "sale_ends_on": None,
            "active": True, "featured": False, "material": None, "colour": None,
            "width_cm": None, "depth_cm": None, "height_cm": None, "variant_axes": "",
            "family_sku": None}
#: The product form's lengths (``ProductForm``).
TEXT_LIMITS = {"sku": 40, "name_sq": 200, "name_en": 200, "description_sq": 10_000,
               "description_en": 10_000}
#: Excel runs a cell starting with these as a formula: exported text gets a leading "'".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_AMOUNT = re.compile(r"^(?P<int>\d{1,7}|\d{1,3}(?:(?P<sep>[ .,])\d{3}){1,2})"
                     r"(?:(?P<dec>[.,])(?P<frac>\d{1,2}))?$")
TRUE, FALSE = {"1", "po", "yes", "true", "x"}, {"0", "jo", "no", "false"}


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: object  # a lazy translated string


class _Bad(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def row_values(line: int, header: list[str], cells: list[str],
               categories: dict[str, int]) -> tuple[dict, list[Problem]]:
    """Return the line's values by Product attribute, and a problem for each bad cell.

    The values of the cells that parsed are returned even when others did not: the caller
    still needs the SKU to report it as a duplicate.
    """
    values, problems = {}, []
    for name, cell in zip(header, cells, strict=True):
        try:
            values[FIELD.get(name, name)] = _parse(name, cell, categories)
        except _Bad as bad:
            problems.append(Problem(line, name, bad.message))
    return values, problems


def consistency_problems(values: dict, line: int) -> list[Problem]:
    """Check values that depend on each other (for an update, merged with the stored ones)."""
    sale, regular = values["sale_price_cents"], values["price_cents"]
    problems = []
    if sale is not None and sale >= regular:
        problems.append(Problem(line, "sale_price", _l(
            "The discounted price must be lower than the regular price.")))
    starts, ends = values["sale_starts_on"], values["sale_ends_on"]
    if sale is None and (starts or ends):
        problems.append(Problem(line, "sale_starts_on" if starts else "sale_ends_on",
                                _l("Discount dates need a discounted price.")))
    if starts and ends and ends < starts:
        problems.append(Problem(line, "sale_ends_on",
                                _l("The discount cannot end before it starts.")))
    return problems


def _parse(name: str, cell: str, categories: dict[str, int]):
    value = cell.strip()
    if name in TEXT_LIMITS:
        return _text(name, value)
    if name == "category":
        if not value:
            raise _Bad(_l("The category is required."))
        if value not in categories:
            raise _Bad(_l("There is no category with the address “%(slug)s”.", slug=value[:60]))
        return categories[value]
    if name in ("price", "sale_price"):
        return _amount(value, required=name == "price")
    if name in ("sale_starts_on", "sale_ends_on"):
        return _date(value)
    if name in ("active", "featured"):
        if not value:
            return DEFAULTS[name]
        if value.lower() not in TRUE | FALSE:
            raise _Bad(_l("Write 1 for yes or 0 for no."))
        return value.lower() in TRUE
    if name in ("material", "colour"):
        known = vocab.MATERIALS if name == "material" else vocab.COLOURS
        if value and value not in known:
            raise _Bad(_l("Unknown code “%(code)s”: use one of the codes listed on the CSV page.",
                          code=value[:40]))
        return value or None
    if name in ("stock", "stock_exported"):
        return _stock(value, required=name == "stock")
    if name == "family":  # the SKU of the family's parent this line is a variant of
        return _form_rule(sku_code, value) if value else None
    if name == "options":  # on a family's parent: what its variants differ in
        axes = [axis.strip().lower() for axis in value.split(",") if axis.strip()]
        unknown = [axis for axis in axes if axis not in variants.AXES]
        if unknown:
            raise _Bad(_l("Unknown option “%(name)s”: use size, material or colour.",
                          name=unknown[0][:40]))
        return ",".join(axis for axis in variants.AXES if axis in axes)
    return _form_rule(centimetres, value)


def _text(name: str, value: str) -> str:
    if value[:1] == "'" and value[1:2] in FORMULA_START:
        value = value[1:]  # our own export's guard against spreadsheet formulas
    if name in ("sku", "name_sq") and not value:
        raise _Bad(_l("This field is required."))
    if len(value) > TEXT_LIMITS[name]:
        raise _Bad(lazy_ngettext("Too long: at most %(num)d character.",
                                 "Too long: at most %(num)d characters.", TEXT_LIMITS[name]))
    _form_rule(plain_text if name.startswith("description") else plain_line, value)
    if name == "sku":
        return _form_rule(sku_code, value)  # upper-cased, as the form stores it
    return value


def _amount(value: str, required: bool) -> int | None:
    value = value.replace("\xa0", " ").replace("\u202f", " ")
    if not value:
        if required:
            raise _Bad(_l("The price is required."))
        return None
    if re.search(r"[€$£]|eur", value, re.IGNORECASE):
        raise _Bad(_l("Write the amount without the currency sign, e.g. 12.50."))
    if value.startswith("-"):
        raise _Bad(_l("The amount cannot be negative."))
    match = _AMOUNT.match(value)
    # "1.250" or "1,250" alone could be either thousands or decimals: refuse rather than guess.
    if not match or (match["sep"] in (".", ",") and (not match["dec"] or
                                                     match["dec"] == match["sep"])):
        raise _Bad(_l("Write the amount as a number, e.g. 12.50 or 1 250,00."))
    cents = int(re.sub(r"\D", "", match["int"])) * 100 + int((match["frac"] or "0").ljust(2, "0"))
    # The form's limits (more than 0, at most 1 000 000 €), on the amount read above.
    return _form_rule(euros, f"{cents // 100}.{cents % 100:02d}")


def _stock(value: str, required: bool) -> int | None:
    if not value:
        if required:
            raise _Bad(_l("The stock is required."))
        return None
    if value.startswith("-") and value[1:].isdigit():
        raise _Bad(_l("The number cannot be negative."))
    return _form_rule(stock_count, value)


class _Cell:
    """Stands in for a form field, so that the product form's validators check a cell."""

    def __init__(self, data: str):
        self.data, self.clean = data, None


def _form_rule(validator, value: str):
    """Run one of the product form's validators (``rules``) on ``value``; return the value it
    stores (None for a rule that only checks)."""
    cell = _Cell(value)
    try:
        validator(None, cell)
    except ValidationError as error:
        raise _Bad(error.args[0]) from None
    return cell.clean


def _date(value: str) -> date | None:
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise _Bad(_l("Write the date as YYYY-MM-DD, e.g. 2026-03-31."))
