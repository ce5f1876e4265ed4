"""Reading the pieces chosen per order line from a plain form (``line-<id>`` boxes)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: At most this many digits in a quantity box: more is a typing error, not furniture.
MAX_DIGITS = 4


class BadQuantity(ValueError):
    """A box holds something that is not a whole number of pieces."""


def quantities(form: Mapping[str, str], line_ids: Iterable[int]) -> dict[int, int]:
    """``{line id: pieces}`` for the order's lines; an empty box is 0; raises BadQuantity."""
    chosen = {}
    for line_id in line_ids:
        raw = (form.get(f"line-{line_id}") or "").strip() or "0"
        # isdigit() alone takes "²"; ASCII digits only.
        if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_DIGITS:
            raise BadQuantity(raw)
        chosen[line_id] = int(raw)
    return chosen
