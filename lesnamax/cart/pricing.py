"""What an order costs: lines at today's prices, delivery by municipality, VAT included."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .. import money, shopsettings, shoptime

#: Delivery methods. Here, not in orders: the cart page already shows delivery totals, and
#: orders (a later area) import them from here.
STANDARD = "standard"
PICKUP = "pickup"


@dataclass
class PricedLine:
    line_id: int
    product_id: int
    slug: str
    name_sq: str
    name_en: str
    sku: str
    unit_price_cents: int
    quantity: int
    stock: int
    available: bool
    price_changed: bool
    image: object | None
    made_to_order: bool = False

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity

    @property
    def short(self) -> bool:
        return self.quantity > self.stock

    def name(self, lang: str) -> str:
        return (self.name_en if lang == "en" else self.name_sq) or self.name_sq


@dataclass
class Totals:
    subtotal_cents: int
    delivery_cents: int
    #: Prices include VAT at the shop's standard rate (settings); shown, never added on top.
    vat_percent: int = 18

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.delivery_cents

    @property
    def vat_cents(self) -> int:
        # The VAT inside a VAT-inclusive total.
        return money.vat_in(self.total_cents, self.vat_percent)


def priced(lines) -> list[PricedLine]:
    """Turn cart lines (with products loaded) into lines at today's prices, with their flags."""
    result = []
    day = shoptime.shop_today()  # one day for the whole cart, even across midnight
    for line in lines:
        product = line.product
        price = product.offer(day).price_cents
        result.append(PricedLine(
            line_id=line.id, product_id=product.id, slug=product.slug, name_sq=product.name_sq,
            name_en=product.name_en, sku=product.sku, unit_price_cents=price,
            quantity=line.quantity, stock=product.stock,
            available=product.active and product.stock > 0,
            price_changed=price != line.price_when_added_cents,
            image=product.images[0] if product.images else None,
            made_to_order=product.made_to_order,
        ))
    return result


def delivery_fee(method: str | None, municipality: str | None, subtotal_cents: int) -> int:
    """Standard delivery costs by municipality and is free above a threshold; pick-up is free.

    Read from the settings in force now: an owner's change counts from the next computation,
    and a placed order keeps the fee written on it.
    """
    if method is None or method == PICKUP or subtotal_cents == 0:
        return 0  # None: not chosen yet (the cart page shows the goods alone)
    shop = shopsettings.current()
    if subtotal_cents >= shop.free_delivery_from_cents:
        return 0
    return shop.rule_for(municipality).fee_cents


def totals(lines: list[PricedLine], method: str | None = None,
           municipality: str | None = None) -> Totals:
    subtotal = sum(line.total_cents for line in lines if line.available)
    return Totals(subtotal, delivery_fee(method, municipality, subtotal),
                  shopsettings.current().vat_standard_percent)


def fingerprint(lines: list[PricedLine], method: str | None, municipality: str | None,
                payment: str | None, store: int | None = None) -> str:
    """A short digest of everything the review page shows the customer: each line's product,
    quantity, unit price and availability, delivery (and the pickup store) and payment, the
    delivery fee and the total.

    The review form carries it and placing recomputes it inside its transaction: any
    difference means the customer would pay something they did not see, so nothing is ordered.
    """
    figures = totals(lines, method, municipality)
    # In product order: the review page lists lines as added, placing reads them in the order
    # their rows lock; the same cart must give the same digest.
    seen = sorted([line.product_id, line.quantity, line.unit_price_cents, line.available]
                  for line in lines)
    where = [method, municipality] if store is None else [method, municipality, store]
    text = json.dumps([seen, *where, payment, figures.delivery_cents,
                       figures.total_cents], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
