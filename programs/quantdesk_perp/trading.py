"""place_order / cancel / modify: validate everything first, then mutate (the hot path never copies)."""

from __future__ import annotations

from .book import remove_resting
from .constants import BASE_PRECISION, PERCENTAGE_PRECISION, PRICE_PRECISION, QUOTE_PRECISION
from .context import Context
from .enums import CONDITIONAL_TYPES, LIMIT_EXECUTION_TYPES, MarketStatus, OrderStatus, OrderType, Side
from .enums import TimeInForce as TIF
from .errors import EngineError, ErrorCode
from .events import Event, OrderModified
from .execution import admit_order, band_price, run_order
from .instructions import CancelOrder, CancelOrders, ModifyOrder, PlaceOrder
from .math import amm
from .repeg import curve
from .orders import close_order, count_open, live_order, new_order_id
from .positions import reducible
from .risk import checked_oracle, order_free_collateral, require_not_being_liquidated, usable_oracle
from .state import Market, Order, State, UserAccount

MS_ACTIVE = MarketStatus.ACTIVE
MS_HALTED = MarketStatus.HALTED
MS_REDUCE_ONLY = MarketStatus.REDUCE_ONLY
OT_LIMIT = OrderType.LIMIT
OT_MARKET = OrderType.MARKET
OT_STOP_MARKET = OrderType.STOP_MARKET
OT_TAKE_PROFIT_MARKET = OrderType.TAKE_PROFIT_MARKET
OT_TRAILING_STOP = OrderType.TRAILING_STOP
SIDE_BUY = Side.BUY
ST_CANCELLED = OrderStatus.CANCELLED
ST_FILLED = OrderStatus.FILLED
ST_OPEN = OrderStatus.OPEN
ST_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED
ST_PENDING_TRIGGER = OrderStatus.PENDING_TRIGGER
TIF_FOK = TIF.FOK
TIF_GTD = TIF.GTD
TIF_IOC = TIF.IOC

MAX_AMOUNT = 2**63 - 1
MARKET_TYPES = (OT_MARKET, OT_STOP_MARKET, OT_TAKE_PROFIT_MARKET, OT_TRAILING_STOP)


def get_market(state: State, market_index: int) -> Market:
    market = state.markets.get(market_index)
    if market is None:
        raise EngineError(ErrorCode.UNKNOWN_MARKET, f"no market with index {market_index}")
    return market


def get_user(state: State, authority: str, sub_account: int) -> UserAccount:
    user = state.users.get((authority, sub_account))
    if user is None:
        raise EngineError(ErrorCode.UNKNOWN_ACCOUNT, f"no account {authority}/{sub_account}; create it first")
    return user


def check_size(market: Market, size: int) -> None:
    cfg = market.config
    if type(size) is not int or size <= 0 or size > MAX_AMOUNT:
        raise EngineError(ErrorCode.INVALID_SIZE, f"size must be a positive integer of base units, got {size!r}")
    if size % cfg.step_size:
        raise EngineError(ErrorCode.OFF_STEP, f"{cfg.symbol} sizes move in steps of {cfg.step_size / BASE_PRECISION:g}")
    if size < cfg.min_size:
        raise EngineError(ErrorCode.BELOW_MIN_SIZE, f"{cfg.symbol} minimum size is {cfg.min_size / BASE_PRECISION:g}")


def check_price(market: Market, price: int | None, what: str = "price") -> int:
    cfg = market.config
    if price is None or type(price) is not int or price <= 0 or price > MAX_AMOUNT:
        raise EngineError(ErrorCode.INVALID_PRICE, f"{what} must be a positive integer price, got {price!r}")
    if price % cfg.tick_size:
        raise EngineError(
            ErrorCode.OFF_TICK, f"{cfg.symbol} {what} must be a multiple of {cfg.tick_size / PRICE_PRECISION:g}"
        )
    return price


def market_guard(market: Market, reduces: bool) -> None:
    if market.status == MS_HALTED:
        if market.circuit_breaker_tripped:
            raise EngineError(ErrorCode.CIRCUIT_BREAKER, f"{market.config.symbol} is halted by its circuit breaker")
        raise EngineError(ErrorCode.MARKET_HALTED, f"{market.config.symbol} is halted")
    if market.status == MS_REDUCE_ONLY and not reduces:
        raise EngineError(ErrorCode.MARKET_REDUCE_ONLY, f"{market.config.symbol} only accepts orders that reduce")


def check_margin_for(
    state: State, market: Market, user: UserAccount, ctx: Context, is_buy: bool, size: int, worst_price: int
) -> None:
    """Refuse unless free collateral stays >= 0 whether the order fills entirely at its worst price or
    not at all (resting, counted as open). Free collateral is concave in the filled fraction, so
    these two ends bound every partial fill.
    """
    cfg = market.config
    notional = -(-size * worst_price // BASE_PRECISION)  # div_ceil (inlined: every order): fees' notional
    if notional > MAX_AMOUNT:  # balances and entry values are 64-bit on chain
        raise EngineError(
            ErrorCode.MATH_OVERFLOW, f"this order's notional ({notional / 1e6:,.0f} USD) is beyond 64-bit amounts"
        )
    if is_buy:
        flow, delta = -notional, size
    else:
        flow, delta = size * worst_price // BASE_PRECISION, -size
    fee = -(-notional * cfg.taker_fee // PERCENTAGE_PRECISION)  # matching.fee_for, inlined: every order
    filled, resting = order_free_collateral(state, user, ctx, cfg.market_index, delta, flow - fee, is_buy, size)
    shortfall = filled
    shortfall = min(shortfall, resting)
    if shortfall < 0:
        raise EngineError(
            ErrorCode.INSUFFICIENT_COLLATERAL,
            f"this order needs {-shortfall / QUOTE_PRECISION:,.2f} USD more collateral than the account has free",
        )


def check_open_interest(market: Market, base: int, is_buy: bool, size: int) -> None:
    cap = market.config.max_open_interest
    if not cap:
        return
    after = base + size if is_buy else base - size
    if is_buy:
        grow, current = max(after, 0) - max(base, 0), market.open_interest_long
    else:
        grow, current = max(-after, 0) - max(-base, 0), market.open_interest_short
    if grow > 0 and current + grow > cap:
        raise EngineError(ErrorCode.OI_CAP, f"{market.config.symbol} open interest cap reached")


def available_liquidity(state: State, market: Market, user: UserAccount, is_buy: bool, limit: int, oracle: int) -> int:
    """Base fillable at `limit` or better right now (for FOK): resting orders of others + the AMM."""
    key = (user.authority, user.sub_account)
    total = 0
    levels = market.asks if is_buy else market.bids
    for price in market.ask_prices if is_buy else reversed(market.bid_prices):
        if price > limit if is_buy else price < limit:
            break
        for order_id in levels[price]:
            order = state.orders[order_id]
            if (order.authority, order.sub_account) != key:
                total += order.size - order.filled
    cfg = market.config
    if cfg.amm_depth:
        fn = amm.max_buy if is_buy else amm.max_sell
        qty = fn(*curve(market, oracle), limit)
        total += qty - qty % cfg.step_size
    return total


def place_order(state: State, ix: PlaceOrder, ctx: Context, events: list[Event]) -> None:
    # Hot path: each check accepts inline and calls its helper only to explain a refusal.
    market = state.markets.get(ix.market_index) or get_market(state, ix.market_index)
    user = state.users.get((ix.authority, ix.sub_account)) or get_user(state, ix.authority, ix.sub_account)
    if user.being_liquidated or user.bankrupt:
        require_not_being_liquidated(state, user, ctx)
    cfg = market.config
    size = ix.size
    if type(size) is not int or size <= 0 or size > MAX_AMOUNT or size % cfg.step_size or size < cfg.min_size:
        check_size(market, size)
    order_type = ix.order_type
    if order_type not in MARKET_TYPES and order_type not in LIMIT_EXECUTION_TYPES:
        raise EngineError(ErrorCode.INVALID_ORDER, f"{order_type.name} orders have their own instruction")
    is_buy = ix.side == SIDE_BUY
    pos = user.positions.get(ix.market_index)
    base = pos.base if pos is not None else 0
    can_reduce = reducible(base, is_buy)
    if ix.reduce_only and can_reduce == 0:
        raise EngineError(ErrorCode.REDUCE_ONLY_INCREASES, "reduce-only order would open or grow a position")
    if market.status != MS_ACTIVE:
        market_guard(market, ix.reduce_only or can_reduce >= ix.size)
    observed = usable_oracle(market, ctx)
    if observed is None:
        observed = checked_oracle(market, ctx)  # refuses, naming what is wrong
    oracle = observed.price
    tif = ix.time_in_force
    if tif == TIF_GTD:
        if ix.expire_time is None or ix.expire_time <= ctx.unix_time:
            raise EngineError(ErrorCode.INVALID_EXPIRY, "a GTD order needs an expire time in the future")
    elif ix.expire_time is not None:
        raise EngineError(ErrorCode.INVALID_EXPIRY, "only GTD orders take an expire time")
    if len(user.order_ids) >= cfg.max_orders_per_account:
        raise EngineError(ErrorCode.TOO_MANY_ORDERS, f"at most {cfg.max_orders_per_account} open orders per account")
    price = check_price(market, ix.price) if order_type in LIMIT_EXECUTION_TYPES or ix.price is not None else 0
    trigger = 0
    if order_type in CONDITIONAL_TYPES and order_type != OT_TRAILING_STOP:
        trigger = check_price(market, ix.trigger_price, "trigger price")
    elif ix.trigger_price is not None:
        raise EngineError(ErrorCode.INVALID_TRIGGER, f"{order_type.name} orders take no trigger price")
    offset = 0
    if order_type == OT_TRAILING_STOP:
        offset = check_price(market, ix.trailing_offset, "trailing offset")
        trigger = oracle - offset if not is_buy else oracle + offset
        if trigger <= 0:
            raise EngineError(ErrorCode.INVALID_TRIGGER, "trailing offset is larger than the price")
    if ix.post_only and (order_type != OT_LIMIT or tif in (TIF_IOC, TIF_FOK)):
        raise EngineError(ErrorCode.INVALID_ORDER, "post-only applies to resting limit orders only")
    if order_type == OT_MARKET:
        worst = band_price(market, oracle, is_buy)
        if price:
            worst = min(worst, price) if is_buy else max(worst, price)
    elif order_type in LIMIT_EXECUTION_TYPES:
        worst = price
    else:
        worst = band_price(market, trigger, is_buy)
    if not ix.reduce_only:
        if cfg.max_open_interest:
            check_open_interest(market, base, is_buy, ix.size)
        check_margin_for(state, market, user, ctx, is_buy, ix.size, worst)
    if ix.post_only:
        book_cross = (
            market.ask_prices and market.ask_prices[0] <= price
            if is_buy
            else (market.bid_prices and market.bid_prices[-1] >= price)
        )
        amm_price = 0
        if cfg.amm_depth:
            fn = amm.ask_price if is_buy else amm.bid_price
            amm_price = fn(*curve(market, oracle))
        if book_cross or (amm_price and (amm_price <= price if is_buy else amm_price >= price)):
            raise EngineError(ErrorCode.POST_ONLY_WOULD_CROSS, "post-only order would take liquidity")
    if tif == TIF_FOK:
        fillable = available_liquidity(state, market, user, is_buy, worst, oracle)
        if ix.reduce_only:
            fillable = min(fillable, can_reduce)
        if fillable < ix.size:
            raise EngineError(ErrorCode.FOK_NOT_FILLED, "fill-or-kill order cannot fill completely now")
    open_order(state, market, user, ix, ctx, oracle, price, trigger, offset, events)


def place_accepted_order(state: State, ix: PlaceOrder, ctx: Context, events: list[Event]) -> None:
    """A PlaceOrder the engine has already accepted, as the journal replays it: place_order less the
    checks whose only outcome is a refusal (account, size, type, reduce-only, market status, oracle
    validity, expiry, order count, price and trigger ticks, post-only, open interest, margin, FOK).

    Same state, same instruction, same context: they passed when the order was acked, so they would
    pass again; skipping them is also what keeps an acked order when a later rule would refuse it.
    What decides how the order runs (its prices, trigger, auction, reduce-only clipping, post-only,
    IOC/FOK remainders, self-trade prevention) is computed as place_order computes it."""
    market = state.markets.get(ix.market_index) or get_market(state, ix.market_index)
    user = state.users.get((ix.authority, ix.sub_account)) or get_user(state, ix.authority, ix.sub_account)
    observed = ctx.oracles.get(ix.market_index) or checked_oracle(market, ctx)
    oracle = observed.price
    order_type = ix.order_type
    price = ix.price or 0
    trigger = offset = 0
    if order_type == OT_TRAILING_STOP:
        offset = ix.trailing_offset or 0
        trigger = oracle + offset if ix.side == SIDE_BUY else oracle - offset
    elif order_type in CONDITIONAL_TYPES:
        trigger = ix.trigger_price or 0
    open_order(state, market, user, ix, ctx, oracle, price, trigger, offset, events)


def open_order(
    state: State,
    market: Market,
    user: UserAccount,
    ix: PlaceOrder,
    ctx: Context,
    oracle: int,
    price: int,
    trigger: int,
    offset: int,
    events: list[Event],
) -> None:
    """Create the validated order and start its life (execution.admit_order)."""
    order_type = ix.order_type
    order = Order(
        new_order_id(state),
        ix.authority,
        ix.sub_account,
        ix.market_index,
        ix.side,
        order_type,
        ST_OPEN,
        ix.size,
        price,
        trigger,
        ix.time_in_force,
        ix.reduce_only,
        ix.post_only,
        ix.expire_time or 0,
        offset,
        ix.client_order_id,
        slot=ctx.slot,
    )
    if order_type == OT_TRAILING_STOP:
        order.auction_start_price = oracle  # the trail's reference (best price seen)
    if order_type == OT_MARKET:
        order.auction_duration = (
            market.config.auction_duration_slots if ix.auction_duration_slots is None else ix.auction_duration_slots
        )
    admit_order(state, market, user, order, ctx, oracle, events)


def cancel_order(state: State, ix: CancelOrder, ctx: Context, events: list[Event]) -> None:
    order = live_order(state, ix.order_id, ix.authority, ix.sub_account)
    close_order(state, order, ST_CANCELLED, events, "cancelled by user")


def cancel_orders(state: State, ix: CancelOrders, ctx: Context, events: list[Event]) -> None:
    user = get_user(state, ix.authority, ix.sub_account)
    if ix.market_index is not None:
        get_market(state, ix.market_index)
    for order_id in list(user.order_ids):
        order = state.orders.get(order_id)
        if order is not None and (ix.market_index is None or order.market_index == ix.market_index):
            close_order(state, order, ST_CANCELLED, events, "cancelled by user")


def modify_order(state: State, ix: ModifyOrder, ctx: Context, events: list[Event]) -> None:
    """Cancel-replace in place (runs on a copy: a refusal leaves the old order untouched)."""
    order = live_order(state, ix.order_id, ix.authority, ix.sub_account)
    market = get_market(state, order.market_index)
    user = get_user(state, ix.authority, ix.sub_account)
    if order.order_type not in LIMIT_EXECUTION_TYPES and order.order_type not in CONDITIONAL_TYPES:
        raise EngineError(ErrorCode.INVALID_ORDER, f"{order.order_type.name} orders cannot be modified")
    size = order.size if ix.size is None else ix.size
    check_size(market, size)
    if size <= order.filled:
        raise EngineError(ErrorCode.INVALID_SIZE, "new size must exceed what has already filled")
    price = order.price if ix.price is None else check_price(market, ix.price)
    trigger = order.trigger_price if ix.trigger_price is None else check_price(market, ix.trigger_price, "trigger")
    oracle = checked_oracle(market, ctx).price
    resting = order.status in (ST_OPEN, ST_PARTIALLY_FILLED)
    if resting:
        remove_resting(market, order)
    count_open(state, order, -order.counted)
    order.size, order.price, order.trigger_price = size, price, trigger
    is_buy = order.side == SIDE_BUY
    if not order.reduce_only:
        worst = price if order.order_type in LIMIT_EXECUTION_TYPES else band_price(market, trigger, is_buy)
        check_margin_for(state, market, user, ctx, is_buy, size - order.filled, worst)
    events.append(OrderModified(order.order_id, size, price, trigger))
    if resting:
        run_order(state, market, user, order, ctx, oracle, events)
    else:
        count_open(state, order, size)
