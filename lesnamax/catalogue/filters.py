"""Parse listing query parameters into a ListingQuery; bad values are dropped and reported."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..i18n import _l
from ..money import parse_euros
from ..text import whole_number
from . import vocab

SORTS = {
    "newest": _l("Newest first"),
    "price_asc": _l("Price: low to high"),
    "price_desc": _l("Price: high to low"),
    "name": _l("Name A–Z"),
}
#: Pages beyond this are refused: nobody reads them, and deep OFFSETs are slow.
MAX_PAGE = 10_000


@dataclass(frozen=True)
class ListingQuery:
    q: str = ""
    category: str = ""
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    in_stock: bool = False
    material: str = ""
    #: A variant option: a colour code, a size as (width, depth) in cm.
    colour: str = ""
    size: tuple[int, int] | None = None
    sort: str = ""
    page: int = 1
    #: Names of parameters whose values were not understood and were ignored.
    ignored: tuple[str, ...] = field(default=(), compare=False)

    def args(self, **changes) -> dict[str, str]:
        """Return the query string for this listing (with ``changes``), omitting defaults."""
        query = replace(self, **changes)
        pairs = {
            "q": query.q,
            "category": query.category,
            "min_price": _euros(query.min_price_cents),
            "max_price": _euros(query.max_price_cents),
            "in_stock": "1" if query.in_stock else "",
            "material": query.material,
            "colour": query.colour,
            "size": f"{query.size[0]}x{query.size[1]}" if query.size else "",
            "sort": query.sort,
            "page": str(query.page) if query.page > 1 else "",
        }
        return {k: v for k, v in pairs.items() if v}


def _euros(cents: int | None) -> str:
    if cents is None:
        return ""
    return str(cents // 100) if cents % 100 == 0 else f"{cents / 100:.2f}"


def parse(args: Mapping[str, str], max_query_length: int) -> ListingQuery:
    """Read ``args`` (a request's query string) leniently: a person's typo never costs a page."""
    ignored: list[str] = []

    def price(name: str) -> int | None:
        raw = args.get(name, "").strip()
        if not raw:
            return None
        cents = parse_euros(raw)
        if cents is None:
            ignored.append(name)
        return cents

    q = " ".join(args.get("q", "").split())
    if len(q) > max_query_length:
        q = q[:max_query_length]
        ignored.append("q")
    min_price, max_price = price("min_price"), price("max_price")
    if min_price is not None and max_price is not None and min_price > max_price:
        min_price, max_price = max_price, min_price
    sort = args.get("sort", "")
    if sort and sort not in SORTS:
        ignored.append("sort")
        sort = ""
    material = args.get("material", "")
    if material and material not in vocab.MATERIALS:
        ignored.append("material")
        material = ""
    colour = args.get("colour", "")
    if colour and colour not in vocab.COLOURS:
        ignored.append("colour")
        colour = ""
    size = None
    if raw_size := args.get("size", ""):
        found = re.fullmatch(r"([1-9][0-9]{0,3})x([1-9][0-9]{0,3})", raw_size)
        if found is None:
            ignored.append("size")
        else:
            size = (int(found[1]), int(found[2]))
    raw_page = args.get("page", "1").strip() or "1"
    page = whole_number(raw_page, 6) or 0
    if not 1 <= page <= MAX_PAGE:
        ignored.append("page")
        page = 1
    return ListingQuery(
        q=q,
        category=args.get("category", "")[:120],
        min_price_cents=min_price,
        max_price_cents=max_price,
        in_stock=args.get("in_stock") in {"1", "on", "true"},
        material=material,
        colour=colour,
        size=size,
        sort=sort,
        page=page,
        ignored=tuple(ignored),
    )
