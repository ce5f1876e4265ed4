"""Listings with JavaScript on: filters and pages swap only the product grid (htmx), the
address bar follows, and the back button brings the previous grid back."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from .support import card_prices, card_titles

MARK = "window.__noReload"


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def set_marker(page: Page) -> None:
    """A full page load would wipe this; an htmx swap keeps it."""
    page.evaluate(f"{MARK} = true")


def assert_no_reload(page: Page) -> None:
    assert page.evaluate(f"{MARK} === true"), "the page was reloaded instead of swapped by htmx"


def grid_swap(tab: Page, **expected: str):
    """Wait for the htmx request that fetches a new grid (a fragment, not a page) whose
    query has the ``expected`` values."""

    def matches(response) -> bool:
        query = parse_qs(urlsplit(response.url).query, keep_blank_values=True)
        return (
            response.request.headers.get("hx-request") == "true"
            and response.request.headers.get("hx-target") == "product-grid"
            and all(query.get(k) == [v] for k, v in expected.items())
        )

    return tab.expect_response(matches)


def test_filter_paginate_and_go_back(page: Page):
    page.goto("/products")
    expect(page.get_by_role("heading", level=1)).to_have_text("Të gjitha produktet")
    grid = page.locator("#product-grid")
    expect(grid.locator("#results-count")).to_have_text("60 produkte")
    expect(grid.locator(".pagination")).to_contain_text("Faqja 1 nga 5")
    all_page_1 = card_titles(page)
    assert len(all_page_1) == 12
    set_marker(page)

    # Filter: in stock only. The checkbox's change event sends the form with htmx.
    with grid_swap(page, in_stock="1") as swap:
        page.get_by_label("Vetëm në stok").check()
    assert "<html" not in swap.value.text(), "htmx got a whole page instead of the grid"
    expect(page).to_have_url(re.compile(r"[?&]in_stock=1"))
    expect(grid.locator("#results-count")).not_to_have_text("60 produkte")
    expect(grid.locator("#results-count")).to_have_text(re.compile(r"^\d+ produkte$"))
    in_stock_count = grid.locator("#results-count").inner_text()
    # The count is announced through the live region that stays in the page.
    expect(page.locator("#listing-status")).to_have_text(in_stock_count)
    expect(grid.locator(".stock-out")).to_have_count(0)
    expect(grid.locator(".stock").first).to_contain_text(re.compile("Në stok|Ka mbetur vetëm"))
    stock_page_1 = card_titles(page)
    assert_no_reload(page)

    # Next page: keeps the filter, swaps only the grid.
    with grid_swap(page, page="2", in_stock="1"):
        grid.get_by_role("link", name="Tjetra").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2"))
    assert params(page)["in_stock"] == ["1"]
    expect(grid.locator(".pagination")).to_contain_text("Faqja 2 nga 5")
    expect(grid.get_by_role("link", name="E mëparshmja")).to_be_visible()
    stock_page_2 = card_titles(page)
    assert stock_page_2 and not set(stock_page_2) & set(stock_page_1)
    assert_no_reload(page)

    # Back: page 1 of the filtered list again, address and grid.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"[?&]page="))
    assert params(page)["in_stock"] == ["1"]
    expect(grid.locator(".pagination")).to_contain_text("Faqja 1 nga 5")
    expect(grid.locator("#results-count")).to_have_text(in_stock_count)
    assert card_titles(page) == stock_page_1
    # The form shows the filter of the address it is back at.
    expect(page.get_by_label("Vetëm në stok")).to_be_checked()

    # Back again: the unfiltered list.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/products$"))
    expect(grid.locator("#results-count")).to_have_text("60 produkte")
    assert card_titles(page) == all_page_1
    assert_no_reload(page)
    expect(page.get_by_label("Vetëm në stok")).not_to_be_checked()

    # Forward works too.
    page.go_forward()
    expect(page).to_have_url(re.compile(r"[?&]in_stock=1"))
    expect(grid.locator("#results-count")).to_have_text(in_stock_count)
    expect(page.get_by_label("Vetëm në stok")).to_be_checked()


def test_sort_and_price_filter_in_a_category(page: Page):
    page.goto("/category/mobilje")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mobilje")
    expect(page.get_by_role("list", name="Nënkategoritë")).to_be_visible()
    grid = page.locator("#product-grid")
    total = grid.locator("#results-count").inner_text()
    set_marker(page)

    with grid_swap(page, sort="price_asc"):
        page.get_by_label("Rendit sipas").select_option("price_asc")
    expect(page).to_have_url(re.compile(r"/category/mobilje\?.*sort=price_asc"))
    first = card_prices(page)
    assert first == sorted(first) and len(first) == 12

    with grid_swap(page, page="2", sort="price_asc"):
        grid.get_by_role("link", name="Tjetra").click()
    expect(grid.locator(".pagination")).to_contain_text("Faqja 2 nga")
    second = card_prices(page)
    assert second == sorted(second) and second[0] >= first[-1]
    assert params(page)["sort"] == ["price_asc"]

    # A price range. Leaving "Nga" already filters (change event); Enter in "Deri" then
    # fires change and submit at once, which must make one request and one history entry.
    page.get_by_label("Nga", exact=True).fill("100")
    with grid_swap(page, min_price="100"):
        page.get_by_label("Deri", exact=True).fill("300")
    # The response is in, but htmx pushes the address after the swap: wait for it before
    # counting history entries (with the page cache the answer is fast enough to lose that race).
    expect(page).to_have_url(re.compile(r"min_price=100"))
    # Empty fields stay out of the pushed address (shop.js drops them).
    assert "max_price" not in page.url and "material=" not in page.url, page.url
    history_length = page.evaluate("history.length")
    with grid_swap(page, min_price="100", max_price="300"):
        page.get_by_label("Deri", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(r"max_price=300"))
    assert params(page)["min_price"] == ["100"] and "page" not in params(page), page.url
    expect(grid.locator("#results-count")).not_to_have_text(total)
    prices = card_prices(page)
    assert prices and all(100 <= p <= 300 for p in prices), prices
    assert prices == sorted(prices)
    assert_no_reload(page)

    page.wait_for_timeout(300)  # time for a duplicate request, if any, to be swapped in
    assert page.evaluate("history.length") == history_length + 1, "Enter made two entries"

    page.go_back()
    expect(page).to_have_url(re.compile(r"min_price=100(&sort=price_asc)?$"))
    page.go_back()
    expect(grid.locator(".pagination")).to_contain_text("Faqja 2 nga")
    assert card_prices(page) == second
    expect(page.get_by_label("Nga", exact=True)).to_have_value("")
    expect(page.get_by_label("Rendit sipas")).to_have_value("price_asc")


def test_open_a_product_from_the_listing(page: Page):
    page.goto("/category/dysheke")
    card = page.locator("#product-grid .card").first
    name = card.locator(".card-title").inner_text().strip()
    price = card.locator(".price-now").inner_text()
    card.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/products/[a-z0-9-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator(".product-info .price-now")).to_have_text(price)
    crumbs = page.get_by_role("navigation", name="Gjurmët e navigimit")
    expect(crumbs.get_by_role("link", name="Dyshekë")).to_be_visible()
    expect(page.locator(".product-info")).to_contain_text("Kodi:")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/category/dysheke$"))


def test_switch_to_english_and_back(page: Page):
    page.goto("/products?sort=price_desc&page=2")
    expect(page.get_by_role("button", name="Kërko", exact=True)).to_be_visible()

    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/products\?sort=price_desc&page=2$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("All products")
    expect(page.locator("#results-count")).to_have_text("60 products")
    expect(page.locator(".pagination")).to_contain_text("Page 2 of 5")
    expect(page.get_by_role("link", name="Next")).to_be_visible()

    # The choice sticks (cookie): the next pages are English too, even after htmx swaps.
    page.locator("#product-grid .card-link").first.click()
    expect(page.locator(".product-info")).to_contain_text("Code:")
    page.goto("/products")
    with grid_swap(page, in_stock="1"):
        page.get_by_label("In stock only").check()
    expect(page.locator("#results-count")).to_have_text(re.compile(r"^\d+ products$"))

    page.get_by_role("link", name="Shqip").click()
    expect(page.locator("html")).to_have_attribute("lang", "sq-XK")
    expect(page.get_by_role("button", name="Kërko", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Tjetra")).to_be_visible()
    # The language link follows the address htmx pushed, so the filter survives the switch.
    assert params(page).get("in_stock") == ["1"], page.url
    expect(page.get_by_label("Vetëm në stok")).to_be_checked()


def test_add_to_cart_from_a_listing_stays_on_the_listing(page: Page):
    """The grid pushes its filter and page URLs into the address bar; adding a card's product
    to the cart must not push ``/cart/add`` there (a reload would then ask for it by GET)."""
    page.goto("/category/dysheke")
    set_marker(page)
    card = page.locator("#product-grid .card").first
    with page.expect_response(lambda r: r.url.endswith("/cart/add")):
        card.locator("form.add-to-cart button").click()
    expect(card.locator(".add-status")).not_to_be_empty()
    assert_no_reload(page)
    expect(page).to_have_url(re.compile(r"/category/dysheke$"))
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dyshekë")
