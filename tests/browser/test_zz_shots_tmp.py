"""Throwaway: screenshots of the day step, review, order page and deliveries list."""
import re

from playwright.sync_api import expect

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

from .support import add_from_card, place_order_button, register

OUT = "/tmp/deliv_shots"


def test_shots(browser, browser_context_args, live_app, shelf):
    (product,) = shelf.take(1)
    with live_app.app_context():
        db.session.get(Product, product.id).assembly_fee_cents = 3500
        db.session.commit()
    ctx = browser.new_context(**browser_context_args)
    page = ctx.new_page()
    customer = register(page)
    page.goto(f"/products/{product.slug}")
    add_from_card(page, product)
    page.goto("/checkout")
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    page.get_by_role("radio", name=re.compile("^Dërgesë në adresën tuaj")).check()
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    page.locator('input[name="day"]').nth(1).check()
    page.get_by_role("checkbox", name=f"Montim për “{product.name}”").check()
    page.wait_for_timeout(500)
    for lang in ("sq", "en"):
        page.goto(f"/checkout/day?lang={lang}")
        for w in (390, 1280):
            page.set_viewport_size({"width": w, "height": 900})
            page.screenshot(path=f"{OUT}/day-{lang}-{w}.png", full_page=True)
    page.goto("/checkout/day?lang=sq")
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    page.get_by_role("radio", name="Pagesa me para në dorë në dorëzim").check()
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    for lang in ("en", "sq"):
        page.goto(f"/checkout/review?lang={lang}")
        for w in (390, 1280):
            page.set_viewport_size({"width": w, "height": 900})
            page.screenshot(path=f"{OUT}/review-{lang}-{w}.png", full_page=True)
    place_order_button(page).click()
    expect(page).to_have_url(re.compile(r"/orders/LM-"))
    url = page.url
    for lang in ("en", "sq"):
        page.goto(f"{url}?lang={lang}")
        for w in (390, 1280):
            page.set_viewport_size({"width": w, "height": 900})
            page.screenshot(path=f"{OUT}/order-{lang}-{w}.png", full_page=True)
    from lesnamax.account.models import User
    from lesnamax.orders.models import Order
    from sqlalchemy import select
    with live_app.app_context():
        db.session.scalars(select(User).where(User.email == customer.email)).one().is_admin = True
        order = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
        day = order.delivery_day.isoformat()
        db.session.commit()
    for lang in ("en", "sq"):
        page.goto(f"/admin/deliveries?day={day}&lang={lang}")
        for w in (390, 1280):
            page.set_viewport_size({"width": w, "height": 900})
            page.screenshot(path=f"{OUT}/deliveries-{lang}-{w}.png", full_page=True)
        page.emulate_media(media="print")
        page.screenshot(path=f"{OUT}/deliveries-print-{lang}.png", full_page=True)
        page.emulate_media(media="screen")
        page.goto(f"/admin/deliveries?day=2026-13-01&lang={lang}")
        page.screenshot(path=f"{OUT}/deliveries-bad-{lang}.png", full_page=True)
        page.goto(f"/admin/settings?lang={lang}")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=f"{OUT}/settings-{lang}.png", full_page=True)
        page.goto(f"/admin/orders/{order.number}?lang={lang}")
        page.screenshot(path=f"{OUT}/admin-order-{lang}.png", full_page=True)
    page.goto(f"/orders/{order.number}/invoice.pdf")
    ctx.close()
