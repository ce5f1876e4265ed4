"""The shop's settings the owner edits in /admin/settings: who sells and how to reach them,
delivery fees and days per municipality, the free-delivery threshold, the VAT rates, the stores.

Core: the footer and every e-mail (``trader.details()``), the cart's delivery fee and the
checkout read them through ``current()``, a frozen snapshot.

Cached per process, keyed by the "settings" part of the content stamps (``cache.generation``):
any commit that wrote ``shop_settings`` or ``store`` gives that part a new stamp
(``pagecache.WATCHED_TABLES``), and the stamps are read once per request anyway (the page cache
does it), in Redis or a file every worker shares. So a change is seen by every worker at its
next request, at no extra query. Not a time limit: a worker would charge an old delivery fee
for that long, and the fee the cart shows must be the fee the order charges.

Before the owner's first save the values come from the configuration (``config.py`` and the
``LESNAMAX_*`` environment): the one place the shop's own literals are written. ``seed()`` writes
them, with the first store, on the first request of a process that finds no row. The owner's
saves are ``shopsettings_save``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Flask, current_app
from sqlalchemy import JSON, Boolean, DateTime, Integer, Numeric, String, Text, select, true
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from . import cache, instalments, kosovo
from .extensions import db

log = logging.getLogger(__name__)
#: The rule for every municipality without its own.
ELSEWHERE = "*"
#: Text fields of the settings row, in the order the audit trail lists them.
TEXT_FIELDS = ("legal_name", "trade_name", "nrb", "nf", "vat_number", "address_sq",
               "address_en", "phone", "email", "viber", "whatsapp", "hours_sq", "hours_en")
NUMBER_FIELDS = ("free_delivery_from_cents", "vat_standard_percent", "vat_reduced_percent")
STORE_FIELDS = ("name", "address_sq", "address_en", "hours_sq", "hours_en", "phone",
                "latitude", "longitude", "position", "active", "pickup_days")
#: Days of the week as ISO numbers in a string ("123456": Monday to Saturday). Sunday (7) is
#: never a delivery or pickup day (``deliverydays``).
ALL_WORKING_DAYS = "123456"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ShopSettings(db.Model):
    """One row, id 1."""

    __tablename__ = "shop_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str] = mapped_column(String(100))
    nrb: Mapped[str] = mapped_column(String(20), default="")
    nf: Mapped[str] = mapped_column(String(20), default="")
    vat_number: Mapped[str] = mapped_column(String(20), default="")
    address_sq: Mapped[str] = mapped_column(String(300))
    address_en: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(20))  # E.164, like customers' numbers
    email: Mapped[str] = mapped_column(String(254))
    viber: Mapped[str] = mapped_column(String(20), default="")
    whatsapp: Mapped[str] = mapped_column(String(20), default="")
    hours_sq: Mapped[str] = mapped_column(Text, default="")
    hours_en: Mapped[str] = mapped_column(Text, default="")
    #: {"prishtine": [250, 1, 2, "123456", 1, 12], "*": [500, 2, 5, "135", 2, 8]}: fee in
    #: cents, fewest and most days, then the days of the week delivered, the lead time in
    #: working days and the orders per day (a rule of three values takes the configuration's
    #: ``DELIVERY_SCHEDULE``).
    delivery: Mapped[dict] = mapped_column(JSON)
    free_delivery_from_cents: Mapped[int] = mapped_column(Integer)
    vat_standard_percent: Mapped[int] = mapped_column(Integer)
    vat_reduced_percent: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow,
                                                 onupdate=_utcnow)


class Store(db.Model):
    """A showroom. Hidden, never deleted: orders picked up there keep naming it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    address_sq: Mapped[str] = mapped_column(String(300))
    address_en: Mapped[str] = mapped_column(String(300))
    hours_sq: Mapped[str] = mapped_column(Text, default="")
    hours_en: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    latitude = mapped_column(Numeric(8, 5), nullable=True)
    longitude = mapped_column(Numeric(8, 5), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The days of the week an order can be picked up here (ISO numbers, "123456").
    pickup_days: Mapped[str] = mapped_column(String(7), default=ALL_WORKING_DAYS,
                                             server_default=ALL_WORKING_DAYS)


@dataclass(frozen=True)
class Rule:
    fee_cents: int
    days_min: int
    days_max: int
    #: The days of the week delivered (ISO numbers), the working days between the order and
    #: the first day offered, and how many orders one day takes (checkout's day choice).
    weekdays: str = ALL_WORKING_DAYS
    lead_days: int = 1
    capacity: int = 20

    @property
    def days(self) -> str:
        return str(self.days_min) if self.days_min == self.days_max else (
            f"{self.days_min}–{self.days_max}")


@dataclass(frozen=True)
class StoreInfo:
    id: int | None
    name: str
    address_sq: str
    address_en: str
    hours_sq: str
    hours_en: str
    phone: str
    latitude: str
    longitude: str
    position: int = 0
    active: bool = True
    pickup_days: str = ALL_WORKING_DAYS

    def address(self, lang: str) -> str:
        return (self.address_en if lang == "en" else self.address_sq) or self.address_sq

    def hours(self, lang: str) -> str:
        return (self.hours_en if lang == "en" else self.hours_sq) or self.hours_sq

    @property
    def phone_text(self) -> str:
        return kosovo.international_phone(self.phone)

    @property
    def map_url(self) -> str:
        """OpenStreetMap at the store's place: a plain link, no tiles or scripts on our pages."""
        if not (self.latitude and self.longitude):
            return ""
        return (f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}"
                f"#map=17/{self.latitude}/{self.longitude}")

    @property
    def geo_uri(self) -> str:
        """RFC 5870: phones open it in their own maps app."""
        return f"geo:{self.latitude},{self.longitude}" if self.latitude and self.longitude else ""


@dataclass(frozen=True)
class Shop:
    legal_name: str
    trade_name: str
    nrb: str
    nf: str
    vat_number: str
    address_sq: str
    address_en: str
    phone: str
    email: str
    viber: str
    whatsapp: str
    hours_sq: str
    hours_en: str
    delivery: dict[str, Rule]
    free_delivery_from_cents: int
    vat_standard_percent: int
    vat_reduced_percent: int
    stores: tuple[StoreInfo, ...] = field(default=())
    #: The banks' instalment plans (``instalments.py``), first to last as the owner lists them.
    instalment_plans: tuple[instalments.Plan, ...] = field(default=())

    def rule_for(self, municipality: str | None) -> Rule:
        return self.delivery.get(municipality or "", self.delivery[ELSEWHERE])

    @property
    def active_stores(self) -> tuple[StoreInfo, ...]:
        return tuple(store for store in self.stores if store.active)

    def store(self, store_id: object) -> StoreInfo | None:
        return next((s for s in self.stores if s.id is not None and s.id == store_id), None)

    def active_store(self, store_id: object) -> StoreInfo | None:
        found = self.store(store_id)
        return found if found is not None and found.active else None


def current() -> Shop:
    """The settings in force (see the module docstring for how they are cached)."""
    stamp = cache.generation("settings")
    if stamp is None:  # the stamps cannot be read: never serve a possibly old fee
        return _load()
    return cache.remember(("shopsettings", stamp), 24 * 3600, _load)


def _load() -> Shop:
    # The row and the stores in one query (the row repeated beside each store; alone, with
    # None, when there is none), the plans in a second: a page after a change of the
    # settings stays within its query budget (tests/test_query_counts.py).
    pairs = db.session.execute(select(ShopSettings, Store).outerjoin(Store, true())
                               .where(ShopSettings.id == 1)
                               .order_by(Store.position, Store.id)).all()
    row = pairs[0][0] if pairs else None
    stores = tuple(_store_info(store) for _row, store in pairs if store is not None)
    if row is None:
        stores = tuple(_store_info(s) for s in db.session.scalars(
            select(Store).order_by(Store.position, Store.id)))
        return from_config(current_app, stores)
    values = {name: getattr(row, name) for name in TEXT_FIELDS + NUMBER_FIELDS}
    return Shop(**values, delivery=rules_from_stored(row.delivery), stores=stores,
                instalment_plans=instalments.load())


def _store_info(store: Store) -> StoreInfo:
    return StoreInfo(
        id=store.id, name=store.name, address_sq=store.address_sq, address_en=store.address_en,
        hours_sq=store.hours_sq, hours_en=store.hours_en, phone=store.phone,
        latitude=_coordinate(store.latitude), longitude=_coordinate(store.longitude),
        position=store.position, active=store.active,
        pickup_days=store.pickup_days or ALL_WORKING_DAYS)


def _coordinate(value) -> str:
    return "" if value is None else f"{value:f}".rstrip("0").rstrip(".")


def rules_from_stored(stored: dict) -> dict[str, Rule]:
    return {code: _rule(code, values) for code, values in stored.items()}


def _rule(code: str, values: list) -> Rule:
    fee, low, high = (int(n) for n in values[:3])
    # A rule saved before delivery days existed takes the configured schedule of its code.
    weekdays, lead, capacity = values[3:6] if len(values) >= 6 else configured_schedule(code)
    return Rule(fee, low, high, str(weekdays), int(lead), int(capacity))


def configured_schedule(code: str) -> tuple[str, int, int]:
    """The configuration's delivery days, lead time and orders per day for ``code``."""
    schedule = current_app.config["DELIVERY_SCHEDULE"]
    weekdays, lead, capacity = schedule.get(code, schedule[ELSEWHERE])
    return str(weekdays), int(lead), int(capacity)


def rules_as_stored(rules: dict[str, Rule]) -> dict[str, list]:
    return {code: [r.fee_cents, r.days_min, r.days_max, r.weekdays, r.lead_days, r.capacity]
            for code, r in sorted(rules.items())}


def from_config(app: Flask, stores: tuple[StoreInfo, ...] = ()) -> Shop:
    """The seed: the values in ``app.config`` (config.py, then the environment)."""
    config = app.config
    fees, days = config["DELIVERY_FEES_CENTS"], config["DELIVERY_DAYS"]
    codes = set(fees) | set(days) | {ELSEWHERE}
    fallback_days = days.get(ELSEWHERE, [1, 2])
    fallback_fee = fees.get(ELSEWHERE, 0)
    delivery = {code: Rule(int(fees.get(code, fallback_fee)),
                           *(int(n) for n in days.get(code, fallback_days)),
                           *configured_schedule(code))
                for code in codes}
    return Shop(
        legal_name=config["SHOP_LEGAL_NAME"], trade_name=config["SHOP_TRADE_NAME"],
        nrb=config["SHOP_NRB"], nf=config["SHOP_NF"], vat_number=config["SHOP_VAT_NUMBER"],
        address_sq=config["SHOP_ADDRESS_SQ"], address_en=config["SHOP_ADDRESS_EN"],
        phone=_phone(config["SHOP_PHONE"]), email=config["SHOP_EMAIL"],
        viber=_phone(config["SHOP_VIBER"]), whatsapp=_phone(config["SHOP_WHATSAPP"]),
        hours_sq=config["SHOP_HOURS_SQ"], hours_en=config["SHOP_HOURS_EN"],
        delivery=delivery, free_delivery_from_cents=int(config["FREE_DELIVERY_FROM_CENTS"]),
        vat_standard_percent=int(config["VAT_STANDARD_PERCENT"]),
        vat_reduced_percent=int(config["VAT_REDUCED_PERCENT"]), stores=stores,
        instalment_plans=instalments.parse_plans(config.get("INSTALMENT_PLANS", "")))


def _phone(raw: str) -> str:
    # A number the configuration writes for people ("+383 44 …") is kept as E.164.
    return kosovo.normalise_phone(raw) or (raw or "")


def seed(app: Flask) -> None:
    """Write the configuration's values and first store, once, if the shop has no settings row;
    then read them into this process's cache.

    The row's fixed id decides between processes seeding at once: the loser's insert fails
    and is rolled back, its store with it, so the showroom is seeded once.
    """
    if app.extensions.get("lesnamax_settings_seeded"):
        return
    try:
        _seed(app)
        # Warm this process's cache now: every page shows the settings (the footer), and a
        # page's query count should not depend on whether it came first.
        current()
    except SQLAlchemyError:
        # The database is unreachable or not migrated yet: the request goes on (/healthz
        # says so), the reads fall back to the configuration, the next request tries again.
        db.session.rollback()
        log.warning("cannot seed the shop settings", exc_info=True)
        return
    app.extensions["lesnamax_settings_seeded"] = True


def _seed(app: Flask) -> None:
    if db.session.get(ShopSettings, 1) is None:
        shop = from_config(app)
        values = {name: getattr(shop, name) for name in TEXT_FIELDS + NUMBER_FIELDS}
        db.session.add(ShopSettings(id=1, **values, delivery=rules_as_stored(shop.delivery)))
        instalments.seed(shop.instalment_plans)  # none unless the environment names them
        for position, store in enumerate(app.config["SHOP_STORES"]):
            db.session.add(Store(
                name=store["name"], address_sq=store["address_sq"],
                address_en=store["address_en"],
                hours_sq=store.get("hours_sq", shop.hours_sq),
                hours_en=store.get("hours_en", shop.hours_en),
                phone=_phone(store.get("phone", "")), latitude=store.get("latitude") or None,
                longitude=store.get("longitude") or None, position=position, active=True,
                pickup_days=store.get("pickup_days", ALL_WORKING_DAYS)))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another process seeded first


def register(app: Flask) -> None:
    """Seed on the first request, before any other hook (the page cache's key reads the stamp
    the seed's commit changes); later requests pay one dictionary look-up.

    A malformed ``LESNAMAX_INSTALMENT_PLANS`` stops the start here, naming the entry, rather
    than failing the first request."""
    instalments.parse_plans(app.config.get("INSTALMENT_PLANS", ""))

    def _seed_settings():
        seed(app)

    app.before_request_funcs.setdefault(None, []).insert(0, _seed_settings)
