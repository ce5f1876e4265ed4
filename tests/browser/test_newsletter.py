"""The owner's newsletter in Chromium: a campaign written in both languages with a product,
a test sent to oneself, the progress of a campaign being sent polled by htmx until it reads
"sent"; then the reader's unsubscribe page, whose one button withdraws the consent. axe-core
checks each page.

The campaign sent here goes to one customer made for it (its rows are written by the test, as
``sending.start`` would): the live shop is shared, and other tests count their own e-mails.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import uuid4

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lesnamax.account import services as accounts
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.newsletter import audience, messages, sending
from lesnamax.newsletter.models import SENDING, Campaign, CampaignRecipient
from lesnamax.privacy import services as privacy
from lesnamax.web import Visit

from .support import emails_to
from .test_admin import admin_login, make_account


def test_the_owner_writes_tests_and_follows_a_campaign(page: Page, watch, shelf, live_app,
                                                       outbox):
    owner = make_account(live_app, f"pronari-{uuid4().hex[:8]}@example.com", admin=True)
    product = shelf.take()[0]
    with live_app.app_context():
        sku = db.session.get(Product, product.id).sku
    admin_login(page, owner, "/admin/newsletter")
    watch.axe(page, "campaign list")
    page.get_by_role("link", name="Shkruani një fushatë").click()
    page.get_by_label("Tema në shqip").fill("Ofertat e dhjetorit")
    page.get_by_label("Teksti në shqip").fill("Përshëndetje!\n• Dyshekë më lirë")
    page.get_by_label("Tema në anglisht").fill("December offers")
    page.get_by_label("Teksti në anglisht").fill("Hello!\n• Cheaper mattresses")
    page.get_by_label("Produktet që shfaqen").fill(f"{sku} NUK-KA")
    watch.allow_status(422)  # the form sent back with its error
    page.get_by_role("button", name="Ruaje skicën").click()
    expect(page.locator("main")).to_contain_text("Asnjë produkt në shitje nuk ka kodin SKU NUK-KA")
    expect(page.get_by_label("Tema në shqip")).to_have_value("Ofertat e dhjetorit")
    page.get_by_label("Produktet që shfaqen").fill(sku)
    page.get_by_role("button", name="Ruaje skicën").click()
    expect(page.get_by_role("heading", name="Ofertat e dhjetorit")).to_be_visible()
    watch.axe(page, "campaign draft")
    page.get_by_role("button", name="Më dërgo një provë").click()
    expect(page.locator("body")).to_contain_text("po i dërgohen adresës")
    assert sorted(str(m["Subject"]) for m in emails_to(outbox, owner)) == [
        "[Provë] Ofertat e dhjetorit", "[Test] December offers"]
    campaign_id = int(re.search(r"/admin/newsletter/(\d+)", page.url)[1])

    # Being sent to one customer: the page polls its progress until the job is done.
    reader = f"lexuesi-{uuid4().hex[:8]}@example.com"
    with live_app.app_context():
        user = accounts.user_by_email(make_account(live_app, reader, admin=False))
        privacy.set_marketing(user, True, Visit("127.0.0.1", "playwright"),
                              datetime.now(UTC).date())
        campaign = db.session.get(Campaign, campaign_id)
        campaign.status, campaign.started_at, campaign.recipient_count = (
            SENDING, datetime.now(UTC), 1)
        db.session.add(CampaignRecipient(campaign_id=campaign_id, user_id=user.id, email=reader))
        db.session.commit()
        user_id = user.id
    page.reload()
    progress = page.locator("#campaign-progress")
    expect(progress).to_contain_text("po dërgohet")
    expect(progress).to_have_attribute("hx-trigger", "every 2s")
    watch.axe(page, "campaign being sent")
    with live_app.app_context():
        assert sending.run(campaign_id) == 1
    expect(progress.locator(".badge")).to_have_text("dërguar", timeout=10_000)
    expect(page.locator("#campaign-progress")).not_to_have_attribute("hx-trigger", "every 2s")
    [message] = emails_to(outbox, reader)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The reader's link: a page with one button; nothing changes until it is pressed.
    with live_app.app_context():
        token = messages.unsubscribe_token(user_id, campaign_id)
        assert token in message.get_body(("plain",)).get_content()
    page.goto(f"/newsletter/unsubscribe/{token}")
    expect(page.get_by_role("heading", name="Çregjistrohuni nga ofertat")).to_be_visible()
    watch.axe(page, "unsubscribe page")
    with live_app.app_context():
        assert audience.consents(user_id)
    page.get_by_role("button", name="Çregjistrohu").click()
    expect(page.locator("[data-status]")).to_contain_text("nuk do t’ju dërgojmë më oferta")
    watch.axe(page, "unsubscribed")
    with live_app.app_context():
        assert not audience.consents(user_id)
        row = db.session.scalar(select(CampaignRecipient).where(
            CampaignRecipient.campaign_id == campaign_id))
        assert row.unsubscribed_at is not None
