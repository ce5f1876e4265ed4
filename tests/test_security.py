"""Security headers, CSP that htmx works under, nothing loaded from another origin, CSRF."""

import re
from html.parser import HTMLParser

import pytest

PAGES = [
    "/",
    "/products",
    "/category/mobilje",
    "/products/karrige",
    "/cmimore",
    "/privacy",
    "/account/login",
    "/account/register",
    "/account/password/reset",
    "/nuk-ekziston",
]


@pytest.fixture
def catalogue(make_category, make_product):
    furniture = make_category(slug="mobilje", name_sq="Mobilje", name_en="Furniture")
    make_product(name_sq="Karrige", slug="karrige", category_id=furniture.id)


@pytest.mark.parametrize("path", PAGES)
def test_security_headers(client, catalogue, path):
    assert_security_headers(client.get(path).headers)


def assert_security_headers(headers) -> None:
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP in tests


def test_security_headers_on_every_kind_of_answer(app, client, hx, catalogue):
    """Not only pages: files, partials, redirects, refusals, plain text for the bank, JSON,
    XML, answers from the page cache and the error handlers all carry the headers."""
    from pathlib import Path

    folder = Path(app.config["MEDIA_ROOT"]) / "products"
    folder.mkdir(parents=True)
    (folder / "abc-400.webp").write_bytes(b"RIFF0000WEBP")
    client.get("/category/mobilje")  # the next visit is answered by the page cache
    answers = {
        "cached page": client.get("/category/mobilje"),
        "static file": client.get("/static/css/shop.css"),
        "picture": client.get("/media/products/abc-400.webp"),
        "htmx partial": hx.get("/search/suggest?q=kar"),
        "htmx partial post": hx.post("/cart/add", data={"product_id": "1"}),
        "redirect": client.post("/cart/add", data={"product_id": "1"}),
        "bad request": client.post("/cart/add", data={"product_id": "x"}),
        "method not allowed": client.delete("/cart"),
        "not found": client.get("/products/nuk-ekziston"),
        "login required": client.get("/account"),
        "bank callback": client.post("/payment/nestpay/callback", data={"oid": "x"}),
        "json": client.get("/healthz"),
        "xml": client.get("/sitemap.xml"),
        "text": client.get("/robots.txt"),
        "head": client.head("/"),
    }
    for answer in answers.values():
        answer.close()  # files are streamed
    for name, answer in answers.items():
        assert answer.status_code < 500, name
        try:
            assert_security_headers(answer.headers)
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{name} ({answer.status_code}): {error!r}") from error
    assert answers["bank callback"].mimetype == "text/plain"


def test_hsts_over_https(app, client, catalogue):
    app.config["SESSION_COOKIE_SECURE"] = True
    assert (
        "max-age"
        in client.get("/", base_url="https://shop.test").headers["Strict-Transport-Security"]
    )


class Resources(HTMLParser):
    """Collect every URL the browser would fetch by itself, and inline scripts/styles."""

    def __init__(self):
        super().__init__()
        self.urls, self.inline_scripts, self.inline_styles = [], [], []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "style" in a:
            self.inline_styles.append(tag)
        if any(k.startswith("on") for k in a) or any(k.startswith("hx-on") for k in a):
            self.inline_scripts.append(f"{tag} handler")
        if tag == "script":
            if a.get("src"):
                self.urls.append(a["src"])
            self._in_script = a.get("type", "")
        elif tag in {"img", "source", "iframe", "audio", "video"}:
            for key in ("src", "srcset"):
                if a.get(key):
                    self.urls.extend(part.split()[0] for part in a[key].split(","))
        elif tag == "link" and set(a.get("rel", "").split()) & {
            "stylesheet",
            "icon",
            "preload",
            "modulepreload",
            "manifest",
        }:
            self.urls.append(a["href"])
        elif tag == "style":
            self.inline_styles.append("style")

    def handle_data(self, data):
        if (
            self._in_script is not None
            and self._in_script != "application/ld+json"
            and data.strip()
        ):
            self.inline_scripts.append(data[:40])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_nothing_from_another_origin_and_nothing_inline(client, catalogue, path):
    parser = Resources()
    parser.feed(client.get(path).text)
    assert parser.urls, "expected the page to load its own assets"
    for url in parser.urls:
        assert url.startswith("/") and not url.startswith("//"), url
    assert parser.inline_scripts == []
    assert parser.inline_styles == []


def test_htmx_is_vendored_with_its_version(client):
    html = client.get("/").text
    src = re.search(r'src="(/static/vendor/htmx-2\.0\.\d+\.min\.js)\?v=\w+"', html).group(1)
    with client.get(src) as response:
        assert response.status_code == 200 and b"htmx" in response.data


def test_htmx_is_configured_for_a_strict_csp(client):
    html = client.get("/").text
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html


def test_csrf_token_travels_in_hx_headers(client):
    # On personal pages; shared catalogue pages carry none (tests/test_http_caching.py).
    assert re.search(r"hx-headers='\{\"X-CSRFToken\": \"[\w.-]+\"\}'", client.get("/cart").text)


def test_csrf_is_enforced_on_post(app, client):
    app.config["WTF_CSRF_ENABLED"] = True

    @app.post("/echo")
    def echo():
        return "ok"

    assert client.post("/echo").status_code == 400
    page = client.get("/cart")
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.text).group(1)
    assert client.post("/echo", headers={"X-CSRFToken": token}).text == "ok"


def test_static_files_are_cacheable(client):
    with client.get("/static/css/shop.css") as response:
        assert response.status_code == 200
        assert response.cache_control.max_age and response.cache_control.max_age >= 3600


def test_product_images_are_immutable(app, client):
    from pathlib import Path

    folder = Path(app.config["MEDIA_ROOT"]) / "products"
    folder.mkdir(parents=True)
    (folder / "abc-400.webp").write_bytes(b"RIFF0000WEBP")
    with client.get("/media/products/abc-400.webp") as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.immutable
    assert client.get("/media/products/../../secret_key").status_code == 404


@pytest.mark.parametrize("base_url, secure", [("https://lesnamax.com", True),
                                               ("http://127.0.0.1:5000", False)])
def test_every_cookie_is_secure_when_the_shop_is_served_over_https(
    tmp_path, migrated, make_app, base_url, secure
):
    """The language and policy-notice cookies follow the session cookie: Secure over HTTPS
    (wapiti's cookieflags module found them without it), still usable over plain HTTP."""
    from datetime import UTC, date, datetime, timedelta

    from lesnamax.privacy import services

    from .conftest import base_config, fresh_database

    app = make_app({**base_config(fresh_database(migrated, tmp_path), tmp_path),
                    "BASE_URL": base_url})
    with app.app_context():  # a pending policy version, so the notice can be dismissed
        services.publish("Politika e re", "New policy", date.today() + timedelta(days=10),
                         datetime.now(UTC), "Ndryshim.", "A change.")
    client = app.test_client()
    cookies = [
        *client.get("/lang/en", base_url=base_url).headers.getlist("Set-Cookie"),
        *client.post("/privacy/notice/dismiss", base_url=base_url).headers.getlist("Set-Cookie"),
    ]
    assert [c.split("=", 1)[0] for c in cookies] == ["lang", "policy_notice_dismissed"]
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
        assert ("; Secure" in cookie) is secure, cookie


@pytest.mark.parametrize("target", ["/%0Aenv;", "/?lang=sq%0D%0ASet-Cookie:%20x=1", "/%09", "/%7F"])
def test_a_next_with_control_characters_goes_home(client, make_user, login, target):
    """wapiti's crlf module got a 500 from /lang/en?next=/%0A (Werkzeug refuses a newline in
    Location); every ``next`` now falls back to the home page instead."""
    from urllib.parse import unquote

    for response in (
        client.get(f"/lang/en?next={target}"),
        client.post(f"/privacy/notice/dismiss?next={target}"),
        login(make_user(), next=unquote(target)),
    ):
        assert response.status_code == 303, response.status_code
        assert response.headers["Location"] == "/", response.headers["Location"]
