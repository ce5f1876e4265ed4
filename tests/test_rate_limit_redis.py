"""With REDIS_URL set, login limits live in Redis, so every app process shares them."""

import pytest

from .conftest import base_config
from .redis_server import RedisServer


@pytest.fixture(scope="module")
def redis_url():
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


def test_two_app_processes_share_the_login_limit(redis_url, app, tmp_path, make_user, make_app):
    user = make_user()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    config = {
        **base_config(url, tmp_path),
        "REDIS_URL": redis_url,
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
    }
    one, two = make_app(config), make_app(config)
    assert one.config["RATELIMIT_STORAGE_URI"] == redis_url
    wrong = {"email": user.email, "password": "gabim-gabim-gabim"}
    # Alternate between the two apps, as a load balancer would.
    statuses = [
        app.test_client().post("/account/login", data=wrong).status_code
        for app in (one, two, one, two)
    ]
    assert statuses == [422, 422, 422, 429]
