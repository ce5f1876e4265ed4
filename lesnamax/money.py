"""Money as integer cents: parse what people type, format with Babel for the current locale."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.core import Locale
from babel.numbers import format_currency
from flask_babel import get_locale

CURRENCY = "EUR"
# Minor units per currency; EUR is the only one the shop sells in.
EXPONENT = {"EUR": 2}

_EUROS = re.compile(r"^\d{1,9}([.,]\d{1,2})?$")


@lru_cache(maxsize=8)
def _locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


def format_cents(cents: int, locale: str | None = None, currency: str = CURRENCY) -> str:
    """Format ``cents`` for ``locale`` (default: the request's), e.g. ``1 234,50 €`` in sq_XK."""
    # A Locale object, not its name: Babel would parse the name again on every price.
    chosen = _locale(locale) if locale else (get_locale() or _locale("sq_XK"))
    return _formatted(cents, chosen, currency)


@lru_cache(maxsize=8192)
def _formatted(cents: int, locale: Locale, currency: str) -> str:
    # Babel's format_currency costs ~40 µs, more than the rest of a product card; a shop has a
    # few thousand distinct prices, and a page shows the same ones again and again.
    return format_currency(Decimal(cents).scaleb(-EXPONENT[currency]), currency, locale=locale)


def parse_euros(text: str | None) -> int | None:
    """Turn ``"12"``, ``"12,5"`` or ``"12.50"`` into cents; ``None`` for empty or invalid input.

    Used for query parameters, where bad input is ignored rather than refused.
    """
    if text is None:
        return None
    text = text.strip().replace(" ", "").replace("\xa0", "")
    if not _EUROS.match(text):
        return None
    try:
        return int((Decimal(text.replace(",", ".")) * 100).to_integral_value())
    except InvalidOperation:  # pragma: no cover - the regex already rules this out
        return None


def vat_in(gross_cents: int, rate_percent: int | float) -> int:
    """The VAT contained in a price that includes it: gross × rate / (100 + rate), to the cent.

    Prices in Kosovo are shown with VAT; an invoice or the review page shows the part of it.
    """
    rate = Decimal(str(rate_percent))
    return int((Decimal(gross_cents) * rate / (100 + rate)).to_integral_value(ROUND_HALF_UP))


def cents_to_decimal_text(cents: int) -> str:
    """Return ``"1234.50"``: the machine form used in JSON-LD and forms."""
    return f"{Decimal(cents).scaleb(-2):.2f}"


def discount_percent(price_cents: int, regular_cents: int | None) -> int:
    """Whole-percent discount of ``price`` against ``regular``; 0 when not discounted."""
    if not regular_cents or regular_cents <= price_cents:
        return 0
    return round((regular_cents - price_cents) * 100 / regular_cents)
