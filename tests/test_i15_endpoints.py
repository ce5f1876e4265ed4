"""A second pass over issue 15's forms: each page's own form passes CSRF (tests run with it
off, so a form that lost its token would only fail in production), a POST without a token is
a translated 400 (a page for a browser, the partial for htmx), and bad input keeps what was
typed in the admin's return forms."""

from __future__ import annotations

import re

import pytest

from . import admin_orders_support
from .returns_support import deliver, placed, returns, withdraw

placed = placed  # the fixture
make_order = admin_orders_support.make_order

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def token_of(html: str) -> str:
    return TOKEN.search(html).group(1)


def as_owner(client, make_admin, login):
    client.post("/account/logout")
    login(make_admin(email="pronari@example.test"))


@pytest.fixture
def returned(app, client, placed, make_admin, login):
    """The customer withdrew 1 chair of the delivered order; the owner is logged in."""
    deliver(app, placed.number)
    withdraw(client, placed.number, {placed.chair_line: 1}, reason="E gabuar")
    as_owner(client, make_admin, login)
    [ret] = returns(app)
    return ret.id


def owner_forms(number: str, ret_id: int, line_id: int) -> list[tuple[str, str, dict]]:
    """(page with the form, where it posts, what the owner types)."""
    return [
        ("/admin/settings", "/admin/settings", {}),
        ("/admin/settings/stores/new", "/admin/settings/stores/new", {"name": "Dyqani"}),
        ("/admin/terms/new", "/admin/terms/new", {}),
        (f"/admin/orders/{number}/returns/new", f"/admin/orders/{number}/returns/new",
         {f"line-{line_id}": "abc"}),
        (f"/admin/returns/{ret_id}", f"/admin/returns/{ret_id}/reject",
         {"state": "requested", "reason": ""}),
        (f"/admin/orders/{number}", f"/admin/orders/{number}/fiscal-receipt",
         {"receipt": "@@"}),
    ]


def test_every_owner_form_posts_with_its_own_token_and_none_without(app, client, hx, placed,
                                                                      returned):
    app.config["WTF_CSRF_ENABLED"] = True
    for page, target, typed in owner_forms(placed.number, returned, placed.chair_line):
        html = client.get(page + "?lang=sq").text
        assert f'action="{target}' in html, page
        without = client.post(target, data=typed)
        assert without.status_code == 400, target
        assert "Kërkesë e pavlefshme" in without.text and "<html" in without.text
        partial = hx.post(target, data=typed)
        assert partial.status_code == 400 and "<html" not in partial.text
        assert 'id="error"' in partial.text and "Kërkesë e pavlefshme" in partial.text
        # Bad input on purpose: past the CSRF check, the form's own refusal (422), not 400.
        answer = client.post(target, data={**typed, "csrf_token": token_of(html),
                                           **({"vat_standard": "x"} if "settings" in target
                                              else {})})
        assert answer.status_code == 422, (target, answer.status_code)


def test_customer_forms_post_with_their_own_token(app, client, hx, placed):
    app.config["WTF_CSRF_ENABLED"] = True
    deliver(app, placed.number)
    page = client.get(f"/orders/{placed.number}/withdraw?lang=sq").text
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    data = {"key": key, f"line-{placed.chair_line}": "1", "reason": "Ngjyra"}
    assert client.post(f"/orders/{placed.number}/withdraw", data=data).status_code == 400
    step = client.post(f"/orders/{placed.number}/withdraw",
                       data={**data, "csrf_token": token_of(page)})
    assert step.status_code == 200 and 'value="yes"' in step.text
    done = client.post(f"/orders/{placed.number}/withdraw",
                       data={**data, "confirmed": "yes", "csrf_token": token_of(step.text)})
    assert done.status_code == 303 and len(returns(app)) == 1
    # The cart's delivery choice: htmx sends the token in its header (hx-headers on <body>).
    cart = client.get("/cart?lang=sq").text
    header = re.search(r'"X-CSRFToken": "([^"]+)"', cart).group(1)
    assert hx.post("/cart/delivery-to", data={"municipality": "peje"}).status_code == 400
    assert hx.post("/cart/delivery-to", data={"municipality": "peje"},
                   headers={"X-CSRFToken": header}).status_code == 200


def test_a_contact_form_without_its_token_is_a_translated_400(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/contact?lang=sq").text
    assert 'name="csrf_token"' in page
    refused = client.post("/contact", data={"name": "Drita", "message": "Përshëndetje"})
    assert refused.status_code == 400 and "Kërkesë e pavlefshme" in refused.text


def test_refund_and_start_keep_what_the_owner_typed(app, client, placed, returned):
    refused = client.post(f"/admin/returns/{returned}/reject",
                          data={"state": "requested", "reason": "   "})
    assert refused.status_code == 422 and "Shkruani arsyen" in refused.text
    client.post(f"/admin/returns/{returned}/receive", data={"state": "requested"})
    for typed in ("dhjetë", "12,5,0", "-3"):
        answer = client.post(f"/admin/returns/{returned}/refund",
                             data={"state": "received", "amount": typed})
        assert answer.status_code == 422
        assert f'value="{typed}"' in answer.text and 'role="alert"' in answer.text
    start = client.post(f"/admin/orders/{placed.number}/returns/new",
                        data={f"line-{placed.chair_line}": "2x", "reason": "Thyer gjatë rrugës"})
    assert start.status_code == 422
    assert 'value="2x"' in start.text and 'value="Thyer gjatë rrugës"' in start.text
    assert len(returns(app)) == 1


def test_the_carts_delivery_choice_answers_htmx_with_the_lines_and_a_browser_with_a_redirect(
        client, hx, make_product):
    chair = make_product(name_sq="Karrige", price_cents=5000)
    client.post("/cart/add", data={"product_id": chair.id})
    plain = client.post("/cart/delivery-to", data={"municipality": "prizren"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/cart#delivery-note")
    swapped = hx.post("/cart/delivery-to?lang=sq", data={"municipality": "prizren"})
    assert swapped.status_code == 200 and "<html" not in swapped.text
    assert 'id="cart-lines"' in swapped.text and "Prizren" in swapped.text
    for bad in ("atlantis", "x" * 5000, "prizren\x00"):
        page = client.post("/cart/delivery-to?lang=sq", data={"municipality": bad})
        assert page.status_code == 400 and "<html" in page.text
        part = hx.post("/cart/delivery-to?lang=sq", data={"municipality": bad})
        assert part.status_code == 400 and "<html" not in part.text
        assert "Kërkesë e pavlefshme" in part.text
    # The product page's note: a fragment for htmx, 404 for an unknown product, never a 500.
    assert hx.get("/cart/delivery/99999999").status_code == 404
    assert client.get("/cart/delivery/abc").status_code == 404


def test_changing_the_choice_at_step_two_keeps_it_and_writes_nothing(app, client, placed):
    deliver(app, placed.number)
    page = client.get(f"/orders/{placed.number}/withdraw?lang=sq").text
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    data = {"key": key, f"line-{placed.chair_line}": "2", "reason": "Ngjyra tjetër"}
    step = client.post(f"/orders/{placed.number}/withdraw", data=data)
    assert 'name="change" value="yes"' in step.text and "Ndrysho zgjedhjen" in step.text
    back = client.post(f"/orders/{placed.number}/withdraw",
                       data={**data, "confirmed": "yes", "change": "yes"})
    assert back.status_code == 200 and returns(app) == []
    assert f'name="line-{placed.chair_line}"' in back.text
    assert re.search(rf'id="line-{placed.chair_line}"[^>]*value="2"', back.text)
    assert ">Ngjyra tjetër</textarea>" in back.text and f'value="{key}"' in back.text


def test_the_owner_reads_a_messages_language_by_name(app, client, admin):
    from .test_contact import valid

    other = app.test_client()
    assert other.post("/contact?lang=en", data=valid(app, phone="044 123 456")).status_code == 303
    html = client.get("/admin/messages?lang=sq").text
    assert "Gjuha: English" in html and "Gjuha: en" not in html
    # E-mail, phone and language each apart, not run together.
    assert re.search(r"drita@example\.test</a> ·\s*<a href=\"tel:", html)


def test_the_owners_text_form_names_the_headings_it_understands(client, admin):
    # The terms of sale use "## " headings; the hint named only the title and the lists.
    for path in ("/admin/terms/new", "/admin/policy/new"):
        assert "një rresht që fillon me ## është nëntitull" in client.get(path + "?lang=sq").text


HUGE = "99999999999999999999"  # past any database integer: 404, never a driver's error


def test_unknown_and_huge_ids_are_404(app, client, placed, make_admin, login):
    number = placed.number
    for path in (f"/orders/{number}/credit-notes/{HUGE}.pdf",
                 f"/orders/{number}/withdrawals/{HUGE}", f"/terms/versions/{HUGE}",
                 f"/terms/versions/{HUGE}.pdf", f"/cart/delivery/{HUGE}",
                 "/cart/delivery/2147483648"):
        assert client.get(path).status_code == 404, path
    as_owner(client, make_admin, login)
    for path in (f"/admin/returns/{HUGE}", "/admin/returns/2147483648",
                 f"/admin/settings/stores/{HUGE}", f"/admin/terms/{HUGE}",
                 f"/admin/orders/{number}/credit-notes/{HUGE}.pdf",
                 "/admin/orders/LM-2026-999999/returns/new"):
        assert client.get(path).status_code == 404, path
    typed = {"state": "requested", "reason": "x", "amount": "1", "handled": "1", "name": "x"}
    for path in (f"/admin/returns/{HUGE}/receive", f"/admin/returns/{HUGE}/reject",
                 f"/admin/returns/{HUGE}/refund", f"/admin/messages/{HUGE}/handled",
                 f"/admin/settings/stores/{HUGE}", "/admin/orders/LM-2026-999999/fiscal-receipt",
                 "/admin/orders/LM-2026-999999/returns/new"):
        assert client.post(path, data=typed).status_code == 404, path


def test_a_refused_fiscal_receipt_is_told_beside_its_field_and_kept(app, client, placed,
                                                                      make_admin, login):
    deliver(app, placed.number)
    as_owner(client, make_admin, login)
    url = f"/admin/orders/{placed.number}/fiscal-receipt"
    refused = client.post(url + "?lang=sq", data={"receipt": "12 @ 34"})
    assert refused.status_code == 422
    html = refused.text
    field = html.split('id="fiscal-receipt"', 1)[1].split("</div>", 1)[0]
    assert 'value="12 @ 34"' in field and 'aria-invalid="true"' in field
    assert 'id="fiscal-receipt-error"' in field and "deri në 40 shkronja" in field
    # Not in the status panel, which speaks of the order's status.
    assert html.count("deri në 40 shkronja") == 1
    # The form (no-JS) answers at the section, not the top of the page.
    assert f'action="{url}#order-documents"' in html
    # Once recorded, the number is shown as text (it cannot change), with no error.
    assert client.post(url, data={"receipt": "0012/345"}).status_code == 303
    page = client.get(f"/admin/orders/{placed.number}").text
    assert "0012/345" in page and "fiscal-receipt-error" not in page


def test_a_card_orders_receipt_refusal_is_shown(app, client, make_order, admin):
    card = make_order(status="paid", payment="card")
    refused = client.post(f"/admin/orders/{card.number}/fiscal-receipt?lang=sq",
                          data={"receipt": "1"})
    assert refused.status_code == 422 and 'id="fiscal-receipt"' not in refused.text
    assert "vetëm për shitjet me para në dorë" in refused.text


def test_marking_a_message_handled_goes_back_to_the_page_being_read(app, client, admin):
    from .test_contact import stored, valid

    other = app.test_client()
    assert other.post("/contact", data=valid(app)).status_code == 303
    [message] = stored(app)
    page = client.get("/admin/messages?shown=all&page=1").text
    assert 'name="page" value="1"' in page
    back = client.post(f"/admin/messages/{message.id}/handled",
                       data={"handled": "1", "shown": "all", "page": "3"})
    assert back.status_code == 303 and back.headers["Location"].endswith(
        "/admin/messages?shown=all&page=3")
    for odd in ("x", "-4", "9" * 30):
        answer = client.post(f"/admin/messages/{message.id}/handled",
                             data={"handled": "0", "shown": "nope", "page": odd})
        assert answer.status_code == 303 and "shown=open" in answer.headers["Location"]
