"""`make run`: the shop's development server and the job consumer (`flask jobs`: the e-mails
in the outbox, the periodic jobs) from one command.

Ctrl-C stops both (the terminal signals the whole process group; the consumer lets a running
job finish); so does SIGTERM; and either one ending stops the other, since a shop whose
consumer died would send no e-mail, silently. Python rather than a shell script: `wait -n`
is missing from the bash that macOS ships.

Usage: python scripts/run.py [port]   (make run passes PORT; run with the venv's python)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def main() -> int:
    port = sys.argv[1] if len(sys.argv) > 1 else "5000"
    os.environ.setdefault("FLASK_APP", "wsgi.py")
    flask = [sys.executable, "-m", "flask"]
    children = {
        "consumer": subprocess.Popen([*flask, "jobs"]),
        "web server": subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", port]),
    }
    # SIGTERM ends the launcher as Ctrl-C does, through the same clean-up below.
    signal.signal(signal.SIGTERM, _interrupt)
    status = 0
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.2)
        name, ended = next((n, c) for n, c in children.items() if c.poll() is not None)
        status = ended.returncode or 1
        print(f"run.py: the {name} stopped (exit {ended.returncode}); stopping the other",
              file=sys.stderr)
    except KeyboardInterrupt:
        status = 130
    finally:
        stop(children.values())
    return status


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def stop(children) -> None:
    """SIGINT (the consumer finishes its running jobs), then SIGKILL after 20 s."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut this short
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 20
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    sys.exit(main())
