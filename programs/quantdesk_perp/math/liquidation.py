"""How much of a position a liquidation takes, and the fees it charges."""

from __future__ import annotations

from ..constants import BASE_PRECISION, MARGIN_PRECISION, PERCENTAGE_PRECISION
from .fixed import div_ceil, round_up_to


def liquidation_base(
    deficit: int, ratio_with_buffer: int, fee_rate: int, price: int, step: int, position_base: int
) -> int:
    """Base to take so the account is back above initial margin + buffer (rounded up to a step).

    Each quote of notional removed frees `ratio_with_buffer / MARGIN_PRECISION` of requirement and
    costs `fee_rate / PERCENTAGE_PRECISION` in fees: notional = deficit / (ratio - fee), ceil.
    """
    size = abs(position_base)
    net = ratio_with_buffer * (PERCENTAGE_PRECISION // MARGIN_PRECISION) - fee_rate
    if deficit <= 0:
        return 0
    if net <= 0 or price <= 0:
        return size
    quote = div_ceil(deficit * PERCENTAGE_PRECISION, net)
    base = round_up_to(div_ceil(quote * BASE_PRECISION, price), step)
    return min(size, base)


def fee(notional: int, rate: int) -> int:
    """Fee charged to the user: rounded up."""
    return div_ceil(notional * rate, PERCENTAGE_PRECISION)
