"""The job queue with real consumers (``flask jobs`` processes), on SQLite and on Redis.

Elsewhere jobs run at once (``JOBS_IMMEDIATE``); here order matters: two consumers race for
the same messages and each is sent once, and a message the server refused is retried by the
consumer and delivered once the server is back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from lesnamax import jobs, mail, outbox
from lesnamax.extensions import db
from lesnamax.outbox import OutboxMessage

from .conftest import base_config
from .redis_server import RedisServer
from .test_mail import Sink, free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def redis_url():
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "redis"])
def queue(request, tmp_path, app):
    """The queue's settings, shared by the shop (the test) and its consumers."""
    if request.param == "redis":
        yield {"REDIS_URL": request.getfixturevalue("redis_url")}
    else:
        yield {"JOBS_FILE": str(tmp_path / "jobs.sqlite")}
    jobs.configure(app)  # the process-wide queue back to immediate for the tests after


@pytest.fixture
def consumers(app, tmp_path, queue):
    """Start ``flask jobs`` processes on the test's database and queue; stopped afterwards."""
    started = []

    def start(count: int, **settings) -> None:
        env = {**os.environ, "FLASK_APP": "wsgi.py", "LESNAMAX_JOBS_IMMEDIATE": "false",
               "LESNAMAX_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "LESNAMAX_SECRET_KEY": "jobs-test", "LESNAMAX_BANK_MODE": "sandbox",
               "LESNAMAX_MAIL_OUTBOX": str(tmp_path / "outbox"),
               **{f"LESNAMAX_{key}": str(value) for key, value in {**queue, **settings}.items()}}
        for n in range(count):
            log = open(tmp_path / f"consumer-{len(started) + n}.log", "wb")  # noqa: SIM115
            started.append((subprocess.Popen(
                [sys.executable, "-m", "flask", "jobs", "--workers", "2"], cwd=ROOT, env=env,
                stdout=log, stderr=subprocess.STDOUT), log))

    yield start
    for process, log in started:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def shop(make_app, app, tmp_path, queue, **settings):
    """An app of the shop that queues jobs for the consumers instead of running them."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    return make_app({**base_config(url, tmp_path), **queue, "JOBS_IMMEDIATE": False,
                     **settings})


def write(shop_app, count: int) -> list[int]:
    """Write ``count`` messages in one transaction; their jobs are queued at its commit."""
    with shop_app.test_request_context():
        for n in range(count):
            mail.send(f"klient{n}@example.test", f"Mesazhi {n}", "password_reset", user=None,
                      link=f"http://shop.test/{n}")
        db.session.commit()
        return list(db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))


def wait_for(shop_app, done, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with shop_app.app_context():
            if done():
                return
        time.sleep(0.2)
    raise AssertionError("the consumers did not finish in time")


def unsent() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id))
                             .where(OutboxMessage.sent_at.is_(None)))


def test_two_consumers_racing_send_each_message_once(app, make_app, tmp_path, queue, consumers):
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port}
        shop_app = shop(make_app, app, tmp_path, queue, **settings)
        ids = write(shop_app, 12)
        with shop_app.app_context():
            for message_id in ids:  # each row queued three times: the consumers race for it
                outbox.deliver(message_id)
                outbox.deliver(message_id)
        consumers(2, **settings)
        wait_for(shop_app, lambda: unsent() == 0)
        time.sleep(1)  # any late duplicate would have arrived by now
    finally:
        smtp.stop()
    subjects = sorted(message["Subject"] for message in sink.messages)
    assert subjects == sorted(f"Mesazhi {n}" for n in range(12))
    with shop_app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {row.attempts for row in rows} == {1}  # one claim each, one hand-over each


def test_a_refused_message_is_retried_and_sent_once_the_server_is_back(
    app, make_app, tmp_path, queue, consumers
):
    port = free_port()  # nothing listens there yet
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_RETRY_SECONDS": 1}
    shop_app = shop(make_app, app, tmp_path, queue, **settings)
    consumers(2, **settings)
    [message_id] = write(shop_app, 1)

    def tried():
        row = db.session.get(OutboxMessage, message_id)
        return row.attempts >= 2 and "Refused" in row.last_error

    wait_for(shop_app, tried)  # failed twice (1 s, then 2 s of back-off), not marked sent
    with shop_app.app_context():
        assert db.session.get(OutboxMessage, message_id).sent_at is None
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        wait_for(shop_app, lambda: unsent() == 0)
        time.sleep(1)
    finally:
        smtp.stop()
    assert [message["Subject"] for message in sink.messages] == ["Mesazhi 0"]


def test_the_periodic_jobs_run_on_their_schedule_with_the_app(app, caplog):
    """The schedule the README states (UTC), and each job does its work in an app context."""
    from datetime import datetime

    from lesnamax import tasks

    def runs(job, *moments) -> list[bool]:
        task = job.s()
        return [task.validate_datetime(datetime(2026, 12, 7, h, m)) for h, m in moments]

    assert runs(tasks.send_waiting_mail_job, (0, 0), (13, 41)) == [True, True]
    assert runs(tasks.expire_payments_job, (9, 5), (9, 7)) == [True, False]
    assert runs(tasks.housekeeping_job, (4, 17), (4, 18)) == [True, False]
    assert runs(tasks.forget_old_ips_job, (2, 30), (3, 30)) == [True, False]
    assert runs(tasks.issue_missing_documents_job, (5, 10), (5, 11)) == [True, False]
    caplog.set_level("INFO")
    with app.app_context():
        for job in (tasks.send_waiting_mail_job, tasks.expire_payments_job,
                    tasks.housekeeping_job, tasks.forget_old_ips_job,
                    tasks.issue_missing_documents_job):
            job.call_local()
    said = [r.getMessage() for r in caplog.records]
    assert "Expired 0 card payments left unanswered for 30 minutes." in said
    assert "Sent 0 waiting e-mails; 0 still unsent." in said
    assert "Issued 0 missing invoices and 0 missing credit notes." in said
    assert any(m.startswith("Removed IP addresses older than 365 days") for m in said)
