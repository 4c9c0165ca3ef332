"""Orders the store refuses leave no trace in the engine; what was acked is exactly what recovers."""

from __future__ import annotations

import asyncio

import pytest

from backend.domain.errors import DomainError
from backend.bus import Bus
from backend.risk.pretrade import RiskLimits
from backend.store.db import Store
from backend.venues.ops import TradingOps
from backend.venues.paper import PaperVenue
from programs.quantdesk_perp.state import state_to_bytes
from tests.polling import wait_until
from tests.backend.venues.conftest import Clock, observation
from tests.fakes.full_disk import FullDisk


@pytest.fixture
async def venue(tmp_path):
    store = Store(tmp_path / "venue.db", retry_base_s=0.01, retry_cap_s=0.05, resume_min_free=0)
    store.disk = FullDisk.install(store)
    store.start()
    clock = Clock()
    v = PaperVenue(Bus(), store, clock=clock, crank_interval=1e9)
    v.recover()
    await v.start()
    v.on_observation(observation("SOL-PERP", 150.0, slot=1000, ts=int(clock.now)))
    await store.write(lambda conn: None)
    yield v
    await v.stop()
    store.stop()


def limit(price: str, size: str = "1") -> dict:
    return {"market": "SOL-PERP", "side": "buy", "size": size, "price": price}


def replayed(venue: PaperVenue) -> PaperVenue:
    """What a restart would recover from the database: only what was committed (and so acked)."""
    store = Store(venue.store.path)
    fresh = PaperVenue(Bus(), store, clock=venue.clock)
    fresh.recover()
    store.stop()
    return fresh


async def test_an_order_refused_by_a_full_disk_is_not_live_and_the_next_one_works_after_space_returns(venue):
    trading = TradingOps(venue)
    acked = (await trading.op_place(None, limit("140")))["orders"][0]["order_id"]
    before = state_to_bytes(venue.state)
    venue.store.disk.full = True
    with pytest.raises(DomainError) as refused:
        await trading.op_place(None, limit("141"))
    assert refused.value.code == "STORE_UNAVAILABLE"
    assert set(venue.state.orders) == {acked} and venue.reloads == 1
    with pytest.raises(DomainError) as again:  # refused before the engine is touched
        await trading.op_place(None, {"market": "SOL-PERP", "side": "buy", "size": "1", "type": "market"})
    assert again.value.code == "STORE_UNAVAILABLE" and set(venue.state.orders) == {acked}
    assert state_to_bytes(venue.state) == before  # no position, no collateral moved, no order resting
    venue.store.disk.full = False
    await wait_until(lambda: venue.store.writable, what="the store writable again")
    later = (await trading.op_place(None, limit("142")))["orders"][0]["order_id"]
    assert set(venue.state.orders) == {acked, later}
    assert state_to_bytes(replayed(venue).state) == state_to_bytes(venue.state)


async def test_a_burst_of_orders_across_the_fault_keeps_exactly_the_acked_ones(venue):
    trading = TradingOps(venue, limits=RiskLimits(submit_rate_per_s=1e6))
    first = await asyncio.gather(*(trading.op_place(None, limit(f"{140 + i * 0.25:.2f}")) for i in range(10)))
    acked = {o["orders"][0]["order_id"] for o in first}
    venue.store.disk.fill_after_journal_rows(25)
    wave = [f"{136 + i * 0.2:.2f}" for i in range(50)]
    outcomes = await asyncio.gather(*(trading.op_place(None, limit(p)) for p in wave), return_exceptions=True)
    acked |= {o["orders"][0]["order_id"] for o in outcomes if isinstance(o, dict)}
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert refused and all(o.code == "STORE_UNAVAILABLE" for o in refused)
    assert len(acked) + len(refused) == 60
    assert set(venue.state.orders) == acked  # nothing refused is live; nothing acked is lost
    assert set(replayed(venue).state.orders) == acked
    venue.store.disk.full = False
    await wait_until(lambda: venue.store.writable, what="the store writable again")
    await trading.op_place(None, limit("145"))
    assert state_to_bytes(replayed(venue).state) == state_to_bytes(venue.state)
    assert replayed(venue).recovery["consistent"] is True
