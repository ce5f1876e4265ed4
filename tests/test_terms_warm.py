"""The terms' PDF is never rendered inside an order's write transaction: its first render
takes about a second, and inside the transaction every other buyer waited that long. The
confirmation that carries it is composed by the job after the order's commit, and the job
consumer renders the terms when it starts."""

from sqlalchemy import text

from lesnamax import pdf
from lesnamax.extensions import db
from lesnamax.privacy import terms

from .test_checkout import go_to_review, place_form


def test_the_terms_are_rendered_after_the_orders_commit_and_once(
        app, client, make_product, make_user, login, monkeypatch):
    terms._warmed.clear()
    terms._rendered.cache_clear()
    seen = []
    render = pdf.render

    def watched(*args, **kwargs):
        # On another connection: the order is committed before its PDF is made.
        with db.engine.connect() as other:
            seen.append(other.execute(text('SELECT count(*) FROM "order"')).scalar())
        return render(*args, **kwargs)

    monkeypatch.setattr(pdf, "render", watched)
    chair = make_product(name_sq="Karrige", price_cents=4990, stock=5)
    login(make_user())
    for _ in range(2):
        client.post("/cart/add", data={"product_id": chair.id})
        placed = client.post("/checkout/place", data=place_form(go_to_review(client).text))
        assert placed.status_code == 303
    assert seen == [1]  # after the first order's commit; the second order's PDF was kept


def test_the_job_consumer_renders_the_terms_when_it_starts(app, monkeypatch):
    from lesnamax import cli
    from lesnamax.jobs import huey

    terms._warmed.clear()
    terms._rendered.cache_clear()
    rendered = []
    render = pdf.render
    monkeypatch.setattr(pdf, "render", lambda *a, **k: (rendered.append(a[0]),
                                                        render(*a, **k))[1])
    started = []
    monkeypatch.setattr(huey, "create_consumer", lambda **kw: type(
        "Consumer", (), {"run": lambda self: started.append(list(rendered))})())
    monkeypatch.setattr(huey, "_immediate", False)
    result = app.test_cli_runner().invoke(cli.jobs_consumer)
    assert result.exit_code == 0, result.output
    assert started == [["terms", "terms"]]  # both languages, before the first job
    assert terms._warmed == {"sq", "en"}
