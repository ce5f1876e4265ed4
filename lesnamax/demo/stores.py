"""The demo's second showroom: the configuration names the first (``SHOP_STORES``), a shop
with a customer base across Kosovo has another in Prizren. Added through the owner's own
operation (``shopsettings_save.save_store``), as the owner would in /admin/settings/stores."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask
from sqlalchemy import func, select

from .. import shopsettings, shopsettings_save
from ..extensions import db
from .families import ACTOR

PRIZREN = {
    "name": "LESNA MAX Prizren",
    "address_sq": "Rruga Remzi Ademaj 45, 20000 Prizren",
    "address_en": "45 Remzi Ademaj Street, 20000 Prizren",
    "hours_sq": "E hënë – e shtunë: 09:00–19:00\nE diel: 10:00–15:00",
    "hours_en": "Monday – Saturday: 09:00–19:00\nSunday: 10:00–15:00",
    "phone": "+38329631160",
    "latitude": Decimal("42.21390"),
    "longitude": Decimal("20.73970"),
    "active": True,
    "pickup_days": "123456",  # Monday to Saturday, as its hours say
}


def seed(app: Flask) -> int:
    """Make sure the shop has its two showrooms; return how many stores it has."""
    shopsettings.seed(app)  # the settings row and the configured showroom, if not yet there
    count = db.session.scalar(select(func.count(shopsettings.Store.id))) or 0
    if count < 2:
        shopsettings_save.save_store(None, {**PRIZREN, "position": count}, ACTOR)
        count += 1
    return count
