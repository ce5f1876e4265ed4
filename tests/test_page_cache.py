"""The page cache (lesnamax/pagecache.py): catalogue pages come from memory, the same bytes for
every visitor, and any catalogue change shows at once, in every process, whoever made it."""

import contextlib
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import event, text, update

from lesnamax import cache, pagecache
from lesnamax.catalogue.models import Category, Product
from lesnamax.extensions import db

from .conftest import base_config
from .redis_server import RedisServer


@contextlib.contextmanager
def counting(shop):
    """Like the count_queries fixture, for an app made with make_app."""
    statements: list[str] = []
    with shop.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def queries_for(client, count_queries, path, **kwargs):
    with count_queries() as queries:
        response = client.get(path, **kwargs)
    assert response.status_code == 200
    return response, len(queries)


def test_second_visit_runs_no_query(client, make_product, count_queries):
    product = make_product(name_sq="Karrige lisi")
    for path in ("/", "/products", f"/products/{product.slug}", "/products?q=lisi"):
        first, n_first = queries_for(client, count_queries, path)
        again, n_again = queries_for(client, count_queries, path)
        assert n_first > 0 and n_again == 0, path
        assert again.data == first.data, path


def test_every_visitor_gets_the_same_bytes(app, client, hx, make_product, make_user, login):
    product = make_product(stock=5)
    path = f"/products/{product.slug}"
    stranger = app.test_client().get(path)
    login(make_user(first_name="Arbër"))
    hx.post("/cart/add", data={"product_id": product.id, "quantity": 2})
    customer = client.get(path)
    assert customer.data == stranger.data
    assert customer.headers["ETag"] == stranger.headers["ETag"]
    page = customer.text
    assert "csrf_token" not in page and "X-CSRFToken" not in page and "Arbër" not in page
    assert 'action="/account/logout"' not in page


def test_price_change_through_the_orm_shows_at_once(app, client, make_product):
    product = make_product(price_cents=12_300)
    assert "123,00" in client.get(f"/products/{product.slug}").text
    with app.app_context():
        db.session.get(Product, product.id).price_cents = 45_600
        db.session.commit()
    page = client.get(f"/products/{product.slug}").text
    assert "456,00" in page and "123,00" not in page


def test_stock_taken_by_a_conditional_update_shows_at_once(app, client, make_product):
    # The same kind of statement place_order runs: no ORM object is flushed.
    product = make_product(stock=1)
    assert "schema.org/InStock" in client.get(f"/products/{product.slug}").text
    with app.app_context():
        db.session.execute(update(Product).where(Product.id == product.id, Product.stock >= 1)
                           .values(stock=Product.stock - 1))
        db.session.commit()
    assert "schema.org/OutOfStock" in client.get(f"/products/{product.slug}").text


def test_category_rename_shows_in_the_menu_of_every_page(app, client, make_product):
    product = make_product()
    client.get("/")
    with app.app_context():
        category = db.session.get(Category, product.category_id)
        category.name_sq = "Kategori e re"
        db.session.commit()
    assert "Kategori e re" in client.get("/").text


def test_rolled_back_change_keeps_the_cache(app, client, make_product, count_queries):
    product = make_product()
    client.get("/")
    with app.app_context():
        db.session.get(Product, product.id).price_cents = 1
        db.session.flush()
        db.session.rollback()
    assert queries_for(client, count_queries, "/")[1] == 0


def test_change_in_another_process_shows_here(app, make_app, make_product, tmp_path):
    # Two "workers" over one SQLite file share the stamp file next to it.
    product = make_product(price_cents=12_300)
    config = base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    del config["CACHE_STAMP_FILE"]
    one, two = make_app(config), make_app(config)
    assert cache.stamp_path(one) == cache.stamp_path(two)
    path = f"/products/{product.slug}"
    assert "123,00" in one.test_client().get(path).text
    with two.app_context():
        db.session.get(Product, product.id).price_cents = 45_600
        db.session.commit()
    assert "456,00" in one.test_client().get(path).text


@pytest.fixture(scope="module")
def redis_url():
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


def test_with_redis_the_stamp_is_shared_by_every_app_server(app, make_app, make_product,
                                                           tmp_path, redis_url):
    product = make_product(price_cents=12_300)
    config = {**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
              "REDIS_URL": redis_url, "CACHE_STAMP_FILE": str(tmp_path / "unused")}
    one, two = make_app(config), make_app(config)
    path = f"/products/{product.slug}"
    assert "123,00" in one.test_client().get(path).text
    with two.app_context():
        db.session.get(Product, product.id).price_cents = 45_600
        db.session.commit()
    assert "456,00" in one.test_client().get(path).text
    assert not (tmp_path / "unused").exists()


def test_redis_down_means_uncached_not_stale_nor_broken(app, make_app, make_product, tmp_path):
    product = make_product()
    from .pg import free_port

    config = {**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
              "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    shop = make_app(config)
    client = shop.test_client()
    for _ in range(2):
        assert queries_for(client, lambda: counting(shop), f"/products/{product.slug}")[1] > 0


def test_logged_in_customers_are_served_from_the_cache(client, make_product, make_user, login,
                                                      count_queries):
    product = make_product()
    path = f"/products/{product.slug}"
    client.get(path)
    login(make_user(language="sq"))
    client.get("/cart")  # any page: sets the language cookie from the account
    assert queries_for(client, count_queries, path)[1] == 0


def test_an_account_language_is_kept_apart(app, client, make_product, make_user, login):
    product = make_product(name_sq="Karrige lisi", name_en="Oak chair")
    path = f"/products/{product.slug}"
    assert "Karrige lisi" in app.test_client().get(path).text
    login(make_user(language="en"))
    # No language cookie yet: the account's language, rendered for them and not kept.
    first = client.get(path)
    assert "Oak chair" in first.text
    assert "lang=en" in first.headers["Set-Cookie"]
    assert "Oak chair" in client.get(path).text
    stranger = app.test_client().get(path)
    # Not only a word (the English page names the Albanian product in an image's alt text):
    # the whole page is Albanian, and its tag is not the English page's.
    assert 'lang="sq-XK"' in stranger.text and "<title>Karrige lisi" in stranger.text
    assert stranger.headers["ETag"] != first.headers.get("ETag")


def test_a_customers_page_before_the_language_cookie_is_stored_under_their_language(
        app, client, make_product, make_user, login):
    """Rendered in the account's language (no cookie yet), it is kept as that language's."""
    product = make_product(name_sq="Karrige lisi", name_en="Oak chair")
    path = f"/products/{product.slug}"
    login(make_user(language="en"))
    client.get(path)
    english = app.test_client().get(path, headers={"Accept-Language": "en"})
    albanian = app.test_client().get(path)
    assert 'lang="en"' in english.text and 'lang="sq-XK"' in albanian.text


def test_head_and_errors_on_shared_pages_carry_no_visitor_and_ask_again(client, make_product):
    product = make_product()
    head = client.head(f"/products/{product.slug}")
    assert head.status_code == 200 and "Set-Cookie" not in head.headers
    assert head.headers["Cache-Control"] == "no-cache" and head.headers.get("ETag")
    missing = client.get("/products/nuk-ekziston")
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-cache"
    assert {"Accept-Language", "Cookie"} <= set(missing.headers["Vary"].replace(" ", "")
                                                .split(","))


def test_a_language_switch_beats_the_accounts_language(client, make_user, login):
    login(make_user(language="en"))
    switched = client.get("/lang/sq?next=/")
    assert [c.split(";")[0] for c in switched.headers.getlist("Set-Cookie")] == ["lang=sq"]
    assert 'lang="sq-XK"' in client.get("/").text


def test_a_flash_is_shown_once_and_never_cached(app, client, make_product, make_user, login):
    make_product()
    other = app.test_client()
    other.get("/")
    user = make_user()
    login(user)
    client.post("/account/logout")  # leaves a flash for the next page
    with client.session_transaction() as session:
        flashes = session.get("_flashes")
    assert flashes
    message = flashes[0][1]
    shown = client.get("/")
    assert message in shown.text
    assert shown.headers["Cache-Control"] == "private, no-store" and "ETag" not in shown.headers
    assert message not in client.get("/").text
    assert message not in other.get("/").text


def test_languages_and_htmx_fragments_are_kept_apart(client, hx, make_product):
    make_product()
    sq = client.get("/products").text
    en = client.get("/products?lang=en").text
    fragment = hx.get("/products").text
    assert 'lang="sq-XK"' in sq and 'lang="en"' in en
    assert "<html" not in fragment
    assert 'lang="sq-XK"' in client.get("/products").text


def test_a_new_shop_day_renders_afresh(client, make_product, count_queries, monkeypatch):
    # Dated discounts start and end at midnight in Kosovo.
    make_product()
    client.get("/")
    tomorrow = date.today() + timedelta(days=2)
    monkeypatch.setattr(pagecache.shoptime, "shop_today", lambda: tomorrow)
    assert queries_for(client, count_queries, "/")[1] > 0


def test_sql_behind_the_apps_back_is_bounded_by_the_time_limit(app, make_app, make_product,
                                                               tmp_path):
    product = make_product(price_cents=12_300)
    shop = make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "PAGE_CACHE_SECONDS": 0.5})
    client = shop.test_client()
    path = f"/products/{product.slug}"
    client.get(path)
    with app.app_context():
        # A raw statement names no table SQLAlchemy can see: the stamp stays.
        db.session.execute(text("UPDATE product SET price_cents = 45600"))
        db.session.commit()
    assert "123,00" in client.get(path).text
    time.sleep(0.6)
    assert "456,00" in client.get(path).text


def test_the_store_keeps_to_its_byte_budget():
    store = pagecache.PageStore(max_bytes=100, seconds=60)
    for n in range(10):
        store.put(("page", n), b"x" * 20, [])
    assert store.pages.currsize <= 100
    assert store.get(("page", 9)) is not None and store.get(("page", 0)) is None
    store.put(("huge",), b"x" * 60, [])  # more than a quarter of the budget: not kept
    assert store.get(("huge",)) is None


def test_page_cache_can_be_turned_off(app, make_app, make_product, tmp_path):
    make_product()
    shop = make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "PAGE_CACHE_SECONDS": 0})
    client = shop.test_client()
    client.get("/")
    assert queries_for(client, lambda: counting(shop), "/")[1] > 0


def test_file_stamps_lose_no_change_between_writers(tmp_path, monkeypatch):
    """Two writers changing different parts at once: each part ends with its writer's last."""
    import itertools
    import threading

    from lesnamax.cache import _FileStamp

    counter = itertools.count()
    written = {}  # each writer's last token

    def token(_n):
        written[threading.current_thread().name] = f"t{next(counter)}"
        return written[threading.current_thread().name]

    monkeypatch.setattr(cache.secrets, "token_hex", token)
    stamp = _FileStamp(tmp_path / "catalogue.stamp")

    def writer(part):
        for _ in range(200):
            stamp.write([part])

    threads = [threading.Thread(target=writer, args=(part,), name=part)
               for part in ("product", "category")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = stamp.read()
    assert final == {"product": written["product"], "category": written["category"],
                     "policy": "0", "settings": "0"}
    (tmp_path / "old.stamp").write_text("abc123")  # a file from before there were parts
    assert _FileStamp(tmp_path / "old.stamp").read() == dict.fromkeys(cache.PARTS, "abc123")


def test_a_remembered_stamp_follows_every_write_of_another_process(tmp_path):
    """The reader looks at the file (stat) and reads it again only when it is a new one: a
    write from elsewhere, same size as always, is still seen at the next look."""
    from lesnamax.cache import _FileStamp

    path = tmp_path / "catalogue.stamp"
    reader, writer = _FileStamp(path), _FileStamp(path)
    writer.write(["product"])
    first = reader.read()
    assert reader.read() is first  # the same file: not read again
    for _ in range(3):
        writer.write(["product"])
        seen = reader.read()
        assert seen == writer.read() and seen["product"] != first["product"]
        first = seen
    reader.write(["category"])  # a write starts from the file, never from what was remembered
    assert reader.read()["category"] != "0" and first["category"] == "0"


def test_the_session_signer_is_built_once_per_app(app, make_app):
    """Flask builds the cookie signer for every request; ours keeps one per app."""
    interface = app.session_interface
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)
    other = make_app(dict(app.config))
    assert other.session_interface.get_signing_serializer(other) is not (
        interface.get_signing_serializer(app))


def test_a_new_release_gives_every_page_a_new_tag(app, make_app, make_product, tmp_path):
    """Same data, other code or address: a browser or nginx revalidating its old copy gets the
    new page, not a 304 (a deploy would otherwise keep the old HTML until the data changed)."""
    product = make_product()
    path = f"/products/{product.slug}"
    old = app.test_client().get(path)
    moved = make_app({**app.config, "BASE_URL": "https://lesnamax.example"})
    again = moved.test_client().get(path, headers={"If-None-Match": old.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != old.headers["ETag"]
    from lesnamax import pagecache

    for folder in ("lesnamax", "templates", "translations", "static"):
        (tmp_path / folder).mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("old")
    before = pagecache.release(app, tmp_path)
    page.write_text("new!")
    assert pagecache.release(app, tmp_path) != before
