"""The same listing flow with JavaScript disabled: plain forms and links, full page loads."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from .support import card_titles


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_listing_filters_and_pages_without_javascript(nojs_page: Page, watch):
    page = nojs_page
    page.goto("/products")
    expect(page.get_by_role("heading", level=1)).to_have_text("Të gjitha produktet")
    expect(page.locator("#results-count")).to_have_text("60 produkte")
    expect(page.locator(".pagination")).to_contain_text("Faqja 1 nga 5")

    # Nothing happens on change without htmx: the visitor presses "Apliko filtrat".
    page.get_by_label("Vetëm në stok").check()
    page.get_by_label("Rendit sipas").select_option("price_asc")
    expect(page).to_have_url(re.compile(r"/products$"))
    page.get_by_role("button", name="Apliko filtrat").click()
    page.wait_for_url(re.compile(r"in_stock=1"))
    assert params(page)["in_stock"] == ["1"] and params(page)["sort"] == ["price_asc"]
    expect(page.locator("#results-count")).not_to_have_text("60 produkte")
    expect(page.locator("#product-grid .stock-out")).to_have_count(0)
    expect(page.get_by_label("Vetëm në stok")).to_be_checked()
    filtered_page_1 = card_titles(page)

    # Plain pagination links keep the filters.
    page.get_by_role("link", name="Tjetra").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert params(page)["page"] == ["2"] and params(page)["in_stock"] == ["1"]
    expect(page.locator(".pagination")).to_contain_text("Faqja 2 nga 5")
    assert not set(card_titles(page)) & set(filtered_page_1)

    page.go_back()
    assert "page" not in params(page) and params(page)["in_stock"] == ["1"]
    expect(page.locator(".pagination")).to_contain_text("Faqja 1 nga 5")
    assert card_titles(page) == filtered_page_1

    # "Pastro filtrat" goes back to the whole list.
    page.get_by_role("link", name="Pastro filtrat").click()
    expect(page).to_have_url(re.compile(r"/products$"))
    expect(page.locator("#results-count")).to_have_text("60 produkte")

    # No htmx request was ever sent: everything above was plain GETs.
    assert not watch.requests_to("/search/suggest")


def test_search_and_product_without_javascript(nojs_page: Page, watch):
    page = nojs_page
    page.goto("/")
    page.get_by_role("searchbox", name="Kërko produkte").fill("KARRIGE")
    page.get_by_role("button", name="Kërko", exact=True).click()
    page.wait_for_url(re.compile(r"/products\?q=KARRIGE$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rezultatet për “KARRIGE”")
    titles = card_titles(page)
    assert titles and any("Karrige" in t for t in titles)
    expect(page.locator("#search-suggestions li")).to_have_count(0)

    page.locator("#product-grid .card-link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])
    product_path = urlsplit(page.url).path

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert urlsplit(page.url).path == product_path
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_visible()
    expect(page.locator(".product-info")).to_contain_text("Code:")

    page.get_by_role("link", name="Shqip").click()
    expect(page.locator("html")).to_have_attribute("lang", "sq-XK")
    assert urlsplit(page.url).path == product_path
    expect(page.get_by_role("button", name="Kërko", exact=True)).to_be_visible()
    assert not watch.requests_to("/search/suggest")
