"""`python -m bench tui`: the full Trade screen (chart, ticket, book, blotter, trades, alerts) under
5,000 ticks/s: tick → paint p50/p99, frames/s, TUI CPU, chart redraw time, and resident memory
before and after an accelerated hour of live data.

The "accelerated hour": at 5,000 observations/s the backend produces in one minute what the
default feed (6 markets every 400 ms) produces in about 5.5 hours. Budgets (DESIGN.md): p50 ≤ 25 ms,
p99 ≤ 50 ms, ≥ 30 fps, TUI ≤ 50% of a core, ≤ 80 MB resident and flat.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from bench._app import PaintWindow, live_app
from bench._backend import BenchBackend
from bench._table import percentile, print_table
from widgets.candle_chart import CandleChart
from widgets.candle_plot import build_chart

RATE = 5_000


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


async def run(seconds: float) -> list[tuple]:
    with BenchBackend("--tick-rate", str(RATE)) as backend:
        async with live_app(backend, (160, 50), "bench-tui", lambda app: app.hub.candles, 400) as (app, pilot):
            await pilot.pause(2.0)
            rss_start = rss_mb()
            chart = app.screen.query_one(CandleChart)
            draws0 = chart.draws
            window = PaintWindow(app)
            samples = []
            while window.elapsed() < seconds:
                await pilot.pause(5.0)
                samples.append(rss_mb())
            painted = window.stop()
            draws = chart.draws - draws0
            spec, width, height = chart.spec(), chart.size.width, chart.size.height
            redraws = []
            for _ in range(10):
                started = time.perf_counter()
                build_chart(spec, width, height)
                redraws.append((time.perf_counter() - started) * 1000)
    wall, cpu, frames, pushes, latencies = (
        painted.wall,
        painted.cpu,
        painted.frames,
        painted.pushes,
        painted.latencies_ms,
    )
    return [
        (
            "tick → paint p50 / p99",
            f"{percentile(latencies, 50):.1f} / {percentile(latencies, 99):.1f} ms",
            "≤ 25 / ≤ 50 ms",
        ),
        ("frames/s", f"{frames / wall:.1f} (screen updates sent to the terminal)", "≥ 30"),
        ("TUI CPU", f"{100 * cpu / wall:.0f}% of a core", "≤ 50%"),
        (
            "TUI CPU per frame",
            f"{1000 * cpu / max(frames, 1):.1f} ms (all of the process's work / frames)",
            f"≤ {1000 * 0.5 / 30:.1f} ms at 30 fps",
        ),
        ("price pushes painted", f"{pushes / wall:,.0f}/s (conflated from {RATE:,}/s)", ""),
        (
            "chart redraws",
            f"{draws / wall:.1f}/s, build p50 {percentile(redraws, 50):.1f} ms ({width}x{height}, off the UI thread)",
            "a few/s",
        ),
        (
            "resident memory",
            f"{rss_start:.0f} MB → {samples[-1] if samples else rss_start:.0f} MB over {wall:.0f} s "
            f"(max {max(samples, default=rss_start):.0f})",
            "≤ 80 MB, flat",
        ),
    ]


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    print_table(
        f"Trade screen at {RATE:,} ticks/s for {seconds:g} s (160x50)",
        ("measure", "value", "budget"),
        asyncio.run(run(seconds)),
    )
    return 0
