"""The terms' PDF is rendered before an order's write transaction, never inside it: its first
render takes about a second, and inside the transaction every other buyer waited that long."""

from lesnamax import pdf
from lesnamax.checkout import placing
from lesnamax.privacy import terms

from .test_checkout import go_to_review, place_form


def test_the_terms_are_rendered_before_the_first_order_and_not_again(
        app, client, make_product, make_user, login, monkeypatch):
    terms._warmed.clear()
    terms._rendered.cache_clear()
    events = []
    render, place = pdf.render, placing.place
    monkeypatch.setattr(pdf, "render", lambda *a, **k: (events.append("render"),
                                                        render(*a, **k))[1])
    monkeypatch.setattr(placing, "place", lambda ask: (events.append("place"), place(ask))[1])
    chair = make_product(name_sq="Karrige", price_cents=4990, stock=5)
    login(make_user())
    for _ in range(2):
        client.post("/cart/add", data={"product_id": chair.id})
        placed = client.post("/checkout/place", data=place_form(go_to_review(client).text))
        assert placed.status_code == 303
    assert events == ["render", "place", "place"]
