"""Search ignores Albanian diacritics and case; live suggestions; hostile queries are harmless."""

import re

import pytest

from lesnamax.text import fold, slugify, tokens


def names_in(html: str) -> list[str]:
    return sorted(re.findall(r'<h3 class="card-title">([^<]+)</h3>', html))


@pytest.fixture
def products(make_category, make_product):
    mattresses = make_category(slug="dysheke", name_sq="Dyshekë", name_en="Mattresses")
    make_product(name_sq="Karrigë druri lisi", name_en="Oak chair", material="oak")
    make_product(name_sq="Karrige zyre", name_en="Office chair", material="metal")
    make_product(
        name_sq="Dyshek ortopedik", name_en="Orthopaedic mattress", category_id=mattresses.id
    )
    make_product(name_sq="Tavolinë çaji", name_en="Tea table", sku="LM-TAV-000777")


def test_fold():
    assert fold("Dyshekë ÇELIK  Ëndërr") == "dysheke celik enderr"
    assert tokens("Karrigë, druri-lisi!") == ["karrige", "druri", "lisi"]
    assert slugify("Karrige druri lisi") == "karrige-druri-lisi"
    assert slugify("Tavolinë çaji") == "tavoline-caji"
    assert slugify("!!!") == "produkt"


@pytest.mark.parametrize("q", ["karrige", "Karrigë", "KARRIGE", "karrigë", "KARRIGË"])
def test_search_ignores_diacritics_and_case(client, products, q):
    assert names_in(client.get("/products", query_string={"q": q}).text) == [
        "Karrige zyre",
        "Karrigë druri lisi",
    ]


def test_dysheke_finds_dysheke_category(client, products):
    assert names_in(client.get("/products?q=dysheke").text) == ["Dyshek ortopedik"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("caji", ["Tavolinë çaji"]),
        ("tav", ["Tavolinë çaji"]),  # prefix
        ("chair", ["Karrige zyre", "Karrigë druri lisi"]),  # English names too
        ("karrige lisi", ["Karrigë druri lisi"]),  # every word must match
        ("dru lisi", ["Karrigë druri lisi"]),  # material label
        ("LM-TAV-000777", ["Tavolinë çaji"]),  # SKU
        ("oak wood", ["Karrigë druri lisi"]),
    ],
)
def test_search_matches(client, products, q, expected):
    assert names_in(client.get("/products", query_string={"q": q}).text) == expected


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "karrige' OR 1=1 --",
        "NEAR(a b)",
        "*",
        "a AND",
        "karrige)",
        "'; DROP TABLE product; --",
        "\x00",
        "‮karrige",
        "<script>alert(1)</script>",
        "^karrige",
        "karrige:*",
        "{a}",
    ],
)
def test_hostile_queries_are_harmless(client, products, q):
    response = client.get("/products", query_string={"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text


def test_search_results_keep_the_query_in_the_form(client, products):
    html = client.get("/products?q=Karrig%C3%AB").text
    assert 'value="Karrigë"' in html
    assert "Rezultatet për “Karrigë”" in html


def test_overlong_query_is_cut_with_a_notice(client, products):
    response = client.get("/products", query_string={"q": "karrige " + "x" * 10_000})
    assert response.status_code == 200
    assert "nuk u kuptuan" in response.text


def test_suggestions_partial_for_htmx(hx, products):
    response = hx.get("/search/suggest?q=karr")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="search-suggestions"')
    assert "<html" not in response.text
    assert "Karrige zyre" in response.text and "Karrigë druri lisi" in response.text
    assert 'href="/products?q=karr"' in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_suggestions_without_htmx_are_a_page(client, products):
    response = client.get("/search/suggest?q=karr")
    assert "<html" in response.text and "Karrige zyre" in response.text


def test_suggestions_need_two_letters_and_cap_at_eight(hx, make_product):
    for n in range(12):
        make_product(name_sq=f"Jastëk {n}")
    assert "<li>" not in hx.get("/search/suggest?q=j").text
    assert hx.get("/search/suggest?q=ja").text.count('href="/products/') == 8


def test_suggestions_say_when_nothing_matches(hx, products):
    assert "Nuk u gjet asnjë produkt." in hx.get("/search/suggest?q=xyzxyz").text


def test_search_stays_in_sync_with_edits(app, client, products):
    from lesnamax.catalogue.models import Product
    from lesnamax.extensions import db

    with app.app_context():
        product = db.session.query(Product).filter_by(name_sq="Karrige zyre").one()
        product.name_sq = "Kolltuk zyre"
        db.session.commit()
    assert names_in(client.get("/products?q=kolltuk").text) == ["Kolltuk zyre"]
    assert names_in(client.get("/products?q=karrige").text) == ["Karrigë druri lisi"]
    with app.app_context():
        db.session.delete(db.session.query(Product).filter_by(name_sq="Kolltuk zyre").one())
        db.session.commit()
    assert names_in(client.get("/products?q=kolltuk").text) == []
