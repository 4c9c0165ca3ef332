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

from bench._app import PaintWindow, live_app
from bench._backend import BenchBackend
from bench._table import percentile, print_table

RATES = (100, 1_000, 5_000)
SECONDS = 8.0


async def measure(rate: int, mode: str, seconds: float = SECONDS) -> tuple[float, ...]:
    with BenchBackend("--tick-rate", str(rate)) as backend:
        async with live_app(backend, (120, 40), "bench", lambda app: app.hub.markets, 200) as (app, pilot):
            if mode != "trade":
                await pilot.press({"markets": "f3"}[mode])
            await pilot.pause(1.0)  # settle
            window = PaintWindow(app)
            backend_cpu0 = backend.cpu_seconds()
            await pilot.pause(seconds)
            painted = window.stop()
            backend_cpu = backend.cpu_seconds() - backend_cpu0
    wall = painted.wall
    return (
        percentile(painted.latencies_ms, 50),
        percentile(painted.latencies_ms, 99),
        painted.frames / wall,
        100 * painted.cpu / wall,
        painted.pushes / wall,
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
