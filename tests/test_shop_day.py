"""One "today": the shop's day in Prishtinë, whatever the server's clock says (issue item 20).

From midnight in Kosovo until midnight UTC the server (in UTC) is still on the day before.
The clock is set to 2026-12-31 23:30 UTC = 2027-01-01 00:30 in Prishtinë.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import lesnamax
from lesnamax import shoptime
from lesnamax.orders.models import Order
from lesnamax.orders.services import order_number
from lesnamax.privacy import services as privacy

MOMENT = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
KOSOVO_DAY, SERVER_DAY = date(2027, 1, 1), date(2026, 12, 31)


class ServerDate(date):
    """``date`` whose today() is the day on a server kept in UTC."""

    @classmethod
    def today(cls):
        return SERVER_DAY


class ShopClock(datetime):
    @classmethod
    def now(cls, tz=None):
        return MOMENT.astimezone(tz) if tz else MOMENT.replace(tzinfo=None)


@pytest.fixture
def new_years_night(monkeypatch):
    """The clock at MOMENT for shoptime, and date.today() answering the server's UTC day for
    every lesnamax module that uses it (so code still asking the server fails here)."""
    monkeypatch.setattr(shoptime, "datetime", ShopClock)
    for name, module in list(sys.modules.items()):
        if name.startswith("lesnamax") and getattr(module, "date", None) is date:
            monkeypatch.setattr(module, "date", ServerDate)


def test_the_shops_day_and_the_servers_differ_at_that_moment(app, new_years_night):
    with app.app_context():
        assert shoptime.shop_today() == KOSOVO_DAY
    assert MOMENT.date() == SERVER_DAY


def test_the_policy_in_force_is_the_one_of_the_kosovo_day(app, client, new_years_night):
    with app.app_context():
        # Published in time (mid-December), in force from 1 January.
        published = datetime(2026, 12, 15, 12, tzinfo=UTC)
        new = privacy.publish("Politika e re\n\nTeksti.", "New policy\n\nText.", KOSOVO_DAY,
                              published).version
    page = client.get("/privacy").get_data(as_text=True)
    assert f"Versioni {new}, në fuqi nga" in page
    other = client.get(f"/privacy/versions/{new}").get_data(as_text=True)
    assert "Ky nuk është versioni në fuqi" not in other


@pytest.mark.parametrize("created_at", [MOMENT, MOMENT.replace(tzinfo=None)])
def test_order_numbers_carry_the_year_of_the_kosovo_day(app, created_at):
    # An order placed at 00:30 on New Year's Day in Prishtinë belongs to the new year, like its
    # invoice; SQLite gives the stored UTC time back without its zone.
    with app.app_context():
        assert order_number(Order(id=123, created_at=created_at)) == "LM-2027-000123"


def test_no_code_asks_the_server_for_its_day():
    """date.today() and a zone-less datetime.now() read the server's clock, not the shop's."""
    package = Path(lesnamax.__file__).parent
    server_clock = re.compile(r"\bdate\.today\(\)|\bdatetime\.(now|today)\(\)")
    found = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if server_clock.search(line)
    ]
    assert found == []


def test_a_naive_stored_time_is_utc_whatever_the_machines_time_zone(app, monkeypatch):
    """SQLite gives times back without their zone; the day must not follow the server's TZ."""
    import time
    from datetime import datetime

    from lesnamax import shoptime

    late = datetime(2026, 12, 6, 23, 30)  # 23:30 UTC = 00:30 on 7 December in Prishtinë
    with app.app_context():
        for tz in ("UTC", "Europe/Belgrade", "America/New_York"):
            monkeypatch.setenv("TZ", tz)
            time.tzset()
            assert shoptime.shop_day(late).isoformat() == "2026-12-07", tz
    monkeypatch.undo()
    time.tzset()
