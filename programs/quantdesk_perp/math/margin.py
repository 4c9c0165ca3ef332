"""Margin math: notional, size-adjusted (IMF) margin ratios, requirements and collateral weights."""

from __future__ import annotations

from math import isqrt

from ..constants import BASE_PRECISION, MARGIN_PRECISION
from ..enums import CollateralAsset
from .fixed import div_ceil

# (initial, maintenance) asset weights, MARGIN_PRECISION; token precision of each collateral
ASSET_WEIGHTS: dict[int, tuple[int, int]] = {
    CollateralAsset.USDC: (10_000, 10_000),
    CollateralAsset.SOL: (8_000, 9_000),
}
ASSET_PRECISION: dict[int, int] = {CollateralAsset.USDC: 10**6, CollateralAsset.SOL: 10**9}
SOL_ORACLE_MARKET = 0  # SOL collateral is valued with the SOL-PERP oracle


def notional_floor(base: int, price: int) -> int:
    return abs(base) * price // BASE_PRECISION


def notional_ceil(base: int, price: int) -> int:
    return div_ceil(abs(base) * price, BASE_PRECISION)


def size_adjusted_ratio(base_ratio: int, imf_factor: int, base: int) -> int:
    """max(base ratio, imf_factor * sqrt(|base| in whole units)), rounded up."""
    if imf_factor == 0 or base == 0:
        return base_ratio
    imf = div_ceil(imf_factor * isqrt(abs(base) * BASE_PRECISION), BASE_PRECISION)
    return max(base_ratio, imf)


def requirement(notional: int, ratio: int) -> int:
    return div_ceil(notional * ratio, MARGIN_PRECISION)


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
