"""Locale selection, <html lang>, the language switch, Albanian dates."""

from datetime import date

import pytest
from flask_babel import format_date

from lesnamax.i18n import select_locale


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("sq-AL,sq;q=0.9,en;q=0.8", "sq_XK"),  # Werkzeug's best_match would pick en here
        ("sq", "sq_XK"),
        ("en-US,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,en;q=0.5", "en"),
        ("de-DE", "sq_XK"),
        ("", "sq_XK"),
        ("sr-Latn-RS,sq;q=0.5", "sq_XK"),
        ("EN_gb", "en"),
    ],
)
def test_accept_language_is_mapped_by_primary_language(app, header, expected):
    with app.test_request_context("/", headers={"Accept-Language": header}):
        assert select_locale() == expected


def test_query_beats_cookie_beats_header(app):
    with app.test_request_context(
        "/?lang=en", headers={"Cookie": "lang=sq", "Accept-Language": "sq"}
    ):
        assert select_locale() == "en"
    with app.test_request_context("/", headers={"Cookie": "lang=en", "Accept-Language": "sq"}):
        assert select_locale() == "en"
    with app.test_request_context("/?lang=xx", headers={"Cookie": "lang=zz"}):
        assert select_locale() == "sq_XK"


def test_html_lang_matches_the_locale(client):
    assert '<html lang="sq-XK">' in client.get("/").text
    assert '<html lang="en">' in client.get("/?lang=en").text
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en"}).text


def test_language_switch_sets_a_cookie_and_returns(client):
    response = client.get("/lang/en?next=/products%3Fsort%3Dname")
    assert response.status_code == 303
    assert response.headers["Location"] == "/products?sort=name"
    assert "lang=en" in response.headers["Set-Cookie"]
    page = client.get("/products")
    assert "All products" in page.text
    client.get("/lang/sq?next=/")
    assert "Të gjitha produktet" in client.get("/products").text


@pytest.mark.parametrize(
    "target", ["https://evil.test/", "//evil.test/x", "/\\evil.test", "javascript:alert(1)"]
)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/lang/sq", query_string={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_unknown_language_code_is_404(client):
    assert client.get("/lang/de").status_code == 404


def test_dates_are_albanian(app):
    with app.test_request_context("/?lang=sq"):
        assert format_date(date(2025, 3, 7), "long") == "7 mars 2025"
        assert format_date(date(2026, 11, 25), "full") == "e mërkurë, 25 nëntor 2026"


def test_templates_follow_a_forced_locale_and_come_back(app):
    """Templates' translations are looked up once per locale (lesnamax/i18n.py), yet an e-mail
    forced into the customer's language is in that language, and the page after it is not."""
    from flask import render_template_string
    from flask_babel import force_locale

    template = '{{ _("Add to cart") }}|{{ ngettext("Only %(num)d left", "Only %(num)d left", 2) }}'
    with app.test_request_context("/", headers={"Accept-Language": "sq"}):
        assert render_template_string(template) == "Shto në shportë|Kanë mbetur vetëm 2"
        with force_locale("en"):
            assert render_template_string(template) == "Add to cart|Only 2 left"
        assert render_template_string(template) == "Shto në shportë|Kanë mbetur vetëm 2"
