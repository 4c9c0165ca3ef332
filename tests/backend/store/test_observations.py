from __future__ import annotations

from backend.domain.observations import PriceObservation
from backend.store.db import Store
from backend.store.observations import PRUNE_EVERY, ObservationLog


def _obs(market: str, price: int, t: int) -> PriceObservation:
    return PriceObservation(market, price, 12, -8, t, 1000 + t, price - 5, "sim")


def _rows(store: Store) -> list[tuple]:
    rows = store.query(
        "SELECT market, price, conf, expo, publish_time, slot, ema_price, source FROM observations ORDER BY id"
    )
    return [tuple(r.values()) for r in rows]


async def test_a_flush_appends_the_buffered_observations_in_order(tmp_path):
    store = Store(tmp_path / "q.db")
    store.start()
    log = ObservationLog(store, keep=100)
    log.add(_obs("SOL-PERP", 15_000_000_000, 1))
    log.add(_obs("BTC-PERP", 10_000_000_000_000, 2))
    log.flush()
    await store.write(lambda conn: None)
    assert _rows(store) == [
        ("SOL-PERP", 15_000_000_000, 12, -8, 1, 1001, 14_999_999_995, "sim"),
        ("BTC-PERP", 10_000_000_000_000, 12, -8, 2, 1002, 9_999_999_999_995, "sim"),
    ]
    log.flush()  # nothing buffered: no write
    await store.write(lambda conn: None)
    assert len(_rows(store)) == 2
    store.stop()


async def test_every_prune_flush_keeps_only_the_newest_rows(tmp_path):
    store = Store(tmp_path / "q.db")
    store.start()
    log = ObservationLog(store, keep=3)
    for t in range(1, PRUNE_EVERY):  # flushes 1..59: one row each, no pruning
        log.add(_obs("SOL-PERP", t, t))
        log.flush()
    await store.write(lambda conn: None)
    assert len(_rows(store)) == PRUNE_EVERY - 1
    log.add(_obs("SOL-PERP", PRUNE_EVERY, PRUNE_EVERY))
    log.flush()  # the 60th: append, then cut back to the newest 3 (ids above MAX(id) - 3)
    await store.write(lambda conn: None)
    assert [r[1] for r in _rows(store)] == [PRUNE_EVERY - 2, PRUNE_EVERY - 1, PRUNE_EVERY]
    store.stop()
