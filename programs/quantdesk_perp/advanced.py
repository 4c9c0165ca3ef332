"""Composite orders: OCO pairs, brackets, TWAP and iceberg parents and their children."""

from __future__ import annotations

from .context import Context
from .enums import OrderStatus, OrderType, Side
from .enums import TimeInForce as TIF
from .errors import EngineError, ErrorCode
from .events import Event, OrderRejected
from .execution import admit_order, band_price, execute_taker, refill_iceberg
from .instructions import PlaceBracketOrder, PlaceIcebergOrder, PlaceOcoOrder, PlaceTwapOrder
from .math.fixed import div_ceil, round_up_to
from .orders import close_order, count_open, new_order_id, order_placed, record_fill
from .positions import get_position, reducible
from .risk import checked_oracle
from .state import Market, Order, State, UserAccount
from .trading import (
    check_margin_for,
    check_open_interest,
    check_price,
    check_size,
    get_market,
    get_user,
    market_guard,
)

OT_ICEBERG = OrderType.ICEBERG
OT_LIMIT = OrderType.LIMIT
OT_MARKET = OrderType.MARKET
OT_STOP_MARKET = OrderType.STOP_MARKET
OT_TAKE_PROFIT_MARKET = OrderType.TAKE_PROFIT_MARKET
OT_TWAP = OrderType.TWAP
SIDE_BUY = Side.BUY
SIDE_SELL = Side.SELL
ST_CANCELLED = OrderStatus.CANCELLED
ST_FILLED = OrderStatus.FILLED
ST_OPEN = OrderStatus.OPEN
ST_PENDING_ENTRY = OrderStatus.PENDING_ENTRY
ST_PENDING_TRIGGER = OrderStatus.PENDING_TRIGGER
TIF_GTC = TIF.GTC


def _opposite(side: Side) -> Side:
    return SIDE_SELL if side == SIDE_BUY else SIDE_BUY


def _exit_legs(
    state: State, ix: PlaceOcoOrder | PlaceBracketOrder, side: Side, tp: int, sl: int, status: OrderStatus, slot: int
) -> tuple[Order, Order]:
    """A take-profit and a stop-loss market leg (reduce-only) for the whole size, each the other's
    one-cancels-other sibling."""
    take, stop = (
        Order(
            new_order_id(state),
            ix.authority,
            ix.sub_account,
            ix.market_index,
            side,
            order_type,
            status,
            ix.size,
            trigger_price=trigger,
            reduce_only=True,
            client_order_id=ix.client_order_id,
            slot=slot,
        )
        for order_type, trigger in ((OT_TAKE_PROFIT_MARKET, tp), (OT_STOP_MARKET, sl))
    )
    take.link_id, stop.link_id = stop.order_id, take.order_id
    return take, stop


def _check_exit_prices(is_long_exit: bool, take_profit: int, stop_loss: int, oracle: int) -> None:
    """Exits of a long sell: TP above the oracle, SL below it (mirrored for shorts)."""
    ok = stop_loss < oracle < take_profit if is_long_exit else take_profit < oracle < stop_loss
    if not ok:
        raise EngineError(ErrorCode.INVALID_TRIGGER, "take-profit and stop-loss must sit either side of the price")


def place_oco_order(state: State, ix: PlaceOcoOrder, ctx: Context, events: list[Event]) -> None:
    market = get_market(state, ix.market_index)
    user = get_user(state, ix.authority, ix.sub_account)
    check_size(market, ix.size)
    tp = check_price(market, ix.take_profit_price, "take-profit price")
    sl = check_price(market, ix.stop_loss_price, "stop-loss price")
    oracle = checked_oracle(market, ctx).price
    _check_exit_prices(ix.side == SIDE_SELL, tp, sl, oracle)
    pos = user.positions.get(ix.market_index)
    if ix.reduce_only and reducible(pos.base if pos else 0, ix.side == SIDE_BUY) == 0:
        raise EngineError(ErrorCode.REDUCE_ONLY_INCREASES, "OCO exits need a position to reduce")
    market_guard(market, ix.reduce_only)
    if not ix.reduce_only:
        check_margin_for(
            state,
            market,
            user,
            ctx,
            ix.side == SIDE_BUY,
            ix.size,
            band_price(market, max(tp, sl) if ix.side == SIDE_BUY else min(tp, sl), ix.side == SIDE_BUY),
        )
    take, stop = _exit_legs(state, ix, ix.side, tp, sl, ST_PENDING_TRIGGER, ctx.slot)
    take.reduce_only = stop.reduce_only = ix.reduce_only
    for leg in (take, stop):
        admit_order(state, market, user, leg, ctx, oracle, events)


def place_bracket_order(state: State, ix: PlaceBracketOrder, ctx: Context, events: list[Event]) -> None:
    market = get_market(state, ix.market_index)
    user = get_user(state, ix.authority, ix.sub_account)
    check_size(market, ix.size)
    tp = check_price(market, ix.take_profit_price, "take-profit price")
    sl = check_price(market, ix.stop_loss_price, "stop-loss price")
    entry_price = check_price(market, ix.entry_price, "entry price") if ix.entry_price is not None else 0
    oracle = checked_oracle(market, ctx).price
    is_buy = ix.side == SIDE_BUY
    _check_exit_prices(is_buy, tp, sl, entry_price or oracle)
    market_guard(market, False)
    pos = user.positions.get(ix.market_index)
    check_open_interest(market, pos.base if pos else 0, is_buy, ix.size)
    check_margin_for(state, market, user, ctx, is_buy, ix.size, entry_price or band_price(market, oracle, is_buy))
    if len(user.order_ids) + 3 > market.config.max_orders_per_account:
        raise EngineError(ErrorCode.TOO_MANY_ORDERS, "too many open orders for a bracket")
    entry_type = OT_LIMIT if entry_price else OT_MARKET
    entry = Order(
        new_order_id(state),
        ix.authority,
        ix.sub_account,
        ix.market_index,
        ix.side,
        entry_type,
        ST_OPEN,
        ix.size,
        entry_price,
        client_order_id=ix.client_order_id,
        slot=ctx.slot,
    )
    take, stop = _exit_legs(state, ix, _opposite(ix.side), tp, sl, ST_PENDING_ENTRY, ctx.slot)
    take.parent_id = stop.parent_id = entry.order_id
    entry.child_ids = [take.order_id, stop.order_id]
    entry.auction_duration = 0 if entry_type == OT_LIMIT else market.config.auction_duration_slots
    for leg in (take, stop):
        state.orders[leg.order_id] = leg
        user.order_ids.append(leg.order_id)
        events.append(order_placed(leg))
    admit_order(state, market, user, entry, ctx, oracle, events)


def _check_parent(
    state: State,
    market: Market,
    user: UserAccount,
    ctx: Context,
    ix: PlaceTwapOrder | PlaceIcebergOrder,
    what: str,
    price: int,
) -> int:
    """The checks a TWAP or iceberg parent shares (reduce-only, market status, open interest, margin on
    its whole size at `price`, or at the band when it has none); returns the oracle price."""
    oracle = checked_oracle(market, ctx).price
    is_buy = ix.side == SIDE_BUY
    pos = user.positions.get(ix.market_index)
    if ix.reduce_only and reducible(pos.base if pos else 0, is_buy) == 0:
        raise EngineError(ErrorCode.REDUCE_ONLY_INCREASES, f"reduce-only {what} needs a position to reduce")
    market_guard(market, ix.reduce_only)
    if not ix.reduce_only:
        check_open_interest(market, pos.base if pos else 0, is_buy, ix.total_size)
        check_margin_for(state, market, user, ctx, is_buy, ix.total_size, price or band_price(market, oracle, is_buy))
    return oracle


def _parent(
    state: State,
    ix: PlaceTwapOrder | PlaceIcebergOrder,
    order_type: OrderType,
    price: int,
    display_size: int,
    slot: int,
) -> Order:
    """A TWAP or iceberg parent for the whole size; `display_size` is its chunk or slice."""
    return Order(
        new_order_id(state),
        ix.authority,
        ix.sub_account,
        ix.market_index,
        ix.side,
        order_type,
        ST_OPEN,
        ix.total_size,
        price,
        reduce_only=ix.reduce_only,
        client_order_id=ix.client_order_id,
        slot=slot,
        display_size=display_size,
    )


def _open_parent(state: State, market: Market, user: UserAccount, parent: Order, events: list[Event]) -> None:
    """A TWAP or iceberg parent joins the live state; it holds its whole size open until it is done."""
    state.orders[parent.order_id] = parent
    user.order_ids.append(parent.order_id)
    get_position(user, market)
    count_open(state, parent, parent.size)
    market.crank_ids.append(parent.order_id)
    events.append(order_placed(parent))


def place_twap_order(state: State, ix: PlaceTwapOrder, ctx: Context, events: list[Event]) -> None:
    market = get_market(state, ix.market_index)
    user = get_user(state, ix.authority, ix.sub_account)
    check_size(market, ix.total_size)
    if ix.interval_seconds <= 0 or ix.duration_seconds < ix.interval_seconds:
        raise EngineError(ErrorCode.INVALID_PARAMETER, "TWAP needs 0 < interval <= duration")
    limit = check_price(market, ix.price_limit, "price limit") if ix.price_limit is not None else 0
    _check_parent(state, market, user, ctx, ix, "TWAP", limit)
    chunks = ix.duration_seconds // ix.interval_seconds
    chunk = round_up_to(div_ceil(ix.total_size, chunks), market.config.step_size)
    parent = _parent(state, ix, OT_TWAP, limit, chunk, ctx.slot)
    parent.interval, parent.next_time, parent.end_time = (
        ix.interval_seconds,
        ctx.unix_time,
        ctx.unix_time + ix.duration_seconds,
    )
    _open_parent(state, market, user, parent, events)


def run_twap_chunk(state: State, parent: Order, ctx: Context, events: list[Event]) -> None:
    """Send the chunk that is due as an immediate market child bounded by the price limit."""
    market = state.markets[parent.market_index]
    user = state.users[(parent.authority, parent.sub_account)]
    is_buy = parent.side == SIDE_BUY
    last = ctx.unix_time >= parent.end_time - parent.interval
    chunk = parent.size - parent.filled if last else min(parent.display_size, parent.size - parent.filled)
    parent.next_time += parent.interval
    try:
        oracle = checked_oracle(market, ctx).price
        market_guard(market, parent.reduce_only)
    except EngineError as err:
        events.append(OrderRejected(parent.order_id, int(err.code), err.message))
        return
    limit = band_price(market, oracle, is_buy)
    if parent.price:
        limit = min(limit, parent.price) if is_buy else max(limit, parent.price)
    filled = execute_taker(state, market, user, parent, chunk, limit, oracle, ctx, True, limit, events)
    if filled:
        record_fill(state, parent, filled)
    if parent.status == ST_FILLED:
        close_order(state, parent, ST_FILLED, events)
    elif ctx.unix_time >= parent.end_time or last:
        close_order(state, parent, ST_CANCELLED, events, "TWAP window ended")


def place_iceberg_order(state: State, ix: PlaceIcebergOrder, ctx: Context, events: list[Event]) -> None:
    market = get_market(state, ix.market_index)
    user = get_user(state, ix.authority, ix.sub_account)
    check_size(market, ix.total_size)
    check_size(market, ix.display_size)
    if ix.display_size > ix.total_size:
        raise EngineError(ErrorCode.INVALID_PARAMETER, "iceberg display size exceeds the total")
    price = check_price(market, ix.price)
    oracle = _check_parent(state, market, user, ctx, ix, "iceberg", price)
    parent = _parent(state, ix, OT_ICEBERG, price, ix.display_size, ctx.slot)
    _open_parent(state, market, user, parent, events)
    refill_iceberg(state, parent, ctx, oracle, events)
