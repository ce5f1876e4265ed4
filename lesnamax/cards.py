"""Product cards rendered once per content: the fragment cache behind every product grid.

A listing, a search, the home page and a product's related items show up to 24 cards, and
rendering them was most of such a page's time (bench/RESULTS.md). The page cache only helps
anonymous visitors on pages seen before; cards help every page that shows them, logged-in
customers' too, and every search however rare.

A card shows nothing but its product's own fields and cover picture in one language, so the key
is those values themselves: a changed price, stock, name or picture is a new key, and nothing has
to be invalidated (an old card is simply never asked for again and ages out of the store). The
price is the offer of the shop's day, so a sale that starts or ends at midnight is a new key too.
A card holds nothing of the visitor (its add-to-cart form carries no token: lesnamax/security.py).
The store is cachetools' LRU cache, per process.
"""

from __future__ import annotations

import threading

from cachetools import LRUCache
from flask import current_app, g
from markupsafe import Markup

from . import i18n

#: Cards kept per process; a card is about 1 kB, so this is a few MB at the most.
MAX_CARDS = 4096


def card_key(product, heading: str, lang: str) -> tuple:
    """Everything a card shows (templates/_macros.html ``product_card``), and nothing else."""
    cover = product.images[0] if product.images else None
    picture = (cover.key, cover.width, cover.height) if cover is not None else None
    return (lang, heading, product.id, product.slug, product.name_sq, product.name_en,
            product.today, product.stock, picture, product.variant_axes, product.price_varies)


def product_card(product, heading: str = "h3") -> Markup:
    """Return the product's card, rendered only if this content was never rendered here."""
    store, lock = current_app.extensions["lesnamax_cards"]
    key = card_key(product, heading, i18n.current_code())
    with lock:
        html = store.get(key)
    if html is None:
        html = render(product, heading)
        with lock:
            store[key] = html
    return html


def render(product, heading: str) -> Markup:
    """Render a card with the ``product_card`` macro of templates/_macros.html.

    The macro is bound to the request's template context once per request, not once per card:
    ``render_template`` per card ran the context processors and rebuilt the macros module each
    time, which cost more than the card itself (bench/RESULTS.md, 2026-12-04).
    """
    # Per language as well: the context (prices, names, words) is the language's.
    macros = g.setdefault("_card_macros", {})
    lang = i18n.current_code()
    macro = macros.get(lang)
    if macro is None:
        context: dict = {}
        current_app.update_template_context(context)
        module = current_app.jinja_env.get_template("_macros.html").make_module(context)
        macro = macros[lang] = module.product_card
    return macro(product, heading)


def register(app) -> None:
    # cachetools caches are not thread-safe themselves: one lock per store.
    app.extensions["lesnamax_cards"] = (LRUCache(app.config.get("CARD_CACHE_SIZE", MAX_CARDS)),
                                        threading.Lock())
