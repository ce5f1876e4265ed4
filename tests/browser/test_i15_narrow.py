"""Issue 15's owner pages on a 390 px phone: nothing wider than the screen (a table scrolls
in its own box). The settings' delivery table pushed its fieldset (a fieldset is as wide as its
content by default) and the customer page's long terms pushed an e-mail address off screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lesnamax.account.models import User
from lesnamax.extensions import db

from .test_admin import admin_login, owner  # noqa: F401 - the fixture


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
