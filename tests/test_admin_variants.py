"""The owner's pages for product families: a new family, variants added and gathered, their
price and stock edited in place, refusals with translated messages that keep what was typed."""

from __future__ import annotations

from sqlalchemy import select

from lesnamax.audit import AuditEvent
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

from . import variants_support
from .variants_support import stock_of

family = variants_support.family


def family_form(category_id: int, **changes) -> dict:
    data = {"name_sq": "Divan Arbëria", "name_en": "Arbëria sofa", "sku": "ARB",
            "category_id": str(category_id), "axis_material": "y", "axis_colour": "y",
            "active": "y", "material": "", "colour": ""}
    data.update(changes)
    return data


def test_the_owner_creates_a_family_and_adds_its_variants(app, client, admin, make_category):
    sofas = make_category(slug="divane", name_sq="Divane", name_en="Sofas")
    assert client.get("/admin/products/new-family").status_code == 200
    created = client.post("/admin/products/new-family", data=family_form(sofas.id))
    assert created.status_code == 303
    with app.app_context():
        parent = db.session.scalar(select(Product).where(Product.sku == "ARB"))
        assert parent.variant_axes == "material,colour" and parent.stock == 0
    page = client.get(f"/admin/products/{parent.id}/edit")
    assert 'id="variants"' in page.text and "Materiali, Ngjyra" in page.text
    added = client.post(f"/admin/products/{parent.id}/variants", data={
        "variant-sku": "ARB-KAD-GRI", "variant-price": "649,00", "variant-stock": "2",
        "variant-material": "velvet", "variant-colour": "grey"},
        headers={"HX-Request": "true"})
    assert added.status_code == 200 and added.text.lstrip().startswith("<section id=\"variants\"") \
        or 'id="variants"' in added.text[:200]
    assert "Divan Arbëria, kadife, gri" in added.text
    plain = client.post(f"/admin/products/{parent.id}/variants", data={
        "variant-sku": "ARB-LEK-ZEZ", "variant-price": "899,00", "variant-stock": "1",
        "variant-material": "leather", "variant-colour": "black"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#variants")
    with app.app_context():
        parent = db.session.get(Product, parent.id)
        assert (parent.stock, parent.price_cents, parent.price_varies) == (3, 64900, True)
        actions = list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("family.%")).order_by(AuditEvent.id)))
        assert actions == ["family.create", "family.add_variant", "family.add_variant"]
    shop = client.get("/products/divan-arberia?material=leather&colour=black").text
    assert "899,00" in shop and "ARB-LEK-ZEZ" in shop


def test_a_variant_with_the_same_options_is_refused_keeping_what_was_typed(client, admin,
                                                                           family):
    for headers in ({"HX-Request": "true"}, {}):
        refused = client.post(f"/admin/products/{family.id}/variants", data={
            "variant-sku": "DAR-160-NEW", "variant-price": "1,00", "variant-stock": "1",
            "variant-width_cm": "160", "variant-depth_cm": "200"}, headers=headers)
        assert refused.status_code == 422
        assert "Dy variante do të kishin të njëjtat opsione" in refused.text
        assert 'value="DAR-160-NEW"' in refused.text
    missing = client.post(f"/admin/products/{family.id}/variants", data={
        "variant-sku": "", "variant-price": "abc", "variant-stock": "-1"},
        headers={"HX-Request": "true"})
    assert missing.status_code == 422 and missing.text.count('class="error"') >= 3


def test_gathering_products_by_their_codes(app, client, admin, family, make_product):
    make_product(name_sq="Dyshek Dardana 200×200", sku="DAR-200", width_cm=200,
                 depth_cm=200, stock=2, category_id=family.category.id)
    unknown = client.post(f"/admin/products/{family.id}/variants/gather",
                          data={"gather-skus": "DAR-200, NUK-KA"},
                          headers={"HX-Request": "true"})
    assert unknown.status_code == 422 and "NUK-KA" in unknown.text
    assert 'DAR-200, NUK-KA' in unknown.text
    done = client.post(f"/admin/products/{family.id}/variants/gather",
                       data={"gather-skus": "DAR-200"}, headers={"HX-Request": "true"})
    assert done.status_code == 200 and "Dyshek Dardana, 200×200" in done.text
    assert stock_of(app, family.id) == 15
    again = client.post(f"/admin/products/{family.id}/variants/gather",
                        data={"gather-skus": "DAR-200"})
    assert again.status_code == 422 and "DAR-200" in again.text


def test_the_list_shows_a_familys_price_and_stock_as_text(client, admin, family):
    html = client.get("/admin/products").text
    row = html.split(f'id="product-{family.id}"')[1].split("</tr>")[0]
    assert "nga" in row and "255,00" in row and 'name="stock"' not in row
    assert client.post(f"/admin/products/{family.id}/stock",
                       data={"stock": "99", "stock_was": "13"}).status_code == 404


def test_a_variants_price_is_edited_in_place_and_the_family_follows(app, client, admin,
                                                                    family):
    cheapest = family.variant_ids[0]
    response = client.post(f"/admin/products/{cheapest}/price", data={"price": "199,00"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Product, family.id).price_cents == 19900


def test_unknown_or_wrong_products_get_404(client, admin, family):
    assert client.post("/admin/products/999999/variants", data={}).status_code == 404
    variant = family.variant_ids[0]
    assert client.post(f"/admin/products/{variant}/variants", data={}).status_code == 404
    assert client.post(f"/admin/products/{family.id}/release").status_code == 404


def test_a_variant_is_released_into_a_product_of_its_own(app, client, admin, family):
    variant = family.variant_ids[3]
    released = client.post(f"/admin/products/{variant}/release")
    assert released.status_code == 303
    assert stock_of(app, family.id) == 7
    with app.app_context():
        assert db.session.get(Product, variant).parent_id is None


SHARED_FIELDS = ("name_sq", "name_en", "description_sq", "description_en", "sku", "slug",
                 "category_id", "active", "featured", "made_to_order", "assembly_fee")


def test_the_new_family_and_product_pages_share_their_fieldsets(client, admin, family):
    """One set of fieldset macros (admin/products/_fields.html) draws both forms."""
    new = client.get("/admin/products/new-family?lang=en").text
    edit = client.get(f"/admin/products/{family.id}/edit?lang=en").text
    for html in (new, edit):
        for name in SHARED_FIELDS:
            assert f'name="{name}"' in html, name
        assert "Names and descriptions" in html and "Code and place in the shop" in html
        assert "Leave empty to make one from the Albanian name." in html
    # The family's own additions stay in its code fieldset.
    code = new.split("Code and place in the shop")[1].split("</fieldset>")[0]
    assert 'name="material"' in code and 'name="colour"' in code
    assert "What every variant shares" in code
