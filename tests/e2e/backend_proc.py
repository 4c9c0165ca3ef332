"""The backend as a subprocess for end-to-end tests: `spawn_backend` starts it and reads the URL it
prints first (it binds 127.0.0.1 only); `stop_backend` stops it the clean way, with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence

MODULE = ("-m", "backend")


def spawn_backend(
    *args: str, env: dict[str, str] | None = None, python_args: Sequence[str] = MODULE
) -> tuple[subprocess.Popen[str], str]:
    """`python -m backend *args` (or `python *python_args *args`) on env's QUANTDESK_HOME; (process, ws URL)."""
    proc = subprocess.Popen(
        [sys.executable, *python_args, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=os.environ.copy() if env is None else env,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("ws://127.0.0.1:"):
        proc.kill()
        proc.wait()
        raise AssertionError(f"the backend did not start: its first line was {url!r}")
    return proc, url


def stop_backend(proc: subprocess.Popen[str], timeout: float = 10) -> None:
    """SIGTERM, unless it has exited already, and wait for it to finish."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout)
