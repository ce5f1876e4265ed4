"""The demo's instalment plans: what a Kosovo furniture shop offers with its banks' cards
(TEB's and BKT's cards pay large purchases in instalments at partner shops, without a fee)."""

from __future__ import annotations

from .. import instalments
from ..extensions import db

PLANS = (
    instalments.Plan("TEB", (3, 6, 12), 30000, 0),
    instalments.Plan("BKT", (3, 6), 20000, 0),
)


def seed() -> None:
    """Turn the plans on, unless the shop has some already (the owner's or the environment's)."""
    instalments.seed(PLANS)
    db.session.commit()
