"""sitemap.xml, robots.txt, canonical links, hreflang alternates, Open Graph tags."""

import re
import xml.etree.ElementTree as ET

import pytest


@pytest.fixture
def catalogue(make_category, make_product):
    furniture = make_category(slug="mobilje", name_sq="Mobilje", name_en="Furniture")
    make_product(name_sq="Karrige druri lisi", slug="karrige-druri-lisi", category_id=furniture.id)
    make_product(name_sq="Fshehur", slug="fshehur", active=False)


NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locs(response, tag="url"):
    assert response.mimetype == "application/xml"
    return [e.text for e in ET.fromstring(response.data).findall(f"s:{tag}/s:loc", NS)]


def test_sitemap_index_lists_pages_and_product_files(client, catalogue):
    assert locs(client.get("/sitemap.xml"), "sitemap") == [
        "http://shop.test/sitemap-pages.xml",
        "http://shop.test/sitemap-products-1.xml",
    ]


def test_sitemap_files_list_pages_categories_and_active_products(client, catalogue):
    pages = locs(client.get("/sitemap-pages.xml"))
    assert "http://shop.test/" in pages
    assert "http://shop.test/category/mobilje" in pages
    assert "http://shop.test/cmimore" in pages
    response = client.get("/sitemap-products-1.xml")
    assert locs(response) == ["http://shop.test/products/karrige-druri-lisi"]
    assert (
        'hreflang="en" href="http://shop.test/products/karrige-druri-lisi?lang=en"' in response.text
    )
    assert client.get("/sitemap-products-2.xml").status_code == 404


def test_sitemap_is_split_into_files(client, monkeypatch, make_product):
    from lesnamax.catalogue import services

    monkeypatch.setattr(services, "SITEMAP_CHUNK", 2)
    for _ in range(5):
        make_product()
    assert len(locs(client.get("/sitemap.xml"), "sitemap")) == 4
    assert len(locs(client.get("/sitemap-products-3.xml"))) == 1


def test_robots_points_to_the_sitemap(client):
    text = client.get("/robots.txt").text
    assert "Sitemap: http://shop.test/sitemap.xml" in text
    assert "Disallow: /account" in text


def test_canonical_and_hreflang(client, catalogue):
    html = client.get("/products/karrige-druri-lisi?lang=en").text
    assert '<link rel="canonical" href="http://shop.test/products/karrige-druri-lisi">' in html
    assert (
        '<link rel="alternate" hreflang="sq" '
        'href="http://shop.test/products/karrige-druri-lisi?lang=sq">'
    ) in html
    assert (
        '<link rel="alternate" hreflang="en" '
        'href="http://shop.test/products/karrige-druri-lisi?lang=en">'
    ) in html
    assert 'hreflang="x-default"' in html


def test_listing_canonical_keeps_filters(client, catalogue):
    html = client.get("/products?sort=name&lang=sq").text
    assert '<link rel="canonical" href="http://shop.test/products?sort=name">' in html


def test_open_graph_tags(client, catalogue):
    html = client.get("/products/karrige-druri-lisi").text
    assert '<meta property="og:type" content="product">' in html
    assert '<meta property="og:title" content="Karrige druri lisi · LESNA MAX">' in html
    assert re.search(
        r'<meta property="og:image" content="http://shop.test/media/products/\w+-800.webp">', html
    )
    assert '<meta property="og:locale" content="sq_XK">' in html


def test_error_pages_are_not_indexed(client):
    assert '<meta name="robots" content="noindex">' in client.get("/nuk-ekziston").text
