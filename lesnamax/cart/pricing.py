"""What an order costs: lines at today's prices, delivery by municipality, VAT included."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .. import instalments, kosovo, money, shopsettings, shoptime
from ..catalogue.models import Product
from ..extensions import db

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
    #: The family's parent for a variant, else the product itself: stock is taken family by
    #: family (a variant's sale also updates its parent's stock; see ``orders.priced_lines``).
    family_id: int = 0
    #: The main characteristics the review page states before the order (vocabulary codes
    #: and centimetres, None when the owner left them out).
    material: str | None = None
    colour: str | None = None
    size_cm: tuple[int | None, int | None, int | None] = (None, None, None)
    #: The product's assembly fee per piece ("montim"; None: not offered), and whether the
    #: customer chose it for this line (checkout's delivery step).
    assembly_fee_cents: int | None = None
    assembly: bool = False

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity

    @property
    def assembly_cents(self) -> int:
        return (self.assembly_fee_cents or 0) * self.quantity if self.assembly else 0

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
    #: The assembly chosen, for every line that asked for it.
    assembly_cents: int = 0
    #: The instalment plan chosen (None: paid in full), whose fee is part of the total.
    instalment: instalments.Option | None = None

    @property
    def instalment_fee_cents(self) -> int:
        return self.instalment.fee_cents if self.instalment else 0

    @property
    def total_cents(self) -> int:
        return (self.subtotal_cents + self.delivery_cents + self.assembly_cents
                + self.instalment_fee_cents)

    @property
    def vat_cents(self) -> int:
        # The VAT inside a VAT-inclusive total.
        return money.vat_in(self.total_cents, self.vat_percent)


def priced(lines, assembly=()) -> list[PricedLine]:
    """Turn cart lines (with products loaded) into lines at today's prices, with their flags;
    ``assembly`` holds the product ids whose assembly the customer chose (offered ones only
    count)."""
    result = []
    day = shoptime.shop_today()  # one day for the whole cart, even across midnight
    for line in lines:
        product = line.product
        price = product.offer(day).price_cents
        result.append(PricedLine(
            line_id=line.id, product_id=product.id, slug=product.slug, name_sq=product.name_sq,
            name_en=product.name_en, sku=product.sku, unit_price_cents=price,
            quantity=line.quantity, stock=product.stock,
            available=product.sellable and product.stock > 0,
            price_changed=price != line.price_when_added_cents,
            image=product.images[0] if product.images else None,
            made_to_order=product.made_to_order, material=product.material,
            family_id=product.parent_id or product.id,
            colour=product.colour,
            size_cm=(product.width_cm, product.depth_cm, product.height_cm),
            assembly_fee_cents=product.assembly_fee_cents,
            assembly=product.assembly_fee_cents is not None and product.id in assembly,
        ))
    return result


@dataclass(frozen=True)
class DeliveryRules:
    """What standard delivery costs and takes, by municipality ("*": everywhere else)."""

    #: slug -> cents; "*" is the fee for every municipality not named.
    fees_cents: dict[str, int]
    #: slug -> (fewest, most) working days; "*" for every municipality not named.
    days: dict[str, tuple[int, int]]
    #: Standard delivery is free for goods worth this much or more.
    free_from_cents: int

    def fee(self, municipality: str | None) -> int:
        return self.fees_cents.get(municipality or "", self.fees_cents["*"])

    def days_for(self, municipality: str | None) -> tuple[int, int]:
        return self.days.get(municipality or "", self.days["*"])

    def missing_for_free(self, subtotal_cents: int) -> int:
        """How much more the goods must cost for free delivery (0 when they already do)."""
        return max(0, self.free_from_cents - subtotal_cents)

    def groups(self) -> list[tuple[int, tuple[int, int], list[str]]]:
        """The named municipalities grouped by (fee, days), cheapest first, as the product
        page's table shows them; the "*" rule is not in it (shown as "elsewhere")."""
        grouped: dict[tuple[int, tuple[int, int]], list[str]] = {}
        for slug in self.fees_cents.keys() - {"*"}:
            grouped.setdefault((self.fee(slug), self.days_for(slug)), []).append(slug)
        order = {slug: n for n, slug in enumerate(kosovo.BY_SLUG)}  # Prishtinë first
        return [(fee, days, sorted(slugs, key=lambda s: order.get(s, len(order))))
                for (fee, days), slugs in sorted(grouped.items())]


def delivery_rules() -> DeliveryRules:
    """The one reader of the delivery rules: fees, working days and the free threshold, from
    the owner's settings in force now (``shopsettings.current()``). Every page, the cart,
    checkout and placing follow a change from their next computation; a placed order keeps
    the fee written on it."""
    shop = shopsettings.current()
    return DeliveryRules({code: rule.fee_cents for code, rule in shop.delivery.items()},
                         {code: (rule.days_min, rule.days_max)
                          for code, rule in shop.delivery.items()},
                         shop.free_delivery_from_cents)


def delivery_fee(method: str | None, municipality: str | None, subtotal_cents: int) -> int:
    """Standard delivery costs by municipality and is free above a threshold; pick-up is free."""
    if method is None or method == PICKUP or subtotal_cents == 0:
        return 0  # None: not chosen yet (the cart page shows the goods alone)
    rules = delivery_rules()
    if subtotal_cents >= rules.free_from_cents:
        return 0
    return rules.fee(municipality)


def product_delivery_fee(product_id: int, municipality: str | None) -> int | None:
    """Standard delivery of this one product to ``municipality`` at today's price (free when
    it alone reaches the threshold); None if there is no such product on sale."""
    product = db.session.get(Product, product_id)
    if product is None or not product.sellable:
        return None
    price = product.offer(shoptime.shop_today()).price_cents
    return delivery_fee(STANDARD, municipality, price)


def totals(lines: list[PricedLine], method: str | None = None,
           municipality: str | None = None,
           instalment: tuple[str, int] | None = None) -> Totals:
    """The figures of ``lines``; ``instalment`` is the (bank, count) chosen, if any: its fee
    is counted when a plan still offers it on the goods and delivery (see ``instalment_for``)."""
    subtotal = sum(line.total_cents for line in lines if line.available)
    # Assembly is a service, not goods: it does not count towards free delivery.
    assembly = sum(line.assembly_cents for line in lines if line.available)
    delivery = delivery_fee(method, municipality, subtotal)
    shop = shopsettings.current()
    chosen = None
    if instalment is not None:  # the plan's fee is on all that is paid in instalments
        chosen = instalments.find(shop.instalment_plans, *instalment,
                                  subtotal + delivery + assembly)
    return Totals(subtotal, delivery, shop.vat_standard_percent, assembly, chosen)


def instalment_offers(figures: Totals) -> list[instalments.Option]:
    """The instalment plans open to an order of these goods, delivery and assembly (no fee
    yet)."""
    base = figures.subtotal_cents + figures.delivery_cents + figures.assembly_cents
    return instalments.options(shopsettings.current().instalment_plans, base)


def fingerprint(lines: list[PricedLine], method: str | None, municipality: str | None,
                payment: str | None, store: int | None = None, day=None,
                instalment: tuple[str, int] | None = None) -> str:
    """A short digest of everything the review page shows the customer: each line's product,
    quantity, unit price, availability and whether it is made to order (no withdrawal),
    its assembly fee when chosen, delivery (the pickup store, the delivery day) and payment
    (with the instalments chosen and their fee),
    the delivery fee, the total and the VAT rate in it.

    The review form carries it and placing recomputes it inside its transaction: any
    difference means the customer would pay something they did not see, so nothing is ordered.
    """
    figures = totals(lines, method, municipality, instalment)
    # In product order: the review page lists lines as added, placing reads them in the order
    # their rows lock; the same cart must give the same digest.
    seen = sorted([line.product_id, line.quantity, line.unit_price_cents, line.available,
                   line.made_to_order, *([line.assembly_fee_cents] if line.assembly else [])]
                  for line in lines)
    where = [method, municipality] if store is None else [method, municipality, store]
    if day is not None:
        where.append(day.isoformat())
    paid = [payment]
    if instalment is not None:  # absent when paid in full: digests of before stay the same
        paid += [list(instalment), figures.instalment is not None, figures.instalment_fee_cents]
    text = json.dumps([seen, *where, *paid, figures.delivery_cents,
                       figures.total_cents, figures.vat_percent], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
