"""With REDIS_URL set, Flask-Limiter's limits live in Redis, so every app process shares them.

The login throttle is in the database either way (account/throttle.py).
"""

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


def test_two_app_processes_share_the_limits_in_redis(redis_url, app, tmp_path, make_app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    config = {**base_config(url, tmp_path), "REDIS_URL": redis_url}
    one, two = make_app(config), make_app(config)
    assert one.config["RATELIMIT_STORAGE_URI"] == redis_url
    ask = {"email": "nobody@example.test"}
    # Alternate between the two apps, as a load balancer would: "10 per hour" per address.
    statuses = [
        app.test_client().post("/account/password/reset", data=ask).status_code
        for app in (one, two) * 6
    ]
    assert statuses == [303] * 10 + [429] * 2
