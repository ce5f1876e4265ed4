"""How the app opens its database connections (lesnamax/database.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lesnamax import database
from lesnamax.extensions import db


def test_sqlite_connections_are_set_up_for_a_shop(app, engine_name):
    if engine_name != "sqlite":
        pytest.skip("SQLite pragmas; PostgreSQL is set up by its server's configuration")
    with app.app_context():
        pragma = {name: db.session.execute(text(f"PRAGMA {name}")).scalar()
                  for name in ("journal_mode", "synchronous", "foreign_keys", "mmap_size")}
    assert pragma == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1,
                      "mmap_size": database.SQLITE_MMAP_BYTES}
