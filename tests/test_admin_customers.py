"""Admin customers: list and search, a customer's page, exports and disclosures (audited)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lesnamax.account import data
from lesnamax.account.models import User
from lesnamax.audit import AuditEvent
from lesnamax.extensions import db
from lesnamax.orders.models import Order
from lesnamax.privacy.models import Disclosure

_keys = itertools.count(1)


@pytest.fixture
def english(client):
    # Messages are asserted in English: the Albanian catalogue gets them when the lead merges.
    client.set_cookie("lang", "en")


def add_order(app, user_id: int, total: int = 12_000) -> str:
    n = next(_keys)
    with app.app_context():
        db.session.add(Order(
            number=f"LM-2026-{n:06d}", user_id=user_id, status="cash_on_delivery",
            idempotency_key=f"k{n}", email="a@example.test", first_name="Arta",
            last_name="Krasniqi", phone="+38344123456", street="Rr. 1", municipality="prishtine",
            delivery_method="standard", payment_method="cash", subtotal_cents=total,
            delivery_cents=0, total_cents=total, policy_version=1))
        db.session.commit()
    return f"LM-2026-{n:06d}"


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def disclosure_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Disclosure)).all())


def erase(app, user_id: int) -> None:
    with app.app_context():
        data.erase(db.session.get(User, user_id), datetime.now(UTC))


#: The shop's today (Prishtinë): a disclosure may be dated up to it, whatever the server's date.
TODAY = datetime.now(ZoneInfo("Europe/Belgrade")).date()
VALID = {"authority": "Policia e Kosovës", "legal_basis": "Kodi i Procedurës Penale, neni 50",
         "disclosed_on": TODAY.isoformat(),
         "what": "Emri, telefoni dhe porosia LM-2026-000001"}


# ---- list, search, pagination ------------------------------------------------------------

def test_list_shows_customers_not_staff_with_their_order_counts(app, client, admin, make_user):
    arta = make_user(first_name="Arta", last_name="Krasniqi", municipality="fushe-kosove")
    make_user(first_name="Blerim", last_name="Gashi")
    add_order(app, arta.id)
    add_order(app, arta.id)
    response = client.get("/admin/customers")
    html = response.text
    assert response.status_code == 200
    assert "Arta Krasniqi" in html and arta.email in html and "Blerim Gashi" in html
    assert "Fushë Kosovë" in html
    assert '<td class="number">2</td>' in html and '<td class="number">0</td>' in html
    assert admin.email not in html.split('id="customer-list"')[1]  # staff are not customers
    assert 'aria-current="page">' in html


def test_erased_accounts_show_as_erased_without_data(app, client, admin, make_user, english):
    gone = make_user(first_name="Drita", email="drita@example.test")
    erase(app, gone.id)
    html = client.get("/admin/customers").text
    assert f"Customer {gone.id}" in html and "erased" in html
    assert "Drita" not in html and "drita@example.test" not in html
    assert f"erased-{gone.id}@erased.invalid" not in html


@pytest.mark.parametrize("query", ["endrit", "ËNDRIT", "Berisha endrit", "bërisha",
                                   "ndrit@exam", "044 987 654", "+383 44 987 654", "98765"])
def test_search_by_name_email_or_phone_ignores_case_and_diacritics(client, admin, make_user,
                                                                     query):
    make_user(first_name="Ëndrit", last_name="Berisha", email="endrit@example.test",
              phone="+38344987654")
    make_user(first_name="Vjosa", last_name="Hoxha", email="vjosa@example.test")
    html = client.get("/admin/customers", query_string={"q": query}).text
    assert "Ëndrit Berisha" in html
    assert "Vjosa" not in html


def test_looking_at_the_list_is_audited_without_the_search_words(app, client, admin,
                                                                  make_user):
    make_user(first_name="Ëndrit")
    client.get("/admin/customers", query_string={"q": "Ëndrit", "page": "1"})
    audit = events(app, "customer.view")
    assert [(e.subject_type, e.subject_id, e.actor_id) for e in audit] == [
        ("user", None, admin.id)]
    # Data, not English prose: the audit page is read in Albanian.
    assert audit[0].detail == "page=1 q=…" and "ndrit" not in audit[0].detail
    client.get("/admin/customers")
    assert events(app, "customer.view")[1].detail == "page=1"


def test_search_without_match_and_hostile_text(client, admin, make_user, english):
    make_user()
    response = client.get("/admin/customers", query_string={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "No customer matches this search." in response.text
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;" in response.text


@pytest.mark.parametrize("query", ["a\x00b", "x" * 101])
def test_bad_search_is_a_400_with_a_message(client, admin, make_user, english, query):
    make_user()
    response = client.get("/admin/customers", query_string={"q": query})
    assert response.status_code == 400
    assert "invisible or control characters" in response.text or "too long" in response.text


def test_search_is_a_partial_for_htmx(client, hx, admin, make_user):
    make_user(first_name="Liridona")
    response = hx.get("/admin/customers?q=lirid")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="customer-list"' in response.text and "Liridona" in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_pagination(client, admin, make_user):
    for n in range(30):
        make_user(first_name="Klienti", last_name=f"Nr{n:02d}")
    first = client.get("/admin/customers").text
    assert first.count("Klienti Nr") == 25
    assert "Nr29" in first and "Nr00" not in first  # newest first
    second = client.get("/admin/customers?page=2").text
    assert second.count("Klienti Nr") == 5 and "Nr00" in second
    for odd in ("abc", "-3", "0"):
        assert "Nr29" in client.get(f"/admin/customers?page={odd}").text
    assert "Nr00" in client.get("/admin/customers?page=999").text


def test_list_query_count_does_not_grow_with_customers(app, client, admin, make_user,
                                                       count_queries):
    def count() -> int:
        with count_queries() as queries:
            assert client.get("/admin/customers").status_code == 200
        return len(queries)

    user = make_user()
    add_order(app, user.id)
    few = count()
    for _n in range(12):
        add_order(app, make_user().id)
    assert count() == few


# ---- a customer's page -------------------------------------------------------------------

def test_customer_page_shows_data_consents_orders_and_is_audited(app, client, admin,
                                                                  make_user):
    user = make_user(first_name="Arta", marketing=True)
    number = add_order(app, user.id)
    response = client.get(f"/admin/customers/{user.id}")
    html = response.text
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Arta" in html and user.email in html
    assert "044 123 456" in html  # national format
    assert "Rr. Bill Clinton, Nr. 33" in html and "Prishtinë" in html and "10000" in html
    assert "192.0.2.1" in html  # registered from
    assert html.count("<tr><td><time") >= 3  # privacy, age and marketing consents
    assert number in html
    if "admin.order" in app.view_functions:  # the orders area links each number to its page
        assert f'href="/admin/orders/{number}"' in html
    audit = events(app, "customer.view")
    assert [(e.subject_type, e.subject_id, e.actor_id) for e in audit] == [
        ("user", str(user.id), admin.id)]


def test_customer_page_query_count_does_not_grow_with_records(app, client, admin, make_user,
                                                              count_queries):
    def count(user_id) -> int:
        with count_queries() as queries:
            assert client.get(f"/admin/customers/{user_id}").status_code == 200
        return len(queries)

    few, many = make_user(), make_user()
    add_order(app, few.id)
    client.post(f"/admin/customers/{few.id}/disclosures/new", data=VALID)
    for _n in range(5):
        add_order(app, many.id)
        client.post(f"/admin/customers/{many.id}/disclosures/new", data=VALID)
    assert count(many.id) == count(few.id)


def test_unknown_customer_is_a_404(app, client, admin):
    assert client.get("/admin/customers/999").status_code == 404
    assert client.post("/admin/customers/999/export").status_code == 404
    assert client.get("/admin/customers/999/disclosures/new").status_code == 404
    assert events(app, "customer.view") == []


def test_erased_customer_page_keeps_orders_and_disclosures_only(app, client, admin, make_user,
                                                                english):
    user = make_user(first_name="Drita", email="drita@example.test")
    number = add_order(app, user.id)
    client.post(f"/admin/customers/{user.id}/disclosures/new", data=VALID)
    erase(app, user.id)
    html = client.get(f"/admin/customers/{user.id}").text
    assert "erased" in html and "Drita" not in html and "drita@example.test" not in html
    assert number in html and "Policia e Kosovës" in html


# ---- export --------------------------------------------------------------------------------

def test_export_is_the_customers_own_export_and_is_audited(app, client, admin, make_user):
    user = make_user(first_name="Arta")
    add_order(app, user.id)
    response = client.post(f"/admin/customers/{user.id}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    exported = json.loads(response.text)
    with app.app_context():
        expected = json.loads(json.dumps(data.export(db.session.get(User, user.id))))
    assert exported == expected
    assert exported["profile"]["email"] == user.email and len(exported["orders"]) == 1
    assert "password_hash" not in response.text
    audit = events(app, "customer.export")
    assert [(e.subject_id, e.actor_email) for e in audit] == [(str(user.id), admin.email)]


def test_export_needs_a_post(client, admin, make_user):
    user = make_user()
    assert client.get(f"/admin/customers/{user.id}/export").status_code == 405


# ---- disclosures -----------------------------------------------------------------------------

def test_record_a_disclosure(app, client, admin, make_user):
    user = make_user()
    form = client.get(f"/admin/customers/{user.id}/disclosures/new")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text
    response = client.post(f"/admin/customers/{user.id}/disclosures/new", data=VALID)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/customers/{user.id}"
    with app.app_context():
        saved = db.session.scalars(select(Disclosure)).one()
        assert (saved.user_id, saved.authority, saved.recorded_by_id) == (
            user.id, "Policia e Kosovës", admin.id)
        assert saved.disclosed_on == TODAY
    audit = events(app, "disclosure.create")
    assert len(audit) == 1 and audit[0].subject_type == "disclosure"
    assert audit[0].detail == f"user={user.id} · Policia e Kosovës · {TODAY.isoformat()}"
    html = client.get(f"/admin/customers/{user.id}").text
    assert "Kodi i Procedurës Penale, neni 50" in html and "porosia LM-2026-000001" in html


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"authority": "", "legal_basis": "", "disclosed_on": "", "what": ""}, "authority",
     "This field is required."),
    ({"authority": "   ", "what": " \r\n "}, "authority", "This field is required."),
    ({"what": " \r\n "}, "what", "This field is required."),
    ({"disclosed_on": "  "}, "disclosed_on", "This field is required."),
    ({"authority": "x" * 201}, "authority", "This field is too long."),
    ({"legal_basis": "x" * 301}, "legal_basis", "This field is too long."),
    ({"what": "x" * 2001}, "what", "This field is too long."),
    ({"what": "a\x00b"}, "what", "invisible or control characters"),
    ({"authority": "Policia\x00"}, "authority", "invisible or control characters"),
    ({"disclosed_on": (TODAY + timedelta(days=1)).isoformat()}, "disclosed_on",
     "The date cannot be in the future."),
    ({"disclosed_on": "2000-01-01"}, "disclosed_on",
     "The date cannot be before the account was created."),
    ({"disclosed_on": "abc"}, "disclosed_on", "Enter a date like 2026-11-25."),
    ({"disclosed_on": "12,5€"}, "disclosed_on", "Enter a date like 2026-11-25."),
    ({"disclosed_on": "2026-13-45"}, "disclosed_on", "Enter a date like 2026-11-25."),
])
def test_bad_disclosures_are_refused_and_keep_the_input(app, client, admin, make_user, english,
                                                        changes, field, message):
    user = make_user()
    typed = {**VALID, **changes}
    response = client.post(f"/admin/customers/{user.id}/disclosures/new", data=typed)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert "Not a valid" not in response.text  # never WTForms' English
    if typed["authority"].strip() and "\x00" not in typed["authority"]:
        assert f'value="{typed["authority"]}"' in response.text
    assert disclosure_count(app) == 0
    assert events(app, "disclosure.create") == []


def test_empty_form_says_every_field_is_required_once(client, admin, make_user, english):
    user = make_user()
    response = client.post(f"/admin/customers/{user.id}/disclosures/new", data={})
    assert response.status_code == 422
    assert response.text.count("This field is required.") == 4


def test_a_line_break_counts_once_in_the_limit(app, client, admin, make_user):
    user = make_user()
    what = "a\r\n" * 666 + "ab"  # 2,000 characters once CRLF is one line break
    response = client.post(f"/admin/customers/{user.id}/disclosures/new",
                           data={**VALID, "what": what})
    assert response.status_code == 303
    with app.app_context():
        assert "\r" not in db.session.scalars(select(Disclosure)).one().what


def test_hostile_text_is_shown_escaped(app, client, admin, make_user, login):
    user = make_user()
    hostile = {**VALID, "authority": "<script>alert(1)</script>", "what": "<b>x</b>"}
    assert client.post(f"/admin/customers/{user.id}/disclosures/new",
                       data=hostile).status_code == 303
    html = client.get(f"/admin/customers/{user.id}").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html
    client.post("/account/logout")
    login(user)
    own = client.get("/account/export").text
    assert "<script>alert(1)" not in own and "&lt;script&gt;" in own


def test_the_customer_sees_the_disclosure_in_both_exports(app, client, admin, make_user, login):
    user = make_user()
    client.post(f"/admin/customers/{user.id}/disclosures/new", data=VALID)
    client.post("/account/logout")
    login(user)
    exported = json.loads(client.get("/account/export.json").text)
    assert exported["disclosures"] == [{
        "authority": "Policia e Kosovës", "legal_basis": VALID["legal_basis"],
        "disclosed_on": VALID["disclosed_on"], "what": VALID["what"],
        "recorded_at": exported["disclosures"][0]["recorded_at"]}]
    assert exported["disclosures"][0]["recorded_at"]
    assert "recorded_by" not in json.dumps(exported["disclosures"])
    html = client.get("/account/export").text
    assert "Policia e Kosovës" in html and VALID["legal_basis"] in html and VALID["what"] in html


def test_a_customer_without_disclosures_has_an_empty_list(client, make_user, login):
    login(make_user())
    assert json.loads(client.get("/account/export.json").text)["disclosures"] == []


def test_erasure_keeps_disclosures_unchanged(app, client, admin, make_user, login):
    user = make_user()
    client.post(f"/admin/customers/{user.id}/disclosures/new", data=VALID)
    client.post("/account/logout")
    login(user)
    response = client.post("/account/delete", data={"password": user.password})
    assert response.status_code == 303
    with app.app_context():
        kept = db.session.scalars(select(Disclosure)).one()
        assert (kept.user_id, kept.authority, kept.legal_basis, kept.what) == (
            user.id, VALID["authority"], VALID["legal_basis"], VALID["what"])
        assert db.session.get(User, user.id).erased_at is not None


def test_a_disclosure_is_dated_in_the_shops_days(app, client, admin, make_user, english):
    # One of these zones is always on another date than the server; the shop's counts.
    zone, shop_day = next((zone, datetime.now(ZoneInfo(zone)).date())
                          for zone in ("Etc/GMT-14", "Etc/GMT+12")
                          if datetime.now(ZoneInfo(zone)).date() != date.today())
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    user = make_user()
    url = f"/admin/customers/{user.id}/disclosures/new"
    if shop_day > date.today():  # the shop is already on tomorrow: that day is allowed
        assert client.post(url, data={**VALID, "disclosed_on": shop_day.isoformat()}
                           ).status_code == 303
        assert disclosure_count(app) == 1
    else:  # the shop is still on yesterday: the server's today is the future there
        response = client.post(url, data={**VALID, "disclosed_on": date.today().isoformat()})
        assert response.status_code == 422
        assert "The date cannot be in the future." in response.text
        assert disclosure_count(app) == 0


def test_the_views_leave_queries_and_commits_to_the_services():
    # Thin views: the customer queries and their audit commits live in account/manage.py.
    import inspect

    from lesnamax.admin import customers

    source = inspect.getsource(customers)
    for word in ("db.session", "select(", "commit", "rollback", "record_now"):
        assert word not in source
