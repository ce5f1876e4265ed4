"""The shop's days. The server keeps UTC; the owner and the customers live in Prishtinë, so
"today", a date typed in a filter and a day on a chart are days in BABEL_DEFAULT_TIMEZONE."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def shop_day(moment: datetime) -> date:
    """The calendar day ``moment`` falls on in the shop's time zone.

    From midnight in Prishtinë until midnight UTC the two days differ. A naive moment is UTC
    (SQLite gives stored times back without their zone): ``astimezone`` would take it as the
    server's local time, and the day would depend on how the machine's clock is set.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone()).date()


def now() -> datetime:
    """The current UTC moment: the shop's one clock (tests move it by patching this)."""
    return datetime.now(UTC)


def shop_today() -> date:
    """Today in Prishtinë: the day prices, offers and cached pages are of."""
    return shop_day(now())


def midnight(day: date, tz: ZoneInfo | None = None) -> datetime:
    """The UTC moment the shop's ``day`` begins (for comparing with stored UTC times)."""
    return datetime.combine(day, time(), tz or zone()).astimezone(UTC)


#: Days a date filter accepts: older or later ones are typing errors (and 9999-12-31 plus a
#: day would overflow).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def usable_day(day: date | None) -> bool:
    """True for no day or a day the date filters accept (FIRST_DAY to LAST_DAY)."""
    return day is None or FIRST_DAY <= day <= LAST_DAY
