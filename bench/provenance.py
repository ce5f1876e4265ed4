"""What was measured and where: the machine, the code version, and how busy the CPU was.

These lines head every run's output so that a figure copied into RESULTS.md carries them.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import time
from datetime import date

import servers


def machine() -> str:
    """One line naming the machine, for RESULTS.md."""
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout
    return (
        f"{date.today()} · {os.cpu_count()} CPUs · {' '.join(filter(None, platform.uname()))} · "
        f"Python {platform.python_version()} · {(wrk.splitlines() or ['wrk ?'])[0].split(' [')[0]}"
    )


def busy_share(seconds: float = 1.0) -> float:
    """Return the share of CPU time other programs used over ``seconds`` (Linux /proc/stat)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            fields = [int(n) for n in stat.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return 0.0
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def code_version() -> str:
    """Name the code measured: the commit, and whether uncommitted edits were included."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=servers.ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return f"code {commit}" + (f" + uncommitted changes in {len(changed)} files" if changed else "")


class OtherCpu:
    """Measure the CPU other programs take while a block runs, as a share of the whole machine.

    The busy time of all cores (/proc/stat) minus ours: this process, its finished children
    (wrk, reaped by subprocess.run) and its running descendants (gunicorn and its workers,
    read from /proc). Programs that start and end inside the block are counted too, which a
    look at `top` before and after would miss. Linux only; elsewhere it reads 0.
    """

    share = 0.0

    def __enter__(self) -> OtherCpu:
        self._start = self._sample()
        return self

    def __exit__(self, *_exc) -> None:
        end = self._sample()
        busy, ours, wall = (b - a for a, b in zip(self._start, end, strict=True))
        self.share = max(0.0, (busy - ours) / (wall * (os.cpu_count() or 1))) if wall else 0.0

    def _sample(self) -> tuple[float, float, float]:
        try:
            with open("/proc/stat") as stat:
                ticks = [int(n) for n in stat.readline().split()[1:]]
            # user + nice + system: what processes are charged with. Not irq/softirq time,
            # which loopback traffic at thousands of requests/s causes but no process is charged.
            busy = sum(ticks[:3]) / _HZ
            ours = _descendants_cpu(os.getpid())
        except OSError:
            return 0.0, 0.0, time.monotonic()
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            usage = resource.getrusage(who)
            ours += usage.ru_utime + usage.ru_stime
        return busy, ours, time.monotonic()


_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _descendants_cpu(root: int) -> float:
    """Return the CPU seconds (user + system) used so far by the running descendants of root."""
    parent, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name may hold spaces: the fields we want follow its ")".
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended while we looked
        parent[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / _HZ
    total = 0.0
    for pid in cpu:
        ancestor = parent.get(pid)
        while ancestor and ancestor != root:
            ancestor = parent.get(ancestor)
        if ancestor == root:
            total += cpu[pid]
    return total
