"""Fixed sample records for widget tests and snapshot demos (no clocks, no randomness)."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.api.protocol import (
    BASE_PRECISION,
    BookLevel,
    BookView,
    Candles,
    FillView,
    MarketInfo,
    OrderView,
    PositionView,
    Quote,
)
from backend.domain.observations import FeedHealth

FROZEN_NOW = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC
FROZEN_DATETIME = datetime(2026, 1, 1, 12, 34, 56, tzinfo=UTC)

MARKETS = [
    # tick in PRICE_PRECISION, step and min size in BASE_PRECISION
    MarketInfo(0, "SOL-PERP", "SOL", "USDC", 1_000, 10_000_000, 10_000_000, 20, "ef0d"),
    MarketInfo(1, "BTC-PERP", "BTC", "USDC", 100_000, 100_000, 100_000, 20, "e62d"),
    MarketInfo(2, "ETH-PERP", "ETH", "USDC", 10_000, 1_000_000, 1_000_000, 20, "ff61"),
    # a tick finer than PRICE_PRECISION holds is no tick: prices show the feed's own decimals
    MarketInfo(3, "BONK-PERP", "BONK", "USDC", 0, 1000 * 10**9, 1000 * 10**9, 5, "72b0"),
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


POSITIONS = [
    PositionView(
        "SOL-PERP",
        0,
        2_500_000_000,
        140_000_000,
        142_500_000,
        6_250_000,
        1_000_000,
        liq_price=98_765_000,
        notional=356_250_000,
        initial_margin=35_625_000,
    ),
    PositionView(
        "BTC-PERP",
        0,
        -10_000_000,
        68_000_000_000,
        67_123_500_000,
        8_765_000,
        0,
        liq_price=0,
        notional=-671_235_000,
        initial_margin=67_123_500,
    ),
    PositionView("ETH-PERP", 1, 0, 0, 0, 0, 5_000_000),
]

ORDERS = [
    OrderView(101, "SOL-PERP", "buy", "limit", "open", 1_000_000_000, price=140_000_000, post_only=True),
    OrderView(
        102,
        "SOL-PERP",
        "sell",
        "stop_market",
        "pending_trigger",
        2_500_000_000,
        trigger_price=135_000_000,
        reduce_only=True,
    ),
    OrderView(
        103,
        "BTC-PERP",
        "buy",
        "limit",
        "partially_filled",
        20_000_000,
        filled=5_000_000,
        price=66_000_000_000,
        tif="ioc",
    ),
    OrderView(104, "ETH-PERP", "sell", "market", "filled", 1_000_000_000, filled=1_000_000_000),
]

FILLS = [
    FillView(1, 104, "ETH-PERP", "sell", 3_500_120_000, 1_000_000_000, 1_750_060, "taker", 1_767_270_896),
    FillView(2, 103, "BTC-PERP", "buy", 66_000_000_000, 5_000_000, -66_000, "maker", 1_767_270_900, realized_pnl=0),
    FillView(
        3,
        105,
        "SOL-PERP",
        "sell",
        142_500_000,
        500_000_000,
        35_625,
        "taker",
        1_767_270_905,
        realized_pnl=1_250_000,
    ),
]


BOOK = BookView(
    "SOL-PERP",
    bids=[
        BookLevel(142_490_000, 3_000_000_000),
        BookLevel(142_480_000, 12_500_000_000),
        BookLevel(142_450_000, 800_000_000),
    ],
    asks=[
        BookLevel(142_510_000, 1_500_000_000),
        BookLevel(142_520_000, 6_000_000_000),
        BookLevel(142_600_000, 25_000_000_000),
    ],
    oracle_price=142_500_000,
)


def candles(count: int = 120, start: float = FROZEN_NOW, step: int = 60) -> Candles:
    """A deterministic zig-zag price series (prices at expo -3, so the struct holds them exactly)."""
    out = Candles("SOL-PERP", "1m", -3)
    price = 140_000
    for i in range(count):
        close = price + ((i * 7919) % 13 - 6) * 100
        bar = (int(start) + i * step, price, max(price, close) + 400, min(price, close) - 400, close)
        for column, value in zip((out.ts_s, out.open, out.high, out.low, out.close), bar, strict=True):
            column.append(value)
        out.volume.append((100 + (i * 37) % 90) * BASE_PRECISION)
        out.count.append(1)
        price = close
    return out
