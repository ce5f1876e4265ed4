"""Inline editing of personal details: htmx partials, full-page fallback, change records."""

import re

import pytest
from sqlalchemy import select

from lesnamax.account.models import ProfileChange, User
from lesnamax.extensions import db

from .conftest import PASSWORD


@pytest.fixture
def arta(make_user, login):
    user = make_user(email="arta@example.test")
    login(user)
    return user


def stored(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id)


def test_account_page_shows_each_detail_with_an_edit_button(client, arta):
    html = client.get("/account").text
    for field in ("first_name", "last_name", "email", "phone", "address"):
        assert f'id="field-{field}"' in html
        assert f'href="/account/fields/{field}/edit"' in html
        assert f'hx-get="/account/fields/{field}/edit"' in html
    assert "044 123 456" in html  # national format
    assert "Rr. Bill Clinton, Nr. 33, Prishtinë 10000" in html


def test_edit_form_partial_for_htmx(hx, arta):
    response = hx.get("/account/fields/phone/edit")
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<form id="field-phone"') and "<html" not in html
    assert 'hx-post="/account/fields/phone"' in html and "autofocus" in html
    assert 'value="044 123 456"' in html  # as people here write it
    assert 'hx-get="/account/fields/phone"' in html  # Anulo swaps the text back


def test_edit_form_without_htmx_is_a_full_page(client, arta):
    response = client.get("/account/fields/phone/edit")
    assert response.status_code == 200
    assert "<html" in response.text and 'action="/account/fields/phone"' in response.text
    assert 'href="/account#field-phone"' in response.text  # Anulo goes back


def test_save_with_htmx_swaps_back_the_text(app, hx, arta):
    response = hx.post("/account/fields/phone", data={"phone": "+383 49 555 666"})
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<div id="field-phone"') and "<html" not in html
    assert "049 555 666" in html and "U ruajt." in html and "Ndryshuar së fundi" in html
    assert stored(app, arta.id).phone == "+38349555666"


def test_save_without_htmx_redirects_back(app, client, arta):
    response = client.post("/account/fields/first_name", data={"first_name": "Arbëreshë"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/account#field-first_name"
    page = client.get("/account").text
    assert "Arbëreshë" in page and "U ruajt." in page
    assert stored(app, arta.id).first_name == "Arbëreshë"


@pytest.mark.parametrize(
    ("field", "data", "message"),
    [
        ("phone", {"phone": "12345"}, "Shkruani një numër telefoni të Kosovës"),
        ("phone", {"phone": ""}, "Kjo fushë është e domosdoshme."),
        ("first_name", {"first_name": "x" * 10_000}, "shumë e gjatë"),
        ("first_name", {"first_name": "<script>alert(1)</script>"}, "Përdorni vetëm shkronja"),
        ("last_name", {"last_name": "1; DROP TABLE user"}, "Përdorni vetëm shkronja"),
        ("last_name", {"last_name": "Gashi\x00"}, "të padukshme"),
        ("address", {"street": "Rr. Dardania\u202e", "municipality": "prishtine"}, "të padukshme"),
        ("address", {"street": "Rr. Dardania 4", "municipality": "atlantis"}, "nga lista"),
        (
            "address",
            {"street": "Rr. Dardania 4", "municipality": "prishtine", "postal_code": "abc"},
            "kod postar",
        ),
        ("email", {"email": "jo-email", "current_password": PASSWORD}, "adresë email-i"),
    ],
)
def test_invalid_input_keeps_the_form_open_with_the_value(
    app, hx, client, arta, field, data, message
):
    before = stored(app, arta.id)
    for c, partial in ((hx, True), (client, False)):
        response = c.post(f"/account/fields/{field}", data=data)
        assert response.status_code == 422
        html = response.text
        assert ("<html" not in html) == partial
        assert f'<form id="field-{field}"' in html and message in html
        assert "<script>alert(1)" not in html
        first_value = next(iter(data.values()))
        if "\x00" not in first_value and len(first_value) < 100:
            assert f'value="{first_value}"'.replace("<", "&lt;").replace(">", "&gt;") in html
    after = stored(app, arta.id)
    assert (after.first_name, after.last_name, after.phone, after.street, after.email) == (
        before.first_name,
        before.last_name,
        before.phone,
        before.street,
        before.email,
    )


def test_cancel_returns_the_text_without_saving(app, hx, client, arta):
    response = hx.get("/account/fields/phone")
    assert response.text.lstrip().startswith('<div id="field-phone"')
    assert "044 123 456" in response.text
    plain = client.get("/account/fields/phone")
    assert plain.status_code == 303 and plain.headers["Location"] == "/account#field-phone"


def test_unknown_field_is_404(hx, client, arta):
    assert hx.get("/account/fields/password_hash/edit").status_code == 404
    assert client.post("/account/fields/is_admin", data={"is_admin": "1"}).status_code == 404


def test_address_is_one_inline_form(app, hx, arta):
    response = hx.post(
        "/account/fields/address",
        data={"street": "Rr. Adem Jashari 12", "municipality": "prizren", "postal_code": ""},
    )
    assert response.status_code == 200
    assert "Rr. Adem Jashari 12, Prizren" in response.text
    user = stored(app, arta.id)
    assert (user.street, user.municipality, user.postal_code) == (
        "Rr. Adem Jashari 12",
        "prizren",
        "",
    )


def test_email_change_needs_the_current_password(app, hx, arta, make_user):
    wrong = hx.post(
        "/account/fields/email",
        data={"email": "arta.new@example.test", "current_password": "gabim"},
    )
    assert wrong.status_code == 422 and "Fjalëkalim i gabuar." in wrong.text
    assert 'value="arta.new@example.test"' in wrong.text
    taken = make_user(email="zene@example.test")
    clash = hx.post(
        "/account/fields/email", data={"email": "ZENE@example.test", "current_password": PASSWORD}
    )
    assert clash.status_code == 422 and "Ekziston tashmë" in clash.text
    ok = hx.post(
        "/account/fields/email",
        data={"email": "Arta.New@Example.test", "current_password": PASSWORD},
    )
    assert ok.status_code == 200 and "arta.new@example.test" in ok.text
    assert stored(app, arta.id).email == "arta.new@example.test"
    assert taken.email == "zene@example.test"


def test_every_change_is_recorded_without_the_old_value(app, hx, arta):
    hx.post("/account/fields/phone", data={"phone": "049 555 666"})
    hx.post("/account/fields/last_name", data={"last_name": "Berisha"})
    hx.post("/account/fields/last_name", data={"last_name": "Berisha"})  # no change
    with app.app_context():
        changes = db.session.scalars(select(ProfileChange).order_by(ProfileChange.id)).all()
        assert [(c.field, c.ip) for c in changes] == [
            ("phone", "127.0.0.1"),
            ("last_name", "127.0.0.1"),
        ]
        columns = set(ProfileChange.__table__.columns.keys())
        assert columns == {"id", "user_id", "field", "at", "ip"}  # no old or new values


def test_last_changed_is_shown_per_field(client, hx, arta):
    hx.post("/account/fields/phone", data={"phone": "049 555 666"})
    html = client.get("/account").text
    phone = html.split('id="field-phone"')[1].split('id="field-')[0]
    name = html.split('id="field-first_name"')[1].split('id="field-')[0]
    assert "Ndryshuar së fundi" in phone and "Ndryshuar së fundi" not in name


def test_one_user_cannot_touch_another(app, client, make_user, login):
    bardh = make_user(email="bardh@example.test", first_name="Bardh")
    arta = make_user(email="arta@example.test", first_name="Arta")
    login(arta)
    # There is no way to name another user: every account route acts on the logged-in one.
    assert "Bardh" not in client.get("/account").text
    client.post(
        "/account/fields/first_name",
        data={"first_name": "Hakuar", "user_id": bardh.id, "id": bardh.id},
    )
    assert stored(app, bardh.id).first_name == "Bardh"
    assert stored(app, arta.id).first_name == "Hakuar"
    export = client.get("/account/export.json").get_json()
    assert export["profile"]["email"] == "arta@example.test"
    assert "bardh" not in client.get("/account/export.json").text


def test_csrf_token_in_hx_headers_is_accepted(app, client, arta):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/account").text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    headers = {"HX-Request": "true"}
    assert (
        client.post(
            "/account/fields/last_name", data={"last_name": "Hoti"}, headers=headers
        ).status_code
        == 400
    )
    response = client.post(
        "/account/fields/last_name",
        data={"last_name": "Hoti"},
        headers={**headers, "X-CSRFToken": token},
    )
    assert response.status_code == 200 and "Hoti" in response.text
