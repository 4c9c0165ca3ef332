"""`python -m bench ticks`: tick in the backend → painted in the TUI, at 100, 1,000 and 5,000 ticks/s.

The backend runs as its own process (simulated oracle at the given rate); the TUI runs headless in
this process on the Markets screen. Latency = monotonic time the backend received the tick → the
screen refresh after the frame that applied it (CLOCK_MONOTONIC is shared by processes). CPU % is
this process (the TUI) over wall time. Budgets (DESIGN.md, at 5,000/s): p50 ≤ 25 ms, p99 ≤ 50 ms,
≥ 30 fps, TUI ≤ 50% of a core.
"""

from __future__ import annotations

import asyncio
import sys
import time

from backend.client import BackendClient
from bench._backend import BenchBackend
from bench._table import percentile, print_table
from quantdesk_tui.app import QuantDeskApp
from quantdesk_tui.config import Config

RATES = (100, 1_000, 5_000)
SECONDS = 8.0


async def measure(rate: int, mode: str, seconds: float = SECONDS) -> tuple[float, ...]:
    with BenchBackend("--tick-rate", str(rate)) as backend:
        client = BackendClient.for_url(backend.url, backend.token, client_name="bench")
        app = QuantDeskApp(client, config=Config())
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(200):
                if app.hub.connected and app.hub.markets:
                    break
                await pilot.pause(0.05)
            if mode != "trade":
                await pilot.press({"markets": "f3"}[mode])
            await pilot.pause(1.0)  # settle
            app.paint_latencies_ns = []
            frames0, ticks0 = app.frames, app.hub.ticks
            wall0, cpu0 = time.perf_counter(), time.process_time()
            backend_cpu0 = backend.cpu_seconds()
            await pilot.pause(seconds)
            wall = time.perf_counter() - wall0
            cpu = time.process_time() - cpu0
            backend_cpu = backend.cpu_seconds() - backend_cpu0
            latencies = [n / 1e6 for n in app.paint_latencies_ns]
            frames, ticks = app.frames - frames0, app.hub.ticks - ticks0
            app.paint_latencies_ns = None
            await client.close()
    return (
        percentile(latencies, 50),
        percentile(latencies, 99),
        frames / wall,
        100 * cpu / wall,
        ticks / wall,
        100 * backend_cpu / wall,
    )


def main() -> int:
    mode = sys.argv[1] if len(sys.argv) > 1 else "markets"
    rows = []
    for rate in RATES:
        p50, p99, fps, cpu, received, backend_cpu = asyncio.run(measure(rate, mode))
        rows.append((f"{rate:,}/s", p50, p99, fps, cpu, received, backend_cpu))
    print_table(
        f"tick → painted, {mode} screen, {SECONDS:g} s per rate (budget at 5,000/s: p50 ≤ 25 ms, "
        "p99 ≤ 50 ms, ≥ 30 fps, TUI ≤ 50%)",
        ("ticks", "p50 ms", "p99 ms", "frames/s", "TUI CPU %", "ticks recv/s", "backend CPU %"),
        rows,
    )
    return 0
