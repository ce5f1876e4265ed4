"""The form for writing a newsletter campaign."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm

from ..forms import text
from ..i18n import _l
from .customer_forms import long_text

BODY_MAX = 20_000
#: SKUs are separated by commas, spaces or new lines.
_SEPARATORS = re.compile(r"[\s,;]+")


def skus(value: str | None) -> list[str]:
    """The SKUs typed, each once, in the order typed."""
    seen: dict[str, str] = {}
    for sku in _SEPARATORS.split(value or ""):
        if sku and sku.lower() not in seen:
            seen[sku.lower()] = sku
    return list(seen.values())


class CampaignForm(FlaskForm):
    subject_sq = text(_l("Subject in Albanian"), 200)
    body_sq = long_text(_l("Text in Albanian"), BODY_MAX)
    subject_en = text(_l("Subject in English"), 200)
    body_en = long_text(_l("Text in English"), BODY_MAX)
    products = text(_l("Products to show (SKUs, optional)"), 1000, required=False)
