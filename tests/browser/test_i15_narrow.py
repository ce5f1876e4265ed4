"""Issue 15's pages on a 390 px phone: nothing wider than the screen (a table scrolls in its
own box). The settings' delivery table pushed its fieldset (a fieldset is as wide as its
content by default), the customer page's long terms pushed an e-mail address off screen, and
the customer's order page (with its withdrawal link and documents) had a five-column table."""

from __future__ import annotations

from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lesnamax.account.models import User
from lesnamax.extensions import db

from .support import log_in
from .test_admin import PASSWORD, admin_login, cash_order, make_account, owner  # noqa: F401
from .test_withdrawal import delivered


def wider_than_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_owner_pages_fit_a_phone(page: Page, watch, owner, live_app, lang):  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    admin_login(page, owner, "/admin/settings")
    page.goto(f"/lang/{lang}?next=/admin/settings")
    with live_app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == owner))
    for path in ("/admin/settings", f"/admin/customers/{user_id}", "/admin/messages",
                 "/admin/returns", "/admin/invoices", "/admin/terms"):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert not wider_than_the_screen(page), (lang, path)


def test_the_customers_order_and_withdrawal_pages_fit_a_phone(page: Page, watch, shelf,
                                                               live_app):
    email = make_account(live_app, f"telefon-{uuid4().hex[:8]}@example.com", admin=False)
    number = cash_order(live_app, shelf.take()[0].id, email)
    delivered(live_app, number)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/orders/{number}")
    log_in(page, email, PASSWORD)
    page.wait_for_url(f"**/orders/{number}")
    for path in (f"/orders/{number}", "/account/orders", f"/orders/{number}/withdraw", "/stores",
                 "/contact"):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert not wider_than_the_screen(page), path
