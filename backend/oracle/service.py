"""Runs the configured oracle sources and publishes what passes validation from the active one.

Topics: "observations" (every accepted PriceObservation of the active source, for engine, candles,
alerts, store) and "prices" (the Quote per market, conflated for clients). Rejected input is
counted in `oracle_rejects{source,reason}`, logged once per burst, and never published. How each
price jump was judged against an independent source is counted in
`oracle_jump_decisions{source,decision}` and logged once per burst.
"""

from __future__ import annotations

import asyncio
import logging

from backend.bus import Bus
from backend.domain.observations import FeedHealth, PriceObservation
from backend.metrics import Metrics
from backend.oracle.aggregator import STATE_VALUE, Aggregator
from backend.oracle.base import OracleSource
from backend.oracle.validate import Rejected, RejectLog
from backend.quotes import QuoteBook

log = logging.getLogger(__name__)


class OracleService:
    def __init__(
        self,
        bus: Bus,
        metrics: Metrics,
        sources: list[OracleSource],
        *,
        failback_after_s: float = 0.5,
        evaluate_every_s: float = 0.2,
    ) -> None:
        self.bus = bus
        self.metrics = metrics
        self.sources = sources
        self.quotes = QuoteBook()
        self.aggregator = Aggregator(sources, failback_after_s=failback_after_s, on_jump=self._on_jump)
        self.accepted = 0
        self.rejected = 0
        self.evaluate_every_s = evaluate_every_s
        self._reject_log = RejectLog()
        self._jump_log = RejectLog(what="price jump")
        self._tasks: list[asyncio.Task[None]] = []
        for source in sources:
            source.on_reject = self._on_reject
            source.on_health = self._on_health
        metrics.before_render.append(self._export_health)  # a feed's health as of the scrape, as /health says it

    @property
    def primary(self) -> OracleSource:
        return self.sources[0]

    @property
    def active(self) -> OracleSource:
        return self.aggregator.active.source

    async def start(self) -> None:
        for source in self.sources:
            self._tasks.append(asyncio.create_task(self._run(source), name=f"oracle-{source.name}"))
        self._tasks.append(asyncio.create_task(self._watch(), name="oracle-watch"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _run(self, source: OracleSource) -> None:
        try:
            await source.run(lambda obs: self.offer(source, obs))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("oracle source %s stopped", source.name)
            source.set_health("down", f"crashed: {exc.__class__.__name__}")

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.evaluate_every_s)
            self.aggregator.evaluate()

    def _on_health(self, source: OracleSource) -> None:
        self.aggregator.evaluate()

    def _export_health(self) -> None:
        for h in self.health():
            self.metrics.feed_state.labels(h.source).set(STATE_VALUE.get(h.state, 0.0))

    def _on_reject(self, source: str, reason: str, detail: str) -> None:
        self.rejected += 1
        self.metrics.oracle_rejects.labels(source, reason).inc()
        self._reject_log.note(source, reason, detail)

    def _on_jump(self, source: str, decision: str, detail: str) -> None:
        self.metrics.oracle_jump_decisions.labels(source, decision).inc()
        self._jump_log.note(source, decision, detail)

    def offer(self, source: OracleSource, obs: PriceObservation) -> None:
        """Everything a source emits comes through here: validate, then publish if it is the active source."""
        try:
            publish = self.aggregator.offer(source, obs)
        except Rejected as exc:
            self._on_reject(source.name, str(exc.reason), exc.detail)
            return
        self.metrics.ticks_in.labels(source.name).inc()
        if publish:
            self.publish(obs)

    def publish(self, obs: PriceObservation) -> None:
        self.accepted += 1
        self.bus.publish("observations", obs)
        self.bus.publish("prices", self.quotes.update(obs))

    def health(self) -> list[FeedHealth]:
        return self.aggregator.health()

    def latest_update(self, market: str) -> str | None:
        """The newest Pyth binary update (hex) that carried `market`, for posting on-chain; None if none."""
        for source in self.sources:
            update = getattr(source, "latest_binary", {}).get(market)
            if update is not None:
                return update
        return None
