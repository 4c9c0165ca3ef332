"""The synthetic liquidity curve: a constant-product vAMM pegged to the oracle.

Virtual base reserve x = depth + amm_base (the AMM's own inventory), k = oracle * depth**2, so the
mid is oracle * depth**2 / x**2: it leans against the AMM's inventory (which drives funding) and
price impact grows with size. A half spread sits on either side. Costs round up, proceeds down.
"""

from __future__ import annotations

from math import isqrt

from ..constants import BASE_PRECISION, PERCENTAGE_PRECISION
from .fixed import div_ceil, sqrt_ceil


def reserve(depth: int, amm_base: int) -> int:
    return depth + amm_base


def mid_price(oracle: int, depth: int, amm_base: int) -> int:
    x = depth + amm_base
    if x <= 0:
        return 0
    return oracle * depth * depth // (x * x)  # floor


def ask_price(oracle: int, depth: int, amm_base: int, half_spread: int) -> int:
    """Marginal price for the next unit bought from the AMM (rounded up)."""
    x = depth + amm_base
    if x <= 0:
        return 0
    return div_ceil(oracle * depth * depth * (PERCENTAGE_PRECISION + half_spread), x * x * PERCENTAGE_PRECISION)


def bid_price(oracle: int, depth: int, amm_base: int, half_spread: int) -> int:
    """Marginal price for the next unit sold to the AMM (rounded down)."""
    x = depth + amm_base
    return oracle * depth * depth * (PERCENTAGE_PRECISION - half_spread) // (x * x * PERCENTAGE_PRECISION)


def buy_cost(oracle: int, depth: int, amm_base: int, half_spread: int, base: int) -> int:
    """Quote a taker pays for `base` bought from the AMM: rounded up."""
    x = depth + amm_base
    return div_ceil(
        oracle * base * depth * depth * (PERCENTAGE_PRECISION + half_spread),
        BASE_PRECISION * x * (x - base) * PERCENTAGE_PRECISION,
    )


def sell_proceeds(oracle: int, depth: int, amm_base: int, half_spread: int, base: int) -> int:
    """Quote a taker receives for `base` sold to the AMM: rounded down."""
    x = depth + amm_base
    return (oracle * base * depth * depth * (PERCENTAGE_PRECISION - half_spread)) // (
        BASE_PRECISION * x * (x + base) * PERCENTAGE_PRECISION
    )


def max_buy(oracle: int, depth: int, amm_base: int, half_spread: int, limit: int) -> int:
    """Most base a taker can buy before the marginal ask passes `limit` (rounded down)."""
    x = depth + amm_base
    if x <= 0 or limit <= 0:
        return 0
    need = div_ceil(oracle * depth * depth * (PERCENTAGE_PRECISION + half_spread), PERCENTAGE_PRECISION * limit)
    return max(0, x - sqrt_ceil(need))


def max_sell(oracle: int, depth: int, amm_base: int, half_spread: int, limit: int) -> int:
    """Most base a taker can sell before the marginal bid drops below `limit` (rounded down)."""
    x = depth + amm_base
    if limit <= 0:
        return 0
    allowed = oracle * depth * depth * (PERCENTAGE_PRECISION - half_spread) // (PERCENTAGE_PRECISION * limit)
    return max(0, isqrt(allowed) - x)


# -- Drift's reserves, peg and repeg cost (math/repeg.rs), on the same curve ----------------------
# The curve above is Drift's constant product with sqrt_k = depth: base reserve x = depth + amm_base,
# quote reserve y = depth**2 / x, both in BASE_PRECISION, reserve price = peg * y / x; the terminal
# reserves (every user position closed) are x = y = depth.


def reserves(depth: int, amm_base: int) -> tuple[int, int]:
    """(base_asset_reserve, quote_asset_reserve) for display; the quote reserve is floored."""
    x = depth + amm_base
    return x, depth * depth // x if x > 0 else 0


def peg_for_price(target: int, depth: int, amm_base: int) -> int:
    """The peg that puts the reserve price at `target` [calculate_peg_from_target_price]: half up."""
    x = depth + amm_base
    return max(1, (2 * target * x * x + depth * depth) // (2 * depth * depth))


def repeg_cost(depth: int, amm_base: int, old_peg: int, new_peg: int) -> int:
    """Quote the AMM pays to move its peg [calculate_repeg_cost]; negative = revenue. Rounded up.

    (quote reserve - terminal quote reserve) * delta peg = -depth * amm_base / x * delta peg: what the
    users' net position, closed to the terminal reserves, gains from the move.
    """
    x = depth + amm_base
    return div_ceil(-depth * amm_base * (new_peg - old_peg), x * BASE_PRECISION)


def peg_within_budget(depth: int, amm_base: int, old_peg: int, target_peg: int, budget: int) -> int:
    """The peg nearest `target_peg` whose repeg cost is at most `budget` [adjust_amm, full budget]."""
    x = depth + amm_base
    per_peg = depth * abs(amm_base)  # cost of one peg unit, times x * BASE_PRECISION
    if per_peg == 0:
        return target_peg
    step = min(budget * x * BASE_PRECISION // per_peg, abs(target_peg - old_peg))  # floor: within budget
    return max(1, old_peg + step if target_peg > old_peg else old_peg - step)
