"""Move the shop's clock in a test: every "today" of the shop comes from ``shoptime.now``."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lesnamax import shoptime

#: The shop's zone in the tests' configuration (BABEL_DEFAULT_TIMEZONE; Prishtinë's time).
PRISHTINE = ZoneInfo("Europe/Belgrade")


def set_clock(monkeypatch, wall_clock: str) -> datetime:
    """Make it ``wall_clock`` in Prishtinë (e.g. "2026-12-05 23:59"); return the UTC moment."""
    moment = datetime.fromisoformat(wall_clock).replace(tzinfo=PRISHTINE).astimezone(UTC)
    monkeypatch.setattr(shoptime, "now", lambda: moment)
    return moment
