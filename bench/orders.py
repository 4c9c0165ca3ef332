"""`python -m bench orders`: orders over the API, each acked only after its journal commit.

10 clients, each on its own sub-account, send IOC limit orders priced away from the market (each
one is placed, journaled, committed and expires: the full durable path without building up
positions). Part 1: as fast as they can → orders/s. Part 2: paced at 1,000/s in total → ack
latency p50/p99. Budgets (DESIGN.md): ≥ 5,000 orders/s from 10 clients; p99 ack ≤ 10 ms at 1,000/s.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from backend.api.protocol import OrderArgs, to_builtins
from backend.client import BackendClient
from bench._backend import BenchBackend
from bench._table import percentile, print_table, report_budget

CLIENTS = 10
TARGET_RATE = 5_000  # orders/s, all clients together
TARGET_P99_MS = 10.0  # ack latency at 1,000 orders/s


async def connect_clients(backend: BenchBackend) -> list[BackendClient]:
    clients = [BackendClient.for_url(backend.url, backend.token, client_name=f"bench{i}") for i in range(CLIENTS)]
    await asyncio.gather(*(c.connect() for c in clients))
    for _ in range(100):
        try:
            await clients[0].request("quote", market="SOL-PERP")
            break
        except Exception:
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    for i, c in enumerate(clients):
        await c.request("account.deposit", amount="100000", sub_account=i + 1)
    return clients


def order_args(sub: int) -> dict[str, Any]:
    """A small IOC limit buy of sub-account `sub`, as the `order.place` arguments sent again and again."""
    return to_builtins(OrderArgs(market="SOL-PERP", side="buy", size="0.1", price="135", tif="ioc", sub_account=sub))


async def flood(clients: list[BackendClient], seconds: float) -> tuple[int, list[float]]:
    done = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker(i: int, c: BackendClient) -> None:
        nonlocal done
        args = order_args(i + 1)
        inflight = 8  # pipelined requests per connection

        async def one() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                await c.request("order.place", **args)
                latencies.append(time.perf_counter() - t)
                done += 1

        await asyncio.gather(*(one() for _ in range(inflight)))

    await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients)))
    return done, latencies


async def paced(clients: list[BackendClient], rate: float, seconds: float) -> list[float]:
    latencies: list[float] = []
    interval = len(clients) / rate
    deadline = time.perf_counter() + seconds

    async def worker(i: int, c: BackendClient) -> None:
        args = order_args(i + 1)
        next_at = time.perf_counter() + i * interval / len(clients)
        tasks = []
        while next_at < deadline:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

            async def one() -> None:
                t = time.perf_counter()
                await c.request("order.place", **args)
                latencies.append(time.perf_counter() - t)

            tasks.append(asyncio.create_task(one()))
            next_at += interval
        await asyncio.gather(*tasks)

    await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients)))
    return latencies


async def run() -> list[tuple]:
    with BenchBackend("--tick-rate", "15", "--submit-rate", "100000", "--api-rate", "100000") as backend:
        clients = await connect_clients(backend)
        await flood(clients, 1.0)  # warm up
        t0, cpu0 = time.perf_counter(), backend.cpu_seconds()
        count, flood_lat = await flood(clients, 5.0)
        wall, cpu = time.perf_counter() - t0, backend.cpu_seconds() - cpu0
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
            f"backend CPU {100 * cpu / wall:.0f}%",
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
