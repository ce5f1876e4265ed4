"""Who sells: the trader's details, in one place for the site's footer and every e-mail.

Kosovo's consumer law wants the trader named, with an address and a way to reach them, on what
the shop sends. The owner edits them in /admin/settings (``shopsettings``); callers read them
through ``details()``, in the active language.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import kosovo, shopsettings
from .i18n import current_code


@dataclass(frozen=True)
class Trader:
    name: str
    address: str
    phone: str
    email: str
    #: The company behind the shop's name, and its numbers (invoices, terms, the footer).
    legal_name: str = ""
    nrb: str = ""  # Numri i Regjistrimit të Biznesit
    nf: str = ""  # Numri Fiskal
    vat_number: str = ""
    #: Kosovo's standard VAT rate; furniture, mattresses, carpets are not in the reduced list.
    vat_rate_percent: int = 18
    #: The shop's name as customers know it (``name`` says the same; kept for its callers).
    trade_name: str = ""
    viber: str = ""  # E.164
    whatsapp: str = ""  # E.164
    #: Opening hours, one line per group of days, in the active language.
    hours: str = ""
    vat_reduced_percent: int = 8

    @property
    def phone_uri(self) -> str:
        """``tel:`` wants the number without spaces."""
        return "tel:" + self.phone.replace(" ", "")

    @property
    def viber_uri(self) -> str:
        # Viber's own scheme, "%2B" for the "+" (its documented chat link).
        return "viber://chat?number=%2B" + self.viber.lstrip("+") if self.viber else ""

    @property
    def whatsapp_uri(self) -> str:
        # WhatsApp's click-to-chat wants the digits only.
        return "https://wa.me/" + self.whatsapp.lstrip("+") if self.whatsapp else ""

    @property
    def hours_lines(self) -> list[str]:
        return [line for line in self.hours.splitlines() if line.strip()]


def details() -> Trader:
    """The trader's details, the address and hours in the active language."""
    shop = shopsettings.current()
    try:
        english = current_code() == "en"
    except RuntimeError:  # no request and no force_locale (a periodic job): the shop's language
        english = False
    return Trader(
        name=shop.trade_name,
        address=(shop.address_en if english else shop.address_sq) or shop.address_sq,
        phone=kosovo.international_phone(shop.phone),
        email=shop.email,
        legal_name=shop.legal_name,
        nrb=shop.nrb,
        nf=shop.nf,
        vat_number=shop.vat_number,
        vat_rate_percent=shop.vat_standard_percent,
        trade_name=shop.trade_name,
        viber=shop.viber,
        whatsapp=shop.whatsapp,
        hours=(shop.hours_en if english else shop.hours_sq) or shop.hours_sq,
        vat_reduced_percent=shop.vat_reduced_percent,
    )
