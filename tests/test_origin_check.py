"""The cross-origin check on every unsafe request (lesnamax/security.py, docs/security.md):
forms on shared catalogue pages carry no token, so a browser's own word on where a request
comes from (Sec-Fetch-Site, else Origin or Referer) is what refuses another site's POSTs."""

import re

import pytest

from .conftest import base_config

REFUSED_SQ = "Kjo kërkesë erdhi nga një faqe tjetër interneti"
#: The test client's own origin (Flask's test client asks for http://localhost/).
HERE = "http://localhost"


@pytest.fixture
def shop(app, make_app, tmp_path):
    """The shop with Flask-WTF's token checked, as in production."""
    return make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "WTF_CSRF_ENABLED": True})


@pytest.fixture
def chair(make_product):
    return make_product(stock=5)


def add(client, chair, **headers):
    return client.post("/cart/add", data={"product_id": chair.id}, headers=headers)


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_another_site_is_refused_with_a_translated_page(shop, chair, site):
    response = add(shop.test_client(), chair, **{"Sec-Fetch-Site": site, "Origin": HERE})
    assert response.status_code == 403
    assert REFUSED_SQ in response.text and "<html" in response.text


def test_same_origin_with_javascript_is_accepted(shop, chair):
    response = add(shop.test_client(), chair, **{
        "Sec-Fetch-Site": "same-origin", "Origin": HERE, "HX-Request": "true"})
    assert response.status_code == 200 and f'id="add-status-{chair.id}"' in response.text


def test_same_origin_without_javascript_is_accepted(shop, chair):
    # A plain form POST: the browser sends Sec-Fetch-Site and Origin, but no token exists.
    response = add(shop.test_client(), chair, **{"Sec-Fetch-Site": "same-origin",
                                                  "Origin": HERE, "Referer": f"{HERE}/"})
    assert response.status_code == 303 and response.headers["Location"] == "/cart"


def test_typed_by_the_person_is_accepted(shop, chair):
    assert add(shop.test_client(), chair, **{"Sec-Fetch-Site": "none"}).status_code == 303


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "https://localhost"},  # another scheme is another origin
    {"Referer": "https://evil.example/page"},
    {"Origin": "http://[::1"},  # unparsable: refused, not a 500
])
def test_older_browsers_from_elsewhere_are_refused(shop, chair, headers):
    assert add(shop.test_client(), chair, **headers).status_code == 403


@pytest.mark.parametrize("headers", [
    {"Origin": HERE},
    {"Referer": f"{HERE}/products/karrige?lang=en"},
    {"Origin": "http://shop.test"},  # BASE_URL: the shop's public address
])
def test_older_browsers_from_here_are_accepted(shop, chair, headers):
    assert add(shop.test_client(), chair, **headers).status_code == 303


def test_a_client_sending_neither_header_is_accepted(shop, chair):
    # curl, old clients: not a browser acting for someone else on another site.
    assert add(shop.test_client(), chair).status_code == 303


def test_behind_a_proxy_the_forwarded_scheme_counts(app, make_app, tmp_path, chair):
    shop = make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "TRUSTED_PROXIES": 1, "BASE_URL": "https://lesnamax.com"})
    client = shop.test_client()
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7"}
    assert add(client, chair, Origin="https://localhost", **proxied).status_code == 303
    assert add(client, chair, Origin="https://lesnamax.com").status_code == 303
    assert add(client, chair, Origin="http://localhost", **proxied).status_code == 403


def test_every_unsafe_request_is_checked_even_with_a_token(shop):
    client = shop.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/account/login").text)[1]
    response = client.post("/account/login", headers={"Sec-Fetch-Site": "cross-site"},
                           data={"email": "a@example.test", "password": "x", "csrf_token": token})
    assert response.status_code == 403


def test_every_other_form_still_needs_its_token(shop):
    client = shop.test_client()
    same = {"Sec-Fetch-Site": "same-origin", "Origin": HERE}
    response = client.post("/account/login", headers=same,
                           data={"email": "a@example.test", "password": "x"})
    assert response.status_code == 400
    assert client.post("/account/logout", headers=same).status_code == 400


def test_the_bank_may_send_the_customer_back_from_its_site(shop):
    response = shop.test_client().post("/payment/nestpay/fail", data={},
                                       headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code != 403


def test_the_policy_notice_closes_without_a_token(shop):
    response = shop.test_client().post("/privacy/notice/dismiss", data={"next": "/"},
                                       headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 303
    refused = shop.test_client().post("/privacy/notice/dismiss", data={"next": "/"},
                                      headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403


def test_session_cookies_are_samesite_lax(shop, chair):
    client = shop.test_client()
    cookie = add(client, chair).headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
