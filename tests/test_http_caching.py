"""HTTP caching: static files and pictures carry their content hash in the URL and may be kept
a year; catalogue pages are the same bytes for everybody and revalidate by ETag; personal pages
are never kept (lesnamax/pagecache.py)."""

import re

import pytest

from lesnamax.catalogue.models import Category, Product
from lesnamax.extensions import db
from lesnamax.templating import YEAR


def test_hashed_static_files_are_kept_a_year(client):
    page = client.get("/").text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+\?v=[0-9a-f]{10})"', page)
    assert any(u.startswith("/static/css/shop.css") for u in urls)
    assert any(u.startswith("/static/vendor/htmx") for u in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        control = response.cache_control
        assert control.max_age == YEAR and control.immutable and control.public, url
        assert response.headers.get("ETag"), url
        response.close()


def test_a_stale_or_missing_hash_keeps_the_short_default(client):
    for url in ("/static/css/shop.css?v=0000000000", "/static/css/shop.css"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.max_age == 3600
        assert not response.cache_control.immutable
        response.close()


def test_unchanged_static_file_answers_304(client):
    url = re.search(r'href="(/static/css/shop.css\?v=\w+)"', client.get("/").text)[1]
    first = client.get(url)
    etag = first.headers["ETag"]
    first.close()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    again.close()


# --- catalogue pages: the same bytes for everybody, an ETag, and a 304 on revalidation ---

SHARED_PATHS = ("/", "/products", "/products?q=lisi", "/category/{category}", "/products/{slug}",
                "/search/suggest?q=lisi", "/cmimore", "/sitemap.xml", "/sitemap-pages.xml",
                "/sitemap-products-1.xml", "/robots.txt")


@pytest.fixture
def shared_paths(app, make_product):
    product = make_product(name_sq="Karrige lisi")
    with app.app_context():
        slug = db.session.get(Category, product.category_id).slug
    return [p.format(slug=product.slug, category=slug) for p in SHARED_PATHS]


def test_catalogue_pages_carry_an_etag_and_revalidate(client, shared_paths):
    for path in shared_paths:
        first = client.get(path)
        assert first.status_code == 200, path
        assert first.headers["Cache-Control"] == "no-cache", path
        assert {"Accept-Language", "Cookie"} <= set(first.vary), path
        etag = first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", path
        assert again.headers["ETag"] == etag
        # nginx's gzip makes the tag weak; a weak match is still a match for a GET.
        assert client.get(path, headers={"If-None-Match": f"W/{etag}"}).status_code == 304


def test_no_catalogue_page_carries_a_token_or_personal_bits(app, client, hx, shared_paths,
                                                            make_user, login):
    login(make_user(first_name="Arbërore"))
    client.get("/products", query_string={"lang": "sq"})
    for path in shared_paths:
        page = client.get(path).text
        assert "csrf" not in page.lower() and "Arbërore" not in page, path
        assert "/account/logout" not in page, path


def test_a_product_edit_makes_the_old_tag_stale(app, client, make_product):
    product = make_product(price_cents=12_300)
    path = f"/products/{product.slug}"
    etag = client.get(path).headers["ETag"]
    with app.app_context():
        db.session.get(Product, product.id).price_cents = 45_600
        db.session.commit()
    fresh = client.get(path, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "456,00" in fresh.text
    assert fresh.headers["ETag"] != etag


def test_languages_and_fragments_have_their_own_tags(client, hx, shared_paths):
    tags = {client.get("/products").headers["ETag"],
            client.get("/products?lang=en").headers["ETag"],
            client.get("/products", headers={"Accept-Language": "en"}).headers["ETag"],
            hx.get("/products").headers["ETag"]}
    assert len(tags) == 4  # Albanian, English by address, English by header, a fragment
    assert "HX-Request" in hx.get("/products").vary


def test_personal_pages_stay_private(client, make_user, login, shared_paths):
    for path in ("/cart", "/header/me", "/account/login"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers, path
    login(make_user())
    for path in ("/account", "/checkout", "/header/me"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "private, no-store", path


def test_the_header_partial_shows_the_visitors_own_links(client, hx, make_product, make_user,
                                                         login):
    product = make_product(stock=5)
    visitor = client.get("/header/me").text
    assert 'id="header-me"' in visitor and "/account/login" in visitor
    assert "/account/register" in visitor and "<html" not in visitor
    hx.post("/cart/add", data={"product_id": product.id, "quantity": 2})
    login(make_user())
    me = client.get("/header/me").text
    assert 'action="/account/logout"' in me and 'name="csrf_token"' in me
    assert re.search(r'id="cart-badge".*?class="count"[^>]*>2<', me, re.S)


def test_shared_pages_load_the_header_and_work_without_javascript(client):
    page = client.get("/").text
    me = re.search(r'<span id="header-me"[^>]*>(.*?)</span>', page, re.S)
    assert 'hx-get="/header/me?lang=sq"' in me[0] and 'hx-trigger="load"' in me[0]
    # Without JavaScript: plain links that always work.
    assert 'href="/account"' in me[1] and 'href="/cart"' in me[1]


def test_the_header_partial_speaks_the_pages_language(client):
    """A page whose language came from ?lang= (a shared link) asks for its header in that
    language, whatever the browser prefers."""
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    page = client.get("/?lang=sq", headers=english_browser).text
    url = re.search(r'hx-get="(/header/me[^"]*)"', page)[1]
    assert url == "/header/me?lang=sq"
    header = client.get(url, headers=english_browser).text
    assert "Kyçu" in header and "Log in" not in header
    page = client.get("/?lang=en").text
    assert 'hx-get="/header/me?lang=en"' in page


def test_a_flash_waits_outside_every_shared_cache(client, make_user, login):
    login(make_user())
    flagged = client.post("/account/logout")
    assert "lm_flash=1" in flagged.headers["Set-Cookie"]
    shown = client.get("/")
    assert shown.headers["Cache-Control"] == "private, no-store"
    assert "lm_flash=;" in shown.headers["Set-Cookie"]  # shown: the flag goes
    assert client.get("/").headers["Cache-Control"] == "no-cache"
