"""Which bank set-ups the shop starts with (issue item 10).

The sandbox signs "Approved" with a public key, so it may only exist in development; live
mode refuses test credentials, test gateways and addresses the bank cannot reach.
"""

from __future__ import annotations

import pytest

from .conftest import base_config

LIVE = {
    "BANK_MODE": "live",
    "BASE_URL": "https://lesnamax.com",
    "NESTPAY_CLIENT_ID": "190000001",
    "NESTPAY_STORE_KEY": "s3cret-from-bank",
    "NESTPAY_GATE_URL": "https://ecommerce.teb-kos.com/fim/est3Dgate",
}
GATE = "/sandbox-bank/fim/est3Dgate"


@pytest.fixture
def production(app, tmp_path):
    """A non-testing, non-debug config (what gunicorn starts with) on the test's database."""
    config = base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    return {**config, "TESTING": False, "DEBUG": False}


@pytest.fixture
def clean_env(monkeypatch):
    # The settings under test come from the mapping, not from the shell that runs the tests.
    for name in ("LESNAMAX_BANK_MODE", "LESNAMAX_BASE_URL", "FLASK_DEBUG", "LESNAMAX_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def has_sandbox(app) -> bool:
    return "sandbox_bank" in app.blueprints


def test_production_start_without_bank_mode_is_refused(production, make_app, clean_env):
    with pytest.raises(RuntimeError, match="LESNAMAX_BANK_MODE"):
        make_app({**production, "BASE_URL": "https://lesnamax.com"})
    with pytest.raises(RuntimeError, match="LESNAMAX_BANK_MODE"):
        make_app(production)  # http BASE_URL: still not chosen on purpose


def test_sandbox_with_an_https_shop_is_refused(production, make_app, clean_env):
    with pytest.raises(RuntimeError, match="LESNAMAX_BANK_MODE=sandbox"):
        make_app({**production, "BANK_MODE": "sandbox", "BASE_URL": "https://lesnamax.com"})


def test_sandbox_set_on_purpose_for_a_local_shop_starts(production, make_app, clean_env):
    # make run, the soak test, the audit and the benchmarks start this way.
    app = make_app({**production, "BANK_MODE": "sandbox", "BASE_URL": "http://127.0.0.1:5000"})
    assert has_sandbox(app)


@pytest.mark.parametrize("flag", ["DEBUG", "TESTING"])
def test_debug_or_testing_app_gets_the_sandbox_by_default(production, make_app, clean_env, flag):
    app = make_app({**production, flag: True, "BASE_URL": "https://lesnamax.com"})
    assert app.config["BANK_MODE"] == "sandbox"
    assert has_sandbox(app)


def test_flask_debug_from_the_environment_counts_as_development(
    production, make_app, clean_env, monkeypatch
):
    monkeypatch.setenv("FLASK_DEBUG", "1")  # what `flask run --debug` sets
    config = {key: value for key, value in production.items() if key != "DEBUG"}
    assert has_sandbox(make_app(config))


def test_unknown_bank_mode_is_refused(production, make_app, clean_env):
    with pytest.raises(RuntimeError, match="LESNAMAX_BANK_MODE"):
        make_app({**production, **LIVE, "BANK_MODE": "Live"})


def test_live_shop_starts_without_the_sandbox(production, make_app, clean_env):
    app = make_app({**production, **LIVE})
    assert not has_sandbox(app)
    assert app.test_client().post(GATE).status_code == 404


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"NESTPAY_CLIENT_ID": "190100000"}, "NESTPAY_CLIENT_ID"),
        ({"NESTPAY_STORE_KEY": "TEST1234"}, "NESTPAY_STORE_KEY"),
        ({"NESTPAY_GATE_URL": ""}, "NESTPAY_GATE_URL"),
        ({"NESTPAY_GATE_URL": "https://entegrasyon.asseco-see.com.tr/fim/est3Dgate"},
         "NESTPAY_GATE_URL"),
        ({"NESTPAY_GATE_URL": "http://ecommerce.teb-kos.com/fim/est3Dgate"}, "NESTPAY_GATE_URL"),
        ({"NESTPAY_GATE_URL": "https://127.0.0.1:5000/sandbox-bank/fim/est3Dgate"},
         "NESTPAY_GATE_URL"),
        ({"BASE_URL": "http://lesnamax.com"}, "BASE_URL"),
        ({"BASE_URL": "https://localhost"}, "BASE_URL"),
        ({"BASE_URL": "https://127.0.0.1:8443"}, "BASE_URL"),
        ({"BASE_URL": "https://[::1]"}, "BASE_URL"),
    ],
)
def test_live_mode_refuses_test_and_local_settings(production, make_app, clean_env, change, named):
    with pytest.raises(RuntimeError, match=named):
        make_app({**production, **LIVE, **change})


def test_live_checks_hold_in_debug_too(production, make_app, clean_env):
    with pytest.raises(RuntimeError, match="NESTPAY_CLIENT_ID"):
        make_app({**production, **LIVE, "DEBUG": True, "NESTPAY_CLIENT_ID": "190100000"})
