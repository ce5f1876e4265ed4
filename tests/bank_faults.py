"""The sandbox bank's faults with a timeout to match: short only while a "timeout" fault is on.

A timeout fault sleeps past the shop's API timeout, so that one must be short for the tests to
be quick; every other answer is given in-process and must not be counted as lost when a busy
CI machine takes more than a fraction of a second for it (CI failed once on 0.3 s)."""

from __future__ import annotations

from lesnamax.payments import sandbox_api

SLOW_ENOUGH = 5.0
TIMEOUT_FAULT = 0.3


def set_fault(app, mode: str) -> None:
    app.config["NESTPAY_API_TIMEOUT"] = TIMEOUT_FAULT if mode.startswith("timeout") else SLOW_ENOUGH
    sandbox_api.set_fault(mode)
