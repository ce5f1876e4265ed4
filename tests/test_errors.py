"""Bad input never gives a 500; error pages are translated, and partial for htmx."""

import pytest
from werkzeug.exceptions import InternalServerError


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-1",
        "page=0",
        "page=99999999999999999999",
        "page=1.5",
        "min_price=-5",
        "max_price=abc",
        "min_price=12,5€",
        "min_price=1e9",
        "sort=drop",
        "sort=price_asc;DROP TABLE product",
        "material=plutonium",
        "in_stock=yes-please",
        "category=nuk-ekziston",
        "q=" + "a" * 10_000,
        "q=%00",
        "q=%E2%80%AE",
        "page=%00",
        "lang=../../etc",
    ],
)
def test_bad_listing_parameters_give_a_normal_page(client, make_product, query):
    make_product(name_sq="Karrige")
    response = client.get(f"/products?{query}")
    assert response.status_code == 200
    assert "Karrige" in response.text or "Nuk u gjet" in response.text


def test_ignored_parameters_are_reported(client, make_product):
    make_product(name_sq="Karrige")
    html = client.get("/products?sort=drop&min_price=-5").text
    assert "Disa vlera të filtrave nuk u kuptuan dhe u shpërfillën." in html
    assert "Karrige" in html
    assert "Disa vlera" not in client.get("/products?sort=name").text


def test_404_page_is_translated(client):
    response = client.get("/nuk-ka-faqe-te-tille")
    assert response.status_code == 404
    assert "Faqja nuk u gjet" in response.text and "<html" in response.text
    english = client.get("/nuk-ka-faqe-te-tille?lang=en")
    assert "Page not found" in english.text


def test_404_for_htmx_is_a_partial(hx):
    response = hx.get("/products/nuk-ekziston")
    assert response.status_code == 404
    assert "<html" not in response.text and 'id="error"' in response.text
    assert "Faqja nuk u gjet" in response.text


def test_405_is_translated(client):
    response = client.post("/products")
    assert response.status_code == 405
    assert "Metodë e palejuar" in response.text


def test_500_page_is_translated_and_hides_details(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Diçka shkoi keq" in response.text
    assert "secret internal detail" not in response.text
    partial = client.get("/boom", headers={"HX-Request": "true"})
    assert partial.status_code == 500 and "<html" not in partial.text


def test_explicit_500_uses_the_same_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom2")
    def boom2():
        raise InternalServerError()

    assert "Diçka shkoi keq" in client.get("/boom2").text


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(tmp_path):
    from lesnamax import create_app

    from .conftest import base_config

    broken = create_app(base_config("sqlite:////nonexistent/dir/x.sqlite", tmp_path))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}
