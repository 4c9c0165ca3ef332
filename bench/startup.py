"""`python -m bench startup`: time from launching `quantdesk` to its first frame, backend already up.

The TUI runs on a pseudo-terminal as a user would start it; the first frame is the first screen
paint written to the terminal (the status bar). Budget (DESIGN.md): ≤ 400 ms.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from bench._backend import BenchBackend
from bench._table import percentile, print_table

RUNS = 7


def first_frame_seconds(env: dict[str, str]) -> float:
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "quantdesk_tui.cli"], stdin=slave, stdout=slave, stderr=slave,
                            env={**env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"},
                            close_fds=True, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while time.perf_counter() - started < 15:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
                if b"connect" in seen or b"Chart" in seen:  # the status bar / first pane painted
                    return time.perf_counter() - started
        raise RuntimeError("no frame within 15 s")
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.close(master)


def main() -> int:
    with BenchBackend("--tick-rate", "15") as backend:
        first_frame_seconds(backend.env)  # warm the OS file cache
        samples = [first_frame_seconds(backend.env) for _ in range(RUNS)]
    ms = [s * 1000 for s in samples]
    print_table("quantdesk → first frame, backend already up (pty 120x40)", ("measure", "ms", "budget"), [
        ("p50", percentile(ms, 50), "≤ 400"), ("min", min(ms), ""), ("max", max(ms), ""), ("runs", RUNS, ""),
    ])
    return 0
