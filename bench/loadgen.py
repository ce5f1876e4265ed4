"""Drive load with wrk (Debian package) and read its report.

wrk was chosen in TOOLING.md §5: it costs the least CPU per request of the tools tried, which
matters because the load generator shares the machine's 2 cores with the server. Every run
uses ``bench.lua``: it prints the 95th percentile and, when asked, replays prepared requests.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BENCH_LUA = Path(__file__).resolve().parent / "bench.lua"

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int  # non-2xx/3xx plus socket errors: any of these makes a figure suspect
    capped: int = 0  # 200 answers that said "only N left" (bench.lua counts them)
    p95_ms: float = math.nan  # from bench.lua's done(): wrk's --latency table has no p95


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return path


def run(
    url: str,
    headers: dict[str, str],
    duration: float,
    connections: int,
    threads: int,
    timeout: float = 10,
    script_env: dict[str, str] | None = None,
) -> WrkResult:
    """Run wrk once; ``script_env`` sets bench.lua's BENCH_* variables (targets, marker...)."""
    # wrk's default 2 s timeout drops every answer of a slow page (it then reports 0 req/s);
    # a longer one keeps slow pages measurable, and timeouts still count as errors.
    command = [
        require_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, math.ceil(duration))}s",  # wrk takes whole seconds only ("0.5s" fails)
        "--timeout",
        f"{timeout:g}s",
        "--latency",
        "-s",
        str(BENCH_LUA),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    env = {**os.environ, **(script_env or {})}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return parse(done.stdout)


def parse(report: str) -> WrkResult:
    """Read requests/s, the 50/95/99 % latencies and any errors from wrk's output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", report, re.M)
    total = re.search(r"^\s*(\d+) requests in", report, re.M)
    if not rps or not total:
        raise RuntimeError(f"could not read wrk's report:\n{report}")
    lines = re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", report, re.M)
    latency = {percent: float(value) * _UNITS_MS[unit] for percent, value, unit in lines}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", report)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report
    )
    capped = re.search(r"^bench-capped: (\d+)", report, re.M)
    p95 = re.search(r"^bench-p95-us: (\d+)", report, re.M)
    return WrkResult(
        requests_per_s=float(rps.group(1)),
        p50_ms=latency.get("50", float("nan")),
        p99_ms=latency.get("99", float("nan")),
        requests=int(total.group(1)),
        bad_responses=(int(bad.group(1)) if bad else 0)
        + (sum(int(n) for n in errors.groups()) if errors else 0),
        capped=int(capped.group(1)) if capped else 0,
        p95_ms=int(p95.group(1)) / 1000 if p95 else math.nan,
    )


@dataclass(frozen=True)
class Target:
    """One request bench.lua replays (see its header for the file format)."""

    method: str
    path: str
    cookie: str = ""
    token: str = ""
    htmx: bool = False
    body: str = ""


def write_targets(file: Path, targets: list[Target], **env: str) -> dict[str, str]:
    """Write bench.lua's request list; return the script_env that makes wrk replay it."""
    for t in targets:
        if any(c in f"{t.path}{t.cookie}{t.token}{t.body}" for c in "\t\n"):
            raise ValueError(f"a tab or newline in a replayed request: {t}")
    file.write_text(
        "".join(
            f"{t.method}\t{t.path}\t{t.cookie}\t{t.token}\t{int(t.htmx)}\t{t.body}\n"
            for t in targets
        )
    )
    return {"BENCH_TARGETS": str(file), **{f"BENCH_{k.upper()}": v for k, v in env.items()}}
