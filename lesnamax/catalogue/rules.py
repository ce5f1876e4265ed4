"""The rules a product's fields obey, whether typed in the owner's form or read from a CSV file.

WTForms validators (``field.data`` stays as typed; the stored value goes to ``field.clean``):
the product form (admin/product_forms.py) and the CSV import (catalogue/csv/rows.py) use the
same ones, so a file cannot store what the form would refuse. That includes the plain-text
rule of every text field (``plain_line``, ``plain_text``).
"""

from __future__ import annotations

import re

from wtforms.validators import ValidationError

from ..i18n import _l
from ..money import parse_euros

#: Upper limits the form and the import share (a typo of three extra zeros is caught).
MAX_PRICE_CENTS = 100_000_000
MAX_STOCK = 100_000
MAX_CM = 10_000
_SKU = re.compile(r"^[A-Z0-9][A-Z0-9._/\-]*$")
#: A whole number as typed (also used for the admin list's page and category filters).
WHOLE = re.compile(r"^[0-9]{1,7}$")
#: Control characters and invisible reordering marks. Tab, CR and LF are judged apart (fine in
#: descriptions only). The CSV import also counts them to tell a binary file from text.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e"
                     "\u2066-\u2069\ufeff]")
_LINE_BREAK = re.compile("[\t\r\n]")
#: Something that reads as an HTML tag, end tag or comment ("</ 3" too: a browser opens a bogus
#: comment there); "< 2 m" stays allowed.
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]")


def _plain(value: str, multiline: bool) -> None:
    if CONTROL.search(value) or (not multiline and _LINE_BREAK.search(value)):
        raise ValidationError(_l("This field contains invisible or control characters."))
    if _MARKUP.search(value):
        raise ValidationError(_l("HTML tags are not allowed here."))


def plain_line(_form, field) -> None:
    """One line of plain text (names, SKU): no control characters, line breaks or markup."""
    _plain(field.data or "", multiline=False)


def plain_text(_form, field) -> None:
    """Plain text that may have several lines (descriptions): as ``plain_line``, but tab, CR
    and LF are allowed."""
    _plain(field.data or "", multiline=True)


def euros(_form, field) -> None:
    """Cents from "12,50", "12.50", "1 250" or a copied "1 250,50 €"; refuses "-3", "1.250"."""
    raw = (field.data or "").strip()
    if not raw:
        field.clean = None
        return
    if raw.startswith("-"):
        raise ValidationError(_l("The price cannot be negative."))
    # A trailing euro sign is accepted: people copy prices from the shop ("1 234,50 €").
    cents = parse_euros(raw.removesuffix("€").replace("\u202f", ""))
    if cents is None:
        raise ValidationError(_l("Write the price in euros, e.g. 12,50 or 1 250."))
    if cents == 0:
        raise ValidationError(_l("The price must be more than 0 €."))
    if cents > MAX_PRICE_CENTS:
        raise ValidationError(_l("The price cannot be more than 1 000 000 €."))
    field.clean = cents


def stock_count(_form, field) -> None:
    raw = (field.data or "").strip()
    if not WHOLE.fullmatch(raw) or int(raw) > MAX_STOCK:
        raise ValidationError(_l("Enter the stock as a whole number from 0 to 100 000."))
    field.clean = int(raw)


def centimetres(_form, field) -> None:
    raw = (field.data or "").strip()
    field.clean = None
    if not raw:
        return
    if not WHOLE.fullmatch(raw) or not 1 <= int(raw) <= MAX_CM:
        raise ValidationError(_l("Enter whole centimetres from 1 to 10 000, or leave it empty."))
    field.clean = int(raw)


def sku_code(_form, field) -> None:
    value = (field.data or "").strip().upper()
    if not _SKU.fullmatch(value):
        raise ValidationError(
            _l("Use letters, digits, dots, dashes and slashes, starting with a letter or digit.")
        )
    field.clean = value
