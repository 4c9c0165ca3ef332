"""The backend as a process under hostile load: 2,000 idle sockets at a 1,024 open-file limit, and an
order with a 2**70 client id followed by kill -9. Also: a private home and files, SIGTERM exits."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from backend.api.protocol import PROTOCOL_VERSION
from backend.client import BackendClient
from backend.home import read_record
from tests.polling import wait_until
from tests.e2e.backend_proc import MODULE, spawn_backend, stop_backend

FLOOD = 2_000
BACKEND_FILE_LIMIT = 1_024  # the common default the lock-out was found at


# the backend under a hard limit of 1,024 open files, so it cannot lift its way out of the flood
LIMITED_BACKEND = (
    "import resource, runpy; "
    f"resource.setrlimit(resource.RLIMIT_NOFILE, ({BACKEND_FILE_LIMIT}, {BACKEND_FILE_LIMIT})); "
    "runpy.run_module('backend', run_name='__main__')"
)


def start_backend(home: Path, *, file_limit: bool = False) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, QUANTDESK_HOME=str(home))
    python_args = ("-c", LIMITED_BACKEND) if file_limit else MODULE
    return spawn_backend("--tick-rate", "60", "--seed", "5", env=env, python_args=python_args)


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quantdesk_tui.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, QUANTDESK_HOME=str(home)),
        check=False,
    )


def raise_own_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"this machine allows {hard} open files; the flood needs {needed}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def refusals(http_url: str) -> float:
    text = httpx.get(f"{http_url}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("quantdesk_connections_refused_total{")
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_two_thousand_idle_sockets_do_not_lock_out_the_client_or_the_cli(quantdesk_home):
    raise_own_file_limit(FLOOD + 512)
    home = quantdesk_home / "fresh"  # the backend creates this home itself
    proc, url = start_backend(home, file_limit=True)
    flood: list[socket.socket] = []
    try:
        host, port = url.removeprefix("ws://").split(":")
        record = read_record(home)
        for _ in range(FLOOD):
            flood.append(socket.create_connection((host, int(port)), timeout=10))
        http_url = record.url.replace("ws://", "http://")
        await wait_until(  # the backend has seen every socket: admitted, or refused and closed
            lambda: refusals(http_url) >= FLOOD - 64,
            what=f"{FLOOD - 64} connections refused",
            timeout=20.0,
            ignore=(httpx.TransportError,),  # the probe itself is refused while this IP's accept rate refills
        )
        async with BackendClient.for_url(url, record.token, client_name="tui") as client:  # what the TUI uses
            status = await client.request("status")
            assert status["pid"] == proc.pid
            assert await client.request("markets.list")
        status = cli(home, "status", "--json")
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["pid"] == proc.pid
        assert proc.poll() is None
        log = (home / "backend.log").read_text()
        assert "Traceback" not in log and "out of system resource" not in log
        assert sum("refusing" in line or "closing the oldest" in line for line in log.splitlines()) <= 10
        assert mode(home) == 0o700
        for name in ("quantdesk.db", "quantdesk.db-wal", "quantdesk.db-shm", "backend.log", "backend.json"):
            assert mode(home / name) == 0o600, name
    finally:
        for s in flood:
            s.close()
        stop_backend(proc, timeout=30)
    assert proc.returncode == 0


async def ask(ws, message: dict) -> dict:
    await ws.send(json.dumps(message))
    while True:
        reply = json.loads(await ws.recv())
        if "stream" not in reply:
            return reply


async def hello(url: str, token: str):
    ws = await connect(url)
    reply = await ask(ws, {"id": 0, "op": "hello", "args": {"token": token, "version": PROTOCOL_VERSION}})
    assert reply["ok"] is True
    ws.health = reply["result"]
    return ws


async def test_a_2_70_client_id_is_refused_and_the_state_survives_kill_9_consistently(quantdesk_home):
    proc, url = start_backend(quantdesk_home)
    token = read_record(quantdesk_home).token
    try:
        ws = await hello(url, token)

        async def account_ready() -> dict | None:  # the paper account exists once the first prices arrived
            account = await ask(ws, {"id": 1, "op": "account"})
            return account if account["ok"] else None

        await wait_until(account_ready, what="the paper account", timeout=20.0)
        huge = await ask(
            ws,
            {
                "id": 2,
                "op": "order.place",
                "args": {"market": "SOL-PERP", "side": "buy", "size": "1", "type": "market", "client_id": 2**70},
            },
        )
        assert huge["error"]["code"] == "BAD_REQUEST"
        placed = await ask(
            ws,
            {
                "id": 3,
                "op": "order.place",
                "args": {"market": "SOL-PERP", "side": "buy", "size": "1", "type": "market", "client_id": 2**64 - 1},
            },
        )
        assert placed["ok"] is True, placed
        order_id = placed["result"]["orders"][0]["order_id"]
        await ws.close()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    proc, url = start_backend(quantdesk_home)
    try:
        ws = await hello(url, read_record(quantdesk_home).token)
        assert ws.health["venue"]["recovery"]["consistent"] is True, ws.health
        verified = (await ask(ws, {"id": 2, "op": "venue.verify"}))["result"]  # live state = journal replay
        assert verified["consistent"] is True or verified["uncommitted"] > 0, verified
        orders = (await ask(ws, {"id": 3, "op": "orders", "args": {"status": "all"}}))["result"]["orders"]
        assert [o["client_id"] for o in orders if o["order_id"] == order_id] == [str(2**64 - 1)]
        assert str(2**70) not in [o["client_id"] for o in orders]
        await ws.close()
    finally:
        stop_backend(proc, timeout=30)
