"""Which days a delivery or a pickup can be booked for: never a Sunday, never a Kosovo public
holiday, not before the lead time has passed, only on the days of the week the van goes (or
the store hands over), and only while the day has room.

Core and pure: the caller passes the rule (``shopsettings.Rule`` or a store's pickup days), the
shop's today and what is booked already (``orders.slots``). The public holidays are the
``holidays`` package's for Kosovo (``country_holidays("XK")``: the Law on Official Holidays,
with the Muslim feasts as estimated by the package and a holiday falling on a Sunday moved to
the Monday, as the package's "observed" days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

SUNDAY = 7
#: How far ahead checkout looks for free days (calendar days).
HORIZON_DAYS = 45
#: How many free days checkout offers.
OFFERED = 8


@lru_cache(maxsize=8)
def _kosovo(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("XK", years=year)


def holiday_name(day: date) -> str | None:
    """The Kosovo public holiday on ``day`` (in English, as the package names it), or None."""
    return _kosovo(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.isoweekday() != SUNDAY and holiday_name(day) is None


def add_working_days(start: date, count: int) -> date:
    """The day ``count`` working days after ``start`` (``start`` itself for 0)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        count -= is_working_day(day)
    return day


def candidates(weekdays: str, lead_days: int, today: date,
               horizon: int = HORIZON_DAYS) -> list[date]:
    """The working days on ``weekdays`` (ISO numbers) from the lead time on, for ``horizon``
    calendar days."""
    first = add_working_days(today, max(lead_days, 0))
    days = (first + timedelta(days=n) for n in range(horizon))
    return [day for day in days
            if str(day.isoweekday()) in weekdays and is_working_day(day) and day > today]


@dataclass(frozen=True)
class DayOption:
    day: date
    #: Places left that day (None: no limit, as for pickups).
    left: int | None


def open_days(days: list[date], capacity: int | None, booked: dict[date, int],
              offered: int = OFFERED) -> list[DayOption]:
    """The first ``offered`` of ``days`` (``candidates``) that still have room, with the
    places left."""
    found = []
    for day in days:
        left = None if capacity is None else capacity - booked.get(day, 0)
        if left is None or left > 0:
            found.append(DayOption(day, left))
            if len(found) == offered:
                break
    return found

