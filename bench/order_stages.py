"""`python -m bench order_stages [N]`: where an API order's time goes, stage by stage, in process.

The same request the `orders` bench sends (an IOC limit buy that expires unfilled) runs through the
backend's own functions one stage at a time on a real paper venue and store, N times; each stage's
mean CPU time per order is shown. The store writer's CPU per order and the commits it needed come
from its thread's clock. Then what the stages leave out, the socket and the dispatch (reply order,
the per-turn write, syscalls): the server process's CPU per request for a no-op quick op that
replies like an order, 10 connections with 8 requests in flight each, as the `orders` bench sends.
CPU on a shared machine is noisy too: compare runs made minutes apart.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.protocol import OPEN, Protocol, Side

from backend.api.framing import FastServerProtocol
from backend.api.protocol import (
    OrderArgs,
    OrderView,
    Reply,
    decode_request,
    encode,
    parse_order_args,
    to_builtins,
)
from backend.api.quick import Pending
from backend.api.server import ApiServer, Session
from backend.metrics import Metrics
from backend.bus import Bus
from backend.domain.observations import PriceObservation
from backend.domain.orders import build_order, market_spec
from backend.store.db import Store
from backend.venues.bounds import check_instruction
from backend.venues.ops import TradingOps, placed
from backend.venues.paper import AUTHORITY, PaperVenue
from bench._backend import process_cpu_seconds
from bench._table import print_table
from bench.orders import CLIENTS, OrderConnection, flood
from programs.quantdesk_perp.processor import process

SUBS = 10  # sub-accounts, one per bench client
GROUP = 40  # orders per group commit, about what 10 clients with 8 in flight each reach


def _observation(ts: int, slot: int) -> PriceObservation:
    price = 145 * 10**8
    return PriceObservation("SOL-PERP", price, 10**6, -8, ts, slot, price, "bench")


async def _venue(home: Path) -> tuple[PaperVenue, TradingOps]:
    store = Store(home / "stages.db")
    store.start()
    now = time.time()
    venue = PaperVenue(Bus(), store, clock=lambda: now, crank_interval=1e9)
    venue.recover()
    venue.on_observation(_observation(int(now), 1000))
    trading = TradingOps(venue)
    trading.limits.submit_rate_per_s = 1e9
    for sub in range(1, SUBS + 1):
        await trading.op_deposit(None, {"amount": "100000", "sub_account": sub})  # type: ignore[arg-type]
    return venue, trading


def _writer_cpu(store: Store) -> float:
    assert store._thread is not None
    fields = Path(f"/proc/self/task/{store._thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _frames(request: bytes) -> tuple[bytes, Protocol]:
    """A masked client frame of `request` and the server's protocol to parse it and send replies."""
    client = Protocol(Side.CLIENT, state=OPEN)
    client.send_text(request)
    return b"".join(client.data_to_send()), FastServerProtocol(state=OPEN, max_size=None)


async def measure(n: int) -> list[tuple[str, float]]:
    home = Path(tempfile.mkdtemp(prefix="qd-stages-"))
    venue, trading = await _venue(home)
    spent: dict[str, float] = {}
    clock = time.thread_time  # this thread's CPU: other processes on a shared machine do not count

    def add(stage: str, since: float) -> float:
        now = clock()
        spent[stage] = spent.get(stage, 0.0) + now - since
        return now

    requests = [
        encode(
            {
                "id": 1,
                "op": "order.place",
                "args": to_builtins(
                    OrderArgs(market="SOL-PERP", side="buy", size="0.1", price="135", tif="ioc", sub_account=sub)
                ),
            }
        )
        for sub in range(1, SUBS + 1)
    ]
    wire = [_frames(r) for r in requests]
    writer0, commits0 = _writer_cpu(venue.store), venue.store.commits
    started = clock()
    pending: list[Any] = []
    for i in range(n):
        frame, server = wire[i % SUBS]
        t = clock()
        server.receive_data(frame)
        raw = server.events_received()[0].data
        t = add("websocket frame in", t)
        request = decode_request(raw)
        t = add("envelope decode", t)
        args = parse_order_args(request.args)
        spec = market_spec(args.market)
        instruction = build_order(args, AUTHORITY, venue.oracle_price(spec.market_index))
        t = add("args: validate, parse decimals", t)
        trading._pretrade(instruction, args.sub_account)
        t = add("pre-trade risk", t)
        check_instruction(instruction)
        ctx = venue.ctx()
        payload = venue.journal_payload(instruction, ctx)
        t = add("bounds + journal encode", t)
        events = process(venue.state, instruction, ctx)
        t = add("engine", t)
        applied = venue._record(instruction, ctx, events, payload)
        t = add("views, derived rows, commit queue", t)
        pending.append((applied, request.id, server))
        if len(pending) == GROUP or i == n - 1:
            await applied.committed  # the group commit; publishes each member as it resolves
            t = clock()
            for done, req_id, proto in pending:
                reply = encode(Reply(id=req_id, ok=True, result=placed(done, wire=True)))
                t = add("reply encode", t)
                proto.send_text(reply)
                proto.data_to_send()
                t = add("websocket frame out", t)
            pending.clear()
    total = clock() - started
    writer, commits = _writer_cpu(venue.store) - writer0, venue.store.commits - commits0
    venue.store.stop()
    rows = [(stage, seconds / n * 1e6) for stage, seconds in spent.items()]
    rows.append(("commit resolve + publish", (total - sum(spent.values())) / n * 1e6))
    rows.append((f"store writer CPU ({commits} commits)", writer / n * 1e6))
    return rows


async def _serve_noop() -> None:
    """The child process of `measure_transport`: an API server whose `order.place` is a quick op that
    does no work and replies like an order once the loop's next turn resolves its "commit", which the
    requests of one turn share (as a group commit is)."""
    view = OrderView(order_id=1, market="SOL-PERP", side="buy", order_type="limit", status="cancelled", size=10**8)
    result = {"orders": [to_builtins(view)], "fills": []}
    api = ApiServer(Bus(), Metrics(), "bench", rate_per_s=1e9)
    loop = asyncio.get_running_loop()
    group: list[asyncio.Future[None]] = []

    def commit() -> None:
        group.pop().set_result(None)

    def place(session: Session | None, args: dict[str, Any]) -> Pending:
        if not group:
            group.append(loop.create_future())
            loop.call_soon(commit)
        return Pending(group[0], lambda: result)

    async def place_task(session: Session, args: dict[str, Any]) -> dict[str, Any]:
        return result

    api.op("order.place", place_task)
    api.quick_op("order.place", place)
    print(await api.start("127.0.0.1", 0), flush=True)
    await asyncio.Event().wait()


async def measure_transport(seconds: float = 5.0) -> tuple[float, float]:
    """(server CPU µs per request, requests/s) for no-op orders over the API, the `orders` bench's way."""
    server = subprocess.Popen(
        [sys.executable, "-m", "bench", "order_stages", "serve-noop"], stdout=subprocess.PIPE, text=True
    )
    try:
        url = f"ws://127.0.0.1:{int(server.stdout.readline())}"  # type: ignore[union-attr]
        clients = [await OrderConnection.open(url, "bench", sub) for sub in range(1, CLIENTS + 1)]
        await flood(clients, 1.0)  # warm up
        cpu0, t0 = process_cpu_seconds(server.pid), time.perf_counter()
        count, _ = await flood(clients, seconds)
        cpu, wall = process_cpu_seconds(server.pid) - cpu0, time.perf_counter() - t0
        for c in clients:
            await c.close()
    finally:
        server.kill()
        server.wait()
    return cpu / count * 1e6, count / wall


def main() -> int:
    if sys.argv[1:] == ["serve-noop"]:
        asyncio.run(_serve_noop())
        return 0
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rows = asyncio.run(measure(n))
    in_loop = sum(us for stage, us in rows if not stage.startswith(("wait", "store")))
    transport_us, rate = asyncio.run(measure_transport())
    print_table(
        f"one order's stages, mean of {n:,} (µs per order)",
        ("stage", "µs/order"),
        [
            *rows,
            ("event loop total, without the commit wait", in_loop),
            (f"socket + dispatch of a no-op order.place (server process, {rate:,.0f}/s)", transport_us),
        ],
    )
    return 0
