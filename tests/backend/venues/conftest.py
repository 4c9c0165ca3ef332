from __future__ import annotations

import pytest

from backend.bus import Bus
from backend.domain.observations import PriceObservation
from backend.store.db import Store
from backend.venues.ops import TradingOps
from backend.venues.paper import PaperVenue


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def observation(market: str, price: float, slot: int, ts: int, conf: float = 0.01) -> PriceObservation:
    return PriceObservation(
        market=market,
        price=round(price * 1e8),
        conf=round(conf * 1e8),
        expo=-8,
        publish_time=ts,
        slot=slot,
        ema_price=round(price * 1e8),
        source="test",
    )


@pytest.fixture
async def venue(tmp_path):
    store = Store(tmp_path / "venue.db")
    store.start()
    clock = Clock()
    v = PaperVenue(Bus(), store, clock=clock, crank_interval=0.0)
    v.recover()
    v.test_clock = clock
    for i, (market, price) in enumerate((("SOL-PERP", 150.0), ("BTC-PERP", 100_000.0), ("ETH-PERP", 3_000.0))):
        v.on_observation(observation(market, price, slot=1000, ts=int(clock.now)))
    await v.store.write(lambda conn: None)
    yield v
    store.stop()


@pytest.fixture
def trading(venue):
    return TradingOps(venue)
