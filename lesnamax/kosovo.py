"""Kosovo's 38 municipalities (KOSOVO.md §2.1), phone and postal-code rules (§2.2, §2.3)."""

from __future__ import annotations

import re

import phonenumbers

from .text import slugify

#: Official Albanian names (indefinite form), in the order of their postal regions.
MUNICIPALITIES = [
    "Prishtinë",
    "Fushë Kosovë",
    "Obiliq",
    "Podujevë",
    "Lipjan",
    "Drenas",
    "Graçanicë",
    "Novobërdë",
    "Prizren",
    "Dragash",
    "Malishevë",
    "Suharekë",
    "Mamushë",
    "Pejë",
    "Istog",
    "Klinë",
    "Mitrovicë",
    "Mitrovicë e Veriut",
    "Skënderaj",
    "Vushtrri",
    "Leposaviq",
    "Zubin Potok",
    "Zveçan",
    "Gjakovë",
    "Deçan",
    "Junik",
    "Rahovec",
    "Gjilan",
    "Kamenicë",
    "Viti",
    "Kllokot",
    "Partesh",
    "Ranillug",
    "Ferizaj",
    "Kaçanik",
    "Shtime",
    "Shtërpcë",
    "Hani i Elezit",
]
#: slug -> name; the slug is what we store, so a spelling fix never orphans an address.
BY_SLUG = {slugify(name): name for name in MUNICIPALITIES}

_POSTAL = re.compile(r"^[1-7]\d{4}$")


def municipality_name(slug: str | None) -> str:
    return BY_SLUG.get(slug or "", "")


def normalise_postal_code(raw: str | None) -> str | None:
    """Return a 5-digit code (``"10 000"`` -> ``"10000"``), ``""`` for empty, None if invalid."""
    text = "".join((raw or "").split())
    if not text:
        return ""
    return text if _POSTAL.match(text) else None


def normalise_phone(raw: str | None) -> str | None:
    """Return a Kosovo phone number in E.164 (``+38344123456``), or None if it is not one.

    ``38344123456`` typed without ``+`` would parse as a long Prishtina landline, so a
    number of 11 digits starting with 383 gets its ``+`` first (KOSOVO.md §2.3).
    """
    text = (raw or "").strip()
    if not text or len(text) > 40:
        return None
    digits = re.sub(r"\D", "", text)
    if not text.startswith(("+", "00")) and digits.startswith("383") and len(digits) == 11:
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, "XK")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number_for_region(number, "XK"):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_phone(e164: str | None) -> str:
    """Return ``044 123 456`` for ``+38344123456`` (how people here write their number)."""
    return _phone(e164, phonenumbers.PhoneNumberFormat.NATIONAL)


def international_phone(e164: str | None) -> str:
    """Return ``+383 44 123 456`` for ``+38344123456``: the shop's own numbers, which people
    abroad call too."""
    return _phone(e164, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _phone(e164: str | None, style) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "XK")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, style)
