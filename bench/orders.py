"""`python -m bench orders`: orders over the API, each acked only after its journal commit.

10 clients, each on its own sub-account, send IOC limit orders priced away from the market (each
one is placed, journaled, committed and expires: the full durable path without building up
positions). Part 1: as fast as they can → orders/s. Part 2: paced at 1,000/s in total → ack
latency p50/p99. Budgets (DESIGN.md): ≥ 5,000 orders/s from 10 clients; p99 ack ≤ 10 ms at 1,000/s.

The 10 clients share one process (and the second core with the store's writer), so they must cost
little per order or they, not the backend, set the rate: each sends pre-encoded `order.place` frames
(only the id changes), the frames of one loop turn in one write, and reads of each reply just its id
and ok (`OrderConnection`). The table shows the backend's CPU per order and the clients' CPU share,
to tell which side was the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import msgspec
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from backend.api.protocol import PROTOCOL_VERSION, ApiError, ErrorInfo, OrderArgs, to_builtins
from backend.client import BackendClient
from bench._backend import BenchBackend
from bench._table import percentile, print_table, report_budget

CLIENTS = 10
TARGET_RATE = 5_000  # orders/s, all clients together
TARGET_P99_MS = 10.0  # ack latency at 1,000 orders/s


class Ack(msgspec.Struct):
    """What the bench reads of a reply: its id and whether it was ok (the result is skipped, not decoded)."""

    id: int | None
    ok: bool
    error: ErrorInfo | None = None


_ack = msgspec.json.Decoder(Ack)


class OrderConnection(asyncio.Protocol):
    """One bench client: a WebSocket that sends the same `order.place` again and again, pre-encoded.

    websockets' Sans-I/O client protocol on an asyncio.Protocol (as the server's side is): each request
    is a masked frame of its own, and the frames one loop turn sends leave in one socket write, as the
    server writes its replies. The asyncio client costs about twice the CPU per order, which on 2 cores
    the backend would pay for."""

    def __init__(self, sub: int) -> None:
        uri = parse_uri("ws://127.0.0.1/")  # the host header only: the socket is connected already
        self.ws = ClientProtocol(uri, max_size=2**24)
        self.pending: dict[int, asyncio.Future[Ack]] = {}
        self.next_id = 1
        self.suffix = b',"op":"order.place","args":' + msgspec.json.encode(order_args(sub)) + b"}"
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._flush_scheduled = False

    @classmethod
    async def open(cls, url: str, token: str, sub: int) -> OrderConnection:
        host, port = url.removeprefix("ws://").split("/")[0].rsplit(":", 1)
        _, client = await asyncio.get_running_loop().create_connection(lambda: cls(sub), host, int(port))
        client.ws.send_request(client.ws.connect())
        client._flush()
        await client.opened
        hello = msgspec.json.encode({"id": 0, "op": "hello", "args": {"token": token, "version": PROTOCOL_VERSION}})
        if not (await client.request(0, hello)).ok:
            raise RuntimeError("the backend refused the bench's hello")
        return client

    async def place(self) -> None:
        req_id = self.next_id
        self.next_id += 1
        ack = await self.request(req_id, b'{"id":%d%s' % (req_id, self.suffix))
        if not ack.ok:
            error = ack.error or ErrorInfo("INTERNAL", "no error given")
            raise ApiError(error.code, error.message)

    def request(self, req_id: int, message: bytes) -> asyncio.Future[Ack]:
        fut: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self.pending[req_id] = fut
        self.ws.send_text(message)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
        return fut

    def _flush(self) -> None:
        self._flush_scheduled = False
        data = b"".join(self.ws.data_to_send())
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    ack = _ack.decode(event.data)
                    fut = self.pending.pop(ack.id or 0, None)
                    if fut is not None and not fut.done():
                        fut.set_result(ack)
            elif not self.opened.done():  # the handshake's response
                if self.ws.state is State.OPEN:
                    self.opened.set_result(None)
                else:
                    self.opened.set_exception(RuntimeError(f"the WebSocket handshake failed: {event}"))
        self._flush()  # pongs and the close handshake's answer

    def connection_lost(self, exc: Exception | None) -> None:
        for fut in (self.opened, *self.pending.values()):
            if not fut.done():
                fut.set_exception(ConnectionError("the backend closed the connection"))
        if not self.closed.done():
            self.closed.set_result(None)

    async def close(self) -> None:
        if self.ws.state is State.OPEN:
            self.ws.send_close(1000)
            self._flush()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.closed), 2.0)
        if self.transport is not None:
            self.transport.close()


async def connect_clients(backend: BenchBackend) -> list[OrderConnection]:
    await asyncio.to_thread(backend.settle)  # the start-up backfill would otherwise run inside the measurement
    setup = BackendClient.for_url(backend.url, backend.token, client_name="bench-setup")
    await setup.connect()
    for _ in range(100):
        try:
            await setup.request("quote", market="SOL-PERP")
            break
        except Exception:
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    for sub in range(1, CLIENTS + 1):
        await setup.request("account.deposit", amount="100000", sub_account=sub)
    await setup.close()
    return list(
        await asyncio.gather(*(OrderConnection.open(backend.url, backend.token, sub) for sub in range(1, CLIENTS + 1)))
    )


def order_args(sub: int) -> dict[str, Any]:
    """A small IOC limit buy of sub-account `sub`, as the `order.place` arguments sent again and again."""
    return to_builtins(OrderArgs(market="SOL-PERP", side="buy", size="0.1", price="135", tif="ioc", sub_account=sub))


async def flood(clients: list[OrderConnection], seconds: float) -> tuple[int, list[float]]:
    done = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    inflight = 8  # pipelined requests per connection

    async def one(c: OrderConnection) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            await c.place()
            latencies.append(time.perf_counter() - t)
            done += 1

    await asyncio.gather(*(one(c) for c in clients for _ in range(inflight)))
    return done, latencies


async def paced(clients: list[OrderConnection], rate: float, seconds: float) -> list[float]:
    latencies: list[float] = []
    interval = len(clients) / rate
    deadline = time.perf_counter() + seconds

    async def one(c: OrderConnection) -> None:
        t = time.perf_counter()
        await c.place()
        latencies.append(time.perf_counter() - t)

    async def worker(i: int, c: OrderConnection) -> None:
        next_at = time.perf_counter() + i * interval / len(clients)
        tasks = []
        while next_at < deadline:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            tasks.append(asyncio.create_task(one(c)))
            next_at += interval
        await asyncio.gather(*tasks)

    await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients)))
    return latencies


async def run() -> list[tuple]:
    with BenchBackend("--tick-rate", "15", "--submit-rate", "100000", "--api-rate", "100000") as backend:
        clients = await connect_clients(backend)
        await flood(clients, 1.0)  # warm up
        t0, cpu0, own0 = time.perf_counter(), backend.cpu_seconds(), time.process_time()
        count, flood_lat = await flood(clients, 5.0)
        wall, cpu = time.perf_counter() - t0, backend.cpu_seconds() - cpu0
        own = time.process_time() - own0
        lat = await paced(clients, 1_000, 5.0)
        for c in clients:
            await c.close()
    rate, p99_ms = count / wall, percentile(lat, 99) * 1e3
    report_budget("durable orders/s, 10 clients", f"{rate:,.0f} orders/s", f"≥ {TARGET_RATE:,}", rate >= TARGET_RATE)
    report_budget("ack p99 at 1,000 orders/s", f"{p99_ms:.2f} ms", f"≤ {TARGET_P99_MS:g} ms", p99_ms <= TARGET_P99_MS)
    return [
        (
            "max throughput, 10 clients",
            f"{rate:,.0f} orders/s",
            f"p50 {percentile(flood_lat, 50) * 1e3:.2f} ms, p99 {percentile(flood_lat, 99) * 1e3:.2f} ms",
            f"backend {100 * cpu / wall:.0f}% ({cpu / count * 1e6:,.0f} µs/order), clients {100 * own / wall:.0f}%",
            "≥ 5,000 orders/s",
        ),
        (
            "paced at 1,000/s",
            f"{len(lat) / 5.0:,.0f} orders/s",
            f"p50 {percentile(lat, 50) * 1e3:.2f} ms, p99 {p99_ms:.2f} ms",
            "",
            "p99 ≤ 10 ms",
        ),
    ]


def main() -> int:
    print_table(
        "orders over the API, acked after commit", ("run", "rate", "ack latency", "cpu", "budget"), asyncio.run(run())
    )
    return 0
