"""``make run``'s launcher (scripts/run.py): the web server and the job consumer from one
command; Ctrl-C stops both and leaves no process behind; either one ending stops the other."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import pytest

from lesnamax import outbox
from lesnamax.config import ROOT
from lesnamax.extensions import db

from .conftest import base_config
from .jobs_support import consumer_env, wait_for
from .pg import free_port


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as found:
            return [int(child) for child in found.read().split()]
    except FileNotFoundError:
        return []


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def launched(app, tmp_path):
    """scripts/run.py in a session of its own (as a terminal runs it), with its two children."""
    port = free_port()
    env = {**consumer_env(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, smtp_port=0),
           "LESNAMAX_MAIL_SERVER": "", "LESNAMAX_BASE_URL": f"http://127.0.0.1:{port}"}
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 - closed below
    script = subprocess.Popen([sys.executable, "scripts/run.py", str(port)], cwd=ROOT,
                              env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        wait_for(healthy, 60, "the web server answers")
        wait_for(lambda: "consumer started" in (tmp_path / "run.log").read_text().lower(), 60,
                 "the consumer started")
        kids = children(script.pid)
        assert len(kids) == 2
        yield script, kids, healthy
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait(10)
        for kid in children(script.pid):
            os.kill(kid, signal.SIGKILL)
        log.close()


def test_both_run_and_ctrl_c_stops_both(launched, app, make_app, tmp_path):
    script, kids, healthy = launched
    # An e-mail committed by the shop's side reaches instance/outbox through the consumer.
    shop = make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "JOBS_IMMEDIATE": False, "JOBS_FILE": str(tmp_path / "jobs.sqlite")})
    with shop.app_context():
        message = EmailMessage()
        message["To"], message["Subject"] = "run@example.com", "Provë"
        message.set_content("Nga make run.")
        outbox.add(message)
        db.session.commit()
    wait_for(lambda: list((tmp_path / "outbox").glob("*.eml")), 30, "the e-mail delivered")

    os.killpg(script.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
    assert script.wait(30) == 130
    assert not healthy()
    wait_for(lambda: not any(alive(kid) for kid in kids), 10, "no process left behind")


def test_the_consumer_ending_stops_the_web_server(launched):
    script, kids, healthy = launched
    consumer = next(kid for kid in kids
                    if b"jobs" in Path(f"/proc/{kid}/cmdline").read_bytes())
    os.kill(consumer, signal.SIGTERM)
    script.wait(30)
    assert not healthy()
    wait_for(lambda: not any(alive(kid) for kid in kids), 10, "no process left behind")
