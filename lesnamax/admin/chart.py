"""A bar chart as plain numbers for an SVG template: no chart library, nothing from a CDN."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 8, 12, 36


@dataclass(frozen=True)
class Bar:
    day: date
    cents: int
    x: float
    y: float
    width: float
    height: float
    labelled: bool  #: whether the day is written under the axis (every 5th day and the last)


@dataclass(frozen=True)
class Tick:
    cents: int
    y: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def total(self) -> int:
        return sum(bar.cents for bar in self.bars)

    @property
    def best(self) -> Bar | None:
        """The day with the most revenue (the latest of equals); None without any sale."""
        best = max(reversed(self.bars), key=lambda bar: bar.cents, default=None)
        return best if best is not None and best.cents > 0 else None


def nice_step(maximum: int, steps: int = 4) -> int:
    """A round step (1, 2 or 5 × 10ⁿ euros, in cents) so that ``steps`` of them cover max."""
    raw = max(maximum, 100) / steps
    magnitude = 100
    while magnitude * 10 <= raw:
        magnitude *= 10
    for factor in (1, 2, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10  # pragma: no cover - the loop above always returns


def bar_chart(days: list[tuple[date, int]]) -> Chart:
    step = nice_step(max((cents for _day, cents in days), default=0))
    top_value = step * 4
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - RIGHT - LEFT) / max(len(days), 1)
    bars = []
    for index, (day, cents) in enumerate(days):
        height = plot_height * cents / top_value
        bars.append(Bar(day=day, cents=cents, x=round(LEFT + index * slot + slot * 0.15, 1),
                        y=round(HEIGHT - BOTTOM - height, 1), width=round(slot * 0.7, 1),
                        height=round(height, 1),
                        labelled=(len(days) - 1 - index) % 5 == 0))
    ticks = [Tick(cents=step * n, y=round(HEIGHT - BOTTOM - plot_height * n / 4, 1))
             for n in range(5)]
    return Chart(bars=bars, ticks=ticks)
