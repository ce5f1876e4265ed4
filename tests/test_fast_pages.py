"""The page cache's WSGI layer (lesnamax/fastpages.py) answers exactly what Flask would.

Each answer is fetched twice with the same cookies and headers: through the layer and through
Flask alone (the WSGI app behind the layer). Status, headers and body must be equal, but for
the Date header and the CSRF token's signature time.
"""

import re

import pytest
from sqlalchemy import update
from werkzeug.test import Client

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.fastpages import FastPages

from .conftest import base_config

SIGNED_TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}")


class Counted:
    """The app behind the layer, counting the requests that reach it."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.inner(environ, start_response)


@pytest.fixture
def shop(app, make_category, make_product):
    furniture = make_category(slug="mobilje", name_sq="Mobilje", name_en="Furniture")
    product = make_product(name_sq="Karrige lisi", name_en="Oak chair", category_id=furniture.id,
                           featured=True, stock=3)
    layer = app.wsgi_app
    assert isinstance(layer, FastPages)
    flask_only = Counted(layer.wsgi_app)
    layer.wsgi_app = flask_only
    # Cookies are sent by hand (a Client with its own jar would replace the Cookie header).
    return {"layer": Client(layer, use_cookies=False), "flask": Client(flask_only),
            "plain": Client(flask_only, use_cookies=False), "counted": flask_only,
            "product": product}


def visitor_cookie(client: Client, path: str = "/") -> str:
    """Visit once (Flask makes the session and its CSRF token); return the Cookie header."""
    client.get(path)
    return f"session={client.get_cookie('session').value}"


def same_answer(shop, path, headers):
    """Return the layer's answer, checked against Flask's (the signed values aside)."""
    shop["plain"].get(path, headers=headers)  # stored by Flask, as a first visitor would
    before = shop["counted"].calls
    fast = shop["layer"].get(path, headers=headers)
    assert shop["counted"].calls == before, f"{path} went to Flask"
    slow = shop["plain"].get(path, headers=headers)
    assert fast.status_code == slow.status_code == 200
    def normal(answer):
        return SIGNED_TOKEN.sub("TOKEN", answer.get_data(as_text=True))
    assert normal(fast) == normal(slow)
    assert "csrf-slot-" not in fast.get_data(as_text=True)
    def header_list(answer):
        return sorted((k, SIGNED_TOKEN.sub("TOKEN", v)) for k, v in answer.headers.items()
                      if k.lower() != "date")
    assert header_list(fast) == header_list(slow)
    return fast


@pytest.mark.parametrize("path, extra", [
    ("/", {}),
    ("/category/mobilje", {}),
    ("/products/{slug}", {}),
    ("/products?q=karrige&sort=price_asc", {}),
    ("/search/suggest?q=kar", {"HX-Request": "true"}),
    ("/products?page=1", {"HX-Request": "true"}),
    ("/cmimore", {}),
    ("/?lang=en", {}),
    ("/category/mobilje", {"Accept-Language": "en-GB,en;q=0.9"}),
])
def test_a_hit_is_the_answer_flask_gives(shop, path, extra):
    path = path.format(slug=shop["product"].slug)
    cookie = visitor_cookie(shop["flask"])
    same_answer(shop, path, {"Cookie": cookie, **extra})


def test_a_visitor_with_a_cart_sees_their_own_count(shop):
    cookie = visitor_cookie(shop["flask"])
    added = shop["flask"].post("/cart/add", data={"product_id": shop["product"].id},
                               headers={"Cookie": cookie, "HX-Request": "true"})
    assert added.status_code == 200
    cookie = f"session={shop['flask'].get_cookie('session').value}"
    same_answer(shop, "/", {"Cookie": cookie})
    assert 'id="cart-badge"' in shop["layer"].get("/", headers={"Cookie": cookie}).text


@pytest.mark.parametrize("path, extra", [
    ("/", {}),
    ("/category/mobilje", {}),
    ("/products?q=karrige", {"Accept-Language": "en"}),
    ("/search/suggest?q=kar", {"HX-Request": "true"}),
])
def test_a_first_visit_is_the_answer_flask_gives(shop, path, extra):
    """No cookie at all: the layer makes the session Flask would make, cookie included; a
    partial without a form (suggestions) makes none, in Flask or here."""
    fast = same_answer(shop, path, extra)
    cookies = fast.headers.getlist("Set-Cookie")
    if "suggest" in path:
        assert cookies == []
        return
    assert len(cookies) == 1 and cookies[0].startswith("session=")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]


def test_a_first_visit_session_works_like_flasks(app, make_app, make_product, tmp_path):
    product = make_product(stock=5)
    shop = make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "WTF_CSRF_ENABLED": True})
    shop.test_client().get(f"/products/{product.slug}")  # somebody else's visit stored the page
    inner = Counted(shop.wsgi_app.wsgi_app)
    shop.wsgi_app.wsgi_app = inner
    visitor = shop.test_client()
    page = visitor.get(f"/products/{product.slug}").text
    assert inner.calls == 0  # a first visit, answered by the layer
    session = shop.session_interface.get_signing_serializer(shop).loads(
        visitor.get_cookie("session").value)
    assert list(session) == ["csrf_token"] and re.fullmatch("[0-9a-f]{40}", session["csrf_token"])
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    added = visitor.post("/cart/add", data={"product_id": product.id, "csrf_token": token})
    assert added.status_code == 303 and inner.calls == 1
    # Someone else's token is refused with this session, as Flask-WTF refuses it.
    other = shop.test_client()
    other_token = re.search(r'name="csrf_token" value="([^"]+)"',
                            other.get(f"/products/{product.slug}").text)[1]
    assert visitor.post("/cart/add", data={"product_id": product.id,
                                           "csrf_token": other_token}).status_code == 400


@pytest.mark.parametrize("case", ["remember me alone", "bad signature", "remember me", "logged in",
                                  "message waiting", "post", "not cached yet"])
def test_everything_else_goes_to_flask(app, shop, make_user, case):
    client, counted = shop["layer"], shop["counted"]
    cookie = visitor_cookie(shop["flask"])
    shop["plain"].get("/", headers={"Cookie": cookie})  # "/" is in the page cache now
    path, method = "/", "GET"
    headers = {"Cookie": cookie}
    if case == "remember me alone":
        headers = {"Cookie": "remember_token=1|abc"}
    elif case == "bad signature":
        headers = {"Cookie": cookie[:-3] + "xyz"}
    elif case == "remember me":
        headers = {"Cookie": cookie + "; remember_token=1|abc"}
    elif case == "logged in":
        user = make_user()
        shop["flask"].post("/account/login", data={"email": user.email,
                                                   "password": user.password})
        shop["flask"].get("/account")  # a page with forms: the new session gets its token
        assert "csrf_token" in shop["flask"].get("/account").text
        headers = {"Cookie": f"session={shop['flask'].get_cookie('session').value}"}
    elif case == "message waiting":
        # The visitor's own session with a message for the next page, signed as Flask does.
        signer = app.session_interface.get_signing_serializer(app)
        session = signer.loads(cookie.removeprefix("session="))
        session["_flashes"] = [("info", "Shporta u ndryshua.")]
        headers = {"Cookie": f"session={signer.dumps(session)}"}
    elif case == "post":
        method = "POST"
    elif case == "not cached yet":
        path = "/category/mobilje?sort=newest"
    before = counted.calls
    answer = client.open(path, method=method, headers=headers)
    assert counted.calls == before + 1, case
    assert answer.status_code < 500


def test_a_change_is_never_answered_from_the_old_page(app, shop):
    cookie = visitor_cookie(shop["flask"])
    headers = {"Cookie": cookie}
    same_answer(shop, "/category/mobilje", headers)
    with app.app_context():
        db.session.execute(update(Product).where(Product.id == shop["product"].id)
                           .values(price_cents=7_700))
        db.session.commit()
    before = shop["counted"].calls
    page = shop["layer"].get("/category/mobilje", headers=headers).text
    assert shop["counted"].calls == before + 1 and "77,00" in page


def test_the_token_in_a_fast_answer_is_accepted(app, make_app, make_product, tmp_path):
    product = make_product(stock=5)
    shop = make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "WTF_CSRF_ENABLED": True})
    visitor = shop.test_client()
    visitor.get(f"/products/{product.slug}")  # session made, page stored
    inner = Counted(shop.wsgi_app.wsgi_app)
    shop.wsgi_app.wsgi_app = inner
    page = visitor.get(f"/products/{product.slug}").text
    assert inner.calls == 0  # answered by the layer
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    added = visitor.post("/cart/add", data={"product_id": product.id, "csrf_token": token})
    assert added.status_code == 303


def test_a_session_is_checked_once_and_expires_as_in_flask(app, shop, monkeypatch):
    cookie = visitor_cookie(shop["flask"])
    headers = {"Cookie": cookie}
    same_answer(shop, "/", headers)
    layer = app.wsgi_app
    calls = []
    real = layer.sessions.loads
    monkeypatch.setattr(layer.sessions, "loads", lambda *a, **k: calls.append(1) or real(*a, **k))
    before = shop["counted"].calls
    for _ in range(3):
        assert shop["layer"].get("/", headers=headers).status_code == 200
    assert calls == [] and shop["counted"].calls == before  # checked when first seen
    # Older than the session lifetime: Flask would refuse it, so the layer does too.
    import lesnamax.fastpages as fastpages

    later = fastpages.time.time() + app.permanent_session_lifetime.total_seconds() + 1
    monkeypatch.setattr(fastpages.time, "time", lambda: later)
    shop["layer"].get("/", headers=headers)
    assert shop["counted"].calls == before + 1


def test_a_failing_layer_leaves_the_answer_to_flask(app, shop, monkeypatch):
    cookie = visitor_cookie(shop["flask"])
    shop["plain"].get("/", headers={"Cookie": cookie})

    def broken(*_args):
        raise RuntimeError("stamp store gone")

    monkeypatch.setattr(app.wsgi_app, "_session", broken)
    import lesnamax.fastpages as fastpages

    logged = []
    monkeypatch.setattr(fastpages.log, "exception", lambda message: logged.append(message))
    before = shop["counted"].calls
    answer = shop["layer"].get("/", headers={"Cookie": cookie})
    assert answer.status_code == 200 and shop["counted"].calls == before + 1
    assert logged and "fast page layer failed" in logged[0]


def test_pages_never_cached_go_on_without_a_key(app, shop, monkeypatch):
    """The cart, account and files skip the layer's work (reading the stamps for a key)."""
    import lesnamax.fastpages as fastpages

    keyed = []
    real = fastpages.pagecache.cache_key
    monkeypatch.setattr(fastpages.pagecache, "cache_key",
                        lambda path, *rest: keyed.append(path) or real(path, *rest))
    for path in ("/cart", "/account/login", "/static/css/shop.css", "/lang/en", "/checkout"):
        answer = shop["layer"].get(path)
        answer.close()  # a file's answer is streamed
        assert answer.status_code < 500
    assert keyed == []
    for path in ("/", "/category/mobilje", "/products?q=karrige", "/robots.txt"):
        assert shop["layer"].get(path).status_code == 200
    assert set(keyed) == {"/?", "/category/mobilje?", "/products?q=karrige", "/robots.txt?"}
