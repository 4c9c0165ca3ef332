"""`python -m bench flood [SOCKETS]`: a backend at a 1,024 open-file limit under an idle-socket flood.

Opens SOCKETS (default 2,000) idle TCP connections, then times what a trader does meanwhile: the
TUI's client connecting (hello + status) and `quantdesk status`; then SIGTERM with the flood still
open. Also: the refusals by reason from /metrics and the size of backend.log afterwards.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from backend.client import BackendClient
from backend.home import read_record
from bench._table import print_table

LIMIT = 1_024
LIMITED_BACKEND = (
    f"import resource, runpy; resource.setrlimit(resource.RLIMIT_NOFILE, ({LIMIT}, {LIMIT})); "
    "runpy.run_module('backend', run_name='__main__')"
)


def refusals(http_url: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in httpx.get(f"{http_url}/metrics", timeout=10).text.splitlines():
        if line.startswith("quantdesk_connections_refused_total{"):
            reason = line.split('reason="', 1)[1].split('"', 1)[0]
            out[reason] = float(line.rsplit(" ", 1)[1])
    return out


async def flood(count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 512:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(count + 512, hard), hard))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = dict(os.environ, QUANTDESK_HOME=str(home))
        proc = subprocess.Popen(
            [sys.executable, "-c", LIMITED_BACKEND, "--tick-rate", "60"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        url = proc.stdout.readline().strip()
        record = read_record(home)
        host, port = url.removeprefix("ws://").split(":")
        started = time.perf_counter()
        sockets = [socket.create_connection((host, int(port)), timeout=10) for _ in range(count)]
        opened = time.perf_counter() - started
        http_url = url.replace("ws://", "http://")
        while sum(refusals(http_url).values()) < count - 64:
            await asyncio.sleep(0.05)
        drained = time.perf_counter() - started
        t0 = time.perf_counter()
        async with BackendClient.for_url(url, record.token, client_name="bench") as client:
            await client.request("status")
        client_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        cli = subprocess.run(
            [sys.executable, "-m", "quantdesk_tui.cli", "status", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        cli_s = time.perf_counter() - t0
        reasons = refusals(http_url)
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        term_s = time.perf_counter() - t0
        for s in sockets:
            s.close()
        log_bytes = (home / "backend.log").stat().st_size
    print_table(
        f"flood: {count:,} idle sockets against a backend limited to {LIMIT:,} open files",
        ["what", "value"],
        [
            ["sockets opened (s)", opened],
            ["all seen by the backend (s)", drained],
            ["client hello + status (s)", client_s],
            [f"quantdesk status exit {cli.returncode} (s)", cli_s],
            ["SIGTERM to exit, flood still open (s)", term_s],
            ["backend exit code", proc.returncode],
            ["backend.log bytes", log_bytes],
            *[[f"refused: {reason}", int(n)] for reason, n in sorted(reasons.items())],
        ],
    )


def main() -> int:
    asyncio.run(flood(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000))
    return 0
