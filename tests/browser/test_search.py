"""Search in a real browser, in Albanian: live suggestions while typing, and full results
that do not care about diacritics or case."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from .support import card_titles


def _suggest_response_for(query: str):
    def matches(response) -> bool:
        parts = urlsplit(response.url)
        return (
            parts.path == "/search/suggest"
            and parse_qs(parts.query).get("q") == [query]
            and response.request.headers.get("hx-request") == "true"
        )

    return matches


def type_query(page: Page, query: str) -> list[str]:
    """Type ``query`` like a person would and return the live suggestions that appear."""
    box = page.locator("#search-q")
    box.fill("")
    with page.expect_response(_suggest_response_for(query)) as response:
        box.press_sequentially(query, delay=40)
    assert response.value.ok
    suggestions = page.locator("#search-suggestions")
    # The last item links to the full results for exactly what was typed.
    all_results = suggestions.get_by_role("link", name=f"Të gjitha rezultatet për “{query}”")
    expect(all_results).to_be_visible()
    return [t.strip() for t in suggestions.locator("li:not(.all-results) a").all_inner_texts()]


def full_results(page: Page, query: str) -> list[str]:
    """Search for ``query`` from the header search box (Enter) and return the results."""
    page.goto("/")
    page.locator("#search-q").fill(query)
    page.locator("#search-q").press("Enter")
    page.wait_for_url(re.compile(r"/products\?q="))
    assert parse_qs(urlsplit(page.url).query)["q"] == [query]
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Rezultatet për “{query}”")
    expect(page.locator("#results-count")).to_have_text(re.compile(r"^\d+ produkte?$"))
    return card_titles(page)


def test_live_suggestions_appear_while_typing(page: Page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "sq-XK")
    expect(page.get_by_role("button", name="Kërko", exact=True)).to_be_visible()
    page.evaluate("window.__noReload = true")

    first = type_query(page, "karr")
    assert first, "typing 'karr' should suggest products"
    assert all("Karrige" in s for s in first), first
    # Each suggestion shows a price in euros, Kosovo style (decimal comma).
    assert all(re.search(r"\d+,\d{2}\s€$", s) for s in first), first

    # Diacritics and capitals typed in the box change nothing.
    assert type_query(page, "karrige") == type_query(page, "Karrigë") == type_query(page, "KARRIGE")

    # Something that matches nothing says so (in Albanian).
    page.locator("#search-q").fill("")
    with page.expect_response(_suggest_response_for("zzzqx")):
        page.locator("#search-q").press_sequentially("zzzqx", delay=40)
    expect(page.locator("#search-suggestions")).to_have_text("Nuk u gjet asnjë produkt.")
    expect(page.locator("#search-status")).to_have_text("Nuk u gjet asnjë produkt.")

    # Escape closes the suggestions and keeps the focus in the box (static/js/shop.js).
    type_query(page, "karr")
    page.keyboard.press("Escape")
    expect(page.locator("#search-suggestions li")).to_have_count(0)
    expect(page.locator("#search-q")).to_be_focused()
    assert page.evaluate("window.__noReload") is True, "the live search reloaded the page"


def test_suggestion_opens_the_product(page: Page):
    page.goto("/")
    assert type_query(page, "dyshek")
    link = page.locator("#search-suggestions li:not(.all-results) a").first
    name = link.inner_text().replace(link.locator(".suggestion-price").inner_text(), "").strip()
    link.click()
    page.wait_for_url(re.compile(r"/products/[a-z0-9-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_all_results_link_in_suggestions(page: Page):
    page.goto("/")
    type_query(page, "Karrigë")
    page.get_by_role("link", name="Të gjitha rezultatet për “Karrigë”").click()
    page.wait_for_url(re.compile(r"/products\?q=Karrig"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rezultatet për “Karrigë”")
    assert any("Karrige" in title for title in card_titles(page))


def test_full_search_ignores_diacritics_and_case(page: Page):
    plain = full_results(page, "karrige")
    assert plain and any("Karrige" in title for title in plain), plain
    assert full_results(page, "Karrigë") == plain
    assert full_results(page, "KARRIGE") == plain


def test_search_without_diacritics_finds_the_category_with_them(page: Page):
    # The category is called "Dyshekë"; people type "dysheke" on phones without ë.
    page.goto("/category/dysheke")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dyshekë")
    in_category = set(card_titles(page))
    assert in_category

    found = full_results(page, "dysheke")
    assert in_category <= set(found), f"missing from search: {in_category - set(found)}"
    assert set(full_results(page, "Dyshekë")) == set(found)
