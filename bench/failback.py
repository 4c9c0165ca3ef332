"""`python -m bench failback [RUNS] [OUTAGE_S]`: seconds from Hermes coming back to Pyth carrying the prices again.

The fake Hermes (tests/fakes, one update every 400 ms like the real one) goes away for OUTAGE_S
(default 6, the outage of issue 13), CoinGecko carries the prices meanwhile, then Hermes returns on
the same port. Production defaults throughout: reconnect backoff 0.5..30 s capped at the 1 s probe
while covered, failback after 0.5 s of uninterrupted Pyth prices. Budget: failback within 2 s.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time

from backend.bus import Bus
from backend.metrics import Metrics
from backend.oracle.coingecko import CoinGeckoSource
from backend.oracle.pyth_hermes import PythHermesSource
from backend.oracle.service import OracleService
from bench._table import percentile, print_table
from tests.fakes.coingecko import FakeCoinGecko
from tests.fakes.hermes import FakeHermes


async def one_outage(outage_s: float) -> tuple[float, int]:
    hermes, gecko = FakeHermes(interval=0.4), FakeCoinGecko()
    await hermes.start()
    await gecko.start()
    primary = PythHermesSource(hermes.url, transport="sse")
    service = OracleService(Bus(), Metrics(), [primary, CoinGeckoSource(gecko.url)])
    await service.start()
    try:
        while not (service.active is primary and primary.state == "healthy"):
            await asyncio.sleep(0.01)
        await hermes.stop()
        await asyncio.sleep(outage_s)
        probes = primary.backoff.attempt
        await hermes.start()
        back = time.monotonic()
        while service.active is not primary:
            await asyncio.sleep(0.005)
        return time.monotonic() - back, probes
    finally:
        await service.stop()
        await hermes.stop()
        await gecko.stop()


async def run(runs: int, outage_s: float) -> None:
    results = [await one_outage(outage_s) for _ in range(runs)]
    took = [t for t, _ in results]
    print_table(
        f"failback to Pyth after a {outage_s:g} s outage ({runs} runs)",
        ["what", "value", "budget"],
        [
            ["failback p50 (s)", percentile(took, 50), ""],
            ["failback max (s)", max(took), "2.00"],
            ["reconnect attempts during the outage (mean)", sum(p for _, p in results) / runs, ""],
        ],
    )


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    outage = float(sys.argv[2]) if len(sys.argv) > 2 else 6.0
    asyncio.run(run(runs, outage))
    return 0
