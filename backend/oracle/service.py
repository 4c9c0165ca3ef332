"""Runs the configured oracle sources and publishes what passes validation.

Topics: "observations" (every accepted PriceObservation, for engine, candles, alerts, store) and
"prices" (the Quote per market, conflated for clients).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from backend.api.protocol import FeedHealth, PriceObservation
from backend.bus import Bus
from backend.metrics import Metrics
from backend.oracle.base import OracleSource
from backend.quotes import QuoteBook

log = logging.getLogger(__name__)
Validator = Callable[[PriceObservation], PriceObservation | None]


class OracleService:
    def __init__(self, bus: Bus, metrics: Metrics, sources: list[OracleSource]) -> None:
        self.bus = bus
        self.metrics = metrics
        self.sources = sources
        self.quotes = QuoteBook()
        self.accepted = 0
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def primary(self) -> OracleSource:
        return self.sources[0]

    async def start(self) -> None:
        for source in self.sources:
            self._tasks.append(asyncio.create_task(self._run(source), name=f"oracle-{source.name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _run(self, source: OracleSource) -> None:
        counter = self.metrics.ticks_in.labels(source.name)

        def emit(obs: PriceObservation) -> None:
            counter.inc()
            self.publish(obs)

        try:
            await source.run(emit)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("oracle source %s stopped", source.name)
            source.set_health("down", f"crashed: {exc.__class__.__name__}")

    def publish(self, obs: PriceObservation) -> None:
        self.accepted += 1
        self.bus.publish("observations", obs)
        self.bus.publish("prices", self.quotes.update(obs))

    def health(self) -> list[FeedHealth]:
        return [s.health(active=(s is self.primary)) for s in self.sources]
