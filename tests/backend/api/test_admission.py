"""Connection admission: hello deadline, caps, per-IP accept rate, refusals counted and logged quietly."""

from __future__ import annotations

import asyncio
import json
import logging
import socket

from websockets.asyncio.client import connect

from backend.api.admission import AdmissionLimits, QuietLog
from backend.api.protocol import PROTOCOL_VERSION
from backend.api.server import ApiServer
from backend.bus import Bus
from backend.metrics import Metrics
from tests.polling import wait_until

TOKEN = "t0ken"


async def start_server(**limits) -> tuple[ApiServer, int]:
    server = ApiServer(Bus(), Metrics(), TOKEN, limits=AdmissionLimits(**limits))
    server.op("ping", lambda session, args: asyncio.sleep(0, result="pong"))
    port = await server.start("127.0.0.1", 0)
    return server, port


async def wait_for(predicate, what: str, timeout: float = 10.0) -> None:
    await wait_until(predicate, what=what, timeout=timeout)


def refused(server: ApiServer, reason: str) -> float:
    return server.metrics.registry.get_sample_value("quantdesk_connections_refused_total", {"reason": reason}) or 0.0


async def hello(ws) -> dict:
    await ws.send(json.dumps({"id": 1, "op": "hello", "args": {"token": TOKEN, "version": PROTOCOL_VERSION}}))
    return json.loads(await ws.recv())


def idle_sockets(port: int, n: int) -> list[socket.socket]:
    return [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]


def closed_by_peer(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def count_closed(sockets: list[socket.socket], closed: set[int]) -> int:
    closed.update(i for i, s in enumerate(sockets) if i not in closed and closed_by_peer(s))
    return len(closed)


async def test_a_connection_without_hello_is_closed_at_the_deadline():
    server, port = await start_server(hello_deadline_s=0.3)
    try:
        idle = idle_sockets(port, 1)[0]
        async with connect(f"ws://127.0.0.1:{port}") as ws:  # open, but never says hello
            await wait_for(lambda: refused(server, "hello_timeout") == 2, "both deadlines")
            await wait_for(lambda: ws.close_code is not None, "the close frame")
            assert ws.close_code == 4008
        await wait_for(lambda: closed_by_peer(idle), "the idle socket closed")
        idle.close()
    finally:
        await server.stop()


async def test_the_oldest_unauthenticated_connection_makes_room_for_a_new_client():
    server, port = await start_server(max_unauthenticated=4, hello_deadline_s=30)
    try:
        flood = idle_sockets(port, 10)
        await wait_for(lambda: refused(server, "unauthenticated_evicted") == 6, "six evictions")
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            assert (await hello(ws))["ok"] is True
            await ws.send(json.dumps({"id": 2, "op": "ping"}))
            assert json.loads(await ws.recv())["result"] == "pong"
            assert len(server.gate.authenticated) == 1 and len(server.gate.unauthenticated) <= 4
        closed: set[int] = set()
        await wait_for(lambda: count_closed(flood, closed) >= 6, "six closed sockets")
        for s in flood:
            s.close()
    finally:
        await server.stop()


async def test_total_connections_are_capped_per_backend():
    server, port = await start_server(max_connections=2, hello_deadline_s=30)
    try:
        async with connect(f"ws://127.0.0.1:{port}") as a, connect(f"ws://127.0.0.1:{port}") as b:
            assert (await hello(a))["ok"] and (await hello(b))["ok"]
            late = idle_sockets(port, 1)[0]
            await wait_for(lambda: refused(server, "max_connections") == 1, "the refusal")
            await wait_for(lambda: closed_by_peer(late), "the refused socket closed")
            late.close()
    finally:
        await server.stop()


async def test_accepts_per_ip_are_rate_limited():
    server, port = await start_server(accepts_per_ip_per_s=0.001, accept_burst=3, hello_deadline_s=30)
    try:
        sockets = idle_sockets(port, 8)
        await wait_for(lambda: refused(server, "accept_rate") == 5, "five rate refusals")
        assert len(server.gate.unauthenticated) == 3
        for s in sockets:
            s.close()
    finally:
        await server.stop()


async def test_garbage_handshakes_are_counted_and_logged_once_without_a_traceback(caplog):
    server, port = await start_server()
    try:
        with caplog.at_level(logging.INFO):
            for _ in range(20):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"NOT HTTP AT ALL\r\n\r\n")
                await writer.drain()
                await reader.read()
                writer.close()
            await wait_for(lambda: refused(server, "bad_handshake") == 20, "twenty counted failures")
        lines = [r for r in caplog.records if "opening handshake" in r.getMessage()]
        assert len(lines) == 1 and lines[0].exc_info is None
        assert lines[0].getMessage().startswith("a client failed the opening handshake (InvalidMessage")
    finally:
        await server.stop()


def test_quiet_log_says_how_many_lines_it_held_back(caplog, monkeypatch):
    clock = [0.0]
    quiet = QuietLog(logging.getLogger("test.quiet"), every_s=10.0)
    monkeypatch.setattr("backend.api.admission.time.monotonic", lambda: clock[0])
    with caplog.at_level(logging.WARNING, "test.quiet"):
        for second in range(25):
            clock[0] = float(second)
            quiet.warning("flood", "refused")
    assert [r.getMessage() for r in caplog.records] == [
        "refused",
        "refused (9 more like it since the last line)",
        "refused (9 more like it since the last line)",
    ]


async def test_a_stop_closes_open_and_half_open_connections():
    clients = 3
    server, port = await start_server(hello_deadline_s=30)
    idle = idle_sockets(port, clients)
    conns = [await connect(f"ws://127.0.0.1:{port}") for _ in range(clients)]
    for ws in conns:
        assert (await hello(ws))["ok"] is True
    await server.stop()
    for s in idle:
        await wait_for(lambda s=s: closed_by_peer(s), "the half-open socket closed")
    assert all(ws.close_code == 1001 for ws in conns)
    for s in idle:
        s.close()
