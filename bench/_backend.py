"""A backend in a child process for benchmarks, in a throw-away QUANTDESK_HOME."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU the process `pid` has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BenchBackend:
    def __init__(self, *args: str, home: Path | None = None) -> None:
        self.home = home or Path(tempfile.mkdtemp(prefix="qd-bench-"))
        self.env = {**os.environ, "QUANTDESK_HOME": str(self.home)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=self.env,
        )
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("ws://"):
            raise RuntimeError("the backend did not start")
        self.token = json.loads((self.home / "backend.json").read_text())["token"]

    def cpu_seconds(self) -> float:
        """User + system CPU the backend process has used so far (from /proc)."""
        return process_cpu_seconds(self.proc.pid)

    def settle(self, busy_below: float = 0.1, window_s: float = 0.5, timeout_s: float = 20.0) -> float:
        """Wait until the start-up work (candle history backfill and its store writes) is over: the
        backend used less than `busy_below` of a core over one window. Returns the seconds waited."""
        started = time.perf_counter()
        before = self.cpu_seconds()
        while time.perf_counter() - started < timeout_s:
            time.sleep(window_s)
            now = self.cpu_seconds()
            if now - before < busy_below * window_s:
                break
            before = now
        return time.perf_counter() - started

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(15)

    def __enter__(self) -> BenchBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
