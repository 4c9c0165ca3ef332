"""Liquidation math like Drift v2: how much base or pnl covers a margin shortage, the liquidator fee
that escalates with slots in liquidation, the insurance fund fee that shrinks as the shortage
grows, and the per-call cap on how much of the shortage one liquidation may free.
"""

from __future__ import annotations

from ..constants import (
    BASE_PRECISION,
    LIQUIDATION_FEE_ADJUST_GRACE_PERIOD_SLOTS,
    LIQUIDATION_FEE_INCREASE_PER_SLOT,
    LIQUIDATION_FEE_PRECISION,
    LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO,
    LIQUIDATION_PCT_PRECISION,
    LIQUIDATION_SMALL_SHORTAGE,
    MAX_LIQUIDATION_MULTIPLIER,
    PRICE_PRECISION,
    PRICE_TIMES_AMM_TO_QUOTE_PRECISION_RATIO,
    QUOTE_PRECISION,
    SPOT_WEIGHT_PRECISION,
)
from .fixed import div_ceil

NO_LIMIT = 2**64 - 1  # Drift's u64::MAX: "take everything"


def _scales(upper_decimals: int, lower_decimals: int) -> tuple[int, int]:
    """(numerator, denominator) scale taking `lower_decimals` amounts to `upper_decimals`."""
    if upper_decimals > lower_decimals:
        return 10 ** (upper_decimals - lower_decimals), 1
    return 1, 10 ** (lower_decimals - upper_decimals)


def base_to_cover_margin_shortage(
    margin_shortage: int,
    margin_ratio: int,
    liquidator_fee: int,
    if_liquidation_fee: int,
    oracle_price: int,
    quote_oracle_price: int = PRICE_PRECISION,
) -> int:
    """Drift's calculate_base_asset_amount_to_cover_margin_shortage (BASE_PRECISION, floor).

    Each unit of base closed frees `margin_ratio` of its value and costs both fees.
    """
    ratio = margin_ratio * LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO
    if oracle_price == 0 or ratio <= liquidator_fee:
        return NO_LIMIT
    freed_per_base = (
        oracle_price * quote_oracle_price // PRICE_PRECISION * (ratio - liquidator_fee) // LIQUIDATION_FEE_PRECISION
        - oracle_price * if_liquidation_fee // LIQUIDATION_FEE_PRECISION
    )
    if freed_per_base <= 0:
        return NO_LIMIT
    return margin_shortage * PRICE_TIMES_AMM_TO_QUOTE_PRECISION_RATIO // freed_per_base


def liquidation_fee(base_fee: int, max_fee: int, liquidation_start_slot: int, slot: int) -> int:
    """Drift's get_liquidation_fee: the base fee for a grace period, then +0.01 bps a slot, capped."""
    elapsed = slot - liquidation_start_slot
    if elapsed < LIQUIDATION_FEE_ADJUST_GRACE_PERIOD_SLOTS:
        return base_fee
    return min(base_fee + elapsed * LIQUIDATION_FEE_INCREASE_PER_SLOT, max_fee)


def max_liquidation_fee(liquidator_fee: int, margin_ratio_maintenance: int) -> int:
    """Drift's get_max_liquidation_fee: 3x the base fee, never above the maintenance ratio."""
    return min(
        liquidator_fee * MAX_LIQUIDATION_MULTIPLIER,
        margin_ratio_maintenance * LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO,
    )


def perp_if_fee(
    margin_shortage: int,
    base: int,
    margin_ratio: int,
    liquidator_fee: int,
    oracle_price: int,
    max_if_fee: int,
    quote_oracle_price: int = PRICE_PRECISION,
) -> int:
    """Drift's calculate_perp_if_fee: what is left of the margin ratio after the liquidator's fee and
    the shortage per unit of notional, times 95%, capped at the market's IF fee."""
    ratio = margin_ratio * LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO
    size = abs(base)
    if oracle_price == 0 or quote_oracle_price == 0 or ratio <= liquidator_fee or size == 0:
        return 0
    price = oracle_price * quote_oracle_price // PRICE_PRECISION
    shortage_per_value = margin_shortage * BASE_PRECISION // size * PRICE_PRECISION // price
    implied = max(0, max(0, ratio - liquidator_fee) - shortage_per_value) * 19 // 20
    return min(max_if_fee, implied)


def max_pct_to_liquidate(
    margin_shortage: int,
    margin_freed: int,
    slots_in_liquidation: int,
    initial_pct: int,
    duration: int,
) -> int:
    """Drift's calculate_max_pct_to_liquidate (LIQUIDATION_PCT_PRECISION of the current shortage).

    A call may free `initial_pct` of the shortage at once, growing linearly to all of it after
    `duration` slots (no cap when duration is 0); a small shortage goes at once.
    """
    if margin_shortage < LIQUIDATION_SMALL_SHORTAGE:
        return LIQUIDATION_PCT_PRECISION
    if duration == 0:
        pct = LIQUIDATION_PCT_PRECISION
    else:
        pct = min(slots_in_liquidation * LIQUIDATION_PCT_PRECISION // duration + initial_pct, LIQUIDATION_PCT_PRECISION)
    total = margin_shortage + margin_freed
    freeable = max(0, total * pct // LIQUIDATION_PCT_PRECISION - margin_freed)
    return freeable * LIQUIDATION_PCT_PRECISION // margin_shortage


def fee(notional: int, rate: int) -> int:
    """Fee charged to the user: Drift truncates, we round up (against the user)."""
    return div_ceil(notional * rate, LIQUIDATION_FEE_PRECISION)


def liquidation_multiplier(fee_rate: int, premium: bool) -> int:
    return LIQUIDATION_FEE_PRECISION + fee_rate if premium else LIQUIDATION_FEE_PRECISION - fee_rate


def liability_transfer_to_cover_margin_shortage(
    margin_shortage: int,
    asset_weight: int,
    asset_multiplier: int,
    liability_weight: int,
    liability_multiplier: int,
    liability_decimals: int,
    liability_price: int,
    if_liquidation_fee: int = 0,
) -> int:
    """Drift's calculate_liability_transfer_to_cover_margin_shortage (liability token units)."""
    if asset_weight >= liability_weight:
        return NO_LIMIT
    num_scale, den_scale = _scales(liability_decimals, 6)
    liability_component = liability_weight * 10
    asset_component = asset_weight * 10 * asset_multiplier // liability_multiplier
    if asset_component >= liability_component:
        return NO_LIMIT
    denominator = liability_price * (liability_component - asset_component) - (
        liability_price * if_liquidation_fee // LIQUIDATION_FEE_PRECISION * liability_weight * 10
    )
    transfer = margin_shortage * num_scale * (PRICE_PRECISION * SPOT_WEIGHT_PRECISION * 10) // denominator
    return max(transfer // den_scale, 1)


def liability_transfer_implied_by_asset_amount(
    asset_amount: int,
    asset_multiplier: int,
    asset_decimals: int,
    asset_price: int,
    liability_multiplier: int,
    liability_decimals: int,
    liability_price: int,
) -> int:
    """Drift's calculate_liability_transfer_implied_by_asset_amount (rounded up, as Drift's)."""
    num_scale, den_scale = _scales(liability_decimals, asset_decimals)
    value = div_ceil(asset_amount * num_scale * asset_price * liability_multiplier, liability_price * asset_multiplier)
    return div_ceil(value, den_scale)


def asset_transfer_for_liability_transfer(
    asset_amount: int,
    asset_multiplier: int,
    asset_decimals: int,
    asset_price: int,
    liability_amount: int,
    liability_multiplier: int,
    liability_decimals: int,
    liability_price: int,
) -> int:
    """Drift's calculate_asset_transfer_for_liability_transfer: the asset (at least 1 unit) the
    liquidator gets; within a dollar of the whole balance it takes the whole balance."""
    num_scale, den_scale = _scales(asset_decimals, liability_decimals)
    # Drift truncates both divisions; we round up: the account gives the liquidator at most 1 unit more
    transfer = div_ceil(
        liability_amount * num_scale * liability_price * asset_multiplier, asset_price * liability_multiplier
    )
    transfer = max(div_ceil(transfer, den_scale), 1)
    value_num, value_den = _scales(asset_decimals, 6)
    delta_value = abs(transfer - asset_amount) * asset_price // PRICE_PRECISION * value_num // value_den
    return asset_amount if delta_value < QUOTE_PRECISION else transfer
