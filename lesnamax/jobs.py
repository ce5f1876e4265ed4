"""The job queue: one huey instance, configured from the app's settings.

Storage: Redis when ``REDIS_URL`` is set (every web worker and consumer on any machine shares
it), otherwise a SQLite file in ``instance/`` (``JOBS_FILE``), which needs nothing installed.
``JOBS_IMMEDIATE`` runs each job at once, inside the call that enqueues it (the tests, where
order does not matter). The consumer is ``flask jobs`` (lesnamax/cli.py): it builds the app,
so the jobs run with the same settings as the web server.

Core: the instance knows no area. A job that needs an area is defined in the wiring
(``lesnamax/tasks.py``); the outbox's sending job is core (``lesnamax/outbox.py``).
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

NAME = "lesnamax"

#: Built in memory until an app configures it: importing the module writes no file.
huey = Huey(NAME, immediate=True, storage_class=MemoryStorage, results=False)

#: The app the consumer's worker threads run jobs with (the last one configured).
_app = None


def configure(app) -> None:
    """Point the queue at the storage ``app``'s settings name (called by the factory)."""
    global _app
    config = app.config
    _app = app
    if config["JOBS_IMMEDIATE"]:
        huey.immediate = True  # huey swaps in its in-memory storage
        return
    if config["REDIS_URL"]:
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": config["REDIS_URL"]}
    else:
        path = Path(config["JOBS_FILE"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(path)}
    huey._immediate = False  # noqa: SLF001 - the setter keeps the old storage class
    huey.storage = huey.create_storage()


def with_app(function):
    """Run ``function`` in a new app context of its own.

    Its own context means its own database session: a job run at once from inside a commit
    (immediate mode) never touches the session that is committing. In the consumer the app is
    the one ``flask jobs`` built.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        app = current_app._get_current_object() if has_app_context() else _app
        if app is None:
            raise RuntimeError("the job queue was not configured by an app")
        with app.app_context():
            return function(*args, **kwargs)

    return wrapper
