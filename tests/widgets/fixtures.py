"""Fixed sample records for widget tests and snapshot demos (no clocks, no randomness)."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.api.protocol import FeedHealth, MarketInfo, Quote

FROZEN_NOW = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC
FROZEN_DATETIME = datetime(2026, 1, 1, 12, 34, 56, tzinfo=UTC)

MARKETS = [
    MarketInfo(0, "SOL-PERP", "SOL", "USDC", 0.001, 0.01, 0.01, 20, "ef0d"),
    MarketInfo(1, "BTC-PERP", "BTC", "USDC", 0.1, 0.0001, 0.0001, 20, "e62d"),
    MarketInfo(2, "ETH-PERP", "ETH", "USDC", 0.01, 0.001, 0.001, 20, "ff61"),
    MarketInfo(3, "BONK-PERP", "BONK", "USDC", 1e-08, 1000.0, 1000.0, 5, "72b0"),
]


def quote(market: str, price: int, expo: int, open_24h: int, conf: int = 0, age_s: float = 1.0) -> Quote:
    return Quote(
        market=market,
        price=price,
        conf=conf,
        expo=expo,
        publish_time=int(FROZEN_NOW - age_s),
        slot=1,
        ema_price=price,
        source="sim",
        open_24h=open_24h,
        high_24h=max(price, open_24h),
        low_24h=min(price, open_24h),
    )


QUOTES = [
    quote("SOL-PERP", 14_250_000_000, -8, 13_900_000_000, conf=7_000_000),
    quote("BTC-PERP", 6_712_345_000_000, -8, 6_800_000_000_000, conf=2_500_000_000),
    quote("ETH-PERP", 350_012_000_000, -8, 350_012_000_000, conf=150_000_000, age_s=30),
    quote("BONK-PERP", 2_345, -8, 2_100, conf=1),
]

FEEDS = [FeedHealth("pyth", "healthy", active=True), FeedHealth("coingecko", "degraded", "slow")]
