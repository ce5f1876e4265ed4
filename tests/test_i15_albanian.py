"""Issue 15's pages in Albanian, their refusals too, carry no English UI string (the check of
tests/test_translations.py, over the pages that check does not crawl: the owner's and the
withdrawal's)."""

from __future__ import annotations

from .returns_support import deliver, key_of, placed, returns, withdraw
from .test_contact import valid
from .test_translations import english_leaks

placed = placed  # the fixture


def test_no_english_on_issue_15s_albanian_pages(app, client, placed, make_admin, login):
    client.set_cookie("lang", "sq")
    number, line = placed.number, f"line-{placed.chair_line}"
    pages = {}
    deliver(app, number)
    pages["withdraw"] = client.get(f"/orders/{number}/withdraw").text
    key = key_of(pages["withdraw"])
    pages["withdraw-422"] = client.post(f"/orders/{number}/withdraw",
                                        data={"key": key, line: "9"}).text
    pages["withdraw-confirm"] = client.post(f"/orders/{number}/withdraw",
                                            data={"key": key, line: "1"}).text
    withdraw(client, number, {placed.chair_line: 1}, reason="Ngjyra")
    [ret] = returns(app)
    pages["received"] = client.get(f"/orders/{number}/withdrawals/{ret.id}").text
    pages["order"] = client.get(f"/orders/{number}").text
    for path in ("/stores", "/contact", "/terms", "/terms/versions/1", "/cart"):
        pages[path] = client.get(path).text
    pages["contact-422"] = client.post("/contact", data=valid(app, email="x", phone="")).text
    client.post("/account/logout")
    client.set_cookie("lang", "sq")
    login(make_admin(email="pronari@example.test"))
    for path in ("/admin/settings", "/admin/settings/stores", "/admin/settings/stores/new",
                 "/admin/terms", "/admin/terms/1", "/admin/terms/new", "/admin/returns",
                 f"/admin/returns/{ret.id}", f"/admin/orders/{number}/returns/new",
                 "/admin/invoices", "/admin/messages", f"/admin/orders/{number}", "/admin/"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        pages[path] = answer.text
    pages["settings-422"] = client.post("/admin/settings", data={"free_delivery_from": "-1"}).text
    pages["store-422"] = client.post("/admin/settings/stores/new", data={"latitude": "x"}).text
    pages["terms-422"] = client.post("/admin/terms/new", data={}).text
    pages["reject-422"] = client.post(f"/admin/returns/{ret.id}/reject",
                                      data={"state": "requested"}).text
    pages["start-422"] = client.post(f"/admin/orders/{number}/returns/new",
                                     data={line: "x"}).text
    pages["receipt-422"] = client.post(f"/admin/orders/{number}/fiscal-receipt",
                                       data={"receipt": "@@"}).text
    client.post(f"/admin/returns/{ret.id}/receive", data={"state": "requested"})
    pages["refund-422"] = client.post(f"/admin/returns/{ret.id}/refund",
                                      data={"state": "received", "amount": "x"}).text
    pages["stale-409"] = client.post(f"/admin/returns/{ret.id}/receive",
                                     data={"state": "requested"}).text
    assert english_leaks(pages) == []
