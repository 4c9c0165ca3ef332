"""Engine-side market parameters (margin, fees, funding, OI, AMM, oracle guards, circuit breaker).

The market table (markets.py) says what a market is; a MarketConfig says how the engine runs it.
Precisions: ratios MARGIN_PRECISION (1e4), fees and spreads PERCENTAGE_PRECISION (1e6),
funding caps FUNDING_RATE_PRECISION (1e9), sizes BASE_PRECISION, prices PRICE_PRECISION.
"""

from __future__ import annotations

import msgspec

from .constants import MARGIN_PRECISION
from .markets import MarketSpec


class MarketConfig(msgspec.Struct, kw_only=True):
    market_index: int
    symbol: str
    base_asset: str
    quote_asset: str
    tick_size: int
    step_size: int
    min_size: int
    max_leverage: int
    initial_margin_ratio: int  # MARGIN_PRECISION
    maintenance_margin_ratio: int  # MARGIN_PRECISION
    imf_factor: int = 0  # MARGIN_PRECISION per sqrt(whole base): size-adjusted margin for large positions
    taker_fee: int = 500  # PERCENTAGE_PRECISION: 5 bps
    maker_fee: int = 200  # PERCENTAGE_PRECISION: 2 bps
    liquidator_fee: int = 10_000  # PERCENTAGE_PRECISION of liquidated notional: 1%
    if_liquidation_fee: int = 10_000  # PERCENTAGE_PRECISION to the insurance fund: 1%
    liquidation_buffer: int = 200  # MARGIN_PRECISION above initial margin a partial liquidation aims for
    funding_interval: int = 3600  # seconds
    funding_period_divisor: int = 24  # premium converges over this many intervals
    max_funding_rate: int = 1_250_000  # FUNDING_RATE_PRECISION per interval: 0.125%
    max_open_interest: int = 0  # base units per side, 0 = uncapped
    amm_depth: int = 0  # virtual base reserve (BASE_PRECISION); impact 1% per ~0.5% of depth
    amm_half_spread: int = 500  # PERCENTAGE_PRECISION: 5 bps either side of the curve mid
    auction_duration_slots: int = 5
    auction_band: int = 20_000  # PERCENTAGE_PRECISION: market orders never fill beyond oracle ± 2%
    oracle_max_staleness_slots: int = 50
    oracle_max_conf: int = 200  # MARGIN_PRECISION: conf/price above 2% refuses fills
    circuit_breaker_pct: int = 1_500  # MARGIN_PRECISION: 15% move within the window halts the market
    circuit_breaker_window: int = 300  # seconds
    max_orders_per_account: int = 64


def default_config(spec: MarketSpec) -> MarketConfig:
    """Engine defaults for a market in the table: IMR from max leverage, MMR half of it."""
    imr = -(-MARGIN_PRECISION // spec.max_leverage)  # ceil: never more leverage than the table allows
    return MarketConfig(
        market_index=spec.market_index,
        symbol=spec.symbol,
        base_asset=spec.base,
        quote_asset=spec.quote,
        tick_size=spec.tick_size,
        step_size=spec.step_size,
        min_size=spec.min_size,
        max_leverage=spec.max_leverage,
        initial_margin_ratio=imr,
        maintenance_margin_ratio=-(-imr // 2),  # ceil
        amm_depth=spec.min_size * 1_000_000,  # a million minimum orders of virtual depth
    )
