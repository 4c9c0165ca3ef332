"""The QuantDesk app headless in this process against a bench backend, and a window of its painting.

`live_app` yields the app once it is connected and `ready`; `PaintWindow` counts, from its start to
`stop()`, the frames sent to the terminal, the price pushes received, the tick → paint latencies and
this process's CPU.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from textual.pilot import Pilot

from backend.client import BackendClient
from bench._backend import BenchBackend
from quantdesk_tui.app import QuantDeskApp
from quantdesk_tui.config import Config


@asynccontextmanager
async def live_app(
    backend: BenchBackend,
    size: tuple[int, int],
    client_name: str,
    ready: Callable[[QuantDeskApp], object],
    polls: int,
) -> AsyncIterator[tuple[QuantDeskApp, Pilot[None]]]:
    """The app on `backend`, after up to `polls` × 50 ms waiting for it to connect and be `ready`."""
    client = BackendClient.for_url(backend.url, backend.token, client_name=client_name)
    app = QuantDeskApp(client, config=Config())
    async with app.run_test(size=size) as pilot:
        for _ in range(polls):
            if app.hub.connected and ready(app):
                break
            await pilot.pause(0.05)
        yield app, pilot
        await client.close()


@dataclass(slots=True, frozen=True)
class Painted:
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU
    frames: int
    pushes: int  # price pushes the hub received
    latencies_ms: list[float]  # tick received by the backend → the refresh that painted it


class PaintWindow:
    def __init__(self, app: QuantDeskApp) -> None:
        self.app = app
        app.paint_latencies_ns = []
        self.frames0, self.pushes0 = app.frames, app.hub.ticks
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()

    def elapsed(self) -> float:
        return time.perf_counter() - self.wall0

    def stop(self) -> Painted:
        app = self.app
        wall, cpu = time.perf_counter() - self.wall0, time.process_time() - self.cpu0
        latencies = [n / 1e6 for n in app.paint_latencies_ns or ()]
        painted = Painted(wall, cpu, app.frames - self.frames0, app.hub.ticks - self.pushes0, latencies)
        app.paint_latencies_ns = None
        return painted
