"""Margin math like Drift v2: size-premium margin ratios, unrealized-pnl weights, requirements.

Ratios and weights are parameters (MARGIN_PRECISION) and follow Drift's integer steps exactly;
only the quote amounts computed from them round against the user (see math/README.md).
"""

from __future__ import annotations

from math import isqrt

from programs.vocabulary import ASSET_PRECISION as VOCABULARY_ASSET_PRECISION
from programs.vocabulary import Asset

from ..constants import (
    AMM_TO_QUOTE_PRECISION_RATIO,
    BASE_PRECISION,
    IMF_PRECISION,
    MARGIN_PRECISION,
    MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN,
    SPOT_WEIGHT_PRECISION,
)
from ..enums import CollateralAsset, MarginRequirementType
from .fixed import div_ceil

INITIAL = MarginRequirementType.INITIAL
FILL = MarginRequirementType.FILL
MAINTENANCE = MarginRequirementType.MAINTENANCE

# (initial, maintenance) asset weights, MARGIN_PRECISION; token precision of each collateral
ASSET_WEIGHTS: dict[int, tuple[int, int]] = {
    CollateralAsset.USDC: (10_000, 10_000),
    CollateralAsset.SOL: (8_000, 9_000),
}
ASSET_PRECISION: dict[int, int] = {asset: VOCABULARY_ASSET_PRECISION[Asset[asset.name]] for asset in CollateralAsset}
ASSET_LIQUIDATOR_FEE: dict[int, int] = {CollateralAsset.USDC: 0, CollateralAsset.SOL: 0}  # 1e6 premium
SOL_ORACLE_MARKET = 0  # SOL collateral is valued with the SOL-PERP oracle


def _sqrt_size(size: int) -> int:
    """sqrt of a BASE_PRECISION size scaled to 1e5 per whole unit: floor(sqrt(size * 10 + 1))."""
    return isqrt(size * 10 + 1)


def size_premium_liability_weight(
    size: int, imf_factor: int, liability_weight: int, precision: int, bounded: bool = True
) -> int:
    """Drift's calculate_size_premium_liability_weight: 80% of the weight plus imf * sqrt(size).

    `size` in BASE_PRECISION, `imf_factor` in IMF_PRECISION, the weight in `precision`.
    Bounded, the result never falls below `liability_weight`.
    """
    if imf_factor == 0:
        return liability_weight
    numerator = liability_weight - liability_weight // 5
    premium = numerator + _sqrt_size(size) * imf_factor // (100_000 * IMF_PRECISION // precision)
    return max(liability_weight, premium) if bounded else premium


def size_discount_asset_weight(size: int, imf_factor: int, asset_weight: int) -> int:
    """Drift's calculate_size_discount_asset_weight: 1.1 / (1 + imf * sqrt(size)), capped at the weight."""
    if imf_factor == 0:
        return asset_weight
    numerator = IMF_PRECISION + IMF_PRECISION // 10
    discounted = numerator * SPOT_WEIGHT_PRECISION // (IMF_PRECISION + _sqrt_size(size) * imf_factor // 100_000)
    return min(asset_weight, discounted)


def base_margin_ratio(initial: int, maintenance: int, margin_type: int) -> int:
    """Initial, maintenance, or the fill ratio halfway between them (floor, as Drift)."""
    if margin_type == INITIAL:
        return initial
    if margin_type == FILL:
        return (initial + maintenance) // 2
    return maintenance


def margin_ratio(initial: int, maintenance: int, imf_factor: int, size: int, margin_type: int) -> int:
    """Drift's PerpMarket.get_margin_ratio (no high-leverage mode): the size-premium ratio of `size`."""
    default = base_margin_ratio(initial, maintenance, margin_type)
    return size_premium_liability_weight(size, imf_factor, default, MARGIN_PRECISION)


def unrealized_asset_weight(
    unrealized_pnl: int,
    margin_type: int,
    initial_weight: int,
    maintenance_weight: int,
    unrealized_pnl_imf_factor: int,
) -> int:
    """Drift's get_unrealized_asset_weight: losses weigh 100%; gains are discounted by size for
    initial and fill margin, and weigh the maintenance weight for maintenance."""
    if unrealized_pnl <= 0:
        return SPOT_WEIGHT_PRECISION
    if margin_type == MAINTENANCE:
        return maintenance_weight
    if initial_weight <= 0:
        return 0
    return size_discount_asset_weight(
        unrealized_pnl * AMM_TO_QUOTE_PRECISION_RATIO, unrealized_pnl_imf_factor, initial_weight
    )


def weighted_unrealized_pnl(unrealized_pnl: int, weight: int, margin_type: int) -> int:
    """Pnl times its weight; a gain rounds down (against the user). Initial margin counts at most
    MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN of gain per position."""
    weighted = unrealized_pnl
    if weight != SPOT_WEIGHT_PRECISION:
        weighted = unrealized_pnl * weight // SPOT_WEIGHT_PRECISION
    if margin_type == INITIAL and weighted > MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN:
        return MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN
    return weighted


def notional_floor(base: int, price: int) -> int:
    return abs(base) * price // BASE_PRECISION


def notional_ceil(base: int, price: int) -> int:
    return div_ceil(abs(base) * price, BASE_PRECISION)


def requirement(liability_value: int, ratio: int) -> int:
    """liability * ratio; Drift truncates, we round up (against the user)."""
    return div_ceil(liability_value * ratio, MARGIN_PRECISION)


def collateral_buffer(negative_collateral: int, buffer_ratio: int) -> int:
    """Drift's liquidation buffer on the collateral side: a negative contribution times the buffer.
    Drift truncates toward zero; we round toward minus infinity (against the user)."""
    if negative_collateral >= 0 or buffer_ratio == 0:
        return 0
    return negative_collateral * buffer_ratio // MARGIN_PRECISION


def collateral_value(asset: int, amount: int, price_low: int) -> int:
    """Quote value of a token balance, price at the low side of the band; rounded down."""
    if asset == CollateralAsset.USDC:
        return amount
    if amount >= 0:
        return amount * price_low // ASSET_PRECISION[asset]
    return -div_ceil(-amount * price_low, ASSET_PRECISION[asset])


def weighted(value: int, weight: int) -> int:
    """Positive value times an asset weight rounds down; liabilities count in full."""
    if value <= 0:
        return value
    return value * weight // MARGIN_PRECISION
