"""Admin order forms: the list's filters (read leniently) and the status change form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..forms import REQUIRED, TOO_LONG, no_hidden_characters
from ..i18n import _l
from ..orders import labels
from ..orders.manage import OrderFilter
from ..orders.models import CARD, CASH, TRANSITIONS
from ..text import whole_number

MAX_QUERY = 100
MAX_PAGE = 10_000
NOTE_MAX = 1000
#: What each filter is called in the "not understood" message.
FILTER_NAMES = {
    "status": _l("Status"),
    "payment": _l("Payment method"),
    "since": _l("From"),
    "until": _l("To"),
    "q": _l("Search"),
    "page": _l("Page"),
}
PAYMENTS = {CARD: _l("Card"), CASH: _l("Cash")}
_CONTROL = re.compile("[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _day(raw: str) -> date | None:
    # <input type="date"> sends 2026-11-25; people also type 25.11.2026 (KOSOVO.md §1.2).
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None


def parse_filters(args: Mapping[str, str]) -> tuple[OrderFilter, list[str]]:
    """Read the list's query string; return the filter and the names of ignored values.

    A value that is not understood is dropped (never a 500), and the page says which.
    """
    ignored: list[str] = []

    def choice(name: str, known) -> str:
        value = args.get(name, "").strip()
        if value and value not in known:
            ignored.append(name)
            return ""
        return value

    def day(name: str) -> date | None:
        raw = args.get(name, "").strip()
        if not raw:
            return None
        value = _day(raw[:20])
        if value is None:
            ignored.append(name)
        return value

    q = " ".join(_CONTROL.sub(" ", args.get("q", "")).split())
    if len(q) > MAX_QUERY:
        q = q[:MAX_QUERY]
        ignored.append("q")
    since, until = day("since"), day("until")
    if since and until and since > until:
        since, until = until, since
    raw_page = args.get("page", "1").strip() or "1"
    page = whole_number(raw_page, 6) or 0
    if not 1 <= page <= MAX_PAGE:
        ignored.append("page")
        page = 1
    found = OrderFilter(status=choice("status", TRANSITIONS), payment=choice("payment", PAYMENTS),
                        since=since, until=until, q=q, page=page)
    return found, ignored


def filter_args(filters: OrderFilter) -> dict[str, str]:
    """The query string for ``filters`` without the page (for links and pagination)."""
    pairs = {"status": filters.status, "payment": filters.payment,
             "since": filters.since.isoformat() if filters.since else "",
             "until": filters.until.isoformat() if filters.until else "", "q": filters.q}
    return {k: v for k, v in pairs.items() if v}


class StatusForm(FlaskForm):
    """Move an order on. ``current`` is the status the page showed, to catch stale forms."""

    status = SelectField(_l("New status"), validators=[InputRequired(REQUIRED)],
                         validate_choice=False)
    current = HiddenField(validators=[InputRequired(REQUIRED)])
    notify = BooleanField(_l("E-mail the customer"), default=True)
    note = TextAreaField(_l("Note for the customer (optional, sent with the e-mail)"),
                         validators=[Length(max=NOTE_MAX, message=TOO_LONG),
                                     no_hidden_characters],
                         filters=[lambda v: v.strip() if v else v])

    def offer(self, order_status: str, allowed: list[str]) -> StatusForm:
        """Offer only the changes allowed from ``order_status``; return the form."""
        self.allowed = allowed
        # No status is preselected: a careless click must not cancel or ship an order.
        self.status.choices = [("", _l("Choose the new status"))]
        self.status.choices += [(code, labels.STATUS[code]) for code in allowed]
        if not self.current.data:
            self.current.data = order_status
        return self

    def validate_status(self, field) -> None:
        # Our own check, not WTForms' English "Not a valid choice".
        if field.data not in TRANSITIONS:
            raise ValidationError(_l("Choose a status from the list."))

    def validate_current(self, field) -> None:
        if field.data not in TRANSITIONS:
            raise ValidationError(_l("Choose a status from the list."))
