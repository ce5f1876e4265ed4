"""Fixed vocabularies for materials and colours, stored as codes, shown in the reader's language.

Codes keep filters and URLs stable; the labels are data in both languages (like product
names), so search can match either language whatever the page's locale.
"""

from __future__ import annotations

MATERIALS: dict[str, tuple[str, str]] = {
    "oak": ("dru lisi", "oak wood"),
    "beech": ("dru ahu", "beech wood"),
    "pine": ("dru pishe", "pine wood"),
    "mdf": ("MDF", "MDF"),
    "metal": ("metal", "metal"),
    "glass": ("xham", "glass"),
    "fabric": ("pëlhurë", "fabric"),
    "leather": ("lëkurë", "leather"),
    "velvet": ("kadife", "velvet"),
    "cotton": ("pambuk", "cotton"),
    "wool": ("lesh", "wool"),
    "polypropylene": ("polipropilen", "polypropylene"),
    "memory_foam": ("sfungjer memorie", "memory foam"),
    "springs": ("susta të pavarura", "pocket springs"),
    "ceramic": ("qeramikë", "ceramic"),
    "stainless_steel": ("çelik inoks", "stainless steel"),
    "rattan": ("rattan", "rattan"),
}

COLOURS: dict[str, tuple[str, str]] = {
    "white": ("e bardhë", "white"),
    "black": ("e zezë", "black"),
    "grey": ("gri", "grey"),
    "beige": ("bezhë", "beige"),
    "brown": ("kafe", "brown"),
    "natural": ("natyrale", "natural"),
    "blue": ("blu", "blue"),
    "green": ("e gjelbër", "green"),
    "red": ("e kuqe", "red"),
    "yellow": ("e verdhë", "yellow"),
    "cyan": ("cian", "cyan"),
}


def label(vocab: dict[str, tuple[str, str]], code: str | None, lang: str) -> str:
    """Return the label of ``code`` in ``lang`` (``"sq"``/``"en"``); the code if unknown."""
    if not code:
        return ""
    pair = vocab.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]
