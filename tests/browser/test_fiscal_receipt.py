"""The owner in Chromium: the dashboard names a shipped order nobody marked delivered and leads
to it; a cash sale's fiscal receipt number is recorded once from the order page (htmx swaps
the documents section), then shown, never printed on the issued invoice. axe-core checks the
pages seen."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from playwright.sync_api import Page, expect
from sqlalchemy import update

from lesnamax.audit import Actor
from lesnamax.extensions import db
from lesnamax.orders import manage as orders
from lesnamax.orders.models import Order

from .support import mark_page, same_page, settled
from .test_admin import admin_login, cash_order, make_account


def move(live_app, number: str, *statuses: str) -> None:
    actor = Actor(None, "pronari@example.com", "127.0.0.1")
    with live_app.app_context():
        for status in statuses:
            orders.change_status(number, orders.current(number).status, status, actor,
                                 notify=False)


def test_the_owner_follows_the_reminder_and_records_the_receipt_once(page: Page, watch,
                                                                    shelf, live_app):
    owner = make_account(live_app, f"pronari-{uuid4().hex[:8]}@example.com", admin=True)
    number = cash_order(live_app, shelf.take()[0].id, owner)
    move(live_app, number, "processing", "shipped")
    with live_app.app_context():  # shipped three weeks ago, and forgotten
        db.session.execute(update(Order).where(Order.number == number)
                           .values(updated_at=datetime.now(UTC) - timedelta(days=21)))
        db.session.commit()

    admin_login(page, owner)
    reminder = page.locator("#overdue-deliveries")
    expect(reminder).to_contain_text("nuk është shënuar e dorëzuar")
    watch.axe(page, "dashboard with the orders not marked delivered")
    reminder.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=f"Porosia {number}")).to_be_visible()

    move(live_app, number, "delivered")  # the owner marks it (the invoice is issued)
    page.reload()
    invoice = page.request.get(f"/admin/orders/{number}/invoice.pdf").body()
    mark_page(page)
    documents = page.locator("#order-documents")
    documents.get_by_label("Numri i kuponit fiskal").fill("0099/123")
    documents.get_by_role("button", name="Ruaj numrin").click()
    settled(page)
    expect(page.locator("#order-documents")).to_contain_text("Kuponi fiskal nr. 0099/123")
    expect(page.locator("#order-documents input[name=receipt]")).to_have_count(0)
    assert same_page(page)
    watch.axe(page, "order page with its fiscal receipt")
    again = page.request.get(f"/admin/orders/{number}/invoice.pdf").body()
    assert again == invoice
    text = subprocess.run(["pdftotext", "-", "-"], input=again, capture_output=True,
                          check=True).stdout.decode()
    assert "0099/123" not in text
    page.goto("/admin/")  # delivered: no longer named
    expect(page.get_by_role("link", name=number)).to_have_count(0)
