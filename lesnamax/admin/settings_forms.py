"""The shop settings form and the store form. Values stay as typed on errors (the toolkit's
``field.clean``); ``settings_values``/``store_values`` turn a valid form into what
``shopsettings`` stores."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import kosovo, money, shopsettings
from ..forms import REQUIRED, TOO_LONG, cleaned, email_field, kosovo_phone, no_hidden_characters
from ..forms import text as text_field
from ..i18n import _l
from ..shopsettings import ELSEWHERE, Rule, Shop, StoreInfo

MAX_FEE_CENTS = 100_000  # 1 000 €: more is a typo
MAX_DAYS = 60
MAX_LEAD_DAYS = 30
MAX_PER_DAY = 500
#: Monday to Saturday (ISO numbers): Sunday is never a delivery or pickup day.
WEEKDAYS = ("1", "2", "3", "4", "5", "6")
_DAYS = re.compile(r"^(\d{1,2})(?:\s*[-–]\s*(\d{1,2}))?$")
_NUMBER = re.compile(r"^[0-9A-Za-z\-/]*$")


def euros_or_zero(_form, field) -> None:
    """Cents from "2,50" or "0"; refuses negatives and more than 1 000 €."""
    raw = (field.data or "").strip().removesuffix("€").strip()
    if not raw:
        field.clean = None
        return
    if raw.startswith("-"):
        raise ValidationError(_l("The amount cannot be negative."))
    cents = money.parse_euros(raw)
    if cents is None:
        raise ValidationError(_l("Write the amount in euros, e.g. 2,50 or 0."))
    if cents > MAX_FEE_CENTS:
        raise ValidationError(_l("The amount cannot be more than 1 000 €."))
    field.clean = cents


def days_range(_form, field) -> None:
    """"2" or "1-3" (also "1–3") working days; stored as (fewest, most)."""
    raw = (field.data or "").strip()
    if not raw:
        field.clean = None
        return
    found = _DAYS.match(raw)
    low = int(found.group(1)) if found else -1
    high = int(found.group(2) or low) if found else -1
    if not found or not 0 <= low <= high <= MAX_DAYS:
        raise ValidationError(_l("Write the days as a number or a range, e.g. 2 or 1-3 "
                                 "(at most 60)."))
    field.clean = (low, high)


def whole_in(low: int, high: int):
    """A whole number from ``low`` to ``high``; empty leaves ``clean`` None."""
    def check(_form, field) -> None:
        raw = (field.data or "").strip()
        if not raw:
            field.clean = None
            return
        if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
            raise ValidationError(_l("Write a whole number from %(low)d to %(high)d.",
                                     low=low, high=high))
        field.clean = int(raw)
    return check


def weekdays_field(label):
    """The days of the week as boxes, Monday to Saturday, named in the page's language."""
    return SelectMultipleField(label, choices=[], validate_choice=False,
                               widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput())


def weekday_choices() -> list[tuple[str, str]]:
    names = get_day_names("abbreviated", locale=get_locale() or "sq_XK")
    return [(n, names[int(n) - 1]) for n in WEEKDAYS]


def weekdays_text(field) -> str | None:
    """The boxes ticked as stored ("135"); refuses anything but Monday to Saturday."""
    chosen = set(field.data or ())
    if not chosen <= set(WEEKDAYS):
        field.errors = [*field.errors, _l("Choose days from Monday to Saturday.")]
        return None
    return "".join(sorted(chosen))


def percent(_form, field) -> None:
    raw = (field.data or "").strip()
    if not raw.isascii() or not raw.isdigit() or int(raw) > 100:
        raise ValidationError(_l("Write the rate as a whole number from 0 to 100."))
    field.clean = int(raw)


def optional_phone(form, field) -> None:
    if (field.data or "").strip():
        kosovo_phone(form, field)
    else:
        field.clean = ""


def registry_number(_form, field) -> None:
    if not _NUMBER.match((field.data or "").strip()):
        raise ValidationError(_l("Use digits and letters only."))


def coordinate(limit: int):
    def check(_form, field) -> None:
        raw = (field.data or "").strip().replace(",", ".")
        if not raw:
            field.clean = None
            return
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or abs(value) > limit:
            raise ValidationError(_l("Write a number from -%(limit)d to %(limit)d, e.g. 42.6497.",
                                     limit=limit))
        field.clean = value.quantize(Decimal("0.00001"))
    return check


def _optional(label, maximum, *extra):
    return text_field(label, maximum, *extra, required=False)


def _lines(label, required: bool = False, lang: str = "sq"):
    validators = [InputRequired(REQUIRED)] if required else []
    return TextAreaField(label, [*validators, Length(max=500, message=TOO_LONG),
                                 no_hidden_characters],
                         filters=[lambda v: v.strip().replace("\r\n", "\n") if v else ""],
                         render_kw={"class": "hours", "rows": 3, "lang": lang})


def _english(field):
    """A field holding English text: screen readers read it as English (``lang``)."""
    field.kwargs["render_kw"] = {**(field.kwargs.get("render_kw") or {}), "lang": "en"}
    return field


def field_key(code: str) -> str:
    """The form field suffix of a municipality ("*" is "all")."""
    return "all" if code == ELSEWHERE else code.replace("-", "_")


#: The delivery table's rows: everywhere else first, then each municipality.
DELIVERY_CODES = (ELSEWHERE, *kosovo.BY_SLUG)


class SettingsForm(FlaskForm):
    legal_name = text_field(_l("Legal name"), 200)
    trade_name = text_field(_l("Trade name"), 100)
    nrb = _optional(_l("Business registration number (NRB)"), 20, registry_number)
    nf = _optional(_l("Fiscal number (NF)"), 20, registry_number)
    vat_number = _optional(_l("VAT number"), 20, registry_number)
    address_sq = text_field(_l("Registered address (Albanian)"), 300)
    address_en = _english(text_field(_l("Registered address (English)"), 300))
    phone = text_field(_l("Phone number"), 40, kosovo_phone)
    email = email_field(_l("E-mail"))
    viber = _optional(_l("Viber number"), 40, optional_phone)
    whatsapp = _optional(_l("WhatsApp number"), 40, optional_phone)
    hours_sq = _lines(_l("Opening hours (Albanian)"))
    hours_en = _lines(_l("Opening hours (English)"), lang="en")
    free_delivery_from = text_field(_l("Free delivery from (€)"), 20, euros_or_zero)
    vat_standard_percent = text_field(_l("Standard VAT rate (%)"), 3, percent)
    vat_reduced_percent = text_field(_l("Reduced VAT rate (%)"), 3, percent)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code in DELIVERY_CODES:
            self[f"weekdays_{field_key(code)}"].choices = weekday_choices()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for code in DELIVERY_CODES:
            weekdays = self[f"weekdays_{field_key(code)}"]
            weekdays.clean = weekdays_text(weekdays)
            valid = valid and weekdays.clean is not None
        for code in DELIVERY_CODES:
            fee, days = self.delivery_fields(code)
            if code == ELSEWHERE and not (fee.data or "").strip():
                fee.errors = [*fee.errors, REQUIRED]
                valid = False
            elif not (fee.data or "").strip() and (days.data or "").strip() and not fee.errors:
                fee.errors = [*fee.errors, _l("Write the fee too, or leave both empty.")]
                valid = False
        return valid

    def delivery_fields(self, code: str):
        key = field_key(code)
        return self[f"fee_{key}"], self[f"days_{key}"]


for _code in DELIVERY_CODES:
    _key = field_key(_code)
    _label = _l("Everywhere else") if _code == ELSEWHERE else kosovo.BY_SLUG[_code]
    setattr(SettingsForm, f"fee_{_key}", StringField(
        _label, [Length(max=20, message=TOO_LONG), euros_or_zero]))
    setattr(SettingsForm, f"days_{_key}", StringField(
        _label, [Length(max=10, message=TOO_LONG), days_range]))
    setattr(SettingsForm, f"weekdays_{_key}", weekdays_field(_label))
    setattr(SettingsForm, f"lead_{_key}", StringField(
        _label, [Length(max=3, message=TOO_LONG), whole_in(0, MAX_LEAD_DAYS)]))
    setattr(SettingsForm, f"capacity_{_key}", StringField(
        _label, [Length(max=4, message=TOO_LONG), whole_in(1, MAX_PER_DAY)]))


def _fee_text(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def settings_data(shop: Shop) -> dict:
    """The form's starting values: the settings in force, written as people type them."""
    data = {name: getattr(shop, name) for name in (
        "legal_name", "trade_name", "nrb", "nf", "vat_number", "address_sq", "address_en",
        "email", "hours_sq", "hours_en")}
    data |= {name: kosovo.national_phone(getattr(shop, name))
             for name in ("phone", "viber", "whatsapp")}
    data |= {"free_delivery_from": _fee_text(shop.free_delivery_from_cents),
             "vat_standard_percent": str(shop.vat_standard_percent),
             "vat_reduced_percent": str(shop.vat_reduced_percent)}
    for code, rule in shop.delivery.items():
        key = field_key(code)
        data[f"fee_{key}"] = _fee_text(rule.fee_cents)
        data[f"days_{key}"] = (str(rule.days_min) if rule.days_min == rule.days_max
                               else f"{rule.days_min}-{rule.days_max}")
        data[f"weekdays_{key}"] = list(rule.weekdays)
        data[f"lead_{key}"] = str(rule.lead_days)
        data[f"capacity_{key}"] = str(rule.capacity)
    return data


def settings_values(form: SettingsForm) -> dict:
    """What ``shopsettings_save.save`` takes, from a valid form."""
    values = cleaned(form)
    result = {name: values[name] or "" for name in (
        "legal_name", "trade_name", "nrb", "nf", "vat_number", "address_sq", "address_en",
        "phone", "email", "viber", "whatsapp", "hours_sq", "hours_en")}
    result |= {"free_delivery_from_cents": values["free_delivery_from"],
               "vat_standard_percent": values["vat_standard_percent"],
               "vat_reduced_percent": values["vat_reduced_percent"]}
    elsewhere_days = values["days_all"] or (1, 2)
    delivery = {}
    for code in DELIVERY_CODES:
        key = field_key(code)
        fee = values[f"fee_{key}"]
        if fee is not None:
            # A municipality's empty schedule fields follow "everywhere else", whose own
            # empty ones follow the shop's configured schedule.
            standard = shopsettings.configured_schedule(code)
            schedule = []
            for n, name in enumerate(("weekdays", "lead", "capacity")):
                own, elsewhere = form[f"{name}_{key}"].clean, form[f"{name}_all"].clean
                schedule.append(next((v for v in (own, elsewhere) if v not in (None, "")),
                                     standard[n]))
            delivery[code] = Rule(fee, *(values[f"days_{key}"] or elsewhere_days), *schedule)
    result["delivery"] = delivery
    return result


class StoreForm(FlaskForm):
    name = text_field(_l("Name"), 100)
    address_sq = text_field(_l("Address (Albanian)"), 300)
    address_en = _english(text_field(_l("Address (English)"), 300))
    hours_sq = _lines(_l("Opening hours (Albanian)"))
    hours_en = _lines(_l("Opening hours (English)"), lang="en")
    phone = _optional(_l("Phone number"), 40, optional_phone)
    latitude = _optional(_l("Latitude"), 20, coordinate(90))
    longitude = _optional(_l("Longitude"), 20, coordinate(180))
    position = _optional(_l("Order on the page"), 3)
    active = BooleanField(_l("Shown on the stores page and offered for pickup"))
    pickup_days = weekdays_field(_l("Pickup days"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pickup_days.choices = weekday_choices()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # None ticked: every working day (a store not handing over orders is hidden instead).
        chosen = weekdays_text(self.pickup_days)
        self.pickup_days.clean = chosen or shopsettings.ALL_WORKING_DAYS
        return valid and chosen is not None

    def validate_position(self, field) -> None:
        raw = (field.data or "0").strip() or "0"
        if not raw.isascii() or not raw.isdigit():
            raise ValidationError(_l("Write a whole number from 0 to 999."))
        field.clean = int(raw)


def store_data(store: StoreInfo) -> dict:
    return {"name": store.name, "address_sq": store.address_sq, "address_en": store.address_en,
            "hours_sq": store.hours_sq, "hours_en": store.hours_en,
            "phone": kosovo.national_phone(store.phone), "latitude": store.latitude,
            "longitude": store.longitude, "position": str(store.position),
            "active": store.active, "pickup_days": list(store.pickup_days)}


def store_values(form: StoreForm) -> dict:
    values = cleaned(form)
    return {"name": values["name"], "address_sq": values["address_sq"],
            "address_en": values["address_en"], "hours_sq": values["hours_sq"] or "",
            "hours_en": values["hours_en"] or "", "phone": values["phone"] or "",
            "latitude": values["latitude"], "longitude": values["longitude"],
            "position": values["position"], "active": bool(values["active"]),
            "pickup_days": form.pickup_days.clean}
