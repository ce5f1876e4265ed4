"""Template globals and filters: prices, localized fields, image and listing URLs."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from flask import current_app, g, request, url_for

from . import cards, i18n, instalments, kosovo, money, shopsettings, text, trader
from .cart.pricing import delivery_rules
from .catalogue import variants, vocab
from .orders import labels as order_labels
from .web import NOTICE_COOKIE


@cache
def _static_version(folder: str, filename: str) -> str:
    path = Path(folder) / filename
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(filename: str) -> str:
    """Return the static URL with a content hash, so files can be cached for a long time."""
    version = _static_version(current_app.static_folder or "", filename)
    return url_for("static", filename=filename, v=version)


def image_url(image, width: int = 400) -> str:
    return url_for("media.product_image", name=f"{image.key}-{width}.webp")


def canonical_url(**overrides) -> str:
    """Return this page's absolute URL without the ``lang`` switch parameter; a view may name
    the arguments that make its own URL (``g.canonical_args``: a product variant's options)."""
    named = g.get("canonical_args")
    args = dict(named) if named is not None else {
        k: v for k, v in request.args.items() if k != "lang"}
    args.update({k: v for k, v in overrides.items() if v is not None})
    base = current_app.config["BASE_URL"].rstrip("/") + request.path
    return base + ("?" + urlencode(args) if args else "")


def text_blocks(text: str) -> list[tuple[str, object]]:
    """Split plain policy text into ``("p", line)``, ``("ul", [items])`` and ``("h", line)``
    blocks; a line starting with "## " is a section heading (the terms of sale use them)."""
    blocks: list[tuple[str, object]] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if line.startswith("•"):
            item = line.lstrip("• ").strip()
            if blocks and blocks[-1][0] == "ul":
                blocks[-1][1].append(item)
            else:
                blocks.append(("ul", [item]))
        elif line.startswith("## "):
            blocks.append(("h", line[3:].strip()))
        else:
            blocks.append(("p", line))
    return blocks


def policy_notice():
    """Return ``(version, effective date)`` of a pending policy the visitor has not dismissed."""
    from .privacy import services as privacy
    from .shoptime import shop_today

    state = privacy.state(shop_today())
    dismissed = request.cookies.get(NOTICE_COOKIE)
    if state.pending is None or dismissed == str(state.pending):
        return None
    return state.pending, state.pending_from


#: A year: the longest lifetime caches honour (RFC 9111 suggests no more).
YEAR = 365 * 24 * 3600


def pickup_store(order):
    """The store a pickup order is collected from, as it is now (address, hours); None when
    not a pickup. The order keeps the store's name for when it is gone from the settings."""
    store_id = getattr(order, "pickup_store_id", None)
    return shopsettings.current().store(store_id) if store_id is not None else None


def long_cache_for_hashed_static(response):
    """Let browsers keep a static file a year when its URL carries its current content hash.

    ``static_url`` names every file with ``?v=<hash>``; a changed file gets a new URL, so the
    old one may be kept forever. A URL whose hash is stale keeps the short default.
    """
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename", "")
    if request.args.get("v") == _static_version(current_app.static_folder or "", filename):
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    return response


def register(app) -> None:
    from .catalogue.current import tree

    app.after_request(long_cache_for_hashed_static)
    app.jinja_env.filters["capfirst"] = text.capfirst
    cards.register(app)
    # "ose 12 × 45,90 €" where a plan applies (templates/_instalments.html).
    app.add_template_global(lambda cents: instalments.teaser(instalments.current(), cents),
                            "instalment_teaser")

    @app.context_processor
    def helpers():
        lang = i18n.current_code()
        return {
            "lang": lang,
            "html_lang": i18n.html_lang(),
            "price": money.format_cents,
            "loc": lambda obj, field: obj.localized(field, lang),
            "material_label": lambda code: vocab.label(vocab.MATERIALS, code, lang),
            "colour_label": lambda code: vocab.label(vocab.COLOURS, code, lang),
            "axis_name": lambda axis: variants.AXES.get(axis, axis),
            "option_label": lambda axis, raw: variants.value_label(axis, raw, lang),
            "image_url": image_url,
            "static_url": static_url,
            "canonical_url": canonical_url,
            "discount_percent": money.discount_percent,
            "cents_text": money.cents_to_decimal_text,
            "languages": {"sq": "Shqip", "en": "English"},
            "category_tree": tree,
            "policy_notice": policy_notice,
            "text_blocks": text_blocks,
            "labels": order_labels,
            "municipality_name": kosovo.municipality_name,
            "national_phone": kosovo.national_phone,
            "card": cards.product_card,
            "trader": trader.details(),
            # Called where needed (the product page, the cart, checkout): fees, days, threshold.
            "delivery_rules": delivery_rules,
            "pickup_store": pickup_store,
        }
