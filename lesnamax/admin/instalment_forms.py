"""The instalment plans form (/admin/settings/instalments): one row per bank; a blank row is
no plan. Values stay as typed on errors; ``plans`` turns a valid form into ``instalments``'
plans."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, StringField
from wtforms.validators import ValidationError

from .. import instalments, money
from ..forms import REQUIRED, add_error
from ..i18n import _l

#: Rows on the page: every bank a shop in Kosovo would offer fits (TEB, BKT, and a few more).
ROWS = 5
#: A minimum above this is a typo (100 000 €).
MAX_MINIMUM_CENTS = 10_000_000


class PlanRow(Form):
    bank = StringField(_l("Bank"))
    counts = StringField(_l("Numbers of instalments"))
    minimum = StringField(_l("Minimum order total (€)"))
    fee = StringField(_l("Fee added (%)"))

    @property
    def blank(self) -> bool:
        return not any((f.data or "").strip() for f in (self.bank, self.counts, self.minimum,
                                                         self.fee))


class InstalmentsForm(FlaskForm):
    rows = FieldList(FormField(PlanRow), min_entries=ROWS, max_entries=ROWS)

    def validate_rows(self, field) -> None:
        seen: set[str] = set()
        self.plans: tuple[instalments.Plan, ...] = ()
        plans, failed = [], False
        for row in (entry.form for entry in field.entries):
            if row.blank:
                continue
            plan = _plan(row, seen)
            failed = failed or plan is None
            if plan is not None:
                plans.append(plan)
        if failed:
            raise ValidationError(_l("Correct the plans marked below."))
        self.plans = tuple(plans)


def _plan(row: PlanRow, seen: set[str]) -> instalments.Plan | None:
    bank = " ".join((row.bank.data or "").split())
    counts = instalments.parse_counts(row.counts.data or "")
    minimum = money.parse_euros((row.minimum.data or "").removesuffix("€"))
    fee_text = (row.fee.data or "").strip().removesuffix("%").strip() or "0"
    fee = instalments.parse_percent(fee_text)
    ok = True
    if not bank:
        add_error(row.bank, REQUIRED)
        ok = False
    elif not instalments.valid_bank(bank):
        add_error(row.bank, _l("Write the bank's short name in letters and digits, e.g. TEB."))
        ok = False
    elif bank.upper() in seen:
        add_error(row.bank, _l("This bank has a plan already: one row per bank."))
        ok = False
    seen.add(bank.upper())
    if counts is None:
        add_error(row.counts, _l("Write the numbers of instalments from 2 to 36, e.g. 3, 6, 12."))
        ok = False
    if minimum is None or minimum > MAX_MINIMUM_CENTS:
        add_error(row.minimum, _l("Write the amount in euros, e.g. 300 or 299,90."))
        ok = False
    if fee is None:
        add_error(row.fee, _l("Write the fee as a percentage from 0 to 20, e.g. 0 or 2,5."))
        ok = False
    if not ok:
        return None
    return instalments.Plan(bank, counts, minimum, fee)


def form_data(plans: tuple[instalments.Plan, ...]) -> dict:
    rows = [{"bank": plan.bank, "counts": ", ".join(map(str, plan.counts)),
             "minimum": _euros_text(plan.min_total_cents),
             "fee": plan.fee_percent_text.replace(".", ",")} for plan in plans]
    return {"rows": rows + [{}] * (ROWS - len(rows))}


def _euros_text(cents: int) -> str:
    """"300" or "299,90": as the owner types it (``money.parse_euros`` reads it back)."""
    euros, rest = divmod(cents, 100)
    return f"{euros},{rest:02d}" if rest else str(euros)
