"""Applying fills and funding to positions; every quote movement is a transfer between two ledgers."""

from __future__ import annotations

from .enums import CollateralAsset
from .events import Event, FundingSettled
from .math.funding import funding_owed
from .state import Market, Position, UserAccount

USDC = CollateralAsset.USDC


def side_cumulative_funding(market: Market, base: int) -> int:
    """The cumulative funding rate a position of this sign pays or receives (shorts when flat)."""
    return market.cumulative_funding_rate_long if base > 0 else market.cumulative_funding_rate_short


def funding_pending(market: Market, pos: Position) -> bool:
    if pos.base == 0:
        return False
    return pos.last_cumulative_funding != side_cumulative_funding(market, pos.base)


def get_position(user: UserAccount, market: Market) -> Position:
    pos = user.positions.get(market.config.market_index)
    if pos is None:
        pos = Position(market.config.market_index)
        user.positions[market.config.market_index] = pos
    return pos


def credit(user: UserAccount, amount: int) -> None:
    balances = user.balances
    balances[USDC] = balances.get(USDC, 0) + amount


def apply_to_position(pos: Position, delta: int, flow: int) -> int:
    """Add `delta` base paid by `flow` quote (signed, into the holder); returns realized pnl.

    The cost basis of a partial close is split with floor division, which is against the holder
    for both longs (more negative cost) and shorts (less proceeds); totals stay exact.
    """
    base = pos.base
    if base == 0 or (base > 0) == (delta > 0):
        pos.base = base + delta
        pos.quote_entry += flow
        return 0
    size = base if base > 0 else -base
    amount = delta if delta > 0 else -delta
    if amount <= size:
        portion = pos.quote_entry * amount // size
        pos.quote_entry -= portion
        pos.base = base + delta
        realized = flow + portion
    else:  # flip: close everything, open the rest
        close_flow = flow * size // amount
        realized = close_flow + pos.quote_entry
        pos.quote_entry = flow - close_flow
        pos.base = base + delta
    pos.realized_pnl += realized
    return realized


def apply_user_fill(market: Market, user: UserAccount, pos: Position, delta: int, flow: int) -> int:
    """Funding must be settled first: a position that opens or flips starts at its side's rate."""
    before = pos.base
    realized = apply_to_position(pos, delta, flow)
    if realized:
        credit(user, realized)
    after = pos.base
    if after and (before > 0) != (after > 0) or before == 0:
        pos.last_cumulative_funding = side_cumulative_funding(market, after)
    # open interest counts users' longs and shorts separately
    if after > 0:
        market.open_interest_long += after
    elif after < 0:
        market.open_interest_short -= after
    if before > 0:
        market.open_interest_long -= before
    elif before < 0:
        market.open_interest_short += before
    return realized


def apply_amm_fill(market: Market, delta: int, flow: int) -> None:
    market.amm_balance += apply_to_position(market.amm, delta, flow)


def settle_funding(market: Market, user: UserAccount, pos: Position, events: list[Event]) -> int:
    """Move funding owed since the position's snapshot between the user and the AMM pool."""
    cumulative = side_cumulative_funding(market, pos.base)
    if pos.last_cumulative_funding == cumulative:
        return 0
    owed = funding_owed(pos.base, cumulative, pos.last_cumulative_funding)
    pos.last_cumulative_funding = cumulative
    if owed:
        credit(user, -owed)
        market.amm_balance += owed
        pos.funding_paid += owed
        events.append(FundingSettled(user.authority, user.sub_account, market.config.market_index, owed))
    return owed


def reducible(base: int, is_buy: bool) -> int:
    """How much an order on this side can trade without growing or flipping the position."""
    if is_buy:
        return -base if base < 0 else 0
    if base > 0:
        return base
    return 0
