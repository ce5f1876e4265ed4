"""Engine setup: SQLite in WAL mode with foreign keys on; PostgreSQL through psycopg 3."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Engine


def _sqlite_table_hint(_compiler, _table, text: str) -> str:
    return text


# SQLAlchemy drops table hints on SQLite; rendering them lets a query say
# ``.with_hint(Product, "INDEXED BY ix_…", "sqlite")`` where the planner, which cannot know how
# many rows a full-text match keeps, must walk a sort index (catalogue/services.py).
SQLiteCompiler.get_from_hint_text = _sqlite_table_hint


def configure(app) -> None:
    """Set engine options before Flask-SQLAlchemy creates the engine."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if uri.startswith("sqlite"):
        # Writers wait for each other instead of failing at once with "database is locked".
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
    else:
        options.setdefault("pool_pre_ping", True)
    import_models()


#: Set by the app wiring (``lesnamax/models.py``): core may not name the areas' model modules.
_model_importer = None


def on_import_models(importer) -> None:
    """Register the wiring's function that imports every model module."""
    global _model_importer
    _model_importer = importer


def import_models() -> None:
    """Import every model module so the metadata (and Alembic) sees all tables.

    The list lives in the wiring (``lesnamax.models.import_models``), which registers itself
    when the ``lesnamax`` package is imported, i.e. before anything can reach this module.
    """
    if _model_importer is not None:
        _model_importer()


#: How much of the SQLite file is read through memory-mapping instead of read() calls. 100,000
#: products make a 150 MB file; a search reading thousands of product rows ran 2-3 times
#: faster mapped (bench/RESULTS.md, 2026-12-04). The map is the OS's page cache, shared by every
#: connection and worker; a bigger per-connection cache did as well for reads but slowed
#: writes, as each commit by another process makes every connection drop its whole cache.
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        # WAL lets readers go on while one writer commits; foreign keys are off by default.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()


def begin_write() -> None:
    """Start a write transaction now, before any read in it.

    SQLite: ``BEGIN IMMEDIATE`` takes the write lock up front, so a concurrent writer makes us
    wait (busy timeout) instead of failing later on a stale read snapshot. PostgreSQL needs
    nothing: its conditional UPDATEs lock and re-check the rows themselves.
    """
    from sqlalchemy import text

    from .extensions import db

    db.session.rollback()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("BEGIN IMMEDIATE"))


def commit_keeping_loaded() -> None:
    """Commit without expiring the objects this request already loaded.

    For a change whose answer shows exactly the rows it just wrote (a cart line's new
    quantity): those rows are current, so reloading them after the commit would only cost
    queries. Everything else keeps SQLAlchemy's usual expire-on-commit.
    """
    from .extensions import db

    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
