"""`python -m bench oracle`: Hermes parsing rate, and observation → bus latency through the real source.

1. parse: `parse_update` on a six-feed Hermes update (parsed + binary), in a tight loop.
2. validate+publish: OracleService.offer (validator, aggregator, QuoteBook, bus) on sim observations.
3. live SSE: the fake Hermes (tests/fakes) streams to PythHermesSource over 127.0.0.1; latency is
   the monotonic time the source received the bytes → the observation published on the bus.
"""

from __future__ import annotations

import asyncio
import json
import time

from bench._table import percentile, print_table
from backend.bus import Bus
from backend.metrics import Metrics
from backend.oracle.pyth_hermes import PythHermesSource, parse_update
from backend.oracle.service import OracleService
from backend.oracle.sim import SimOracle
from tests.fakes.hermes import FakeHermes

PARSE_ITERATIONS = 20_000
OFFER_COUNT = 100_000
LIVE_SECONDS = 3.0


def bench_parse() -> tuple[float, float]:
    raw = json.dumps(FakeHermes().update()).encode()
    start = time.perf_counter()
    feeds = 0
    for _ in range(PARSE_ITERATIONS):
        observations, _, _ = parse_update(raw, 1)
        feeds += len(observations)
    took = time.perf_counter() - start
    return PARSE_ITERATIONS / took, feeds / took


def bench_offer() -> float:
    sim = SimOracle(seed=1)
    service = OracleService(Bus(), Metrics(), [sim])
    batch = sim.next_observations(OFFER_COUNT)
    start = time.perf_counter()
    for obs in batch:
        service.offer(sim, obs)
    return OFFER_COUNT / (time.perf_counter() - start)


async def bench_live() -> tuple[float, float, float, float]:
    fake = FakeHermes(interval=0.0005)
    await fake.start()
    source = PythHermesSource(fake.url, transport="sse")
    bus = Bus()
    service = OracleService(bus, Metrics(), [source])
    latencies: list[float] = []
    bus.on("observations", lambda obs: latencies.append((time.monotonic_ns() - obs.recv_ns) / 1e6))
    await service.start()
    try:
        while not latencies:
            await asyncio.sleep(0.01)
        latencies.clear()
        messages0 = source.messages
        await asyncio.sleep(LIVE_SECONDS)
        messages = (source.messages - messages0) / LIVE_SECONDS
        observations = len(latencies) / LIVE_SECONDS
        return messages, observations, percentile(latencies, 50), percentile(latencies, 99)
    finally:
        await service.stop()
        await fake.stop()


def main() -> int:
    msgs, feeds = bench_parse()
    offered = bench_offer()
    live_msgs, live_obs, p50, p99 = asyncio.run(bench_live())
    print_table(
        "oracle",
        ["what", "value", "unit"],
        [
            ["Hermes updates parsed (6 feeds each)", msgs, "msg/s"],
            ["  feeds parsed", feeds, "obs/s"],
            ["validate + aggregate + publish", offered, "obs/s"],
            ["live SSE from fake Hermes", live_msgs, "msg/s"],
            ["  observations published", live_obs, "obs/s"],
            ["  observation -> bus latency p50", p50, "ms"],
            ["  observation -> bus latency p99", p99, "ms"],
        ],
    )
    return 0
