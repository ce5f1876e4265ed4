"""Without Redis the limits live in the database, so every worker process shares them (item 12).

Two app objects over one database stand for two gunicorn workers; ``test_two_processes.py``
runs real gunicorn processes.
"""

import os
import threading

import pytest

from lesnamax import ratelimit
from lesnamax.extensions import db

from .conftest import base_config
from .test_two_processes import Browser, Shop, shop_env


def test_the_embedded_default_is_the_database(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "database://"


def test_the_reset_request_limit_is_counted_in_the_database(app, client):
    ask = {"email": "nobody@example.test"}
    statuses = [client.post("/account/password/reset", data=ask).status_code for _ in range(11)]
    # "10 per hour" per address: ten answers, then the eleventh is refused.
    assert statuses == [303] * 10 + [429]
    with app.app_context():
        keys = [key for key, in db.session.execute(db.select(ratelimit.rate_limit.c.key))]
        assert any("account.reset_request" in key for key in keys)
        db.session.remove()


@pytest.fixture
def two_shops_without_redis(app, tmp_path):
    env = {**os.environ, **shop_env(app, tmp_path)}
    env.pop("LESNAMAX_REDIS_URL", None)
    with open(tmp_path / "gunicorn.log", "wb") as log:
        shops = [Shop(env, log), Shop(env, log)]
        try:
            for shop in shops:
                shop.wait()
            yield [shop.url for shop in shops]
        finally:
            for shop in shops:
                shop.stop()


def test_two_gunicorn_processes_without_redis_share_the_limit(two_shops_without_redis):
    """The issue's case: memory storage let each worker count on its own."""
    a, b = two_shops_without_redis
    person = Browser()
    statuses = [
        person.post(f"{server}/account/password/reset", {"email": "x@example.com"},
                    token_from=f"{other}/account/password/reset")[0]
        for server, other in [(a, b), (b, a)] * 6
    ]
    # Each process saw six requests: only a shared count refuses the eleventh and twelfth.
    assert statuses == [200] * 10 + [429, 429]


def test_two_gunicorn_processes_without_redis_share_the_login_throttle(two_shops_without_redis,
                                                                       make_user):
    """Five wrong passwords per account and address per 10 minutes, whichever process."""
    a, b = two_shops_without_redis
    user = make_user(email="blerta@example.com")
    person = Browser()
    statuses = [
        person.post(f"{server}/account/login", {"email": user.email, "password": "gabim-gabim"},
                    token_from=f"{other}/account/login")[0]
        for server, other in [(a, b), (b, a)] * 4
    ]
    assert statuses == [422] * 5 + [429] * 3


def test_concurrent_hits_are_counted_once_each(app):
    """Two workers bumping one key at the same moment never both see the same count."""
    seen: list[int] = []
    lock = threading.Lock()

    def worker():
        with app.app_context():
            for _ in range(10):
                count, _ = ratelimit.hit("test:concurrent", 60)
                with lock:
                    seen.append(count)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 41))


def test_a_window_starts_again_when_it_ends_and_old_rows_are_purged(app):
    with app.app_context():
        assert ratelimit.hit("test:window", 60, now=1000) == (1, 1060)
        assert ratelimit.hit("test:window", 60, now=1059) == (2, 1060)
        assert ratelimit.hit("test:window", 60, now=1060) == (1, 1120)
        ratelimit.refund("test:window", now=1061)
        ratelimit.refund("test:window", now=1061)  # never below zero
        assert ratelimit.count("test:window", now=1061) == (0, 1120)
        assert ratelimit.purge(now=1120) == 1
        assert ratelimit.count("test:window", now=0) == (0, 0)
        db.session.remove()


def test_purge_expired_drops_ended_windows(app):
    with app.app_context():
        ratelimit.hit("test:ended", 60, now=1000)
        ratelimit.hit("test:running", 3600)
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert "Removed 1 ended rate-limit windows." in result.output
    with app.app_context():
        assert ratelimit.count("test:running")[0] == 1


def test_memory_storage_is_named_in_the_log_as_wrong_for_several_workers(app, tmp_path,
                                                                          make_app, caplog):
    config = {**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), "TESTING": False,
              "RATELIMIT_STORAGE_URI": "memory://", "BANK_MODE": "sandbox"}
    with caplog.at_level("WARNING"):
        make_app(config)
    assert "counts per process" in caplog.text and "several gunicorn workers" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        make_app({**config, "RATELIMIT_STORAGE_URI": "database://"})
    assert "counts per process" not in caplog.text
