"""Checkout forms: the address for this order, delivery, payment, and the final review."""

from __future__ import annotations

import re

from flask_babel import format_date, ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectMultipleField
from wtforms.validators import AnyOf, DataRequired, Length, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..cart.pricing import PICKUP, STANDARD
from ..forms import (
    REQUIRED,
    AddressFields,
    add_error,
    kosovo_phone,
    name_characters,
    street_characters,
    text,
)
from ..i18n import _l
from ..money import format_cents
from ..orders.models import CARD, CASH

#: What the review page puts in its idempotency key (``secrets.token_hex``): a key of any other
#: shape was not made here and finds no order.
KEY_PATTERN = r"[0-9a-f]{16,64}\Z"


#: A Kosovo business number: the NUI of 9 digits (since 2016) or an older NRB of 8.
_NRB = re.compile(r"^\d{8,9}$")
COMPANY_FIELDS = ("company_name", "company_nrb", "company_address")


class AddressForm(AddressFields, FlaskForm):
    first_name = text(_l("First name"), 100, name_characters)
    last_name = text(_l("Last name"), 100, name_characters)
    phone = text(_l("Phone number"), 40, kosovo_phone)
    #: A business customer's invoice names the company (optional; its fields count only when
    #: ticked, so a box filled and then unticked puts nothing on the invoice).
    company = BooleanField(_l("I am buying for a company (the invoice names it)"))
    company_name = text(_l("Company name"), 200, required=False)
    company_nrb = text(_l("Business number (NRB/NUI)"), 20, required=False)
    company_address = text(_l("Company address"), 200, street_characters, required=False)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.company.data:
            return valid
        for name in COMPANY_FIELDS:
            if not getattr(self, name).data:
                add_error(getattr(self, name), REQUIRED)
                valid = False
        nrb = "".join((self.company_nrb.data or "").split())
        if nrb and not _NRB.match(nrb):
            add_error(self.company_nrb, _l("The business number has 8 or 9 digits."))
            valid = False
        self.company_nrb.clean = nrb
        return valid

    def company_values(self) -> dict[str, str]:
        """The company's fields as stored, or empty ones when not buying for a company."""
        if not self.company.data:
            return dict.fromkeys(COMPANY_FIELDS, "")
        return {"company_name": self.company_name.data,
                "company_nrb": self.company_nrb.clean,
                "company_address": self.company_address.data}


def _choice_field(label, choices, message):
    return RadioField(label, choices=[SelectChoice(v, lbl) for v, lbl in choices],
                      validators=[DataRequired(message), AnyOf([v for v, _ in choices],
                                                               message=message)],
                      validate_choice=False)


class DeliveryForm(FlaskForm):
    method = _choice_field(_l("Delivery"), [(STANDARD, _l("Delivery to your address")),
                                            (PICKUP, _l("Pick up from the shop"))],
                           _l("Choose how you want to receive the order."))
    #: The store a pickup is collected from: one of the active stores (``stores``).
    store = RadioField(_l("Store to pick up from"), choices=[], validate_choice=False)

    def __init__(self, *args, stores=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stores = tuple(stores)
        self.store.choices = [SelectChoice(str(s.id), s.name) for s in self.stores]

    def validate_store(self, field) -> None:
        if self.method.data != PICKUP:
            return
        # With one store there is nothing to choose (its radio is preselected anyway).
        wanted = field.data or (str(self.stores[0].id) if len(self.stores) == 1 else "")
        chosen = next((s for s in self.stores if str(s.id) == wanted), None)
        if chosen is None:
            raise ValidationError(_l("Choose the store where you will pick up the order."))
        field.clean = chosen.id


class DayForm(FlaskForm):
    """The delivery (or pickup) day among those offered, and the assembly of each line that
    offers it."""

    day = RadioField(_l("Delivery day"), choices=[], validate_choice=False)
    assembly = SelectMultipleField(_l("Assembly (montim)"), choices=[], validate_choice=False,
                                   widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput())

    def __init__(self, *args, options=(), lines=(), lang="sq", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.options = tuple(options)
        self.lines = tuple(lines)
        self.day.choices = [SelectChoice(o.day.isoformat(), day_label(o.day)) for o in options]
        self.assembly.choices = [SelectChoice(str(line.product_id), _l(
            "Assembly of “%(name)s”", name=line.name(lang))) for line in self.lines]

    def validate_day(self, field) -> None:
        chosen = next((o.day for o in self.options if o.day.isoformat() == field.data), None)
        if chosen is None:
            raise ValidationError(_l("Choose one of the days offered."))
        field.clean = chosen

    def validate_assembly(self, field) -> None:
        offered = {str(line.product_id) for line in self.lines}
        if any(value not in offered for value in field.data or ()):
            raise ValidationError(_l("Assembly is not offered for that product."))
        field.clean = frozenset(int(value) for value in field.data or ())


def day_label(day) -> str:
    """"e mërkurë, 9 dhjetor" / "Wednesday, 9 December"."""
    return format_date(day, "EEEE, d MMMM")


def places_left(left: int | None) -> str:
    if left is None or left > 3:
        return ""
    return ngettext("%(num)d place left", "%(num)d places left", left)


def assembly_price(line) -> str:
    return ngettext("%(fee)s × %(num)d piece", "%(fee)s × %(num)d pieces", line.quantity,
                    fee=format_cents(line.assembly_fee_cents))


class PaymentForm(FlaskForm):
    method = _choice_field(_l("Payment method"), [(CARD, _l("Card payment on the bank's page")),
                                                  (CASH, _l("Cash on delivery"))],
                           _l("Choose how you want to pay."))
    #: For a card: in full ("") or one of the instalment plans open to this order ("TEB:6"),
    #: given as ``offers``. Ignored for cash (without JavaScript both are on the page).
    plan = RadioField(_l("Pay by card in full or in instalments"), choices=[],
                      validate_choice=False, default="")

    def __init__(self, *args, offers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offers = {offer.value: offer for offer in offers}
        self.plan.choices = [SelectChoice("", _l("In full, in one payment"))] + [
            SelectChoice(offer.value, ngettext("%(num)d instalment with a %(bank)s card",
                                               "%(num)d instalments with a %(bank)s card",
                                               offer.count, bank=offer.bank))
            for offer in offers]

    def validate_plan(self, field) -> None:
        field.chosen = None
        if self.method.data != CARD or not field.data:
            return
        if field.data not in self.offers:
            raise ValidationError(_l("Choose one of the instalment plans offered."))
        field.chosen = self.offers[field.data]


class ReviewForm(FlaskForm):
    #: Random per review page; the same key twice means the same order (double click).
    idempotency_key = HiddenField(validators=[DataRequired(REQUIRED), Length(min=16, max=64),
                                              Regexp(KEY_PATTERN, message=REQUIRED)])
    #: ``pricing.fingerprint`` of the figures the page showed: placing stops if they changed.
    fingerprint = HiddenField(validators=[DataRequired(REQUIRED),
                                          Regexp(r"[0-9a-f]{32}\Z", message=REQUIRED)])
    #: The cart the page showed, so a second tab finds the order the first one placed from it.
    cart_id = HiddenField(validators=[Regexp(r"[0-9]{1,9}\Z", message=REQUIRED)])
    #: The version of the terms of sale the page showed next to the box: a tick accepts that
    #: version only, so placing stops if another one came into force meanwhile.
    terms_version = HiddenField()
    accept_policy = BooleanField()
    #: Required for every order; checked by ``placing`` (a missing tick is a 422 that keeps
    #: everything, not an expired form).
    accept_terms = BooleanField()
