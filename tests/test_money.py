"""Money: integer cents in, Babel-formatted euros out."""

import pytest
from babel.numbers import format_currency

from lesnamax.money import cents_to_decimal_text, discount_percent, format_cents, parse_euros


@pytest.mark.parametrize(
    ("cents", "locale", "expected"),
    [
        (123450, "sq_XK", "1\xa0234,50\xa0€"),
        (1200, "sq_XK", "12,00\xa0€"),
        (0, "sq_XK", "0,00\xa0€"),
        (123456789, "sq_XK", "1\xa0234\xa0567,89\xa0€"),
        (123450, "en", "€1,234.50"),
    ],
)
def test_format_cents(app, cents, locale, expected):
    with app.test_request_context():
        assert format_cents(cents, locale) == expected


def test_format_cents_follows_the_request_locale(app):
    with app.test_request_context("/?lang=sq"):
        assert format_cents(99) == format_currency(0.99, "EUR", locale="sq_XK")
    with app.test_request_context("/?lang=en"):
        assert format_cents(99) == "€0.99"


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12", 1200),
        ("12,5", 1250),
        ("12.50", 1250),
        (" 1 250 ", 125000),
        ("0", 0),
        ("1\xa0234,56", 123456),
    ],
)
def test_parse_euros_accepts_what_people_type(text, cents):
    assert parse_euros(text) == cents


@pytest.mark.parametrize("text", ["", "-5", "abc", "12,555", "1e5", "12€", None, "9" * 12])
def test_parse_euros_refuses_the_rest(text):
    assert parse_euros(text) is None


def test_decimal_text_and_discount():
    assert cents_to_decimal_text(123450) == "1234.50"
    assert cents_to_decimal_text(5) == "0.05"
    assert discount_percent(7500, 10000) == 25
    assert discount_percent(10000, None) == 0
    assert discount_percent(10000, 9000) == 0
