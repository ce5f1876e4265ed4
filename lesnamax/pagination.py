"""One way to cut a query into pages: count, clamp the asked page, read that page."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from .extensions import db


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def count_and_clamp(statement: Select, requested: int, per_page: int) -> tuple[int, int]:
    """Return ``(total, page)``: how many rows ``statement`` finds, and ``requested`` brought
    into 1…last page (a page past the end shows the last one, not an empty list)."""
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    return total, clamp(total, requested, per_page)


def clamp(total: int, requested: int, per_page: int) -> int:
    """Bring ``requested`` into 1…last page of ``total`` rows."""
    return min(max(requested, 1), max(1, math.ceil(total / per_page)))


def paginate(statement: Select, requested: int, per_page: int, *,
             order_by: Sequence = (), options: Sequence = ()) -> Page:
    """Two queries: the count of ``statement`` and one page of it (ORM objects)."""
    total, page = count_and_clamp(statement, requested, per_page)
    items = db.session.scalars(statement.order_by(*order_by).options(*options)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), total, page, per_page)
