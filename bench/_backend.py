"""A backend in a child process for benchmarks, in a throw-away QUANTDESK_HOME."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path


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
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(15)

    def __enter__(self) -> BenchBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
