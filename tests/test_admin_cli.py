"""flask create-admin and the demo admin of seed-demo."""

from __future__ import annotations

import re

from sqlalchemy import select

from lesnamax.account.models import User
from lesnamax.audit import AuditEvent
from lesnamax.extensions import db


def admin_flag(app, email: str) -> bool | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return None if user is None else user.is_admin


def test_create_admin_with_a_generated_password_can_log_in(app, client):
    result = app.test_cli_runner().invoke(args=["create-admin", "Pronari@Example.test",
                                                "--generate-password"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Password: (\S+)", result.output).group(1)
    assert admin_flag(app, "pronari@example.test") is True
    response = client.post("/account/login",
                           data={"email": "pronari@example.test", "password": password})
    assert response.status_code == 303
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "admin.create"))
        assert event.actor_email == "flask create-admin" and event.detail == "+"


def test_create_admin_asks_for_the_password(app, client):
    result = app.test_cli_runner().invoke(args=["create-admin", "owner@example.test"],
                                          input="Nje-fjalekalim-i-gjate\nNje-fjalekalim-i-gjate\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output and "Nje-fjalekalim" not in result.output
    response = client.post("/account/login", data={"email": "owner@example.test",
                                                   "password": "Nje-fjalekalim-i-gjate"})
    assert response.status_code == 303


def test_create_admin_refuses_short_passwords_and_bad_emails(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-admin", "o@example.test"], input="short\nshort\n")
    assert short.exit_code != 0 and admin_flag(app, "o@example.test") is None
    bad = runner.invoke(args=["create-admin", "not-an-email", "--generate-password"])
    assert bad.exit_code != 0 and "EMAIL" in bad.output


def test_create_admin_promotes_a_customer_and_keeps_the_password(app, client, make_user, login):
    customer = make_user()
    result = app.test_cli_runner().invoke(args=["create-admin", customer.email])
    assert result.exit_code == 0, result.output
    assert "Promoted" in result.output and admin_flag(app, customer.email) is True
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "admin.create"))
        assert event.subject_id == str(customer.id) and event.detail == "↑"
    login(customer)
    assert client.get("/admin/").status_code == 200


def test_seed_demo_makes_one_demo_admin_and_prints_it_once(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--products", "12"])
    assert first.exit_code == 0, first.output
    email, password = re.search(r"Demo admin \(development only\): (\S+) / (\S+)",
                                first.output).groups()
    assert admin_flag(app, email) is True
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "Demo admin" not in again.output
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code == 303


def test_no_demo_admin_outside_sandbox(app, make_app, tmp_path):
    from tests.conftest import base_config

    config = base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    live = make_app({**config, "BANK_MODE": "live", "NESTPAY_STORE_KEY": "a-real-key-123",
                     "BASE_URL": "https://lesnamax.com",
                     "NESTPAY_CLIENT_ID": "190000001",
                     "NESTPAY_GATE_URL": "https://ecommerce.teb-kos.com/fim/est3Dgate"})
    result = live.test_cli_runner().invoke(args=["seed-demo", "--products", "12"])
    assert result.exit_code == 0, result.output
    assert "Demo admin" not in result.output
    with live.app_context():
        assert db.session.scalar(select(User).where(User.is_admin.is_(True))) is None
