"""Instalment plans ("me këste"): which banks' cards may pay an order in how many instalments,
from what order total, and the fee (a percentage) the shop adds when a customer chooses them.

Core: the product page and the cart show "ose 12 × 45,90 €" where a plan applies, the checkout
offers the plans, placing writes the choice and its fee on the order, payments put its number
into the signed bank form's ``Instalment`` field. The plans are part of the shop's settings
snapshot (``shopsettings.current().instalment_plans``), cached and invalidated with it
(``pagecache.WATCHED_TABLES``), so the teaser a page shows is the plan the order gets.

The bank splits the money; the shop only asks for a number. Seeded off (no plans) unless the
environment names them (``LESNAMAX_INSTALMENT_PLANS="TEB:3,6,12:300:0;BKT:3,6:200:2.5"``:
bank, counts, minimum in euros, fee in per cent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from . import audit
from .audit import Actor
from .extensions import db

#: The fewest and most instalments a plan may offer (NestPay banks offer 2–12, some 24).
FEWEST, MOST = 2, 36
#: A fee above this is a mistake (the form refuses it).
MAX_FEE_BASIS_POINTS = 2000
_BANK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .&-]{0,39}$")


class InstalmentPlan(db.Model):
    """One bank's plan: its cards may pay in ``counts`` instalments from ``min_total_cents``."""

    __tablename__ = "instalment_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank: Mapped[str] = mapped_column(String(40), unique=True)
    #: "3,6,12": the numbers of instalments allowed, ascending.
    counts: Mapped[str] = mapped_column(String(100))
    #: The order total (goods and delivery) from which the plan applies.
    min_total_cents: Mapped[int] = mapped_column(Integer)
    #: The fee the shop adds, in hundredths of a per cent (250 = 2,5 %); 0: no fee.
    fee_basis_points: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Plan:
    bank: str
    counts: tuple[int, ...]
    min_total_cents: int
    fee_basis_points: int = 0

    def fee_cents(self, total_cents: int) -> int:
        """The fee on ``total_cents``, to the cent (half up)."""
        fee = Decimal(total_cents) * self.fee_basis_points / Decimal(10000)
        return int(fee.to_integral_value(ROUND_HALF_UP))

    def applies(self, total_cents: int) -> bool:
        return total_cents > 0 and total_cents >= self.min_total_cents

    @property
    def fee_percent_text(self) -> str:
        """"2.5" for 250 basis points (the form and the audit trail)."""
        return _percent_text(self.fee_basis_points)


@dataclass(frozen=True)
class Option:
    """One way to pay ``base_cents`` by card in ``count`` instalments with ``bank``'s card."""

    bank: str
    count: int
    base_cents: int
    fee_cents: int

    @property
    def total_cents(self) -> int:
        return self.base_cents + self.fee_cents

    @property
    def per_instalment_cents(self) -> int:
        # Rounded up: the figure shown is never less than what the bank takes each month.
        return -(-self.total_cents // self.count)

    @property
    def value(self) -> str:
        """The form's value for this choice ("TEB:6")."""
        return f"{self.bank}:{self.count}"


def _percent_text(basis_points: int) -> str:
    text = f"{Decimal(basis_points) / 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def options(plans: tuple[Plan, ...], total_cents: int) -> list[Option]:
    """Every plan choice open to an order of ``total_cents``, bank by bank, fewest first."""
    return [Option(plan.bank, count, total_cents, plan.fee_cents(total_cents))
            for plan in plans if plan.applies(total_cents) for count in plan.counts]


def teaser(plans: tuple[Plan, ...], total_cents: int) -> tuple[Option, tuple[str, ...]] | None:
    """The "ose 12 × 45,90 €" a page shows for ``total_cents``: the smallest instalment open
    to it, and the banks whose cards offer that number; None when no plan applies."""
    found = options(plans, total_cents)
    if not found:
        return None
    best = min(found, key=lambda o: (o.per_instalment_cents, -o.count, o.bank))
    banks = tuple(o.bank for o in found
                  if o.count == best.count and o.per_instalment_cents == best.per_instalment_cents)
    return best, banks


def find(plans: tuple[Plan, ...], bank: str | None, count: int | None,
         total_cents: int) -> Option | None:
    """The option ``bank``/``count`` for ``total_cents``; None if no plan offers it (now)."""
    return next((o for o in options(plans, total_cents)
                 if o.bank == bank and o.count == count), None)


def parse_choice(value: str | None) -> tuple[str, int] | None:
    """("TEB", 6) from the form's "TEB:6"; None for anything else."""
    bank, _sep, count = (value or "").rpartition(":")
    if not _BANK.match(bank) or not (count.isascii() and count.isdigit()) or len(count) > 2:
        return None
    return bank, int(count)


# --- reading and writing the settings --------------------------------------------------------

def parse_counts(text: str) -> tuple[int, ...] | None:
    """(3, 6, 12) from "3, 6, 12" (any order, repeats dropped); None if not such a list."""
    parts = [part.strip() for part in re.split(r"[,\s;]+", text or "") if part.strip()]
    if not parts or not all(part.isascii() and part.isdigit() and len(part) <= 2 for part in parts):
        return None
    counts = tuple(sorted({int(part) for part in parts}))
    return counts if all(FEWEST <= n <= MOST for n in counts) else None


def parse_percent(text: str) -> int | None:
    """Basis points from "2,5" or "2.5" (0 – 20 %, two decimals at most); None otherwise."""
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:
        return None
    points = int(value * 100)
    return points if points <= MAX_FEE_BASIS_POINTS else None


def valid_bank(name: str) -> bool:
    return bool(_BANK.match(name or ""))


def parse_plans(text: str | None) -> tuple[Plan, ...]:
    """Plans from the environment's "TEB:3,6,12:300:0;BKT:3,6:200:2.5" (bank, counts, minimum
    in euros, fee %). A malformed entry raises ValueError: a shop must not start with half
    its plans."""
    plans = []
    for entry in (text or "").split(";"):
        if not entry.strip():
            continue
        parts = [part.strip() for part in entry.split(":")]
        if len(parts) != 4:
            raise ValueError(f"instalment plan {entry!r}: bank:counts:minimum:fee")
        bank, counts_text, minimum, fee = parts
        counts, points = parse_counts(counts_text), parse_percent(fee)
        try:
            min_cents = int(Decimal(minimum.replace(",", ".")) * 100)
        except InvalidOperation:
            min_cents = -1
        if not valid_bank(bank) or counts is None or points is None or min_cents < 0:
            raise ValueError(f"instalment plan {entry!r} is not valid")
        plans.append(Plan(bank, counts, min_cents, points))
    return tuple(plans)


def _plan(row: InstalmentPlan) -> Plan:
    return Plan(row.bank, parse_counts(row.counts) or (), row.min_total_cents,
                row.fee_basis_points)


def load() -> tuple[Plan, ...]:
    """The stored plans, in the owner's order (called by ``shopsettings`` for its snapshot)."""
    rows = db.session.scalars(select(InstalmentPlan).order_by(InstalmentPlan.position,
                                                              InstalmentPlan.id))
    return tuple(plan for plan in map(_plan, rows) if plan.counts)


def seed(plans: tuple[Plan, ...]) -> None:
    """Add ``plans`` to the session when none is stored yet (the caller commits)."""
    if db.session.scalar(select(InstalmentPlan.id).limit(1)) is not None:
        return  # the demo's or the owner's plans came first
    _add(plans)


def _add(plans: tuple[Plan, ...]) -> None:
    for position, plan in enumerate(plans):
        db.session.add(_row(plan, position))


def _row(plan: Plan, position: int) -> InstalmentPlan:
    return InstalmentPlan(bank=plan.bank, counts=",".join(map(str, plan.counts)),
                          min_total_cents=plan.min_total_cents,
                          fee_basis_points=plan.fee_basis_points, position=position)


def describe(plan: Plan) -> str:
    """One plan in the audit trail's words."""
    counts = ",".join(map(str, plan.counts))
    return f"{counts} × from {plan.min_total_cents / 100:.2f} €, fee {plan.fee_percent_text} %"


def save(plans: tuple[Plan, ...], actor: Actor) -> list[str]:
    """Replace the plans with ``plans`` (checked by the form), audited bank by bank; return the
    changes (empty: nothing written). Placed orders keep the number and fee written on them."""
    before = {plan.bank: describe(plan) for plan in load()}
    after = {plan.bank: describe(plan) for plan in plans}
    changes = [f"{bank}: {before.get(bank, '–')} → {after.get(bank, '–')}"
               for bank in [*before, *(b for b in after if b not in before)]
               if before.get(bank) != after.get(bank)]
    if not changes and list(before) == list(after):
        db.session.rollback()
        return []
    for row in db.session.scalars(select(InstalmentPlan)):
        db.session.delete(row)
    db.session.flush()  # the unique bank names are free again
    _add(plans)
    audit.record(actor, "settings.instalments", "settings", 1,
                 "; ".join(changes) or "order of the banks")
    db.session.commit()
    return changes or ["order"]


def current() -> tuple[Plan, ...]:
    """The plans in force (the settings' cached snapshot)."""
    from .shopsettings import current as settings  # shopsettings imports this module

    return settings().instalment_plans
