"""Admin categories: the tree, create, rename, nest (no cycles), reorder, delete, search text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lesnamax.audit import Actor, AuditEvent
from lesnamax.catalogue import categories as service
from lesnamax.catalogue.models import Category, Product
from lesnamax.extensions import db


def categories(app) -> dict[str, Category]:
    with app.app_context():
        rows = db.session.scalars(select(Category)).all()
        return {c.slug: {"id": c.id, "name_sq": c.name_sq, "name_en": c.name_en,
                         "parent_id": c.parent_id, "position": c.position} for c in rows}


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def search(client, q: str) -> str:
    return client.get("/products", query_string={"q": q}).get_data(as_text=True)


@pytest.fixture
def english(client):
    # New messages are English msgids until the lead merges their Albanian translations.
    client.set_cookie("lang", "en")


@pytest.fixture
def furniture(make_category):
    root = make_category(slug="mobilje", name_sq="Mobilje", name_en="Furniture")
    living = make_category(slug="dhoma-ndenje", name_sq="Dhoma ndenje", name_en="Living room",
                           parent_id=root.id)
    sofas = make_category(slug="divane", name_sq="Divane", name_en="Sofas", parent_id=living.id)
    beds = make_category(slug="krevate", name_sq="Krevate", name_en="Beds", parent_id=root.id)
    return {"root": root, "living": living, "sofas": sofas, "beds": beds}


def test_the_list_shows_the_tree_in_order(client, admin, furniture):
    page = client.get("/admin/categories").get_data(as_text=True)
    order = [page.index(name) for name in ("Mobilje", "Dhoma ndenje", "Divane", "Krevate")]
    assert order == sorted(order)
    assert 'aria-current="page"' in page and 'id="category-form"' in page
    assert page.count('name="csrf_token"') >= 9  # every form can be posted with CSRF on


def test_create_makes_the_slug_from_the_albanian_name(app, client, admin, furniture):
    response = client.post("/admin/categories", data={"name_sq": "Çarçafë dhe jastëkë",
                                                      "name_en": "Sheets", "slug": "",
                                                      "parent_id": str(furniture["root"].id)})
    assert response.status_code == 303
    made = categories(app)["carcafe-dhe-jasteke"]
    assert made["name_sq"] == "Çarçafë dhe jastëkë" and made["parent_id"] == furniture["root"].id
    assert made["position"] > categories(app)["krevate"]["position"]
    assert "Çarçafë dhe jastëkë" in client.get("/admin/categories").get_data(as_text=True)
    (event,) = events(app, "category.create")
    assert event.subject_id == str(made["id"]) and event.actor_email == "pronari@example.test"
    # The same name again gets a free slug, never a clash.
    client.post("/admin/categories", data={"name_sq": "Çarçafë dhe jastëkë", "parent_id": ""})
    assert categories(app)["carcafe-dhe-jasteke-2"]["parent_id"] is None


def test_create_with_htmx_answers_the_form_and_the_tree(app, hx, admin, furniture):
    response = hx.post("/admin/categories", data={"name_sq": "Tapete", "name_en": "Rugs"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert 'id="category-form"' in body and 'hx-swap-oob="true"' in body
    assert "Tapete" in body and 'value="Tapete"' not in body  # a fresh form
    assert "tapete" in categories(app)


@pytest.mark.parametrize("data, message", [
    ({"name_sq": ""}, "This field is required."),
    ({"name_sq": "   "}, "This field is required."),
    ({"name_sq": "\u00a0"}, "This field is required."),
    ({"name_sq": " \u2003\u3000\t"}, "This field is required."),
    ({"name_sq": "x" * 121}, "This field is too long."),
    ({"name_sq": "<script>alert(1)</script>"}, "HTML tags are not allowed here."),
    ({"name_sq": "Emër\x00"}, "invisible or control characters"),
    ({"name_sq": "Tapete", "slug": "Tapetë Ë"}, "lower-case letters without accents"),
    ({"name_sq": "Tapete", "slug": "divane"}, "Another category already uses this address."),
    ({"name_sq": "Tapete", "parent_id": "abc"}, "Choose a parent category from the list."),
    ({"name_sq": "Tapete", "parent_id": "9999"}, "Choose a parent category from the list."),
])
def test_bad_input_is_refused_and_kept(app, client, hx, admin, english, furniture, data,
                                       message):
    before = categories(app)
    response = client.post("/admin/categories", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" in body and message in body
    if data["name_sq"].startswith("Tapete"):
        assert 'value="Tapete"' in body  # what was typed is kept
    assert categories(app) == before
    response = hx.post("/admin/categories", data=data)
    assert response.status_code == 422 and "<html" not in response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    assert not events(app, "category.create")


@pytest.mark.parametrize("blank", ["", "   ", "\u00a0", "\u00a0\u202f\u2009"])
def test_a_rename_to_a_blank_name_is_refused(app, client, admin, english, furniture, blank):
    before = categories(app)
    response = client.post(f"/admin/categories/{furniture['beds'].id}",
                           data={"name_sq": blank, "name_en": "Beds",
                                 "parent_id": str(furniture["root"].id)})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    assert categories(app) == before and not events(app, "category.update")


def test_the_service_refuses_a_blank_name_too(app, furniture):
    actor = Actor(None, "pronari@example.test", None)
    with app.test_request_context():
        for change in (lambda: service.create({"name_sq": "\u00a0 "}, actor),
                       lambda: service.update_category(furniture["beds"].id,
                                                       {"name_sq": " "}, actor)):
            with pytest.raises(service.CategoryError) as refused:
                change()
            assert refused.value.field == "name_sq"
    assert categories(app)["krevate"]["name_sq"] == "Krevate"


def test_names_are_saved_without_surrounding_spaces(app, client, admin, furniture):
    client.post("/admin/categories", data={"name_sq": "\u00a0Tapete\u00a0", "name_en": " Rugs "})
    assert (categories(app)["tapete"]["name_sq"], categories(app)["tapete"]["name_en"]) == (
        "Tapete", "Rugs")


def test_errors_are_shown_next_to_the_field(client, admin, furniture):
    body = client.post("/admin/categories", data={"name_sq": "", "name_en": "Kept"}
                       ).get_data(as_text=True)
    assert 'id="name_sq-error"' in body and 'value="Kept"' in body


def test_rename_refreshes_the_search_of_every_product_below(app, client, admin, furniture,
                                                            make_product):
    make_product(name_sq="Divan Arta", category_id=furniture["sofas"].id)
    make_product(name_sq="Krevat Besa", category_id=furniture["beds"].id)
    assert "Divan Arta" not in search(client, "qoshe")
    response = client.post(f"/admin/categories/{furniture['living'].id}",
                           data={"name_sq": "Qoshe dhe ndenjëse", "name_en": "Lounge",
                                 "parent_id": str(furniture["root"].id)})
    assert response.status_code == 303
    found = search(client, "qoshe")
    assert "Divan Arta" in found and "Krevat Besa" not in found
    assert "Divan Arta" in search(client, "lounge")
    assert "Divan Arta" not in search(client, "living")
    (event,) = events(app, "category.update")
    assert event.detail == ("name_sq: Dhoma ndenje → Qoshe dhe ndenjëse; "
                            "name_en: Living room → Lounge")


def test_moving_a_category_refreshes_search_and_keeps_it_last(app, client, admin, furniture,
                                                               make_category, make_product):
    other = make_category(slug="kuzhina", name_sq="Kuzhina", name_en="Kitchen")
    make_product(name_sq="Divan Arta", category_id=furniture["sofas"].id)
    assert "Divan Arta" in search(client, "mobilje")
    response = client.post(f"/admin/categories/{furniture['living'].id}",
                           data={"name_sq": "Dhoma ndenje", "name_en": "Living room",
                                 "parent_id": str(other.id)})
    assert response.status_code == 303
    assert "Divan Arta" in search(client, "kuzhina")
    assert "Divan Arta" not in search(client, "mobilje")
    assert categories(app)["dhoma-ndenje"]["parent_id"] == other.id


def test_a_category_cannot_go_inside_itself_or_below(app, client, admin, english, furniture):
    before = categories(app)
    for parent in (furniture["root"].id, furniture["sofas"].id):
        response = client.post(f"/admin/categories/{furniture['root'].id}",
                               data={"name_sq": "Mobilje", "parent_id": str(parent)})
        assert response.status_code == 422
        assert "cannot be placed inside itself" in response.get_data(as_text=True)
    assert categories(app) == before
    # The form does not even offer them.
    page = client.get(f"/admin/categories/{furniture['root'].id}/edit").get_data(as_text=True)
    assert f'value="{furniture["sofas"].id}"' not in page
    assert f'value="{furniture["beds"].id}"' not in page


def test_nesting_is_bounded(app, client, admin, english, make_category):
    parent = None
    for depth in range(5):
        parent = make_category(name_sq=f"Niveli {depth}",
                               parent_id=parent.id if parent else None)
    response = client.post("/admin/categories", data={"name_sq": "Shumë thellë",
                                                      "parent_id": str(parent.id)})
    assert response.status_code == 422
    assert "at most 5 levels" in response.get_data(as_text=True)


def test_reorder_among_siblings(app, client, hx, admin, furniture):
    beds, living = furniture["beds"].id, furniture["living"].id
    response = hx.post(f"/admin/categories/{beds}/move", data={"direction": "up"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="category-tree"' in body and "<html" not in body
    assert body.index("Krevate") < body.index("Dhoma ndenje")
    after = categories(app)
    assert after["krevate"]["position"] < after["dhoma-ndenje"]["position"]
    # Plain form: redirect, and a second move down puts it back.
    response = client.post(f"/admin/categories/{beds}/move", data={"direction": "down"})
    assert response.status_code == 303
    assert categories(app)["krevate"]["position"] > categories(app)["dhoma-ndenje"]["position"]
    # The last one cannot go further down; nonsense directions are refused.
    for direction in ("down", "sideways"):
        response = hx.post(f"/admin/categories/{beds}/move", data={"direction": direction})
        assert response.status_code == 409
    # Places, not English words ("up"): the audit page is read in Albanian.
    assert [e.detail for e in events(app, "category.reorder")] == ["krevate: 2 → 1",
                                                                   "krevate: 1 → 2"]
    del living


def test_delete_only_an_empty_category(app, client, hx, admin, english, furniture,
                                       make_product):
    make_product(category_id=furniture["beds"].id)
    response = hx.post(f"/admin/categories/{furniture['beds'].id}/delete")
    assert response.status_code == 409 and "still has products" in response.get_data(as_text=True)
    response = hx.post(f"/admin/categories/{furniture['living'].id}/delete")
    assert response.status_code == 409 and "has subcategories" in response.get_data(as_text=True)
    assert len(categories(app)) == 4
    response = client.post(f"/admin/categories/{furniture['sofas'].id}/delete")
    assert response.status_code == 303
    assert "divane" not in categories(app)
    (event,) = events(app, "category.delete")
    assert event.subject_id == str(furniture["sofas"].id)
    assert "Divane" in client.get("/admin/categories").get_data(as_text=True)  # the flash


def test_missing_categories_are_404_or_a_message(client, hx, admin):
    assert client.get("/admin/categories/999/edit").status_code == 404
    assert client.post("/admin/categories/999", data={"name_sq": "X"}).status_code == 404
    assert hx.post("/admin/categories/999/delete").status_code == 409
    assert hx.post("/admin/categories/999/move", data={"direction": "up"}).status_code == 409


def test_changes_show_in_the_shop_at_once(app, client, admin, furniture):
    assert "Krevate" in client.get("/category/krevate").get_data(as_text=True)
    client.post(f"/admin/categories/{furniture['beds'].id}",
                data={"name_sq": "Shtretër", "name_en": "Beds",
                      "parent_id": str(furniture["root"].id)})
    page = client.get("/category/krevate").get_data(as_text=True)
    assert "Shtretër" in page


def test_search_text_survives_product_orm_edits(app, furniture, make_product):
    # The bulk rewrite and the ORM hook must agree on the text they build.
    product = make_product(name_sq="Divan Arta", category_id=furniture["sofas"].id)
    from lesnamax.audit import Actor
    from lesnamax.catalogue import categories as service

    with app.app_context():
        before = db.session.get(Product, product.id).search_text
        service.update_category(furniture["sofas"].id,
                                {"name_sq": "Divane", "name_en": "Sofas",
                                 "parent_id": furniture["living"].id},
                                Actor(None, "x@example.test", None))
        assert service.refresh_search_text([furniture["sofas"].id]) == 1
        db.session.commit()
        assert db.session.get(Product, product.id).search_text == before


def test_pages_have_nothing_inline(client, admin, furniture):
    from tests.test_security import Resources

    for path in ("/admin/categories", f"/admin/categories/{furniture['beds'].id}/edit"):
        parser = Resources()
        parser.feed(client.get(path).get_data(as_text=True))
        assert not parser.inline_scripts and not parser.inline_styles, path
