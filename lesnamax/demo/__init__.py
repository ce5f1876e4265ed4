"""Demo data for ``make run`` and the tests: not part of the shop, installed with it because
``flask seed-demo`` (run by ``make run``) seeds a fresh clone. App wiring: it may import any area.
"""

from __future__ import annotations

from .catalogue import seed
from .stores import seed as seed_stores

__all__ = ["seed", "seed_stores"]
