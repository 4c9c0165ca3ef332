"""Funding like Drift v2: TWAPs, the offset and tier-clamped mark-oracle spread, the rate, the
long/short split when the AMM would pay more than its fees allow, and per-position payments.

Rates are FUNDING_RATE_PRECISION (1e9) quote per whole base, per funding period; cumulative rates
add them up, one for longs and one for shorts.
"""

from __future__ import annotations

from typing import NamedTuple

from ..constants import (
    AMM_TO_QUOTE_PRECISION_RATIO,
    BASE_PRECISION,
    FUNDING_RATE_BUFFER,
    FUNDING_RATE_OFFSET_DENOMINATOR,
    FUNDING_RATE_PRECISION,
    ONE_HOUR,
    PRICE_PRECISION,
    QUOTE_PRECISION,
)
from ..enums import ContractTier
from .fixed import div_ceil

QUOTE_TO_BASE_AMT_FUNDING_PRECISION = BASE_PRECISION * FUNDING_RATE_PRECISION // QUOTE_PRECISION  # 1e12


def _trunc_div(a: int, b: int) -> int:
    """Integer division toward zero, as Rust's."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def update_twap(twap: int, twap_time: int, price: int, now: int, period: int) -> int:
    """Time-weighted average over `period` seconds; each observation weighs at least one second."""
    if twap_time == 0 or twap == 0:
        return price
    elapsed = min(max(now - twap_time, 1), period)
    return (twap * (period - elapsed) + price * elapsed) // period  # floor: a reference, not a balance


def max_price_divergence(contract_tier: int, oracle_twap: int) -> int:
    """Drift's get_max_price_divergence_for_funding_rate: 3% for tiers A/B, 5% for C, else 10%."""
    if contract_tier <= ContractTier.B:
        return _trunc_div(oracle_twap, 33)
    if contract_tier <= ContractTier.C:
        return _trunc_div(oracle_twap, 20)
    return _trunc_div(oracle_twap, 10)


def period_adjustment(funding_period: int) -> int:
    """How many funding periods make a day (24 for hourly funding)."""
    return 24 * ONE_HOUR // max(ONE_HOUR, funding_period)


class FundingSpread(NamedTuple):
    price_spread: int  # mark TWAP - oracle TWAP (PRICE_PRECISION)
    offset: int  # |oracle TWAP| / 5000: the standing premium longs pay
    clamped_spread: int  # spread + offset, clamped to the tier's divergence
    funding_rate: int  # FUNDING_RATE_PRECISION per period


def funding_spread(mark_twap: int, oracle_twap: int, contract_tier: int, funding_period: int) -> FundingSpread:
    """The intermediates of Drift's update_funding_rate, rate truncated toward zero as Drift's."""
    spread = mark_twap - oracle_twap
    offset = abs(oracle_twap) // FUNDING_RATE_OFFSET_DENOMINATOR
    cap = max_price_divergence(contract_tier, oracle_twap)
    clamped = max(-cap, min(cap, spread + offset))
    return FundingSpread(spread, offset, clamped, funding_rate_from_spread(clamped, funding_period))


def funding_rate_from_spread(clamped_spread: int, funding_period: int) -> int:
    """A day's spread spread over the periods of a day (FUNDING_RATE_PRECISION, toward zero)."""
    return _trunc_div(clamped_spread * FUNDING_RATE_BUFFER, period_adjustment(funding_period))


def funding_payment_in_quote(rate_delta: int, base: int) -> int:
    """Drift's calculate_funding_payment_in_quote_precision: signed quote the position receives
    (negative = pays), magnitude truncated. Used for market-level totals, not user balances."""
    if rate_delta == 0 or base == 0:
        return 0
    magnitude = abs(rate_delta) * abs(base) // PRICE_PRECISION // FUNDING_RATE_BUFFER
    sign = (-1 if base > 0 else 1) * (1 if rate_delta > 0 else -1)
    return _trunc_div(sign * magnitude, AMM_TO_QUOTE_PRECISION_RATIO)


def funding_rate_from_pnl_limit(pnl_limit: int, base: int) -> int:
    if base == 0:
        return 0
    biased = pnl_limit + 1 if pnl_limit < 0 else pnl_limit
    return _trunc_div(biased * QUOTE_TO_BASE_AMT_FUNDING_PRECISION, base)


class FundingSplit(NamedTuple):
    rate_long: int
    rate_short: int
    amm_revenue: int  # quote the AMM's side receives (negative = pays), uncapped
    amm_pnl: int  # what the AMM's side really gets after the cap (<= 0 only when it pays)


def funding_rate_long_short(
    rate: int, users_net_base: int, base_long: int, base_short: int, fee_pool: int
) -> FundingSplit:
    """Drift's calculate_funding_rate_long_short.

    `users_net_base` is the users' net position against the AMM (Drift's base_asset_amount_with_amm);
    `base_long` / `base_short` (negative) the users' totals per side. When the AMM's side would pay,
    it pays at most a third of its fee pool; the receiving side's rate shrinks to what is paid.
    """
    uncapped = -funding_payment_in_quote(rate, users_net_base)
    if uncapped >= 0:
        return FundingSplit(rate, rate, uncapped, uncapped)
    limit = -(max(fee_pool, 0) // 3)
    capped_pnl = max(uncapped, limit)
    capped_rate = rate
    if uncapped < limit:
        from_users = funding_payment_in_quote(rate, base_long if rate > 0 else base_short)
        limit -= abs(from_users)
        capped_rate = funding_rate_from_pnl_limit(limit, base_long if rate < 0 else base_short)
    rate_long = capped_rate if rate < 0 else rate
    rate_short = capped_rate if rate > 0 else rate
    return FundingSplit(rate_long, rate_short, uncapped, capped_pnl)


def funding_owed(base: int, cumulative: int, last_cumulative: int) -> int:
    """Quote the position owes (negative = receives) since `last_cumulative`.

    Drift truncates the magnitude (in the user's favour when paying); we round what a user pays up
    and what a user receives down.
    """
    scale = PRICE_PRECISION * FUNDING_RATE_BUFFER * AMM_TO_QUOTE_PRECISION_RATIO  # 1e12
    return div_ceil(base * (cumulative - last_cumulative), scale)


def bankruptcy_funding_delta(loss: int, total_base: int) -> int:
    """Drift's calculate_funding_rate_deltas_to_resolve_bankruptcy: ceil(loss per base) as a rate.

    Added to the long cumulative rate and subtracted from the short one, it charges every open
    position its share of `loss` (QUOTE_PRECISION) the next time its funding settles.
    """
    per_base = div_ceil(abs(loss) * BASE_PRECISION, total_base)
    return per_base * (FUNDING_RATE_PRECISION // QUOTE_PRECISION)


def rate_as_fraction(rate: int, oracle_twap: int) -> int:
    """A rate (quote per base) as a fraction of the oracle TWAP, FUNDING_RATE_PRECISION (1e9 = 100%):
    what the API has always reported as "funding_rate"."""
    if oracle_twap <= 0:
        return 0
    return _trunc_div(rate * PRICE_PRECISION, oracle_twap)
