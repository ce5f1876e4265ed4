"""Accessibility (axe-core, WCAG 2.0/2.1 A and AA) and small screens, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .support import assert_accessible, axe_violations, card_titles

PAGES = {
    "home": "/",
    "listing": "/products",
    "category": "/category/mobilje",
    "search": "/products?q=karrige",
    "price list": "/cmimore",
    "terms of sale": "/terms",
    "terms in English": "/terms?lang=en",
    "stores": "/stores",
    "stores in English": "/stores?lang=en",
    "contact": "/contact",
    "contact in English": "/contact?lang=en",
}


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_pages_have_no_wcag_violations(page: Page, path: str):
    page.goto(path)
    assert_accessible(page)


def test_product_page_has_no_wcag_violations(page: Page):
    page.goto("/category/kuzhina")
    page.locator("#product-grid .card-link").first.click()
    page.wait_for_url(re.compile(r"/products/[a-z0-9-]+$"))
    expect(page.locator(".product-info h1")).to_be_visible()
    assert_accessible(page)


def test_english_pages_have_no_wcag_violations(page: Page):
    page.goto("/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page)
    page.goto("/products?lang=en&in_stock=1&page=2")
    assert_accessible(page)


def test_grid_after_htmx_swaps_has_no_wcag_violations(page: Page):
    page.goto("/products")
    page.evaluate("window.__noReload = true")
    before = card_titles(page)

    page.get_by_label("Rendit sipas").select_option("name")
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(page.locator("#product-grid .card-title").first).not_to_have_text(before[0])
    assert_accessible(page)

    page.locator("#product-grid").get_by_role("link", name="Tjetra").click()
    expect(page.locator(".pagination")).to_contain_text("Faqja 2 nga 5")
    assert page.evaluate("window.__noReload === true")
    assert_accessible(page)
    # Exactly one grid (outerHTML swap, no nesting) and one heading that counts results.
    expect(page.locator("#product-grid")).to_have_count(1)
    expect(page.locator("#results-count")).to_have_count(1)


def test_open_search_suggestions_have_no_wcag_violations(page: Page):
    page.goto("/")
    page.locator("#search-q").press_sequentially("dyshek", delay=40)
    expect(page.locator("#search-suggestions li").first).to_be_visible()
    assert_accessible(page)


def test_axe_check_bites(page: Page):
    """A control: the helper does report a broken page."""
    page.goto("/")
    page.evaluate("""() => {
        document.querySelector('.search button').textContent = '';
        document.querySelector('.card img').removeAttribute('alt');
    }""")
    found = {v["id"] for v in axe_violations(page)}
    assert {"button-name", "image-alt"} <= found, found


@pytest.mark.parametrize("path", ["/", "/products", "/category/dysheke", "/cmimore", "/terms",
                                  "/stores", "/contact"])
def test_no_horizontal_overflow_on_a_360px_phone(page: Page, path: str):
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(path)
    expect(page.get_by_role("button", name="Kërko", exact=True)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 360:
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 360.5)
            .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (e.className && typeof e.className === 'string' ? '.' + e.className : '')
                + ' right=' + Math.round(e.getBoundingClientRect().right))""")
        pytest.fail(f"{path} is {width}px wide at a 360px viewport; too wide: {wide}")
