"""Argon2's cost comes from config: production keeps argon2-cffi's defaults, tests the lowest."""

from __future__ import annotations

import argon2
from argon2.profiles import RFC_9106_LOW_MEMORY

from lesnamax.account import services
from lesnamax.account.models import User
from lesnamax.config import defaults
from lesnamax.extensions import db
from lesnamax.web import Visit

from .conftest import base_config
from .fast import CHEAP_PASSWORD_HASH

STRONG = "$argon2id$v=19$m=65536,t=3,p=4$"
CHEAP = "$argon2id$v=19$m=64,t=1,p=1$"


def test_production_defaults_are_argon2_cffis_own(tmp_path):
    config = defaults(tmp_path)
    cost = (config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_COST"],
            config["PASSWORD_HASH_PARALLELISM"])
    # The values hashes were made with before they became settings (argon2-cffi 23-25).
    assert cost == (3, 65536, 4)
    assert cost == (RFC_9106_LOW_MEMORY.time_cost, RFC_9106_LOW_MEMORY.memory_cost,
                    RFC_9106_LOW_MEMORY.parallelism)
    default = argon2.PasswordHasher()
    assert cost == (default.time_cost, default.memory_cost, default.parallelism)


def production_app(make_app, monkeypatch, tmp_path, url):
    """An app with config.py's cost: nothing from the tests' cheap settings."""
    for key in CHEAP_PASSWORD_HASH:
        monkeypatch.delenv(f"LESNAMAX_{key}", raising=False)
    config = {k: v for k, v in base_config(url, tmp_path).items()
              if k not in CHEAP_PASSWORD_HASH}
    return make_app(config)


def test_production_config_hashes_at_full_cost(make_app, monkeypatch, tmp_path, app):
    shop = production_app(make_app, monkeypatch, tmp_path / "prod",
                          app.config["SQLALCHEMY_DATABASE_URI"])
    with shop.app_context():
        made = services.hash_password("Sekret-i-gjate-2026")
    assert made.startswith(STRONG)
    with shop.app_context():
        assert services.password_matches(made, "Sekret-i-gjate-2026")


def test_hashes_made_in_tests_are_cheap(app, make_user):
    assert {k: app.config[k] for k in CHEAP_PASSWORD_HASH} == CHEAP_PASSWORD_HASH
    user = make_user()
    with app.app_context():
        assert db.session.get(User, user.id).password_hash.startswith(CHEAP)


def test_a_cheap_hash_is_made_strong_at_the_next_production_login(
    make_app, monkeypatch, tmp_path, app, make_user
):
    user = make_user()  # hashed at the tests' cost
    shop = production_app(make_app, monkeypatch, tmp_path / "prod",
                          app.config["SQLALCHEMY_DATABASE_URI"])
    with shop.app_context():
        assert services.authenticate(user.email, user.password, Visit("192.0.2.9"))
        assert db.session.get(User, user.id).password_hash.startswith(STRONG)
