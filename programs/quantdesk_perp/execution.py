"""Running a validated order: wait for its trigger, auction, match, rest; and the follow-up work
fills leave (bracket legs to arm, the next iceberg slice to show), which matching hands back.

Layering: matching <- execution <- trading <- advanced <- crank <- processor. Nothing here calls
up: matching stops and returns its follow-up work, and this module runs it.
"""

from __future__ import annotations

from .book import add_resting
from .constants import PERCENTAGE_PRECISION
from .context import Context
from .enums import CONDITIONAL_TYPES, LIMIT_EXECUTION_TYPES, OrderStatus, OrderType, Side
from .enums import TimeInForce as TIF
from .events import Event, PositionChanged
from .matching import match_resting_against_amm, match_taker
from .math import amm
from .repeg import curve
from .orders import (
    ArmBracketLegs,
    FollowUp,
    arm_bracket_legs,
    close_order,
    count_open,
    new_order_id,
    on_fill,
    order_placed,
    record_fill,
    unfilled_reason,
)
from .positions import get_position
from .state import Market, Order, State, UserAccount

OT_LIMIT = OrderType.LIMIT
SIDE_BUY = Side.BUY
ST_CANCELLED = OrderStatus.CANCELLED
ST_FILLED = OrderStatus.FILLED
ST_OPEN = OrderStatus.OPEN
ST_PENDING_TRIGGER = OrderStatus.PENDING_TRIGGER
TIF_FOK = TIF.FOK
TIF_GTC = TIF.GTC
TIF_GTD = TIF.GTD
TIF_IOC = TIF.IOC


def band_price(market: Market, oracle: int, is_buy: bool) -> int:
    """The worst price a market order may fill at: oracle ± auction band, rounded against the user."""
    band = market.config.auction_band
    if is_buy:
        return -(-oracle * (PERCENTAGE_PRECISION + band) // PERCENTAGE_PRECISION)  # div_ceil: twice an order
    return oracle * (PERCENTAGE_PRECISION - band) // PERCENTAGE_PRECISION


def execute_taker(
    state: State,
    market: Market,
    user: UserAccount,
    order: Order,
    size: int,
    limit: int,
    oracle: int,
    ctx: Context,
    use_amm: bool,
    jit_limit: int,
    events: list[Event],
) -> int:
    """Fill `order` as a taker for up to `size` (see matching.match_taker); returns the base filled.

    When a fill leaves follow-up work, matching stops; the work runs (a filled iceberg slice's
    successor joins its level now, so the taker may reach it) and matching goes on.
    """
    is_buy, reduce_only = order.side == SIDE_BUY, order.reduce_only
    filled = realized = 0
    while True:
        more, more_realized, follow_up = match_taker(  # positional: keywords cost on every order
            state,
            market,
            user,
            is_buy,
            size - filled,
            limit,
            order.order_id,
            oracle,
            ctx,
            use_amm,
            jit_limit,
            reduce_only,
            events,
        )
        filled += more
        realized += more_realized
        if follow_up is None:
            break
        run_follow_up(state, follow_up, ctx, oracle, events)
    if filled:
        pos = user.positions[market.config.market_index]
        events.append(
            PositionChanged(
                user.authority, user.sub_account, market.config.market_index, pos.base, pos.quote_entry, realized
            )
        )
    return filled


def match_resting_orders_against_amm(
    state: State, market: Market, oracle: int, ctx: Context, events: list[Event]
) -> None:
    """Resting limit orders the curve now crosses fill at its price, bids first, then asks."""
    for is_buy in (True, False):
        while (follow_up := match_resting_against_amm(state, market, oracle, ctx, events, is_buy)) is not None:
            run_follow_up(state, follow_up, ctx, oracle, events)


def run_follow_up(state: State, follow_up: FollowUp, ctx: Context, oracle: int, events: list[Event]) -> None:
    if isinstance(follow_up, ArmBracketLegs):
        arm_bracket_legs(state, follow_up.entry)
    else:
        refill_iceberg(state, follow_up.parent, ctx, oracle, events)


def admit_order(
    state: State, market: Market, user: UserAccount, order: Order, ctx: Context, oracle: int, events: list[Event]
) -> None:
    """Start a validated order's life: wait for its trigger, or run it now (auction, match, rest).

    Orders join the live state (state.orders, the account's order list) only when they outlive the
    instruction, so an order that fills at once costs no bookkeeping.
    """
    if order.market_index not in user.positions:
        get_position(user, market)
    if order.order_type in CONDITIONAL_TYPES:
        order.status = ST_PENDING_TRIGGER
    events.append(order_placed(order))
    if order.status == ST_PENDING_TRIGGER:
        register(state, user, order)
        count_open(state, order, order.size)
        market.crank_ids.append(order.order_id)
        return
    run_order(state, market, user, order, ctx, oracle, events)


def register(state: State, user: UserAccount, order: Order) -> None:
    if order.order_id not in state.orders:
        state.orders[order.order_id] = order
        user.order_ids.append(order.order_id)


def record_taker_fill(state: State, order: Order, filled: int, ctx: Context, oracle: int, events: list[Event]) -> None:
    """Count what a taker order filled and run what that leaves to do (before the order may close)."""
    record_fill(state, order, filled)
    if order.link_id or order.parent_id or order.child_ids:
        follow_up = on_fill(state, order, filled, events)
        if isinstance(follow_up, ArmBracketLegs):
            arm_bracket_legs(state, follow_up.entry)
        # A filled iceberg slice needs nothing here: refill_iceberg, which runs slices, shows the next.


def run_order(
    state: State, market: Market, user: UserAccount, order: Order, ctx: Context, oracle: int, events: list[Event]
) -> None:
    """Execute an OPEN order now: market orders start their auction, limit orders match then rest."""
    is_buy = order.side == SIDE_BUY
    if order.order_type in LIMIT_EXECUTION_TYPES:
        limit, use_amm, jit = order.price, True, 0
    else:
        limit = band_price(market, oracle, is_buy)
        if order.price:
            limit = min(limit, order.price) if is_buy else max(limit, order.price)
        use_amm, jit = order.auction_duration == 0, limit
        if order.auction_duration:
            order.auction_start_price, order.auction_end_price = oracle, limit
            order.auction_start_slot = ctx.slot
            limit = jit = oracle
    filled = 0
    if not order.post_only and _may_cross(market, is_buy, limit, oracle, jit):
        size = order.size - order.filled
        filled = execute_taker(state, market, user, order, size, limit, oracle, ctx, use_amm, jit, events)
    if filled:
        if order.link_id or order.parent_id or order.child_ids:
            record_taker_fill(state, order, filled, ctx, oracle, events)
        else:
            record_fill(state, order, filled)
    if order.status == ST_FILLED:
        close_order(state, order, ST_FILLED, events)
    elif order.order_type in LIMIT_EXECUTION_TYPES:
        if order.time_in_force in (TIF_IOC, TIF_FOK):
            reason = unfilled_reason(state, order, "immediate-or-cancel remainder")
            close_order(state, order, ST_CANCELLED, events, reason)
        else:
            register(state, user, order)
            add_resting(market, order)
            count_open(state, order, order.size - order.filled)
            if order.time_in_force == TIF_GTD:
                market.crank_ids.append(order.order_id)
    elif order.auction_duration and order.slot == ctx.slot and order.order_id not in market.crank_ids:
        register(state, user, order)
        count_open(state, order, order.size - order.filled)
        market.crank_ids.append(order.order_id)
    else:
        close_order(
            state, order, ST_CANCELLED, events, unfilled_reason(state, order, "no liquidity within the price band")
        )


def _may_cross(market: Market, is_buy: bool, limit: int, oracle: int, other_liquidity: int) -> bool:
    """Cheap test that matching could fill anything (most resting limit orders cannot)."""
    if other_liquidity or market.jit_makers:
        return True
    if is_buy:
        if market.ask_prices and market.ask_prices[0] <= limit:
            return True
    elif market.bid_prices and market.bid_prices[-1] >= limit:
        return True
    cfg = market.config
    if not cfg.amm_depth:
        return False
    if is_buy:
        return amm.ask_price(*curve(market, oracle)) <= limit
    return amm.bid_price(*curve(market, oracle)) >= limit


def refill_iceberg(state: State, parent: Order, ctx: Context, oracle: int, events: list[Event]) -> None:
    """Show the next slice of an iceberg as a limit child (margin is held by the parent)."""
    market = state.markets[parent.market_index]
    user = state.users[(parent.authority, parent.sub_account)]
    while parent.order_id in state.orders and not parent.child_ids and parent.size > parent.filled:
        child = Order(
            new_order_id(state),
            parent.authority,
            parent.sub_account,
            parent.market_index,
            parent.side,
            OT_LIMIT,
            ST_OPEN,
            min(parent.display_size, parent.size - parent.filled),
            parent.price,
            0,
            TIF_GTC,
            parent.reduce_only,
            client_order_id=parent.client_order_id,
            slot=ctx.slot,
            parent_id=parent.order_id,
        )
        parent.child_ids.append(child.order_id)
        state.orders[child.order_id] = child
        user.order_ids.append(child.order_id)
        events.append(order_placed(child))
        run_order(state, market, user, child, ctx, oracle, events)
