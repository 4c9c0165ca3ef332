"""Fixtures for oracle tests: the fake servers and a running OracleService whose output is collected."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from backend.bus import Bus
from backend.domain.observations import PriceObservation
from backend.metrics import Metrics
from backend.oracle.base import OracleSource
from backend.oracle.service import OracleService
from tests.fakes.coingecko import FakeCoinGecko
from tests.fakes.hermes import FakeHermes
from tests.polling import wait_until


class Harness:
    def __init__(self, sources: list[OracleSource], **kw) -> None:
        self.bus = Bus()
        self.metrics = Metrics()
        self.service = OracleService(self.bus, self.metrics, sources, **kw)
        self.observations: list[PriceObservation] = []
        self.bus.on("observations", self.observations.append)

    def rejects(self, source: str, reason: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "quantdesk_oracle_rejects_total", {"source": source, "reason": reason}
        )
        return value or 0.0

    def health(self, source: str):
        return next(h for h in self.service.health() if h.source == source)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "") -> float:
        start = time.monotonic()
        await wait_until(predicate, what=what or repr(predicate), timeout=timeout)
        return time.monotonic() - start

    def prices(self, market: str, source: str | None = None) -> list[int]:
        return [o.price for o in self.observations if o.market == market and (source is None or o.source == source)]


@pytest.fixture
async def hermes():
    fake = FakeHermes(interval=0.03)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def coingecko():
    fake = FakeCoinGecko()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def harness_factory():
    harnesses: list[Harness] = []

    async def make(sources: list[OracleSource], **kw) -> Harness:
        h = Harness(sources, **kw)
        await h.service.start()
        harnesses.append(h)
        return h

    yield make
    for h in harnesses:
        await h.service.stop()
