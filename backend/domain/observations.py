"""What the oracle services produce and publish: one price observation, and the health of a feed."""

from __future__ import annotations

import msgspec


class PriceObservation(msgspec.Struct, frozen=True):
    """One oracle observation, Pyth-shaped: value = price * 10**expo."""

    market: str
    price: int
    conf: int
    expo: int
    publish_time: int  # unix seconds
    slot: int
    ema_price: int
    source: str  # "sim", "pyth", "coingecko", "replay"
    recv_ns: int = 0  # monotonic-clock nanoseconds when the backend received it (latency tracking)

    @property
    def price_float(self) -> float:
        return self.price * 10.0**self.expo

    @property
    def conf_float(self) -> float:
        return self.conf * 10.0**self.expo


class FeedHealth(msgspec.Struct, frozen=True):
    """One source's state as the aggregator judges it; `active` = the source prices are taken from now."""

    source: str
    state: str  # "healthy" | "degraded" | "down"
    reason: str = ""
    active: bool = False
