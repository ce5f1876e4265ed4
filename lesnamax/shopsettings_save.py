"""What the owner saves in /admin/settings: the settings row and the stores, each change
audited as before → after. Read back through ``shopsettings.current()`` from the next request
(the commit gives the settings' content stamp a new value)."""

from __future__ import annotations

from flask import current_app

from . import audit
from .audit import Actor
from .extensions import db
from .shopsettings import (
    NUMBER_FIELDS,
    STORE_FIELDS,
    TEXT_FIELDS,
    Rule,
    ShopSettings,
    Store,
    from_config,
    rules_as_stored,
    rules_from_stored,
)


def _shown(value) -> str:
    text = str(value).replace("\n", " / ")
    return text if len(text) <= 80 else text[:77] + "…"


def _changes(before: dict, after: dict) -> list[str]:
    return [f"{name}: {_shown(before.get(name, ''))} → {_shown(after[name])}"
            for name in after if before.get(name) != after[name]]


def save(values: dict, actor: Actor) -> list[str]:
    """Store the settings form's values (already checked), audited with what changed.

    ``values`` has every text and number field and ``delivery`` ({code: Rule}). Returns the
    changes (empty: nothing was written). Takes effect at the next cart computation; placed
    orders keep the fees they were placed with (they are copied onto the order).
    """
    row = db.session.get(ShopSettings, 1)
    if row is None:
        shop = from_config(current_app)
        row = ShopSettings(id=1, **{n: getattr(shop, n) for n in TEXT_FIELDS + NUMBER_FIELDS},
                           delivery=rules_as_stored(shop.delivery))
        db.session.add(row)
    before = {name: getattr(row, name) for name in TEXT_FIELDS + NUMBER_FIELDS}
    before |= {f"delivery[{code}]": _rule_text(rule)
               for code, rule in rules_from_stored(row.delivery).items()}
    after = {name: values[name] for name in TEXT_FIELDS + NUMBER_FIELDS}
    after |= {f"delivery[{code}]": _rule_text(rule) for code, rule in values["delivery"].items()}
    after |= {key: "–" for key in before if key.startswith("delivery[") and key not in after}
    changes = _changes(before, after)
    if not changes:
        db.session.rollback()
        return []
    for name in TEXT_FIELDS + NUMBER_FIELDS:
        setattr(row, name, values[name])
    row.delivery = rules_as_stored(values["delivery"])
    audit.record(actor, "settings.update", "settings", 1, "; ".join(changes))
    db.session.commit()
    return changes


def _rule_text(rule: Rule) -> str:
    return (f"{rule.fee_cents / 100:.2f} €, {rule.days} d, {rule.weekdays}, "
            f"+{rule.lead_days} d, {rule.capacity}/d")


def store_row(store_id: int) -> Store | None:
    return db.session.get(Store, store_id)


def save_store(store_id: int | None, values: dict, actor: Actor) -> Store:
    """Add a store (``store_id`` None) or change one, audited with before → after."""
    store = Store() if store_id is None else db.session.get(Store, store_id)
    if store is None:
        raise LookupError(store_id)
    before = {} if store_id is None else {n: getattr(store, n) for n in STORE_FIELDS}
    for name in STORE_FIELDS:
        setattr(store, name, values[name])
    if store_id is None:
        db.session.add(store)
        db.session.flush()
    after = {n: getattr(store, n) for n in STORE_FIELDS}
    changes = _changes(before, after)
    if changes:
        audit.record(actor, "store.create" if store_id is None else "store.update", "store",
                     store.id, "; ".join(changes))
    db.session.commit()
    return store
