"""Backups of the shop's database: SQLite through its online backup API (a consistent copy
while the shop keeps serving), PostgreSQL through ``pg_dump``; and the matching restores."""

from __future__ import annotations

import glob
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def _tool(name: str) -> str:
    # Debian keeps the server's client tools per version; the newest matches the server best.
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools.")
    return found[-1]


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as libpq understands it (no "+psycopg" driver part)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def backup(url: str, directory: Path, now: datetime) -> Path:
    """Write a backup of the database at ``url`` into ``directory``; return the file."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    if make_url(url).get_backend_name() == "sqlite":
        target = directory / f"lesnamax-{stamp}.sqlite"
        source = sqlite3.connect(_sqlite_file(url))
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)  # page by page, consistent even while the shop writes
        finally:
            copy.close()
            source.close()
        return target
    target = directory / f"lesnamax-{stamp}.dump"
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])
    return target


def restore(url: str, file: Path) -> None:
    """Replace the database at ``url`` with the backup in ``file`` (everything in it now goes)."""
    if not file.is_file():
        raise BackupError(f"{file} is not a file.")
    if make_url(url).get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        live = sqlite3.connect(_sqlite_file(url))
        try:
            source.execute("PRAGMA quick_check").fetchone()
            with live:
                source.backup(live)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{file} is not a SQLite backup: {error}") from error
        finally:
            live.close()
            source.close()
        return
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={_libpq(url)}", str(file)])


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{command[0]} failed")
