"""Nobody but an admin reaches any /admin page: a walk over every registered admin route."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from lesnamax.audit import ACTION_LABELS, AuditEvent
from lesnamax.extensions import db


def admin_urls(app) -> list[tuple[str, str]]:
    """Every (method, url) of the admin blueprint, with placeholder values for arguments."""
    found = []
    rule: Rule
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        values = {}
        for name in rule.arguments:
            converter = rule._converters[name].__class__.__name__
            values[name] = 1 if converter in ("IntegerConverter", "NumberConverter") else "x"
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_the_walk_covers_the_admin_pages(app):
    urls = {url for _method, url in admin_urls(app)}
    assert "/admin/" in urls and "/admin/audit" in urls


def test_anonymous_visitors_are_sent_to_login(app, client):
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.headers["Location"].startswith("/account/login?next="), (method, url)


def test_customers_get_403(app, client, make_user, login):
    login(make_user())
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "Nuk keni leje" in response.get_data(as_text=True)


def test_admins_get_in_and_never_a_500(app, client, admin):
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        assert response.status_code not in (302, 403, 500), (method, url)
        if response.status_code in (301, 303):
            assert not response.headers["Location"].startswith("/account/login")


def test_login_comes_back_to_the_admin_page(client, make_admin):
    user = make_admin()
    response = client.get("/admin/audit")
    assert response.status_code == 302
    response = client.post(response.headers["Location"],
                           data={"email": user.email, "password": user.password})
    assert response.headers["Location"] == "/admin/audit"
    assert client.get("/admin/audit").status_code == 200


def test_admin_pages_are_never_cached(client, admin):
    response = client.get("/admin/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.get_data(as_text=True)


def test_an_erased_or_demoted_admin_is_out(app, client, admin):
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        from lesnamax.account.models import User

        db.session.get(User, admin.id).is_admin = False
        db.session.commit()
    assert client.get("/admin/").status_code == 403


def test_every_action_code_has_a_label(app):
    # Audit events store a code; the audit page shows its translated label.
    assert all(str(label) for label in ACTION_LABELS.values())
    with app.app_context():
        db.session.add(AuditEvent(actor_email="x@example.test", action="product.create",
                                  subject_type="product", subject_id="1"))
        db.session.commit()


@pytest.mark.parametrize("path", ["/admin", "/admin/"])
def test_admin_root(client, admin, path):
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200


def test_list_filters_survive_control_characters(app, client, admin):
    """Every admin page that reads query parameters answers a NUL (PostgreSQL refuses it in
    SQL) or a 5,000-character value with a page, never a 500."""
    pages = {
        "/admin/products": ["q", "category", "status", "stock", "sort", "page"],
        "/admin/orders": ["q", "status", "payment", "since", "until", "page"],
        "/admin/customers": ["q", "page"],
        "/admin/audit": ["action", "actor", "subject_type", "subject_id", "since", "until",
                         "page"],
        "/admin/policy": ["page"],
        "/admin/categories": ["page"],
    }
    for path, names in pages.items():
        for name in names:
            for value in ("%00", "a%00b", "x" * 5000, "%C0%AF"):
                response = client.get(f"{path}?{name}={value}")
                assert response.status_code < 500, (path, name, value)
