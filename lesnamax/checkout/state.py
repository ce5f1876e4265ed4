"""The checkout's step data, in one session namespace; the only reader and writer of it."""

from __future__ import annotations

from flask import session

KEY = "checkout"
STEPS = ("address", "delivery", "day", "payment", "review")


def get() -> dict:
    return dict(session.get(KEY, {}))


def save(step: str, value) -> None:
    data = get()
    data[step] = value
    session[KEY] = data


def forget(step: str) -> None:
    """Drop one step's data: that step is asked again."""
    data = get()
    data.pop(step, None)
    session[KEY] = data


def clear() -> None:
    session.pop(KEY, None)


def first_missing() -> str:
    """Return the first step whose data is missing ("review" when all are there)."""
    data = get()
    for step in STEPS[:-1]:
        if step not in data:
            return step
    return "review"
