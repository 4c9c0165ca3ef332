"""Matching a taker against resting orders, JIT quotes and the AMM curve, best price first.

Quote flows round against each user: a buyer pays notional rounded up, a seller receives it
rounded down, and the difference goes to the market's fee pool, so every unit is accounted for.
"""

from __future__ import annotations

from .constants import BASE_PRECISION, PERCENTAGE_PRECISION
from .context import Context
from .enums import OrderStatus, OrderType
from .events import AMM_MAKER, OrderFilled, PositionChanged
from .math import amm
from .repeg import curve
from .math.fixed import div_ceil
from .math.funding import update_twap
from .math.margin import FILL
from .orders import close_order, record_fill
from .positions import (
    USDC,
    apply_amm_fill,
    apply_user_fill,
    credit,
    get_position,
    reducible,
    settle_funding,
)
from .risk import free_collateral
from .state import JitQuote, Market, Order, State, UserAccount

OT_ICEBERG = OrderType.ICEBERG
OT_TWAP = OrderType.TWAP
ST_CANCELLED = OrderStatus.CANCELLED
ST_FILLED = OrderStatus.FILLED

BOOK, JIT, AMM = 0, 1, 2


def charge_fee(market: Market, user: UserAccount, pos, quote: int, rate: int) -> int:
    fee = div_ceil(quote * rate, PERCENTAGE_PRECISION) if rate > 0 else 0
    if fee:
        credit(user, -fee)
        pos.fees_paid += fee
        market.fee_pool += fee
    return fee


def _note_mark(market: Market, price: int, now: int) -> None:
    market.mark_twap = update_twap(
        market.mark_twap, market.mark_twap_time, price, now, market.config.funding_interval
    )
    market.mark_twap_time = now


def _jit_price(oracle: int, quote: JitQuote, is_buy: bool) -> int:
    if is_buy:
        return div_ceil(oracle * (PERCENTAGE_PRECISION + quote.fee_rate), PERCENTAGE_PRECISION)
    return oracle * (PERCENTAGE_PRECISION - quote.fee_rate) // PERCENTAGE_PRECISION


def _best_jit(
    market: Market, oracle: int, is_buy: bool, limit: int, taker_key
) -> tuple[int, JitQuote | None]:
    best_price, best = 0, None
    for quote in market.jit_makers:
        if quote.amount <= 0 or (quote.authority, quote.sub_account) == taker_key:
            continue
        price = _jit_price(oracle, quote, is_buy)
        if (price <= limit if is_buy else price >= limit) and (
            best is None or (price < best_price if is_buy else price > best_price)
        ):
            best_price, best = price, quote
    return best_price, best


def execute_taker(
    state: State,
    market: Market,
    user: UserAccount,
    *,
    is_buy: bool,
    size: int,
    limit: int,
    taker_order_id: int,
    oracle: int,
    ctx: Context,
    use_amm: bool,
    jit_limit: int,
    reduce_only: bool,
    events: list,
) -> int:
    """Fill up to `size` at prices no worse than `limit`; returns the base filled.

    JIT quotes take part only up to `jit_limit` (0 = not at all: limit orders and finished auctions
    skip them). The AMM fills between better-priced resting orders, never past `limit`.
    """
    cfg = market.config
    market_index = cfg.market_index
    ctx_slot, now = ctx.slot, ctx.unix_time
    pos = user.positions.get(market_index) or get_position(user, market)
    if pos.base and pos.last_cumulative_funding != (
        market.cumulative_funding_rate_long if pos.base > 0 else market.cumulative_funding_rate_short
    ):  # funding_pending, inlined on the fill path
        settle_funding(market, user, pos, events)
    key = (user.authority, user.sub_account)
    step = cfg.step_size
    remaining = size
    filled = 0
    taker_fee_rate, maker_fee_rate = cfg.taker_fee, cfg.maker_fee
    realized_total = 0
    refills: list[Order] = []
    while remaining > 0:
        if reduce_only:
            remaining = min(remaining, reducible(pos.base, is_buy))
            if remaining <= 0:
                break
        source, price = -1, 0
        prices = market.ask_prices if is_buy else market.bid_prices
        if prices:
            book_price = prices[0] if is_buy else prices[-1]
            if book_price <= limit if is_buy else book_price >= limit:
                source, price = BOOK, book_price
        jit_quote = None
        if jit_limit and market.jit_makers:
            jit_price, jit_quote = _best_jit(market, oracle, is_buy, jit_limit, key)
            if jit_quote is not None and (source < 0 or (jit_price < price if is_buy else jit_price > price)):
                source, price = JIT, jit_price
        if use_amm and cfg.amm_depth:
            cap = price if source >= 0 else limit
            peg, depth, amm_base, spread = curve(market, oracle)
            if is_buy:
                amm_price = amm.ask_price(peg, depth, amm_base, spread)
                better = amm_price > 0 and (source < 0 or amm_price < price)
                amm_qty = amm.max_buy(peg, depth, amm_base, spread, cap) if better else 0
            else:
                amm_price = amm.bid_price(peg, depth, amm_base, spread)
                better = amm_price > 0 and (source < 0 or amm_price > price)
                amm_qty = amm.max_sell(peg, depth, amm_base, spread, cap) if better else 0
            amm_qty -= amm_qty % step
            if amm_qty > 0:
                source = AMM
        if source < 0:
            break
        if source == BOOK:
            maker = state.orders[(market.asks if is_buy else market.bids)[price][0]]
            maker_key = (maker.authority, maker.sub_account)
            if maker_key == key:
                close_order(state, maker, ST_CANCELLED, events, "self-trade prevention")
                continue
            maker_user = state.users[maker_key]
            maker_pos = maker_user.positions.get(market_index) or get_position(maker_user, market)
            qty = maker.size - maker.filled
            qty = min(qty, remaining)
            if maker.reduce_only:
                qty = min(qty, reducible(maker_pos.base, not is_buy))
                if qty <= 0:
                    close_order(state, maker, ST_CANCELLED, events, "reduce-only order would increase")
                    continue
            realized_total += _trade_users(
                market, user, pos, maker_user, maker_pos, is_buy, qty, price, events
            )
            maker_fee = 0
            if maker_fee_rate:  # rounded up, like every fee
                maker_fee = -(
                    (-(qty * price // BASE_PRECISION) * maker_fee_rate) // PERCENTAGE_PRECISION
                )  # up
                maker_user.balances[USDC] = maker_user.balances.get(USDC, 0) - maker_fee
                maker_pos.fees_paid += maker_fee
                market.fee_pool += maker_fee
            record_fill(state, maker, qty, maker_pos)
            maker_id = maker.order_id
            if maker.link_id or maker.parent_id or maker.child_ids:
                on_fill(state, maker, qty, events, refills)
            if maker.status == ST_FILLED:
                close_order(state, maker, ST_FILLED, events)
            if refills:
                _refill(state, refills, ctx, oracle, events)  # the next slice joins the back of the level now
            maker_auth, maker_sub = maker_key
            quote = -((-qty * price) // BASE_PRECISION) if is_buy else qty * price // BASE_PRECISION
        elif source == JIT:
            assert jit_quote is not None
            maker_user = state.users[(jit_quote.authority, jit_quote.sub_account)]
            maker_pos = get_position(maker_user, market)
            qty = min(remaining, jit_quote.amount)
            qty -= qty % step
            if qty > 0:
                paid = div_ceil(qty * price, BASE_PRECISION)
                fee = div_ceil(paid * cfg.maker_fee, PERCENTAGE_PRECISION)
                if is_buy:  # the JIT maker sells
                    d_base, d_quote = -qty, qty * price // BASE_PRECISION - fee
                else:
                    d_base, d_quote = qty, -paid - fee
                if free_collateral(state, maker_user, ctx, cfg.market_index, d_base, d_quote, FILL) < 0:
                    qty = 0  # the JIT maker cannot carry this fill: its quote is withdrawn
            if qty <= 0:
                jit_quote.amount = 0
                continue
            jit_quote.amount -= qty
            realized_total += _trade_users(
                market, user, pos, maker_user, maker_pos, is_buy, qty, price, events
            )
            maker_fee = charge_fee(
                market, maker_user, maker_pos, qty * price // BASE_PRECISION, cfg.maker_fee
            )
            maker_id, maker_auth, maker_sub = 0, jit_quote.authority, jit_quote.sub_account
            quote = (
                (qty * price + BASE_PRECISION - 1) // BASE_PRECISION
                if is_buy
                else qty * price // BASE_PRECISION
            )
        else:
            qty = min(remaining, amm_qty)
            if is_buy:
                quote = amm.buy_cost(*curve(market, oracle), qty)
                realized_total += apply_user_fill(market, user, pos, qty, -quote)
                apply_amm_fill(market, -qty, quote)
            else:
                quote = amm.sell_proceeds(*curve(market, oracle), qty)
                realized_total += apply_user_fill(market, user, pos, -qty, quote)
                apply_amm_fill(market, qty, -quote)
            price = quote * BASE_PRECISION // qty
            maker_fee, maker_id, maker_auth, maker_sub = 0, 0, AMM_MAKER, 0
        taker_fee = 0
        if taker_fee_rate:
            taker_fee = -((-quote * taker_fee_rate) // PERCENTAGE_PRECISION)  # rounded up
            user.balances[USDC] = user.balances.get(USDC, 0) - taker_fee
            pos.fees_paid += taker_fee
            market.fee_pool += taker_fee
        events.append(
            OrderFilled(
                cfg.market_index,
                taker_order_id,
                maker_id,
                user.authority,
                user.sub_account,
                maker_auth,
                maker_sub,
                0 if is_buy else 1,
                qty,
                quote,
                price,
                taker_fee,
                maker_fee,
                ctx_slot,
            )
        )
        if market.mark_twap_time != now or market.mark_twap == 0:
            _note_mark(market, price, now)  # the mark TWAP takes one print per second
        remaining -= qty
        filled += qty
    if filled:
        events.append(
            PositionChanged(
                user.authority, user.sub_account, cfg.market_index, pos.base, pos.quote_entry, realized_total
            )
        )
    return filled


def _refill(state: State, refills: list[Order], ctx: Context, oracle: int, events: list) -> None:
    if refills:
        from .advanced import refill_iceberg  # advanced builds on this module

        for parent in refills:
            refill_iceberg(state, parent, ctx, oracle, events)
        refills.clear()


def _trade_users(
    market, taker, taker_pos, maker, maker_pos, is_buy: bool, qty: int, price: int, events
) -> int:
    """Book fill between two users; returns the taker's realized pnl."""
    base = maker_pos.base
    if base and maker_pos.last_cumulative_funding != (
        market.cumulative_funding_rate_long if base > 0 else market.cumulative_funding_rate_short
    ):  # funding_pending, inlined on the fill path
        settle_funding(market, maker, maker_pos, events)
    notional = qty * price
    paid = -((-notional) // BASE_PRECISION)  # the buyer pays rounded up
    received = notional // BASE_PRECISION  # the seller receives rounded down
    market.fee_pool += paid - received  # rounding dust, against both users
    if is_buy:
        taker_realized = apply_user_fill(market, taker, taker_pos, qty, -paid)
        realized = apply_user_fill(market, maker, maker_pos, -qty, received)
    else:
        taker_realized = apply_user_fill(market, taker, taker_pos, -qty, received)
        realized = apply_user_fill(market, maker, maker_pos, qty, -paid)
    events.append(
        PositionChanged(
            maker.authority,
            maker.sub_account,
            market.config.market_index,
            maker_pos.base,
            maker_pos.quote_entry,
            realized,
        )
    )
    return taker_realized


def on_fill(state: State, order: Order, qty: int, events: list, refills: list[Order]) -> None:
    """Linked-order consequences of a fill: bracket legs arm, OCO siblings cancel, icebergs refill."""
    if order.child_ids and order.order_type != OT_ICEBERG and order.order_type != OT_TWAP:
        from .advanced import arm_bracket_legs

        arm_bracket_legs(state, order, events)
    if order.link_id:
        sibling = state.orders.get(order.link_id)
        if sibling is not None:
            close_order(state, sibling, ST_CANCELLED, events, "other side of OCO filled")
    if order.parent_id:
        parent = state.orders.get(order.parent_id)
        if parent is not None and parent.order_type == OT_ICEBERG:
            record_fill(state, parent, qty)
            if parent.status == ST_FILLED:
                close_order(state, parent, ST_FILLED, events)
            elif order.status == ST_FILLED:
                refills.append(parent)


def match_resting_against_amm(state: State, market: Market, oracle: int, ctx: Context, events: list) -> None:
    """Resting limit orders the curve now crosses fill at the curve's price (they are the makers)."""
    cfg = market.config
    if not cfg.amm_depth:
        return
    slot, now = ctx.slot, ctx.unix_time
    refills: list[Order] = []
    for is_buy in (True, False):
        while True:
            prices = market.bid_prices if is_buy else market.ask_prices
            if not prices:
                break
            limit = prices[-1] if is_buy else prices[0]
            if is_buy:
                qty_max = amm.max_buy(*curve(market, oracle), limit)
            else:
                qty_max = amm.max_sell(*curve(market, oracle), limit)
            qty_max -= qty_max % cfg.step_size
            if qty_max <= 0:
                break
            order = state.orders[(market.bids if is_buy else market.asks)[limit][0]]
            user = state.users[(order.authority, order.sub_account)]
            pos = get_position(user, market)
            settle_funding(market, user, pos, events)
            qty = min(qty_max, order.size - order.filled)
            if order.reduce_only:
                qty = min(qty, reducible(pos.base, is_buy))
                if qty <= 0:
                    close_order(state, order, ST_CANCELLED, events, "reduce-only order would increase")
                    continue
            if is_buy:
                quote = amm.buy_cost(*curve(market, oracle), qty)
                realized = apply_user_fill(market, user, pos, qty, -quote)
                apply_amm_fill(market, -qty, quote)
            else:
                quote = amm.sell_proceeds(*curve(market, oracle), qty)
                realized = apply_user_fill(market, user, pos, -qty, quote)
                apply_amm_fill(market, qty, -quote)
            fee = charge_fee(market, user, pos, quote, cfg.maker_fee)
            price = quote * BASE_PRECISION // qty
            events.append(
                OrderFilled(
                    cfg.market_index,
                    0,
                    order.order_id,
                    AMM_MAKER,
                    0,
                    order.authority,
                    order.sub_account,
                    1 if is_buy else 0,
                    qty,
                    quote,
                    price,
                    0,
                    fee,
                    slot,
                )
            )
            events.append(
                PositionChanged(
                    user.authority, user.sub_account, cfg.market_index, pos.base, pos.quote_entry, realized
                )
            )
            _note_mark(market, price, now)
            record_fill(state, order, qty)
            on_fill(state, order, qty, events, refills)
            if order.status == ST_FILLED:
                close_order(state, order, ST_FILLED, events)
            _refill(state, refills, ctx, oracle, events)
