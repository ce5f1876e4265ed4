"""Who sells: the trader's details, in one place for the site's footer and every e-mail.

Kosovo's consumer law wants the trader named, with an address and a way to reach them, on what
the shop sends. A later issue makes these editable in /admin/settings; callers already read them
through ``details()`` so that change stays here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import _l


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

    @property
    def phone_uri(self) -> str:
        """``tel:`` wants the number without spaces."""
        return "tel:" + self.phone.replace(" ", "")


def details() -> Trader:
    """The trader's details, the address in the active language."""
    return Trader(
        name="LESNA MAX",
        address=_l("Prishtinë – Fushë Kosovë highway"),
        phone="+383 44 779 977",
        email="online.lesnamax@gmail.com",
        legal_name="LESNA ING",
    )
