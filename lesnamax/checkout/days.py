"""The checkout's day step: what it saved (the day, the slot it belongs to, the assembly
chosen) and whether that still holds. The booking itself is placing's (``orders.slots``)."""

from __future__ import annotations

from datetime import date

from ..orders import slots


def plan(data: dict) -> slots.Plan | None:
    """The rule the order's day is chosen by (delivery area or pickup store)."""
    address = data.get("address") or {}
    return slots.plan_for(data.get("delivery"), address.get("municipality"), data.get("store"))


def chosen(data: dict) -> date | None:
    saved = data.get("day") or {}
    try:
        return date.fromisoformat(saved.get("day", ""))
    except (TypeError, ValueError):
        return None


def assembly(data: dict) -> frozenset[int]:
    """The products whose assembly the customer chose."""
    return frozenset(int(n) for n in (data.get("day") or {}).get("assembly", ()))


def holds(data: dict, today: date) -> bool:
    """The saved day is still one of its rule's with room, for the same delivery or store
    (an address or delivery changed since asks the day again)."""
    rule, day = plan(data), chosen(data)
    return (rule is not None and day is not None and rule.area == data["day"].get("area")
            and slots.bookable(rule, day, today))
