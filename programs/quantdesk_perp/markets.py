"""The one table of market definitions: symbol, assets, tick/step/min size and oracle feed.

Every layer that needs to know what a market is (oracles, engine, venue, TUI via the
`markets.list` op) reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import BASE_PRECISION, PRICE_PRECISION


@dataclass(slots=True, frozen=True)
class MarketSpec:
    market_index: int
    symbol: str  # "SOL-PERP"
    base: str  # "SOL"
    quote: str  # "USD"
    tick_size: int  # price units (PRICE_PRECISION)
    step_size: int  # base units (BASE_PRECISION)
    min_size: int  # base units
    pyth_feed_id: str  # Hermes feed id, hex without 0x
    max_leverage: int  # whole multiples, e.g. 20
    # The market trades 10**feed_expo_shift units of the feed's asset, so tiny prices keep their
    # precision at PRICE_PRECISION (1MBONK-PERP = one million BONK, like Drift): a feed price
    # mantissa m with exponent e is the market price m * 10**(e + feed_expo_shift).
    feed_asset: str = ""  # the asset the oracle feeds price ("" = base)
    feed_expo_shift: int = 0

    @property
    def oracle_asset(self) -> str:
        return self.feed_asset or self.base


MARKETS: tuple[MarketSpec, ...] = (
    MarketSpec(
        0,
        "SOL-PERP",
        "SOL",
        "USD",
        PRICE_PRECISION // 1000,
        BASE_PRECISION // 100,
        BASE_PRECISION // 100,
        "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d",
        20,
    ),
    MarketSpec(
        1,
        "BTC-PERP",
        "BTC",
        "USD",
        PRICE_PRECISION // 10,
        BASE_PRECISION // 10_000,
        BASE_PRECISION // 10_000,
        "e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43",
        20,
    ),
    MarketSpec(
        2,
        "ETH-PERP",
        "ETH",
        "USD",
        PRICE_PRECISION // 100,
        BASE_PRECISION // 1000,
        BASE_PRECISION // 1000,
        "ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace",
        20,
    ),
    MarketSpec(
        3,
        "JUP-PERP",
        "JUP",
        "USD",
        PRICE_PRECISION // 100_000,
        BASE_PRECISION,
        BASE_PRECISION,
        "0a0408d619e9380abad35060f9192039ed5042fa6f82301d0e48bb52be830996",
        10,
    ),
    MarketSpec(
        4,
        "1MBONK-PERP",
        "1MBONK",
        "USD",
        PRICE_PRECISION // 10_000,
        BASE_PRECISION,
        BASE_PRECISION,
        "72b021217ca3fe68922a19aaf990109cb9d84e9ad004b4d2025ad6f529314419",
        5,
        feed_asset="BONK",
        feed_expo_shift=6,
    ),
    MarketSpec(
        5,
        "WIF-PERP",
        "WIF",
        "USD",
        PRICE_PRECISION // 100_000,
        BASE_PRECISION // 10,
        BASE_PRECISION // 10,
        "4ca4beeca86f0d164160323817a4e42b10010a724c2217c6ee41b54cd4cc61fc",
        10,
    ),
)

MARKETS_BY_SYMBOL: dict[str, MarketSpec] = {m.symbol: m for m in MARKETS}
MARKETS_BY_FEED: dict[str, MarketSpec] = {m.pyth_feed_id: m for m in MARKETS}


ALIASES = {"BONK-PERP": "1MBONK-PERP"}


def normalize_symbol(text: str) -> str:
    """`sol`, `SOL`, `sol-perp` -> `SOL-PERP`; `bonk` -> `1MBONK-PERP` (does not check that it exists)."""
    symbol = text.strip().upper()
    symbol = symbol if symbol.endswith("-PERP") else f"{symbol}-PERP"
    return ALIASES.get(symbol, symbol)
