"""Engine-side market parameters (margin, fees, funding, OI, AMM, oracle guards, circuit breaker).

The market table (markets.py) says what a market is; a MarketConfig says how the engine runs it.
Parameters Drift v2 has keep its names and units (Drift's field name in brackets where ours differs):
margin ratios and weights MARGIN_PRECISION (1e4), imf factors IMF_PRECISION (1e6), liquidation
fees LIQUIDATION_FEE_PRECISION (1e6), trading fees and spreads PERCENTAGE_PRECISION (1e6),
sizes BASE_PRECISION, prices and quote PRICE_PRECISION / QUOTE_PRECISION.
"""

from __future__ import annotations

import msgspec

from .constants import MARGIN_PRECISION, QUOTE_PRECISION
from .enums import ContractTier
from .markets import MarketSpec
from .math.fixed import div_ceil

# The margin ratios' names before they took Drift's: journal entries, snapshots and API requests that
# use them still decode (the one place the old names live).
RENAMED_PARAMETERS = {
    "initial_margin_ratio": "margin_ratio_initial",
    "maintenance_margin_ratio": "margin_ratio_maintenance",
}


def with_current_names(fields: dict[str, object]) -> dict[str, object]:
    """`fields` with any parameter under its old name moved to its Drift name."""
    return {RENAMED_PARAMETERS.get(name, name): value for name, value in fields.items()}


class MarketConfig(msgspec.Struct, kw_only=True):
    market_index: int
    symbol: str
    base_asset: str
    quote_asset: str
    tick_size: int
    step_size: int
    min_size: int
    max_leverage: int
    margin_ratio_initial: int  # MARGIN_PRECISION
    margin_ratio_maintenance: int  # MARGIN_PRECISION
    imf_factor: int = 0  # IMF_PRECISION: size premium on the margin ratio of large positions
    unrealized_pnl_imf_factor: int = 0  # IMF_PRECISION: size discount on large positive pnl
    unrealized_pnl_initial_asset_weight: int = 10_000  # MARGIN_PRECISION: positive pnl, initial/fill
    unrealized_pnl_maintenance_asset_weight: int = 10_000  # MARGIN_PRECISION: positive pnl, maintenance
    contract_tier: int = ContractTier.A  # ContractTier: funding spread clamp (A/B 3%, C 5%, else 10%)
    taker_fee: int = 500  # PERCENTAGE_PRECISION: 5 bps
    maker_fee: int = 200  # PERCENTAGE_PRECISION: 2 bps
    liquidator_fee: int = 10_000  # LIQUIDATION_FEE_PRECISION of liquidated notional: 1% (escalates)
    if_liquidation_fee: int = 10_000  # LIQUIDATION_FEE_PRECISION: the most the insurance fund takes
    liquidation_buffer: int = 200  # MARGIN_PRECISION above maintenance a liquidation aims for
    # [state.liquidation_margin_buffer_ratio]
    initial_pct_to_liquidate: int = 0  # LIQUIDATION_PCT_PRECISION of the shortage one call may free
    liquidation_duration: int = 0  # slots until a call may free all of it (0 = no per-call cap)
    quote_max_insurance: int = 1_000_000 * QUOTE_PRECISION  # most the insurance fund pays this market
    funding_interval: int = 3600  # seconds [funding_period]
    max_open_interest: int = 0  # base units per side, 0 = uncapped
    amm_depth: int = 0  # virtual base reserve (BASE_PRECISION); impact 1% per ~0.5% of depth
    amm_half_spread: int = 500  # PERCENTAGE_PRECISION: 5 bps either side of the curve mid
    # 0: no peg of its own, the curve rides the live oracle (the on-chain program's subset); > 0: it
    # re-pegs to the oracle on each crank and fill, paid from the fee pool (repeg.py)
    curve_update_intensity: int = 100
    amm_max_spread: int = 20_000  # PERCENTAGE_PRECISION [amm.max_spread]: a repeg out of budget still
    # brings the reserve price within half of it of the oracle
    auction_duration_slots: int = 5
    auction_band: int = 20_000  # PERCENTAGE_PRECISION: market orders never fill beyond oracle ± 2%
    oracle_max_staleness_slots: int = 50
    oracle_max_conf: int = 200  # MARGIN_PRECISION: conf/price above 2% refuses fills
    circuit_breaker_pct: int = 1_500  # MARGIN_PRECISION: 15% move within the window halts the market
    circuit_breaker_window: int = 300  # seconds
    max_orders_per_account: int = 64


def default_config(spec: MarketSpec) -> MarketConfig:
    """Engine defaults for a market in the table: IMR from max leverage, MMR half of it."""
    imr = div_ceil(MARGIN_PRECISION, spec.max_leverage)  # never more leverage than the table allows
    return MarketConfig(
        market_index=spec.market_index,
        symbol=spec.symbol,
        base_asset=spec.base,
        quote_asset=spec.quote,
        tick_size=spec.tick_size,
        step_size=spec.step_size,
        min_size=spec.min_size,
        max_leverage=spec.max_leverage,
        margin_ratio_initial=imr,
        margin_ratio_maintenance=div_ceil(imr, 2),
        amm_depth=spec.min_size * 1_000_000,  # a million minimum orders of virtual depth
    )
