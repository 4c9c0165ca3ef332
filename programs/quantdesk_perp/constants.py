"""Fixed-point precisions, named like Drift v2: every integer says which scale it lives in.

The base scales are the project's vocabulary (programs/vocabulary.py); the engine's derived ones live here."""

from programs.vocabulary import (  # re-exported: the engine imports its precisions from here
    BASE_PRECISION as BASE_PRECISION,
    FUNDING_RATE_PRECISION as FUNDING_RATE_PRECISION,
    MARGIN_PRECISION as MARGIN_PRECISION,
    PERCENTAGE_PRECISION as PERCENTAGE_PRECISION,
    PRICE_PRECISION as PRICE_PRECISION,
    QUOTE_PRECISION as QUOTE_PRECISION,
)

FUNDING_RATE_BUFFER = FUNDING_RATE_PRECISION // PRICE_PRECISION  # 1e3
SPOT_WEIGHT_PRECISION = MARGIN_PRECISION
LIQUIDATION_FEE_PRECISION = PERCENTAGE_PRECISION  # liquidator and IF fees: 1_000_000 = 100%
IMF_PRECISION = PERCENTAGE_PRECISION  # imf factors: 1_000_000 = 1 per sqrt(base)
LIQUIDATION_PCT_PRECISION = MARGIN_PRECISION  # share of a margin shortage one liquidation may free
AMM_TO_QUOTE_PRECISION_RATIO = BASE_PRECISION // QUOTE_PRECISION  # 1e3
PRICE_TIMES_AMM_TO_QUOTE_PRECISION_RATIO = PRICE_PRECISION * AMM_TO_QUOTE_PRECISION_RATIO  # 1e9
LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO = LIQUIDATION_FEE_PRECISION // MARGIN_PRECISION  # 1e2
FUNDING_RATE_TO_QUOTE_PRECISION_RATIO = FUNDING_RATE_PRECISION // QUOTE_PRECISION  # 1e3
ONE_HOUR = 3600
FUNDING_RATE_OFFSET_DENOMINATOR = 5000  # oracle_twap / 5000 per day: ~7.3% a year longs pay shorts
MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN = 100 * QUOTE_PRECISION  # per position, initial margin only
MAX_LIQUIDATION_MULTIPLIER = 3  # the escalating liquidator fee stops at 3x the base fee
LIQUIDATION_FEE_INCREASE_PER_SLOT = LIQUIDATION_FEE_PRECISION // PERCENTAGE_PRECISION  # 0.01 bps a slot
LIQUIDATION_FEE_ADJUST_GRACE_PERIOD_SLOTS = 1_500  # ~10 minutes before the fee starts to climb
LIQUIDATION_SMALL_SHORTAGE = 50 * QUOTE_PRECISION  # below it a liquidation may free everything at once
LIQUIDATION_SMALL_POSITION = 50 * QUOTE_PRECISION  # a position worth less may be taken whole
LIQUIDATION_SMALL_PNL = 10 * QUOTE_PRECISION  # a pnl debt this small may be taken whole
