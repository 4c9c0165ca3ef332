"""The crank: what happens because time passed or the oracle moved (run on every observation).

Per market: oracle TWAP and circuit breaker, funding accrual, GTD expiry, stop/TP/trailing
triggers (and OCO/bracket links), market-order auctions, TWAP chunks, iceberg slices, and
resting orders the AMM curve now crosses. A failing order is rejected; the crank never raises.
"""

from __future__ import annotations

from .advanced import run_twap_chunk
from .constants import MARGIN_PRECISION
from .context import Context, OraclePrice
from .enums import MarketStatus, OrderStatus, OrderType, Side
from .enums import TimeInForce as TIF
from .errors import EngineError, ErrorCode
from .events import Event, CircuitBreakerTriggered, FundingRateUpdated, MarketStatusChanged, OrderTriggered
from .execution import (
    band_price,
    execute_taker,
    match_resting_orders_against_amm,
    record_taker_fill,
    refill_iceberg,
    run_order,
)
from .math import amm
from .math.fixed import div_ceil
from .math.funding import funding_rate_long_short, funding_spread, update_twap
from .orders import close_order, count_open, transition, unfilled_reason
from .positions import reducible
from .repeg import curve_peg, update_amm
from .risk import checked_oracle
from .state import Market, Order, State
from .trading import check_margin_for, market_guard

MS_HALTED = MarketStatus.HALTED
OT_ICEBERG = OrderType.ICEBERG
OT_MARKET = OrderType.MARKET
OT_TAKE_PROFIT_LIMIT = OrderType.TAKE_PROFIT_LIMIT
OT_TAKE_PROFIT_MARKET = OrderType.TAKE_PROFIT_MARKET
OT_TRAILING_STOP = OrderType.TRAILING_STOP
OT_TWAP = OrderType.TWAP
SIDE_BUY = Side.BUY
ST_CANCELLED = OrderStatus.CANCELLED
ST_EXPIRED = OrderStatus.EXPIRED
ST_FILLED = OrderStatus.FILLED
ST_OPEN = OrderStatus.OPEN
ST_PENDING_TRIGGER = OrderStatus.PENDING_TRIGGER
ST_REJECTED = OrderStatus.REJECTED
TIF_GTD = TIF.GTD


def observe_oracle(market: Market, oracle: OraclePrice, now: int, events: list[Event]) -> None:
    """Feed an observation into the oracle and mark TWAPs and the circuit breaker."""
    price = oracle.price
    if price <= 0:
        return
    cfg = market.config
    market.oracle_twap = update_twap(market.oracle_twap, market.oracle_twap_time, price, now, cfg.funding_interval)
    market.oracle_twap_time = now
    market.last_oracle_price = price
    mark = amm.mid_price(curve_peg(market, price), cfg.amm_depth, market.amm.base) if cfg.amm_depth else price
    market.mark_twap = update_twap(market.mark_twap, market.mark_twap_time, mark, now, cfg.funding_interval)
    market.mark_twap_time = now
    if not cfg.circuit_breaker_pct or market.status == MS_HALTED:
        return
    if market.cb_reference_price <= 0 or now - market.cb_window_start > cfg.circuit_breaker_window:
        market.cb_reference_price, market.cb_window_start = price, now
        return
    reference = market.cb_reference_price
    if abs(price - reference) * MARGIN_PRECISION > reference * cfg.circuit_breaker_pct:
        market.status = MS_HALTED
        market.circuit_breaker_tripped = True
        events.append(CircuitBreakerTriggered(cfg.market_index, reference, price))
        events.append(MarketStatusChanged(cfg.market_index, MS_HALTED, "circuit breaker"))


def accrue_funding(market: Market, now: int, events: list[Event]) -> bool:
    """Drift's update_funding_rate once the interval has elapsed; False when not due yet.

    rate = clamp(mark TWAP - oracle TWAP + oracle TWAP / 5000, tier cap) * 1e3 / periods a day;
    when the AMM's side would pay more than a third of the fee pool, the receiving side's rate
    shrinks (separate long and short cumulative rates). Positions settle lazily.
    """
    cfg = market.config
    if now - market.last_funding_time < cfg.funding_interval or market.oracle_twap <= 0:
        return False
    spread = funding_spread(market.mark_twap, market.oracle_twap, cfg.contract_tier, cfg.funding_interval)
    split = funding_rate_long_short(
        spread.funding_rate,
        -market.amm.base,  # the users' net position against the AMM
        market.open_interest_long,
        -market.open_interest_short,
        market.fee_pool,
    )
    market.cumulative_funding_rate_long += split.rate_long
    market.cumulative_funding_rate_short += split.rate_short
    market.last_funding_rate = spread.funding_rate
    market.last_funding_rate_long = split.rate_long
    market.last_funding_rate_short = split.rate_short
    market.last_price_spread = spread.price_spread
    market.last_funding_offset = spread.offset
    market.last_clamped_spread = spread.clamped_spread
    market.last_funding_oracle_twap = market.oracle_twap
    market.last_funding_amm_revenue = split.amm_pnl
    market.last_funding_time = now - (now - market.last_funding_time) % cfg.funding_interval
    events.append(
        FundingRateUpdated(
            cfg.market_index,
            spread.funding_rate,
            market.cumulative_funding_rate_long,
            market.mark_twap,
            market.oracle_twap,
            now,
            split.rate_long,
            split.rate_short,
            market.cumulative_funding_rate_short,
            spread.price_spread,
            spread.offset,
            spread.clamped_spread,
        )
    )
    return True


def is_triggered(order: Order, oracle: int) -> bool:
    is_buy = order.side == SIDE_BUY
    kind = order.order_type
    if kind == OT_TRAILING_STOP:
        if is_buy:
            order.auction_start_price = min(order.auction_start_price, oracle)
            order.trigger_price = order.auction_start_price + order.trailing_offset
        else:
            order.auction_start_price = max(order.auction_start_price, oracle)
            order.trigger_price = order.auction_start_price - order.trailing_offset
    if kind in (OT_TAKE_PROFIT_MARKET, OT_TAKE_PROFIT_LIMIT):
        return oracle <= order.trigger_price if is_buy else oracle >= order.trigger_price
    return oracle >= order.trigger_price if is_buy else oracle <= order.trigger_price


def fire_trigger(state: State, market: Market, order: Order, ctx: Context, oracle: int, events: list[Event]) -> None:
    """PENDING_TRIGGER -> OPEN and execute; a failed check rejects the order instead of raising."""
    if order.link_id:
        sibling = state.orders.get(order.link_id)
        if sibling is not None:
            close_order(state, sibling, ST_CANCELLED, events, "other side of OCO triggered")
    user = state.users[(order.authority, order.sub_account)]
    pos = user.positions[order.market_index]
    is_buy = order.side == SIDE_BUY
    count_open(state, order, -order.counted)
    if order.order_id in market.crank_ids:
        market.crank_ids.remove(order.order_id)
    events.append(OrderTriggered(order.order_id, market.config.market_index, order.trigger_price, oracle))
    if order.reduce_only and reducible(pos.base, is_buy) == 0:
        close_order(state, order, ST_CANCELLED, events, "nothing left to reduce")
        return
    try:
        market_guard(market, order.reduce_only or reducible(pos.base, is_buy) >= order.size - order.filled)
        if not order.reduce_only:
            worst = order.price or band_price(market, oracle, is_buy)
            check_margin_for(state, market, user, ctx, is_buy, order.size - order.filled, worst)
    except EngineError as err:
        close_order(state, order, ST_REJECTED, events, err.message)
        return
    transition(order, ST_OPEN)
    order.triggered = True
    order.auction_duration = 0
    run_order(state, market, user, order, ctx, oracle, events)


def _run_auction(state: State, market: Market, order: Order, ctx: Context, oracle: int, events: list[Event]) -> None:
    is_buy = order.side == SIDE_BUY
    start, end = order.auction_start_price, order.auction_end_price
    elapsed = ctx.slot - order.auction_start_slot
    finished = elapsed >= order.auction_duration
    if finished:
        limit = end
    elif is_buy:
        limit = start + div_ceil((end - start) * elapsed, order.auction_duration)
    else:
        limit = start + (end - start) * elapsed // order.auction_duration
    user = state.users[(order.authority, order.sub_account)]
    size = order.size - order.filled
    filled = execute_taker(state, market, user, order, size, limit, oracle, ctx, finished, limit, events)
    if filled:
        record_taker_fill(state, order, filled, ctx, oracle, events)
    if order.status == ST_FILLED:
        close_order(state, order, ST_FILLED, events)
    elif finished:
        close_order(
            state, order, ST_CANCELLED, events, unfilled_reason(state, order, "auction ended with the rest unfilled")
        )


def crank_order(state: State, market: Market, order: Order, ctx: Context, oracle: int, events: list[Event]) -> None:
    if order.time_in_force == TIF_GTD and order.expire_time <= ctx.unix_time:
        close_order(state, order, ST_EXPIRED, events)
    elif order.status == ST_PENDING_TRIGGER:
        if is_triggered(order, oracle):
            fire_trigger(state, market, order, ctx, oracle, events)
    elif order.order_type == OT_MARKET and order.auction_duration:
        _run_auction(state, market, order, ctx, oracle, events)
    elif order.order_type == OT_TWAP:
        if ctx.unix_time >= order.next_time:
            run_twap_chunk(state, order, ctx, events)
    elif order.order_type == OT_ICEBERG and not order.child_ids:
        refill_iceberg(state, order, ctx, oracle, events)


def crank(state: State, ctx: Context) -> list[Event]:
    events: list[Event] = []
    for market_index in sorted(state.markets):
        market = state.markets[market_index]
        observation = ctx.oracles.get(market_index)
        update_amm(market, ctx, events)  # the peg back to the oracle first, as Drift's _update_amm
        if observation is not None:
            observe_oracle(market, observation, ctx.unix_time, events)
        accrue_funding(market, ctx.unix_time, events)
        if market.status == MS_HALTED:
            continue
        try:
            oracle = checked_oracle(market, ctx).price
        except EngineError:
            continue
        for order_id in list(market.crank_ids):
            order = state.orders.get(order_id)
            if order is not None and order_id in market.crank_ids:
                crank_order(state, market, order, ctx, oracle, events)
        match_resting_orders_against_amm(state, market, oracle, ctx, events)
    return events


def execute_conditional_order(state: State, order: Order, ctx: Context, events: list[Event]) -> None:
    market = state.markets[order.market_index]
    if order.status != ST_PENDING_TRIGGER:
        raise EngineError(ErrorCode.ORDER_NOT_OPEN, f"order {order.order_id} is not waiting for a trigger")
    oracle = checked_oracle(market, ctx).price
    if not is_triggered(order, oracle):
        raise EngineError(ErrorCode.NOT_TRIGGERED, f"order {order.order_id} trigger condition does not hold")
    fire_trigger(state, market, order, ctx, oracle, events)
