"""Text folding for search and slugs: Albanian diacritics and case do not matter."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
#: ASCII control characters: never part of a slug, a number, a token or a bank's field, and a
#: NUL is refused by PostgreSQL in any query (a 500 instead of "not found").
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def fold(text: str | None) -> str:
    """Return ``text`` lower-cased, without diacritics: ``"Dyshekë Ç"`` -> ``"dysheke c"``."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def tokens(text: str | None) -> list[str]:
    """Split folded ``text`` into ASCII word tokens, the only thing we ever hand to FTS."""
    return [t for t in _NON_ALNUM.split(fold(text)) if t]


def slugify(text: str) -> str:
    """Return an ASCII slug: ``"Karrige druri lisi"`` -> ``"karrige-druri-lisi"``."""
    return "-".join(tokens(text))[:120].strip("-") or "produkt"


def capfirst(text: str | None) -> str:
    """``"e bardhë"`` -> ``"E bardhë"``: a label standing alone (a spec value, a filter option)
    starts with a capital; the rest is kept ("MDF" stays "MDF", unlike ``str.capitalize``)."""
    return text[:1].upper() + text[1:] if text else ""


def whole_number(raw: str | None, digits: int) -> int | None:
    """Return ``raw`` as a number of 1 to ``digits`` ASCII digits (spaces ignored), else None.

    Not ``str.isdigit``: it accepts "²" and other digits that ``int`` refuses (a 500).
    """
    text = (raw or "").strip()
    if not 0 < len(text) <= digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def without_control(text: str) -> str:
    """Return ``text`` without ASCII control characters."""
    return CONTROL.sub("", text)
