"""`python -m bench tui`: the full Trade screen (chart, ticket, book, blotter, trades, alerts) under
5,000 ticks/s: tick → paint p50/p99, frames/s, TUI CPU, chart redraw time, and resident memory
before and after an accelerated hour of live data.

The "accelerated hour": at 5,000 observations/s the backend produces in one minute what the
default feed (6 markets every 400 ms) produces in about 5.5 hours. Budgets (DESIGN.md): p50 ≤ 25 ms,
p99 ≤ 50 ms, ≥ 30 fps, TUI ≤ 50% of a core, ≤ 80 MB resident and flat.

`python -m bench tui SECONDS --frames` adds a table of what the slowest 2% of tick → paint samples
waited for, against the median ones (FrameTrace).
"""

from __future__ import annotations

import asyncio
import bisect
import os
import sys
import time

from bench._app import PaintWindow, live_app
from bench._backend import BenchBackend, process_cpu_seconds
from bench._table import percentile, print_table
from widgets.candle_chart import CandleChart
from widgets.candle_plot import chart_lines
from widgets.plot_worker import WORKER

RATE = 5_000


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def chart_process_cpu() -> float:
    """CPU seconds of the chart's drawing process so far (plot_worker.py; 0 before it starts)."""
    return process_cpu_seconds(WORKER.pid) if WORKER.pid is not None else 0.0


async def run(seconds: float) -> list[tuple]:
    with BenchBackend("--tick-rate", str(RATE)) as backend:
        async with live_app(backend, (160, 50), "bench-tui", lambda app: app.hub.candles, 400) as (app, pilot):
            await pilot.pause(2.0)
            rss_start = rss_mb()
            chart = app.screen.query_one(CandleChart)
            draws0, chart_cpu0 = chart.draws, chart_process_cpu()
            window = PaintWindow(app)
            samples = []
            while window.elapsed() < seconds:
                await pilot.pause(5.0)
                samples.append(rss_mb())
            painted = window.stop()
            draws, chart_cpu = chart.draws - draws0, chart_process_cpu() - chart_cpu0
            chart_rss = rss_mb(WORKER.pid) if WORKER.pid is not None else 0.0
            spec, width, height = chart.spec(), chart.size.width, chart.size.height
            redraws = []
            for _ in range(10):
                started = time.perf_counter()
                chart_lines(spec, width, height)
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
        (
            "TUI CPU",
            f"{100 * (cpu + chart_cpu) / wall:.0f}% of a core ({100 * cpu / wall:.0f}% the app, "
            f"{100 * chart_cpu / wall:.0f}% its chart process)",
            "≤ 50%",
        ),
        (
            "TUI CPU per frame",
            f"{1000 * (cpu + chart_cpu) / max(frames, 1):.1f} ms (all of both processes' work / frames)",
            f"≤ {1000 * 0.5 / 30:.1f} ms at 30 fps",
        ),
        ("price pushes painted", f"{pushes / wall:,.0f}/s (conflated from {RATE:,}/s)", ""),
        (
            "chart redraws",
            f"{draws / wall:.1f}/s, build p50 {percentile(redraws, 50):.1f} ms ({width}x{height}, in a child process)",
            f"≤ {CandleChart.REDRAW_HZ:g}/s",  # DESIGN.md: "at most a few times a second"
        ),
        (
            "resident memory",
            f"{rss_start:.0f} MB → {samples[-1] if samples else rss_start:.0f} MB over {wall:.0f} s "
            f"(max {max(samples, default=rss_start):.0f}); the chart process {chart_rss:.0f} MB",
            "≤ 80 MB, flat",
        ),
    ]


def main() -> int:
    args = [arg for arg in sys.argv[1:] if arg != "--frames"]
    seconds = float(args[0]) if args else 60.0
    trace = FrameTrace() if "--frames" in sys.argv else None
    if trace is not None:
        trace.install()
    print_table(
        f"Trade screen at {RATE:,} ticks/s for {seconds:g} s (160x50)",
        ("measure", "value", "budget"),
        asyncio.run(run(seconds)),
    )
    if trace is not None:
        print_table("What the slowest 2% of tick → paint samples waited for", ("measure", "value", ""), trace.rows())
    return 0


class FrameTrace:
    """What ran while the slowest 2% of tick → paint samples waited, against the median ones (`--frames`).

    Wraps, in this process only, the hooks a sample passes (the Hub takes the quote, the screen handles
    it, the frame that painted it) and the work that can hold a frame up: cyclic GC passes (any thread),
    the chart's drawing thread, its swap, screen updates and layout reflows. A sample "overlaps" a piece
    of work when the two intervals intersect.
    """

    def __init__(self) -> None:
        self.work: list[tuple[str, int, int]] = []  # (what, start ns, end ns)
        self.arrived: dict[int, int] = {}  # recv_ns -> the Hub took it
        self.handled: dict[int, int] = {}  # recv_ns -> the screen's handler ran
        self.samples: list[tuple[int, int]] = []  # (recv_ns, painted ns)
        self._gc_started: dict[int, int] = {}

    def install(self) -> None:
        import gc
        import threading

        from quantdesk_tui.app import QuantDeskApp
        from quantdesk_tui.hub import Hub
        from quantdesk_tui.screens.base import WorkspaceScreen
        from textual.screen import Screen
        from widgets.thread_plot import ThreadPlot

        now, trace = time.monotonic_ns, self

        def timed(what: str, fn):
            def run(*args, **kwargs):
                started = now()
                try:
                    return fn(*args, **kwargs)
                finally:
                    trace.work.append((what, started, now()))

            return run

        def on_gc(phase: str, info: dict) -> None:
            thread = threading.get_ident()
            if phase == "start":
                trace._gc_started[thread] = now()
            elif (started := trace._gc_started.pop(thread, None)) is not None:
                trace.work.append((f"gc gen {info['generation']}", started, now()))

        gc.callbacks.append(on_gc)
        WORKER.chart_lines = timed("chart drawing (child process)", WORKER.chart_lines)
        ThreadPlot._swap = timed("chart picture swapped in", ThreadPlot._swap)
        Screen._on_timer_update = timed("screen update (frame)", Screen._on_timer_update)
        Screen._refresh_layout = timed("layout reflow", Screen._refresh_layout)
        on_quote, on_quote_changed = Hub.on_quote, WorkspaceScreen.on_quote_changed

        def hub_on_quote(hub: Hub, quote) -> None:
            trace.arrived[quote.recv_ns] = now()
            on_quote(hub, quote)

        def screen_on_quote_changed(screen: WorkspaceScreen, change) -> None:
            for quote in change.quotes.values():
                trace.handled.setdefault(quote.recv_ns, now())
            on_quote_changed(screen, change)

        def quotes_shown(app: QuantDeskApp, quotes) -> None:
            if app.paint_latencies_ns is None:
                return
            latencies, arrived = app.paint_latencies_ns, [quote.recv_ns for quote in quotes if quote.recv_ns]

            def painted() -> None:
                at = now()
                latencies.extend(at - ns for ns in arrived)
                trace.samples.extend((ns, at) for ns in arrived)

            app.call_after_refresh(painted)

        Hub.on_quote = hub_on_quote
        WorkspaceScreen.on_quote_changed = screen_on_quote_changed
        QuantDeskApp.quotes_shown = quotes_shown

    def rows(self) -> list[tuple]:
        samples = sorted(self.samples, key=lambda s: s[1] - s[0])
        n = len(samples)
        if n < 100:
            return [("samples", f"{n}: too few", "")]
        slow, median = samples[int(n * 0.98) :], samples[int(n * 0.45) : int(n * 0.55)]
        rows: list[tuple] = []
        stages = {
            "backend → TUI took it": lambda r, p: self.arrived.get(r, r) - r,
            "took it → screen handled it": lambda r, p: self.handled.get(r, r) - self.arrived.get(r, r),
            "handled → painted": lambda r, p: p - self.handled.get(r, r),
        }
        for name, part in stages.items():
            rows.append((name, f"{_mean_ms(median, part):.1f} / {_mean_ms(slow, part):.1f} ms", "median / slow 2%"))
        work = sorted(self.work, key=lambda w: w[1])
        starts = [w[1] for w in work]
        longest = max((end - start for _, start, end in work), default=0)
        for what in sorted({w[0] for w in work}):
            shares = [self._overlap_share(group, what, work, starts, longest) for group in (median, slow, samples)]
            rows.append(
                (f"overlaps {what}", " / ".join(f"{100 * share:.0f}%" for share in shares), "median / slow 2% / all")
            )
        return rows

    @staticmethod
    def _overlap_share(group, what: str, work, starts, longest: int) -> float:
        hits = 0
        for recv, painted in group:
            first, last = bisect.bisect_left(starts, recv - longest), bisect.bisect_right(starts, painted)
            hits += any(w[0] == what and w[2] > recv and w[1] < painted for w in work[first:last])
        return hits / max(1, len(group))


def _mean_ms(group, part) -> float:
    return sum(part(r, p) for r, p in group) / max(1, len(group)) / 1e6
