"""The AMM's peg and its repeg to the oracle: Drift v2's `_update_amm` (controller/repeg.rs).

The curve prices at its own peg (`Market.amm_peg`). Before a fill and on every crank the peg moves
to the one that puts the reserve price at the oracle [calculate_optimal_peg_and_budget, adjust_amm].
Moving it changes what the users' net position is worth against the curve, so the AMM pays that cost
from the fee pool, or books it as revenue [apply_cost_to_market]; the AMM's pnl pool takes the other
side, so no quote is created or lost. A move the fee pool cannot pay goes as far as the pool allows,
except that the reserve price is always brought within half of `amm_max_spread` of the oracle.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .constants import PERCENTAGE_PRECISION
from .context import Context
from .events import Event, AmmRepegged
from .math import amm
from .risk import usable_oracle
from .state import Market, State


class Repeg(NamedTuple):
    peg: int
    cost: int  # quote the fee pool pays; negative = revenue


def curve_peg(market: Market, oracle: int) -> int:
    """The price the curve is pegged to: its own peg once it has one, else the live oracle."""
    return market.amm_peg or oracle


def curve(market: Market, oracle: int) -> tuple[int, int, int, int]:
    """(peg, depth, amm_base, half_spread): the arguments of every curve function in math/amm.py."""
    cfg = market.config
    return market.amm_peg or oracle, cfg.amm_depth, market.amm.base, cfg.amm_half_spread


def plan_repeg(market: Market, oracle: int) -> Repeg:
    """The peg an update moves to, and its cost, with the fee pool as the budget (pure)."""
    cfg = market.config
    depth, amm_base = cfg.amm_depth, market.amm.base
    old = curve_peg(market, oracle)
    optimal = amm.peg_for_price(oracle, depth, amm_base)
    cost = amm.repeg_cost(depth, amm_base, old, optimal)
    budget = max(market.fee_pool, 0)
    if cost <= budget:  # revenue, or paid in full
        return Repeg(optimal, cost)
    reserve_price = amm.mid_price(old, depth, amm_base)
    half_band = oracle * cfg.amm_max_spread // (2 * PERCENTAGE_PRECISION)
    gap = reserve_price - oracle
    if abs(gap) > half_band:  # out of the band: to its edge, whatever it costs
        edge = oracle + half_band if gap > 0 else oracle - half_band
        peg = amm.peg_for_price(edge, depth, amm_base)
    else:
        peg = amm.peg_within_budget(depth, amm_base, old, optimal, budget)
    return Repeg(peg, amm.repeg_cost(depth, amm_base, old, peg))


def update_amm(market: Market, ctx: Context, events: list[Event]) -> int:
    """Re-peg the market's curve to a valid oracle in `ctx`; returns the cost paid (0 when skipped).

    Runs before every order on a market with a curve: the full move to the oracle's peg when the fee
    pool pays for it (the common case), else plan_repeg's."""
    cfg = market.config
    depth = cfg.amm_depth
    if not depth or not cfg.curve_update_intensity:
        return 0
    observed = usable_oracle(market, ctx)
    if observed is None:
        return 0  # no repeg on a stale, missing or too-uncertain price [UpdateAMMCurve validity]
    oracle = observed.price
    old = market.amm_peg
    amm_base = market.amm.base
    peg = amm.peg_for_price(oracle, depth, amm_base)
    if peg == old:
        return 0  # already at the oracle: moving to the same peg costs nothing
    cost = amm.repeg_cost(depth, amm_base, old or oracle, peg)
    if cost > max(market.fee_pool, 0):  # over budget: plan_repeg finds the peg the fee pool can pay for
        peg, cost = plan_repeg(market, oracle)
        if peg == old:
            return 0
    market.amm_peg = peg
    market.fee_pool -= cost
    market.amm_balance += cost  # the AMM's side: it now owes the users' position what the move gave it
    market.last_repeg_cost = cost
    market.total_repeg_cost += cost
    events.append(AmmRepegged(cfg.market_index, old, peg, cost, oracle))
    return cost


def market_of(state: State, instruction: Any) -> Market | None:
    """The market an order-taking instruction fills in: by its market_index, else its order's."""
    index = getattr(instruction, "market_index", None)
    if index is None:
        order = state.orders.get(getattr(instruction, "order_id", -1))
        index = order.market_index if order is not None else None
    return state.markets.get(index) if index is not None else None


def saved_amm(market: Market) -> tuple[int, int, int, int, int]:
    return market.amm_peg, market.fee_pool, market.amm_balance, market.last_repeg_cost, market.total_repeg_cost


def restore_amm(market: Market, saved: tuple[int, int, int, int, int]) -> None:
    (market.amm_peg, market.fee_pool, market.amm_balance, market.last_repeg_cost, market.total_repeg_cost) = saved


def amm_state(market: Market) -> dict[str, int]:
    """The curve as Drift names it (reserves and sqrt_k in BASE_PRECISION), for admin views."""
    cfg = market.config
    base_reserve, quote_reserve = amm.reserves(cfg.amm_depth, market.amm.base)
    peg = market.amm_peg or market.last_oracle_price
    return {
        "amm_peg": market.amm_peg,
        "reserve_price": amm.mid_price(peg, cfg.amm_depth, market.amm.base) if cfg.amm_depth else 0,
        "base_asset_reserve": base_reserve,
        "quote_asset_reserve": quote_reserve,
        "sqrt_k": cfg.amm_depth,
        "amm_base": market.amm.base,
        "fee_pool": market.fee_pool,
        "last_repeg_cost": market.last_repeg_cost,
        "total_repeg_cost": market.total_repeg_cost,
    }
