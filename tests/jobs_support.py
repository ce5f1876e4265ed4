"""A real job consumer for the tests: ``flask jobs`` in a process of its own, and an SMTP
server (aiosmtpd) that counts what it accepted and can refuse for a while.

Used by tests/test_jobs.py and tests/test_outbox_soak.py. The consumer is the command the
owner runs (docs/deploy.md), with the settings passed the same way: ``LESNAMAX_*`` variables.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

from lesnamax.config import ROOT

from .pg import free_port


class CountingSink:
    """Accepts every message, or answers "try later" (451) while ``refusing`` is set."""

    def __init__(self, delay: float = 0.0) -> None:
        self.lock = threading.Lock()
        self.delay = delay  # seconds per message: makes two senders overlap
        self.refusing = False
        self.refused = 0
        self.messages: list = []
        self.accepted_at: list[datetime] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refusing:
                self.refused += 1
                return "451 4.3.0 Try again later"
            self.messages.append(email.message_from_bytes(envelope.original_content,
                                                          policy=email.policy.default))
            self.accepted_at.append(datetime.now(UTC))
        return "250 Message accepted for delivery"

    def count(self, header: str = "Message-ID") -> Counter:
        with self.lock:
            return Counter(str(m[header]) for m in self.messages)


class Smtp:
    """aiosmtpd on a fixed loopback port, which can be stopped (down) and started again."""

    def __init__(self, sink: CountingSink) -> None:
        self.sink = sink
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> Smtp:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def consumer_env(database_url: str, tmp_path: Path, *, smtp_port: int,
                 redis_url: str = "") -> dict[str, str]:
    """The settings a consumer and the shop share (the environment file of docs/deploy.md)."""
    return {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "LESNAMAX_DATABASE_URL": database_url,
        "LESNAMAX_SECRET_KEY": "jobs-test-key",
        "LESNAMAX_BANK_MODE": "sandbox",
        "LESNAMAX_MEDIA_ROOT": str(tmp_path / "media"),
        "LESNAMAX_MAIL_OUTBOX": str(tmp_path / "outbox"),
        "LESNAMAX_MAIL_SERVER": "127.0.0.1",
        "LESNAMAX_MAIL_PORT": str(smtp_port),
        "LESNAMAX_JOBS_IMMEDIATE": "false",
        "LESNAMAX_JOBS_FILE": str(tmp_path / "jobs.sqlite"),
        "LESNAMAX_REDIS_URL": redis_url,
        # Retries after 1 s, 2 s, 4 s… so a test sees several within seconds.
        "LESNAMAX_MAIL_RETRY_SECONDS": "1",
    }


class Consumer:
    """``flask jobs`` in its own process; its log is kept for the assertions."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 2) -> None:
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "jobs", "--workers", str(workers),
             "--max-delay", "0.2"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_started(self, timeout: float = 60) -> Consumer:
        deadline = time.monotonic() + timeout
        while "consumer started" not in self.log_text().lower():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the consumer did not start:\n" + self.log_text())
            time.sleep(0.05)
        return self

    def stop(self) -> int:
        """Ctrl-C (graceful: running jobs finish), then the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        return self.process.returncode


def wait_for(condition, timeout: float, what: str, step: float = 0.1):
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(step)
