"""A fresh seeded database in a temporary directory, and gunicorn servers that always go away.

Everything lives under one temporary directory (database, media, logs) so a run never
touches ``instance/`` and two runs never share state.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent

#: Same for the shop and the baseline, so the only difference is the application.
WORKERS = 2


def use_this_checkout() -> None:
    """Import the shop from this checkout in this process too (the in-process counts, the
    profile), not from the one the virtualenv installed in editable mode: a worktree's bench
    must measure its own code. The subprocesses already do (``-m`` with ``cwd=ROOT``)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(1, str(ROOT))


def app_env(tmp: Path, page_cache: bool = True) -> dict[str, str]:
    """Return the environment that points the shop at ``tmp`` (used by every subprocess).

    ``page_cache=False`` turns the shop's page cache off (``LESNAMAX_PAGE_CACHE_SECONDS=0``),
    so that catalogue pages are rendered on every request.
    """
    env = dict(os.environ)
    env.update(
        FLASK_APP="wsgi.py",
        LESNAMAX_DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite'}",
        LESNAMAX_MEDIA_ROOT=str(tmp / "media"),
        # Order confirmations are written as .eml files: keep them out of instance/outbox.
        LESNAMAX_MAIL_OUTBOX=str(tmp / "outbox"),
        # The job queue of this shop only (the consumer below sends its e-mails).
        LESNAMAX_JOBS_FILE=str(tmp / "jobs.sqlite"),
        # A fixed key: otherwise the app would write one into instance/.
        LESNAMAX_SECRET_KEY="bench-not-secret",
        # A plain-http shop on loopback: the sandbox bank must be chosen on purpose.
        LESNAMAX_BANK_MODE="sandbox",
        # The load registers hundreds of customers from 127.0.0.1.
        LESNAMAX_REGISTER_REQUESTS_PER_IP="1000000 per hour",
    )
    if not page_cache:
        env["LESNAMAX_PAGE_CACHE_SECONDS"] = "0"
    return env


def seed(tmp: Path, products: int) -> None:
    """Migrate and seed a fresh database through the real CLI, as an operator would."""
    env = app_env(tmp)
    for args in (["db", "upgrade"], ["seed-demo", "--products", str(products)]):
        done = subprocess.run(
            [sys.executable, "-m", "flask", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        if args[0] == "seed-demo":
            print("  " + done.stdout.strip().splitlines()[-1])


def context(tmp: Path) -> dict[str, str]:
    """Return the values scenario paths refer to, read from the seeded database."""
    with sqlite3.connect(tmp / "bench.sqlite") as conn:
        # A handmade product with pictures and a category, like a page a customer would open.
        row = conn.execute(
            "SELECT slug FROM product p WHERE active AND EXISTS "
            "(SELECT 1 FROM product_image i WHERE i.product_id = p.id) ORDER BY id LIMIT 1"
        ).fetchone()
    if row is None:
        raise RuntimeError("the seeded database has no product with pictures")
    return {"product_slug": row[0]}


def free_port() -> int:
    # The kernel picks a port that is free now; the tiny race before gunicorn binds is fine here.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, chdir: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """Serve ``app_spec`` with 2 sync workers; yield its base URL; always stop it afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(chdir),
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
        app_spec,
    ]
    # A new session keeps Ctrl-C away from gunicorn (we stop it ourselves, in order) and
    # gives it its own process group, so killpg reaches the master and its workers only.
    process = subprocess.Popen(
        command,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(process, url, log)
        yield url
    finally:
        stop(process)


@contextmanager
def consumer(env: dict[str, str], log: Path) -> Iterator[None]:
    """Run ``flask jobs`` (the e-mail outbox, as ``make run`` does) beside the shop; stop it after.

    The confirmations an order writes are sent by it, on the same two cores, as in production.
    """
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "flask", "jobs"], env=env, cwd=ROOT,
                                   start_new_session=True, stdout=out, stderr=out)
    try:
        yield
    finally:
        stop(process)


def _wait_ready(process: subprocess.Popen, url: str, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered, even if not with 200: the server is up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer at {url} within {timeout} s:\n{_tail(log)}")


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn's whole process group: TERM, then KILL if it lingers or we are interrupted."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break  # the group is already gone
        try:
            process.wait(timeout=wait)
            break
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            continue  # escalate to SIGKILL
    # Workers of a dead master notice and exit; make sure none is left either way.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text().splitlines()[-lines:])
    except OSError:
        return "(no log)"
