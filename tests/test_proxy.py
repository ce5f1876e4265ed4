"""Behind nginx the customer's address comes from X-Forwarded-For, and only then."""

from __future__ import annotations

from sqlalchemy import select

from lesnamax.account.models import LoginEvent
from lesnamax.extensions import db

from .conftest import base_config, fresh_database


def login_ip(app, headers: dict) -> str:
    client = app.test_client()
    client.post("/account/login", data={"email": "nobody@example.test", "password": "x" * 12},
                headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    with app.app_context():
        return db.session.scalar(select(LoginEvent.ip).order_by(LoginEvent.id.desc()))


def test_one_trusted_proxy_gives_the_customers_address(make_app, migrated, tmp_path):
    config = base_config(fresh_database(migrated, tmp_path), tmp_path)
    behind_nginx = make_app({**config, "TRUSTED_PROXIES": 1})
    assert login_ip(behind_nginx, {"X-Forwarded-For": "203.0.113.5"}) == "203.0.113.5"
    # A client's own X-Forwarded-For before nginx's entry is not trusted.
    forged = {"X-Forwarded-For": "198.51.100.66, 203.0.113.7"}
    assert login_ip(behind_nginx, forged) == "203.0.113.7"


def test_without_a_proxy_the_header_is_ignored(app):
    assert login_ip(app, {"X-Forwarded-For": "203.0.113.5"}) == "127.0.0.1"
